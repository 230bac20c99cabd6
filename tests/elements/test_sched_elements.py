"""Declarations of the scheduling and shaping elements (Click's "scheduling" and "shaping")."""
from __future__ import annotations

import pytest

from clickpy.args import ParseContext, parse_args, split_config
from clickpy.diagnostics import SourcePos
from clickpy.element import PULL, PUSH, PortRange, registry

POS = SourcePos("q.click", 7, 5)
E = registry()


def parse(name, text):
    cls = E[name]
    return parse_args(cls.class_name, cls.args, split_config(text, POS), ParseContext(), POS)


def ok(name, text):
    values, issues = parse(name, text)
    assert issues == [], issues
    assert E[name].check_config(values, ParseContext()) == []
    return values


def issue(name, text):
    values, issues = parse(name, text)
    if not issues:
        issues = E[name].check_config(values, ParseContext())
    assert len(issues) == 1, issues
    return issues[0]


def at(col):
    return SourcePos("q.click", 7, col)


@pytest.mark.parametrize("name, ports, processing", [
    ("Unqueue", "1/1", "l/h"),
    ("RatedUnqueue", "1/1", "l/h"),
    ("BandwidthRatedUnqueue", "1/1", "l/h"),
    ("RoundRobinSched", "-/1", "l/l"),
    ("PrioSched", "-/1", "l/l"),
    ("Shaper", "1/1", "l/l"),
    ("BandwidthShaper", "1/1", "l/l"),
])
def test_declaration_matches_click(name, ports, processing):
    cls = E[name]
    assert (cls.class_name, cls.port_count, cls.processing, cls.family()) == \
        (name, ports, processing, "sched")


def test_processing_and_ports_parse():
    u = E["Unqueue"].processing_code()
    assert (u.input(0), u.output(0)) == (PULL, PUSH)
    rr = E["RoundRobinSched"]
    assert rr.ports().inputs == PortRange(0, None) and rr.ports().outputs == PortRange(1, 1)
    assert rr.processing_code().input(5) == PULL
    assert not rr.is_source()


def test_unqueue_burst_and_keywords():
    assert ok("Unqueue", "") == {"BURST": 1, "ACTIVE": True, "LIMIT": -1}
    assert ok("Unqueue", "-1, LIMIT 100, ACTIVE false") == \
        {"BURST": -1, "ACTIVE": False, "LIMIT": 100}
    i = issue("Unqueue", "ACTIVE later")
    assert (i.message, i.pos) == ("ACTIVE: 'later' is not a boolean", at(12))
    assert {h.name for h in E["Unqueue"].handlers} == \
        {"count", "reset", "reset_counts", "active", "limit", "burst"}


def test_ratedunqueue_rate_and_burst():
    v = ok("RatedUnqueue", "1000, BURST_DURATION 50ms")
    assert v["RATE"] == 1000 and v["BURST_DURATION"] == pytest.approx(0.05)
    assert ok("RatedUnqueue", "RATE 10, BURST_SIZE 4")["BURST_SIZE"] == 4


def test_ratedunqueue_errors():
    i = issue("RatedUnqueue", "")
    assert (i.message, i.pos, i.hint) == (
        "missing argument RATE (packet rate)", POS,
        "usage: RatedUnqueue(RATE, [BURST_DURATION value, BURST_SIZE value])")
    i = issue("RatedUnqueue", "10, BURST_DURATION 1s, BURST_SIZE 3")
    assert (i.message, i.pos) == ("cannot specify both BURST_DURATION and BURST_SIZE", None)
    i = issue("RatedUnqueue", "10Mbps")
    assert (i.message, i.pos) == ("RATE: '10Mbps' is not a packet rate", at(5))


def test_bandwidthratedunqueue_takes_a_bandwidth():
    v = ok("BandwidthRatedUnqueue", "8Mbps, BURST_BYTES 3000")
    assert (v["RATE"], v["BURST_BYTES"]) == (1_000_000.0, 3000)
    i = issue("BandwidthRatedUnqueue", "1Mbps, BURST_DURATION 1ms, BURST_BYTES 1")
    assert i.message == "cannot specify both BURST_DURATION and BURST_BYTES"
    i = issue("BandwidthRatedUnqueue", "1Mbps, BURST_SIZE 3")
    assert (i.message, i.pos) == ("unknown keyword BURST_SIZE", at(12))
    i = issue("BandwidthRatedUnqueue", "10 Mbits")
    assert (i.message, i.pos) == \
        ("RATE: '10 Mbits' is not a bandwidth: unknown unit 'Mbits'", at(5))


def test_schedulers_take_no_arguments():
    assert ok("RoundRobinSched", "") == {} and ok("PrioSched", "") == {}
    i = issue("PrioSched", "2")
    assert (i.message, i.pos) == ("too many arguments: PrioSched takes no positional arguments",
                                  at(5))


def test_shapers():
    assert ok("Shaper", "1000") == {"RATE": 1000}
    assert ok("BandwidthShaper", "1MBps") == {"RATE": 1_000_000.0}
    assert ok("BandwidthShaper", "RATE 80kbps") == {"RATE": 10_000.0}
    i = issue("Shaper", "1e3x")
    assert (i.message, i.pos) == ("RATE: '1e3x' is not a packet rate", at(5))
    assert issue("BandwidthShaper", "").message == "missing argument RATE (bandwidth)"
    assert {h.name: h.write for h in E["BandwidthShaper"].handlers} == \
        {"rate": True, "config": False}
