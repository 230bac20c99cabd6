"""Declarations of the standard elements: arguments parse as Click's configure() does."""
from __future__ import annotations

import ipaddress

import networkx as nx
import pytest

from clickpy.args import ParseContext, parse_args, split_config
from clickpy.argtypes.handler_calls import HandlerCall
from clickpy.argtypes.packet_annotations import PAINT_ANNOTATION, AnnotationRef
from clickpy.diagnostics import SourcePos
from clickpy.element import PAINT, AGNOSTIC, PULL, PUSH, PortRange, registry

POS = SourcePos("t.click", 3, 10)
E = registry()


def parse(name, text, ctx=None):
    cls = E[name]
    return parse_args(cls.class_name, cls.args, split_config(text, POS), ctx or ParseContext(), POS)


def ok(name, text, ctx=None):
    values, issues = parse(name, text, ctx)
    assert issues == [], issues
    assert E[name].check_config(values, ctx or ParseContext()) == []
    return values


def issue(name, text, ctx=None):
    """The single problem found, by argument parsing or else by check_config."""
    values, issues = parse(name, text, ctx)
    if not issues:
        issues = E[name].check_config(values, ctx or ParseContext())
    assert len(issues) == 1, issues
    return issues[0]


def at(col, line=3):
    return SourcePos("t.click", line, col)


# ---- declarations -----------------------------------------------------------

@pytest.mark.parametrize("name, ports, processing, family", [
    ("Idle", "-/-", "a/a", "standard"),
    ("Null", "1/1", "a/a", "standard"),
    ("Paint", "1/1", "a/a", "standard"),
    ("PaintTee", "1/2", "a/ah", "standard"),
    ("CheckPaint", "1/1-2", "a/ah", "standard"),
    ("PaintSwitch", "1/-", "h/h", "standard"),
    ("Switch", "1/-", "h/h", "standard"),
    ("StaticSwitch", "1/-", "h/h", "standard"),
    ("RoundRobinSwitch", "1/1-", "h/h", "standard"),
    ("HashSwitch", "1/1-", "h/h", "standard"),
    ("RandomSample", "1/1-2", "a/ah", "standard"),
    ("Strip", "1/1", "a/a", "standard"),
    ("Unstrip", "1/1", "a/a", "standard"),
    ("Truncate", "1/1", "a/a", "standard"),
    ("Pad", "1/1", "a/a", "standard"),
    ("Print", "1/1", "a/a", "standard"),
    ("SimpleQueue", "1/1-2", "h/lh", "standard"),
    ("FrontDropQueue", "1/1-2", "h/lh", "standard"),
    ("InfiniteSource", "0/1", "a/a", "standard"),
    ("RatedSource", "0/1", "a/a", "standard"),
    ("PullTee", "1/1-", "l/lh", "standard"),
    ("AddressInfo", "0/0", "a/a", "standard"),
    ("ControlSocket", "0/0", "a/a", "standard"),
])
def test_declaration_matches_click(name, ports, processing, family):
    cls = E[name]
    assert (cls.class_name, cls.port_count, cls.processing, cls.family()) == \
        (name, ports, processing, family)
    assert cls.summary() and cls.summary()[0].isupper()


def test_port_counts_and_processing_parse():
    assert E["Idle"].ports().inputs == PortRange(0, None)
    assert E["Idle"].ports().outputs == PortRange(0, None)
    assert E["Idle"].flow().flows(0, 0) is False
    assert E["CheckPaint"].ports().outputs == PortRange(1, 2)
    assert E["PaintSwitch"].ports().outputs == PortRange(0, None)
    q = E["SimpleQueue"].processing_code()
    assert (q.input(0), q.output(0), q.output(1)) == (PUSH, PULL, PUSH)
    pt = E["PullTee"].processing_code()
    assert (pt.input(0), pt.output(0), pt.output(3)) == (PULL, PULL, PUSH)
    assert E["RandomSample"].processing_code().output(0) == AGNOSTIC


def test_sources_and_info_only():
    assert E["InfiniteSource"].is_source() and E["RatedSource"].is_source()
    assert not E["Idle"].is_source()
    assert E["AddressInfo"].info_only and not E["AddressInfo"].is_source()
    assert E["ControlSocket"].info_only and not E["ControlSocket"].is_source()


# ---- Paint family -------------------------------------------------------------

def test_paint_color_and_default_annotation():
    v = ok("Paint", "7")
    assert v == {"COLOR": 7, "ANNO": PAINT_ANNOTATION}
    assert PAINT_ANNOTATION == AnnotationRef("PAINT", 16, 1)
    assert E["Paint"].sets == {PAINT: (0,)}
    assert E["Paint"].sets_for(v) == {PAINT: (0,)}


def test_paint_other_annotation_by_name_or_offset():
    v = ok("Paint", "3, ICMP_PARAMPROB")
    assert v["ANNO"] == AnnotationRef("ICMP_PARAMPROB", 17, 1)
    assert E["Paint"].sets_for(v) == {}
    assert ok("Paint", "3, ANNO 40")["ANNO"] == AnnotationRef(None, 40, 1)


def test_paint_color_out_of_range():
    i = issue("Paint", "256")
    assert (i.message, i.pos, i.hint) == ("COLOR: 256 is out of range", at(10),
                                          "expected color in [0, 255]")


def test_paint_missing_color():
    i = issue("Paint", "")
    assert (i.message, i.pos) == ("missing argument COLOR (color)", POS)


def test_paint_annotation_of_wrong_size():
    i = issue("Paint", "1, ANNO DST_IP")
    assert i.message == "ANNO: DST_IP is a 4-byte annotation, but a 1-byte one is needed here"
    assert i.pos == at(18)


def test_paint_unknown_annotation_suggests_name():
    i = issue("Paint", "1, PAINTT")
    assert (i.message, i.pos, i.hint) == ("ANNO: unknown annotation 'PAINTT'", at(13),
                                          "did you mean PAINT?")


def test_paint_annotation_offset_past_annotation_area():
    i = issue("Paint", "1, 48")
    assert i.message == "ANNO: annotation offset 48 is outside the 48-byte annotation area"
    assert i.pos == at(13)


def test_painttee_and_checkpaint():
    assert ok("PaintTee", "7") == {"COLOR": 7, "ANNO": PAINT_ANNOTATION}
    assert ok("CheckPaint", "2, 17")["ANNO"] == AnnotationRef(None, 17, 1)
    # unpainted packets are legal (paint 0): ICMPError's packets reach PaintTee in Click's router
    assert E["PaintTee"].requires == {} and E["CheckPaint"].requires == {}
    i = issue("CheckPaint", "red")
    assert (i.message, i.pos) == ("COLOR: 'red' is not a color", at(10))


def test_paintswitch_takes_only_an_annotation():
    assert ok("PaintSwitch", "") == {"ANNO": PAINT_ANNOTATION}
    assert ok("PaintSwitch", "ANNO PAINT")["ANNO"] == PAINT_ANNOTATION
    i = issue("PaintSwitch", "PAINT, 3")
    assert i.message == "too many arguments: PaintSwitch takes at most 1 positional argument"
    assert i.pos == at(17)


# ---- switches -------------------------------------------------------------------

def test_switch_output_defaults_to_zero_and_may_be_negative():
    assert ok("Switch", "") == {"OUTPUT": 0}
    assert ok("Switch", "-1") == {"OUTPUT": -1}
    assert {h.name: h.write for h in E["Switch"].handlers} == {"switch": True, "config": False}
    i = issue("Switch", "first")
    assert (i.message, i.pos) == ("OUTPUT: 'first' is not an output number", at(10))


def test_staticswitch_needs_output():
    assert ok("StaticSwitch", "2") == {"OUTPUT": 2}
    i = issue("StaticSwitch", "")
    assert (i.message, i.pos, i.hint) == ("missing argument OUTPUT (output number)", POS,
                                          "usage: StaticSwitch(OUTPUT)")


def test_roundrobinswitch_takes_no_arguments():
    assert ok("RoundRobinSwitch", "") == {}
    i = issue("RoundRobinSwitch", "2")
    assert i.message == "too many arguments: RoundRobinSwitch takes no positional arguments"


def test_hashswitch_offset_and_length():
    assert ok("HashSwitch", "16, 4") == {"OFFSET": 16, "LENGTH": 4}
    i = issue("HashSwitch", "16, 0")
    assert (i.message, i.pos, i.hint) == ("LENGTH: 0 is out of range", at(14),
                                          "expected byte count in [1, ]")
    assert issue("HashSwitch", "16").message == "missing argument LENGTH (byte count)"


def test_randomsample_probability_forms():
    assert ok("RandomSample", "0.25")["P"] == 0.25
    v = ok("RandomSample", "DROP 0.25, ACTIVE false")
    assert v["DROP"] == 0.25 and v["ACTIVE"] is False
    assert E["RandomSample"].sampling_probability(v) == 0.75
    assert E["RandomSample"].sampling_probability(ok("RandomSample", "SAMPLE 0.5")) == 0.5


def test_randomsample_cross_argument_errors():
    assert issue("RandomSample", "SAMPLE 0.5, DROP 0.5").message == \
        "give at most one of SAMPLE and DROP"
    assert issue("RandomSample", "").message == \
        "no sampling probability: give P, SAMPLE or DROP"
    i = issue("RandomSample", "1.5")
    assert (i.message, i.pos) == ("sampling probability must be between 0 and 1", None)
    i = issue("RandomSample", "-0.5")
    assert (i.message, i.pos) == ("P: -0.5 is out of range", at(10))


# ---- packet modification -------------------------------------------------------------

def test_strip_unstrip_truncate_pad():
    assert ok("Strip", "14") == {"LENGTH": 14}
    assert ok("Unstrip", "0x0e") == {"LENGTH": 14}
    assert ok("Truncate", "60, EXTRA_LENGTH false") == {"LENGTH": 60, "EXTRA_LENGTH": False}
    assert ok("Truncate", "60")["EXTRA_LENGTH"] is True
    assert ok("Pad", "") == {"LENGTH": 0, "ZERO": True}
    assert ok("Pad", "64, ZERO no") == {"LENGTH": 64, "ZERO": False}


def test_strip_rejects_negative_length():
    i = issue("Strip", "-14")
    assert (i.message, i.pos) == ("LENGTH: -14 is out of range", at(10))
    i = issue("Truncate", "60, EXTRA_LENGTH maybe")
    assert (i.message, i.pos) == ("EXTRA_LENGTH: 'maybe' is not a boolean", at(27))


def test_print_label_length_and_contents():
    v = ok("Print", '"eth0 non-IP", 64, CONTENTS ascii, TIMESTAMP true')
    assert (v["LABEL"], v["MAXLENGTH"], v["CONTENTS"], v["TIMESTAMP"]) == \
        ("eth0 non-IP", 64, "ASCII", True)
    assert ok("Print", "xx0")["CONTENTS"] == "HEX"
    assert ok("Print", "x, CONTENTS false")["CONTENTS"] == "NONE"
    assert ok("Print", "x, -1")["MAXLENGTH"] == -1


def test_print_bad_contents():
    i = issue("Print", "x, CONTENTS BINARY")
    assert i.message == "CONTENTS: bad contents value 'BINARY'; should be 'NONE', 'HEX', or 'ASCII'"
    assert i.pos == at(22)


def test_print_unquoted_label_with_spaces():
    i = issue("Print", "eth0 non-IP")
    assert i.message == "LABEL: 'eth0 non-IP' is not a string: several words; quote it"


# ---- queues, tees, sources ----------------------------------------------------------

def test_simplequeue_and_frontdropqueue():
    assert ok("SimpleQueue", "") == {"CAPACITY": 1000}
    assert ok("FrontDropQueue", "CAPACITY 20") == {"CAPACITY": 20}
    names = {h.name for h in E["FrontDropQueue"].handlers}
    assert {"length", "highwater_length", "capacity", "drops", "reset_counts", "reset"} == names
    i = issue("SimpleQueue", "lots")
    assert (i.message, i.pos) == ("CAPACITY: 'lots' is not a packet count", at(10))


def test_pulltee_outputs():
    assert E["PullTee"].port_counts_for(ok("PullTee", "3")) == (None, 3)
    assert E["PullTee"].port_counts_for(ok("PullTee", "")) == (None, None)
    assert issue("PullTee", "0").message == "N: 0 is out of range"


def test_infinitesource_data_and_positionals():
    v = ok("InfiniteSource", r"\<0800 4500>, 5, 2, false, LENGTH 60")
    assert (v["DATA"], v["LIMIT"], v["BURST"], v["ACTIVE"], v["LENGTH"]) == \
        (b"\x08\x00\x45\x00", 5, 2, False, 60)
    d = ok("InfiniteSource", "")
    assert d["LIMIT"] == -1 and d["BURST"] == 1 and len(d["DATA"]) >= 64


def test_infinitesource_end_call():
    ctx = ParseContext(element_names={"src", "c"})
    v = ok("InfiniteSource", "LIMIT 10, END_CALL c.reset now", ctx)
    assert v["END_CALL"] == HandlerCall("c", "reset", "now")
    assert ok("InfiniteSource", "END_CALL stop")["END_CALL"] == HandlerCall(None, "stop")
    i = issue("InfiniteSource", "END_CALL cc.reset", ctx)
    assert (i.message, i.hint) == ("END_CALL: no element named 'cc' for handler call 'cc.reset'",
                                   "did you mean c?")
    assert i.pos == at(19)


def test_infinitesource_errors():
    i = issue("InfiniteSource", "BURST 0")
    assert (i.message, i.pos) == ("BURST: 0 is out of range", at(16))
    i = issue("InfiniteSource", "STOP true, END_CALL stop")
    assert (i.message, i.pos) == ("END_CALL and STOP are mutually exclusive", None)
    i = issue("InfiniteSource", r"\<08 0>")
    assert i.message == r"DATA: bad hex string \<08 0>"


def test_ratedsource():
    v = ok("RatedSource", r"\<0800>, 10, 1000")
    assert (v["DATA"], v["RATE"], v["LIMIT"], v["ACTIVE"]) == (b"\x08\x00", 10, 1000, True)
    assert ok("RatedSource", "BANDWIDTH 1Mbps")["BANDWIDTH"] == 125000.0
    i = issue("RatedSource", "x, RATE fast")
    assert (i.message, i.pos) == ("RATE: 'fast' is not a packet rate", at(18))


# ---- AddressInfo ----------------------------------------------------------------------

def test_addressinfo_entries_and_kinds():
    v = ok("AddressInfo", "mauer 10.0.0.1/8 00:50:BA:85:84:A9, mazu 10.0.0.10, , v6 fe80::1/64")
    entries = E["AddressInfo"].entries(v)
    assert [e.name for e in entries] == ["mauer", "mazu", "v6"]
    mauer = {a.text: set(a.kinds) for a in entries[0].addresses}
    assert mauer == {"10.0.0.1/8": {"ip", "ipnet"}, "00:50:BA:85:84:A9": {"eth"}}
    assert set(entries[2].addresses[0].kinds) == {"ip6", "ip6net"}


def test_addressinfo_table_for_parse_context():
    table = E["AddressInfo"].address_table("a 10.0.0.1, b 1.2.3.4 0:1:2:3:4:5, a 10.0.0.2, junk")
    assert table == {"a": ["10.0.0.2", "10.0.0.1"], "b": ["1.2.3.4", "0:1:2:3:4:5"]}
    ctx = ParseContext(addresses=table)
    assert ok("Paint", "1", ctx)["COLOR"] == 1  # unaffected
    from clickpy.args import IPAddress
    assert IPAddress().parse("a", ctx) == ipaddress.IPv4Address("10.0.0.2")


def test_addressinfo_errors():
    i = issue("AddressInfo", "a 10.0.0.1, lonely")
    assert i.message == "ENTRY: expected 'NAME ADDRESS [ADDRESS...]', not 'lonely'"
    assert i.pos == at(22)
    i = issue("AddressInfo", "a 10.0.0.300")
    assert (i.message, i.pos) == ("ENTRY: '10.0.0.300' is not a recognizable address", at(10))
    assert issue("AddressInfo", "1x 10.0.0.1").message == "ENTRY: bad NAME '1x'"


def test_addressinfo_feeds_the_argument_check_context():
    from clickpy.check.arguments import context
    graph = nx.MultiDiGraph()
    graph.add_node("ai", element=E["AddressInfo"], config="gw 10.0.0.1 00:01:02:03:04:05")
    graph.add_node("p", element=E["Paint"], config="1")
    assert context(graph).addresses == {"gw": ["10.0.0.1", "00:01:02:03:04:05"]}
