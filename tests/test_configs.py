"""Every shipped configuration checks clean, and survives conversion both ways."""
import glob
import os

import pytest

from clickpy.check import check_graph
from clickpy.graph import build_graph, same_graph
from clickpy.lang import load_file, parse_text
from clickpy.lang.click_writer import graph_to_click, scope_to_click
from clickpy.lang.yaml_writer import scope_to_yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CONFIGS = sorted(glob.glob(os.path.join(ROOT, "configs", "*.click"))
                 + glob.glob(os.path.join(ROOT, "configs", "*.yaml")))


def test_there_are_shipped_configurations():
    names = {os.path.basename(c) for c in CONFIGS}
    assert {"router.click", "router.yaml", "firewall.click", "firewall.yaml"} <= names


@pytest.mark.parametrize("path", CONFIGS, ids=os.path.basename)
def test_shipped_configuration_checks_clean(path):
    result = check_graph(build_graph(load_file(path)))
    assert result.diagnostics == [], "\n".join(d.format() for d in result.diagnostics)


@pytest.mark.parametrize("path", CONFIGS, ids=os.path.basename)
def test_round_trip_through_both_languages_preserves_the_graph(path):
    scope = load_file(path)
    original = build_graph(scope)
    as_yaml = scope_to_yaml(scope)
    via_yaml = parse_text(as_yaml, "x.yaml", yaml=True)
    assert same_graph(original, build_graph(via_yaml)), as_yaml
    as_click = scope_to_click(via_yaml)
    assert same_graph(original, build_graph(parse_text(as_click, "x.click", yaml=False))), as_click


@pytest.mark.parametrize("path", CONFIGS, ids=os.path.basename)
def test_flattened_output_is_the_same_graph(path):
    graph = check_graph(build_graph(load_file(path))).graph
    flat = graph_to_click(graph)
    assert same_graph(graph, build_graph(parse_text(flat, "flat.click", yaml=False))), flat


def test_click_and_yaml_versions_of_a_middlebox_agree():
    for name in ("router", "firewall"):
        a = build_graph(load_file(os.path.join(ROOT, "configs", f"{name}.click")))
        b = build_graph(load_file(os.path.join(ROOT, "configs", f"{name}.yaml")))
        assert same_graph(a, b), name
