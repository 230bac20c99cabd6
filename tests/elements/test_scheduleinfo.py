"""ScheduleInfo: Click's scheduling parameters, as shares of each round's budget."""
from __future__ import annotations

import logging

import pytest

from both_ways import run_both_ways
from clickpy.check import check_graph
from clickpy.compile.tickets import task_tickets
from clickpy.diagnostics import SourcePos
from clickpy.graph import build_graph
from clickpy.lang import parse_text
from clickpy.runtime.router import Router
from element_args import ArgsAt

A = ArgsAt(SourcePos("t.click", 3, 10))

COMPOUND = """
elementclass Compound {
  i :: InfiniteSource(LIMIT 50) -> output;
  ScheduleInfo(i 0.5);
}
c :: Compound -> Discard;
other :: InfiniteSource(LIMIT 50) -> Discard;
"""


def checked(text: str):
    result = check_graph(build_graph(parse_text(text, "t.click", yaml=False)))
    assert result.ok, [d.format() for d in result.errors]
    return result.graph


def tickets(text: str, *names: str) -> list[int]:
    t = task_tickets(checked(text), names)
    return [t[n] for n in names]


def test_parameters_are_clicks_fixed_point_and_checked():
    assert A.ok("ScheduleInfo", "a 1, b 0.5, c .25, d 2")["PARAM"] == [
        ("a", 1024), ("b", 512), ("c", 256), ("d", 2048)]
    assert A.ok("ScheduleInfo", "")["PARAM"] in (None, [])
    for bad in ("a", "a b", "a -1", "a 1 2"):
        issue = A.issue("ScheduleInfo", bad)
        assert f"expected 'ELEMENTNAME PARAM', got '{bad}'" in issue.message
        assert issue.hint


def test_compound_parameters_multiply_and_outer_names_override_as_click_documents():
    # Click's own examples: the inner 0.5 scaled by the compound's 4 is 2 ...
    assert tickets(COMPOUND + "ScheduleInfo(c 4);", "c/i", "other") == [2048, 1024]
    # ... and an outer ScheduleInfo naming the component replaces it: 10.5, not 42.
    assert tickets(COMPOUND + "ScheduleInfo(c 4, c/i 10.5);", "c/i") == [10752]
    assert tickets(COMPOUND, "c/i", "other") == [512, 1024]
    # Names of elements without a task, or of no element, change nothing.
    assert tickets(COMPOUND + "ScheduleInfo(nobody 3, other 1);", "other") == [1024]


def test_more_than_32_is_reduced_to_32(caplog):
    with caplog.at_level(logging.WARNING, logger="clickpy.compile.tickets"):
        assert tickets(COMPOUND + "ScheduleInfo(c 100);", "c/i") == [32768]
    assert "ScheduleInfo too high; reduced to 32" in caplog.text


def test_a_task_runs_in_proportion_to_its_parameter():
    r = Router(checked("""
        a :: InfiniteSource(LIMIT 4000, STOP true) -> ca :: Counter -> Discard;
        b :: InfiniteSource(LIMIT -1) -> cb :: Counter -> Discard;
        q :: Queue(100000);
        InfiniteSource(LIMIT -1, BURST 4) -> q;
        q -> u :: Unqueue(BURST 4) -> cu :: Counter -> Discard;
        off :: InfiniteSource(LIMIT -1) -> coff :: Counter -> Discard;
        ScheduleInfo(a 1, b 0.25, u 0.5, off 0);
    """))
    r.run()
    counts = {n: int(r.read(n, "count")) for n in ("ca", "cb", "cu", "coff")}
    assert counts["ca"] == 4000
    assert 999 <= counts["cb"] <= 1001            # BURST 1, a quarter of the schedulings
    assert 7990 <= counts["cu"] <= 8010           # BURST 4, half of them
    assert counts["coff"] == 0                    # parameter 0: never scheduled


def test_compiled_and_interpreted_runs_agree():
    config = ("a :: InfiniteSource(LIMIT 400, STOP true) -> ca :: Counter -> Discard;"
              " b :: InfiniteSource(LIMIT -1) -> cb :: Counter -> Discard;"
              " ScheduleInfo(b 0.75);")
    out = run_both_ways(config, "ca.count", "cb.count")
    assert "ca.count:\n400\n" in out and "cb.count:\n300\n" in out


def test_clicks_compound_device_idiom_checks():
    # mazu-nat.click's GatewayDevice: ScheduleInfo inside a compound, with a leading-dot
    # parameter, names the compound's own FromDevice and ToDevice.
    graph = checked("""
        elementclass GatewayDevice { $device |
          from :: FromDevice($device) -> output;
          input -> q :: Queue(1024) -> to :: ToDevice($device);
          ScheduleInfo(from .1, to 1);
        }
        d :: GatewayDevice(eth0) -> d;
    """)
    assert task_tickets(graph, ["d/from", "d/to"]) == {"d/from": 102, "d/to": 1024}


@pytest.mark.parametrize("text", ["ScheduleInfo(a 1) -> Discard", "Idle -> ScheduleInfo(a 1)"])
def test_it_has_no_ports(text):
    result = check_graph(build_graph(parse_text(text, "t.click", yaml=False)))
    assert not result.ok
