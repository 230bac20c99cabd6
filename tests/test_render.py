"""Drawing graphs: DOT text, the layered layout, and the output engines."""
from __future__ import annotations

import shutil

import networkx as nx
import pytest

from clickpy import render as render_mod
from clickpy.diagnostics import SourcePos
from clickpy.element import Element
from clickpy.render import (RenderError, edge_processing, graph_to_dot, layered_layout, layers,
                            port_counts, record_label, render)


def P(line: int) -> SourcePos:
    return SourcePos("t.click", line, 1)


def router() -> nx.MultiDiGraph:
    """src -> c :: Classifier; c[0] -> q :: Queue -> td; c[1] -> Discard; checked attributes set."""
    g = nx.MultiDiGraph()

    def node(name, cls, line, **attrs):
        g.add_node(name, class_name=cls, config=attrs.pop("config", None), pos=P(line),
                   anonymous="@" in name, element=None, **attrs)

    node("src", "FromDevice", 1, config="eth0", n_inputs=0, n_outputs=1, out_processing=["push"])
    node("c", "Classifier", 2, config="12/0800, -", n_inputs=1, n_outputs=2,
         in_processing=["push"], out_processing=["push", "push"])
    node("q", "Queue", 3, n_inputs=1, n_outputs=1, in_processing=["push"], out_processing=["pull"])
    node("td", "ToDevice", 4, config="eth1", n_inputs=1, n_outputs=0, in_processing=["pull"])
    node("Discard@5", "Discard", 5, n_inputs=1, n_outputs=0, in_processing=["agnostic"])

    def edge(u, sp, v, dp, line):
        g.add_edge(u, v, key=(sp, dp), src_port=sp, dst_port=dp, pos=P(line), dst_pos=P(line))
    edge("q", 0, "td", 0, 8)
    edge("src", 0, "c", 0, 6)
    edge("c", 0, "q", 0, 7)
    edge("c", 1, "Discard@5", 0, 9)
    return g


# ---------------------------------------------------------------------------
# DOT

def test_record_has_inputs_on_top_title_and_outputs_below():
    g = router()
    assert record_label(g, "c") == r"{{<i0> 0}|c\ ::\ Classifier|{<o0> 0|<o1> 1}}"
    assert record_label(g, "src") == r"{src\ ::\ FromDevice|{<o0> 0}}"
    assert record_label(g, "td") == r"{{<i0> 0}|td\ ::\ ToDevice}"


def test_dot_edges_join_port_fields_and_show_push_pull_agnostic():
    dot = graph_to_dot(router())
    assert dot.startswith('digraph "clickpy" {\n')
    assert '  "src":o0:s -> "c":i0:n [style=solid, color="black"];' in dot
    assert '  "q":o0:s -> "td":i0:n [style=dashed, color="#1f5fbf"];' in dot
    # Classifier output 1 is push, so the edge is push even though Discard is agnostic.
    assert '  "c":o1:s -> "Discard@5":i0:n [style=solid, color="black"];' in dot
    assert '  "c" [label="{{<i0> 0}|c\\ ::\\ Classifier|{<o0> 0|<o1> 1}}", ' \
           'tooltip="c :: Classifier(12/0800, -)"];' in dot
    # Edges come in source order, nodes too.
    edge_lines = [line for line in dot.splitlines() if ":s -> " in line]
    assert [line.split(" -> ")[0].strip() for line in edge_lines] == \
        ['"src":o0:s', '"c":o0:s', '"q":o0:s', '"c":o1:s']
    assert dot.index('"src" [') < dot.index('"c" [') < dot.index('"Discard@5" [')


def test_dot_has_a_legend_for_the_three_line_styles():
    dot = graph_to_dot(router())
    assert "subgraph cluster_legend {" in dot
    assert 'legend_0_a -> legend_0_b [style=solid, color="black", label=" push"];' in dot
    assert 'legend_1_a -> legend_1_b [style=dashed, color="#1f5fbf", label=" pull"];' in dot
    assert 'legend_2_a -> legend_2_b [style=dotted, color="#888888", ' \
           'label=" agnostic (unresolved)"];' in dot


def test_unresolved_agnostic_edge_is_dotted():
    g = nx.MultiDiGraph()
    g.add_node("a", class_name="Counter", config=None, pos=P(1), anonymous=False, element=None)
    g.add_node("b", class_name="Counter", config=None, pos=P(2), anonymous=False, element=None)
    g.add_edge("a", "b", key=(0, 0), src_port=0, dst_port=0, pos=P(3), dst_pos=P(3))
    assert edge_processing(g, "a", "b", g["a"]["b"][(0, 0)]) == "agnostic"
    assert '"a":o0:s -> "b":i0:n [style=dotted, color="#888888"];' in graph_to_dot(g)


class _PushInPullOut(Element, abstract=True):    # abstract: not registered
    processing = "h/l"


def test_unchecked_graph_takes_processing_from_the_element_class():
    queue = _PushInPullOut
    g = nx.MultiDiGraph()
    g.add_node("q", class_name="Queue", config=None, pos=P(1), anonymous=False, element=queue)
    g.add_node("x", class_name="Unknown", config=None, pos=P(2), anonymous=False, element=None)
    g.add_edge("q", "x", key=(0, 0), src_port=0, dst_port=0, pos=P(3), dst_pos=P(3))
    g.add_edge("x", "q", key=(0, 0), src_port=0, dst_port=0, pos=P(4), dst_pos=P(4))
    assert edge_processing(g, "q", "x", g["q"]["x"][(0, 0)]) == "pull"
    assert edge_processing(g, "x", "q", g["x"]["q"][(0, 0)]) == "push"


def test_port_counts_fall_back_to_the_highest_port_connected():
    g = nx.MultiDiGraph()
    for n in "ab":
        g.add_node(n, class_name="X", config=None, pos=P(1), anonymous=False, element=None)
    g.add_edge("a", "b", key=(2, 1), src_port=2, dst_port=1, pos=P(2), dst_pos=P(2))
    assert port_counts(g, "a") == (0, 3)
    assert port_counts(g, "b") == (2, 0)
    assert record_label(g, "b") == r"{{<i0> 0|<i1> 1}|b\ ::\ X}"


def test_record_syntax_characters_in_labels_are_escaped():
    g = nx.MultiDiGraph()
    g.add_node("a", class_name="Odd{|<>}", config='x "y" \\<0800>', pos=P(1), anonymous=False,
               element=None)
    assert record_label(g, "a") == r"{a\ ::\ Odd\{\|\<\>\}}"
    assert 'tooltip="a :: Odd{|<>}(x \\"y\\" \\\\<0800>)"' in graph_to_dot(g)


# ---------------------------------------------------------------------------
# Layered layout

def test_layers_are_topological_generations_left_to_right():
    g = router()
    assert layers(g) == {"src": 0, "c": 1, "q": 2, "Discard@5": 2, "td": 3}
    pos = layered_layout(g)
    assert [pos[n][0] for n in ("src", "c", "q", "td")] == [0.0, 1.0, 2.0, 3.0]
    assert pos["q"][0] == pos["Discard@5"][0] and pos["q"][1] != pos["Discard@5"][1]


def test_cycles_are_broken_where_they_close():
    g = router()
    g.add_edge("td", "c", key=(0, 0), src_port=0, dst_port=0, pos=P(10), dst_pos=P(10))
    g.nodes["td"]["n_outputs"] = 1
    assert layers(g) == {"src": 0, "c": 1, "q": 2, "Discard@5": 2, "td": 3}
    ring = nx.MultiDiGraph()
    for i, n in enumerate("xyz"):
        ring.add_node(n, class_name="X", config=None, pos=P(i + 1), anonymous=False, element=None)
    for u, v in ("xy", "yz", "zx"):
        ring.add_edge(u, v, key=(0, 0), src_port=0, dst_port=0, pos=None, dst_pos=None)
    assert layers(ring) == {"x": 0, "y": 1, "z": 2}


# ---------------------------------------------------------------------------
# Output

def test_render_dot_writes_the_dot_text(tmp_path):
    out = tmp_path / "g.dot"
    render(router(), str(out))
    assert out.read_text() == graph_to_dot(router())


@pytest.mark.skipif(shutil.which("dot") is None, reason="graphviz dot is not installed")
@pytest.mark.parametrize("suffix", [".svg", ".png"])
def test_render_with_graphviz(tmp_path, suffix):
    out = tmp_path / f"g{suffix}"
    render(router(), str(out), engine="dot")
    data = out.read_bytes()
    if suffix == ".png":
        assert data.startswith(b"\x89PNG\r\n\x1a\n")
    else:
        text = data.decode()
        assert "<svg" in text and "Classifier" in text and "Discard@5" in text


@pytest.mark.parametrize("suffix", [".svg", ".png"])
def test_render_with_matplotlib(tmp_path, suffix):
    pytest.importorskip("matplotlib")
    out = tmp_path / f"g{suffix}"
    g = router()
    g.add_edge("td", "c", key=(0, 0), src_port=0, dst_port=0, pos=P(10), dst_pos=P(10))  # a loop
    g.add_edge("c", "c", key=(1, 0), src_port=1, dst_port=0, pos=P(11), dst_pos=P(11))    # self
    render(g, str(out), engine="matplotlib")
    data = out.read_bytes()
    if suffix == ".png":
        assert data.startswith(b"\x89PNG\r\n\x1a\n")
    else:
        text = data.decode()
        for word in ("Classifier", "Discard@5", "0\u21920", "1\u21920", "pull", "legend"):
            assert word in text, word


def test_auto_uses_matplotlib_when_dot_is_missing(tmp_path, monkeypatch):
    pytest.importorskip("matplotlib")
    monkeypatch.setattr(render_mod.shutil, "which", lambda name: None)
    out = tmp_path / "g.png"
    render(router(), str(out))
    assert out.read_bytes().startswith(b"\x89PNG")


def test_nothing_to_draw_with_is_a_render_error(tmp_path, monkeypatch):
    monkeypatch.setattr(render_mod.shutil, "which", lambda name: None)
    monkeypatch.setattr(render_mod, "_have_matplotlib", lambda: False)
    with pytest.raises(RenderError) as info:
        render(router(), str(tmp_path / "g.svg"))
    assert info.value.message == (f"cannot draw {tmp_path / 'g.svg'}: "
                                  "neither graphviz nor matplotlib is installed")
    assert "apt-get install graphviz" in info.value.hint and "pip install matplotlib" in info.value.hint
    with pytest.raises(RenderError) as info:
        render(router(), str(tmp_path / "g.svg"), engine="dot")
    assert info.value.message == "graphviz 'dot' is not installed"
    assert info.value.hint.startswith("apt-get install graphviz")
    with pytest.raises(RenderError) as info:
        render(router(), str(tmp_path / "g.svg"), engine="matplotlib")
    assert (info.value.message, info.value.hint) == ("matplotlib is not installed",
                                                     "pip install matplotlib")
    assert not (tmp_path / "g.svg").exists()


def test_render_errors_for_bad_requests(tmp_path):
    with pytest.raises(RenderError) as info:
        render(router(), str(tmp_path / "g.jpeg"))
    assert info.value.message == f"cannot tell the drawing format of {str(tmp_path / 'g.jpeg')!r}"
    with pytest.raises(RenderError) as info:
        render(router(), str(tmp_path / "g.dot"), engine="neato")
    assert info.value.message == "unknown drawing engine 'neato'"
    with pytest.raises(RenderError) as info:
        render(router(), str(tmp_path / "missing" / "g.dot"))
    assert info.value.message.startswith(f"cannot write {tmp_path / 'missing' / 'g.dot'}: ")


def test_render_error_is_not_a_config_error():
    from clickpy.diagnostics import ConfigError
    assert not issubclass(RenderError, ConfigError)
