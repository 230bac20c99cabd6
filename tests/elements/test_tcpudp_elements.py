"""Declarations of Click's tcpudp elements: IPRewriter and the TCP/UDP header tools."""
from __future__ import annotations

import ipaddress

import pytest

from clickpy.args import ParseContext
from element_args import ArgsAt
from clickpy.argtypes.rewriter_specs import (AddressRange, DropSpec, KeepSpec, MapperSpec,
                                             NamedPattern, PassSpec, Pattern, PatternSpec,
                                             PortRange, SharedCapacity)
from clickpy.diagnostics import SourcePos
from clickpy.element import DST_IP, IP_HEADER, registry
from elements.ip.ipencap import DestinationAnnotation

POS = SourcePos("nat.click", 5, 3)
E = registry()
A = ipaddress.IPv4Address


_args = ArgsAt(POS)
parse, ok, issue, at = _args.parse, _args.ok, _args.issue, _args.at


@pytest.mark.parametrize("name, ports, processing", [
    ("IPRewriter", "1-/1-", "h/h"),
    ("CheckTCPHeader", "1/1-2", "a/ah"),
    ("CheckUDPHeader", "1/1-2", "a/ah"),
    ("SetTCPChecksum", "1/1", "a/a"),
    ("SetUDPChecksum", "1/1-2", "a/ah"),
    ("UDPIPEncap", "1/1", "a/a"),
])
def test_declaration_matches_click(name, ports, processing):
    cls = E[name]
    assert (cls.class_name, cls.port_count, cls.processing, cls.family()) == \
        (name, ports, processing, "tcpudp")
    assert cls.ports().inputs.low == 1


def test_annotations():
    for name in ("CheckTCPHeader", "CheckUDPHeader", "SetTCPChecksum", "SetUDPChecksum"):
        assert E[name].requires == {IP_HEADER: (0,)}
    assert E["IPRewriter"].requires == {IP_HEADER: None}
    assert E["UDPIPEncap"].sets == {IP_HEADER: (0,), DST_IP: (0,)}


# ---- IPRewriter ------------------------------------------------------------------

def test_iprewriter_every_spec_form():
    ctx = ParseContext(element_names={"rr", "rw"})
    values = ok("IPRewriter", "pattern 1.0.0.1 1024-65535# - - 0 1, drop, discard, pass 2, "
                              "nochange, keep 0 1, rr, pattern 2.0.0.1 3.0.0.1 1 0", ctx)
    assert values["INPUTSPEC"] == [
        PatternSpec(Pattern(A("1.0.0.1"), PortRange(1024, 65535), None, None, napt=True,
                            sequential=True, same_first=False), 0, 1),
        DropSpec(), DropSpec(), PassSpec(2), PassSpec(0), KeepSpec(0, 1), MapperSpec("rr"),
        PatternSpec(Pattern(A("2.0.0.1"), None, A("3.0.0.1"), None, napt=False), 1, 0),
    ]
    assert E["IPRewriter"].port_counts_for(values) == (8, None)   # rr chooses ports too


def test_iprewriter_pattern_fields():
    spec = ok("IPRewriter", "pattern 10.0.0.1-10.0.0.20? 5000 - 80 0 1")["INPUTSPEC"][0]
    assert spec.pattern == Pattern(AddressRange(A("10.0.0.1"), A("10.0.0.20")), 5000, None, 80,
                                   napt=True, sequential=False, same_first=False)
    spec = ok("IPRewriter", "xpattern 192.168.0.0/31 - 1.1.1.1 - 1 0")["INPUTSPEC"][0]
    assert spec.pattern.saddr == AddressRange(A("192.168.0.0"), A("192.168.0.1"))
    assert spec.pattern.daddr == A("1.1.1.1") and (spec.foutput, spec.routput) == (1, 0)
    spec = ok("IPRewriter", "pattern nat_out 0 1")["INPUTSPEC"][0]
    assert spec == PatternSpec(NamedPattern("nat_out"), 0, 1)


def test_iprewriter_outputs_follow_the_specs():
    values = ok("IPRewriter", "pattern - - 10.0.0.9 - 0 3, pass 1")
    assert E["IPRewriter"].port_counts_for(values) == (2, 4)
    values = ok("IPRewriter", "drop")
    assert E["IPRewriter"].port_counts_for(values) == (1, None)


def test_iprewriter_keywords_anywhere_like_click():
    values = ok("IPRewriter", "TCP_TIMEOUT 1h, pattern 1.0.0.1 - - - 0 1, REAP_INTERVAL 10, "
                              "drop, DST_ANNO false, MAPPING_CAPACITY 20000")
    assert values["INPUTSPEC"] == [
        PatternSpec(Pattern(A("1.0.0.1"), None, None, None, napt=True), 0, 1), DropSpec()]
    assert (values["TCP_TIMEOUT"], values["REAP_INTERVAL"], values["DST_ANNO"],
            values["MAPPING_CAPACITY"]) == (3600.0, 10.0, False, 20000)
    assert values["UDP_TIMEOUT"] == 300.0 and values["TCP_DONE_TIMEOUT"] == 240.0
    assert E["IPRewriter"].port_counts_for(values) == (2, 2)
    shared = ok("IPRewriter", "drop, CAPACITY other", ParseContext(element_names={"other"}))
    assert shared["CAPACITY"] == SharedCapacity("other")


def test_iprewriter_bad_keyword_value_inside_specs():
    found = issue("IPRewriter", "drop, UDP_TIMEOUT soon")
    assert (found.message, found.pos) == ("UDP_TIMEOUT: 'soon' is not a time", at(21))


@pytest.mark.parametrize("text, message, col", [
    ("pattern 1.0.0.1 99999 - - 0 1", "INPUTSPEC: bad source port '99999'", 3),
    ("drop, pattern 1.0.0.1 2000-1000 - - 0 1", "INPUTSPEC: bad source port '2000-1000'", 9),
    ("pattern 1.0.0.9-1.0.0.1 - - - 0 1",
     "INPUTSPEC: bad source address '1.0.0.9-1.0.0.1': the range runs backwards", 3),
    ("pattern - - 1.0.0 - 0 1", "INPUTSPEC: bad destination address '1.0.0'", 3),
    ("pattern - - - 0 0 1", "INPUTSPEC: bad destination port '0'", 3),
    ("pattern - - - - x 1", "INPUTSPEC: bad forward port 'x'", 3),
    ("pattern - - - - 0 y", "INPUTSPEC: bad reply port 'y'", 3),
    ("pattern 0 1", "INPUTSPEC: syntax error in pattern '0 1': expected PATTERN FOUTPUT ROUTPUT", 3),
    ("pattern a b c d e 0 1", "INPUTSPEC: syntax error in pattern 'a b c d e'", 3),
    ("pass two", "INPUTSPEC: syntax error in 'pass two'", 3),
    ("drop 1", "INPUTSPEC: syntax error in 'drop 1'", 3),
    ("keep 0", "INPUTSPEC: syntax error in 'keep 0'", 3),
    ("keep 0 -1", "INPUTSPEC: output port -1 out of range", 3),
    ("patern 1.0.0.1 - - - 0 1", "INPUTSPEC: unknown specification 'patern 1.0.0.1 - - - 0 1'", 3),
])
def test_iprewriter_bad_specs(text, message, col):
    found = issue("IPRewriter", text)
    assert (found.message, found.pos) == (message, at(col))
    assert found.hint


def test_iprewriter_misspelt_spec_word_gets_a_hint():
    assert issue("IPRewriter", "patern 1.0.0.1 - - - 0 1").hint == "did you mean pattern?"
    found = issue("IPRewriter", "drop, mapr", ParseContext(element_names={"mapper", "rw"}))
    assert (found.message, found.pos, found.hint) == (
        "INPUTSPEC: unknown specification 'mapr': no element of that name", at(9),
        "did you mean mapper?")


def test_iprewriter_needs_a_spec_and_handlers_exist():
    found = issue("IPRewriter", "TCP_TIMEOUT 30")
    assert (found.message, found.pos) == ("need 1 or more arguments, one per input port", None)
    names = {h.name for h in E["IPRewriter"].handlers}
    assert {"tcp_table", "udp_table", "tcp_lookup", "nmappings", "mapping_failures",
            "patterns", "size", "capacity", "clear"} <= names
    assert next(h for h in E["IPRewriter"].handlers if h.name == "capacity").write


# ---- header tools and encapsulation ------------------------------------------------

@pytest.mark.parametrize("name", ["CheckTCPHeader", "CheckUDPHeader"])
def test_check_transport_headers(name):
    values = ok(name, "VERBOSE true, DETAILS true")
    assert (values["VERBOSE"], values["DETAILS"]) == (True, True)
    assert {h.name for h in E[name].handlers} == {"drops", "drop_details"}
    found = issue(name, "CHECKSUM false")
    assert (found.message, found.pos) == ("unknown keyword CHECKSUM", at(3))


def test_settcpchecksum_and_setudpchecksum():
    assert ok("SetTCPChecksum", "true")["FIXOFF"] is True
    assert ok("SetTCPChecksum", "")["FIXOFF"] is False
    found = issue("SetTCPChecksum", "sometimes")
    assert (found.message, found.pos) == ("FIXOFF: 'sometimes' is not a boolean", at(3))
    found = issue("SetUDPChecksum", "1")
    assert found.message == "too many arguments: SetUDPChecksum takes no positional arguments"


def test_udpipencap():
    values = ok("UDPIPEncap", "1.0.0.1, 1234, 2.0.0.2, dns")
    assert (values["SRC"], values["SPORT"], values["DST"], values["DPORT"], values["CHECKSUM"]) == \
        (A("1.0.0.1"), 1234, A("2.0.0.2"), 53, True)
    values = ok("UDPIPEncap", "1.0.0.1, 1234, DST_ANNO, 4321, false")
    assert (values["DST"], values["CHECKSUM"]) == (DestinationAnnotation(), False)
    found = issue("UDPIPEncap", "1.0.0.1, 70000, 2.0.0.2, 53")
    assert (found.message, found.pos) == ("SPORT: port 70000 is out of range", at(12))
    found = issue("UDPIPEncap", "1.0.0.1, 1234, 2.0.0.2")
    assert (found.message, found.pos) == ("missing argument DPORT (port)", POS)
    assert {h.name for h in E["UDPIPEncap"].handlers} == {"src", "sport", "dst", "dport"}
