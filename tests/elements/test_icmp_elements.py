"""Declarations of Click's icmp elements: ICMPError, ICMPPingResponder, CheckICMPHeader."""
from __future__ import annotations

import ipaddress

import pytest

from element_args import ArgsAt
from clickpy.argtypes.ip_names import ICMP_CODES, ICMP_TYPES, icmp_code
from clickpy.diagnostics import SourcePos
from clickpy.element import DST_IP, IP_HEADER, registry

POS = SourcePos("icmp.click", 9, 8)
E = registry()
A = ipaddress.IPv4Address


_args = ArgsAt(POS)
parse, ok, issue, at = _args.parse, _args.ok, _args.issue, _args.at


@pytest.mark.parametrize("name, ports, processing", [
    ("ICMPError", "1/1", "a/a"),
    ("ICMPPingResponder", "1/1-2", "a/ah"),
    ("CheckICMPHeader", "1/1-2", "a/ah"),
])
def test_declaration_matches_click(name, ports, processing):
    cls = E[name]
    assert (cls.class_name, cls.port_count, cls.processing, cls.family()) == \
        (name, ports, processing, "icmp")


def test_annotations():
    err = E["ICMPError"]
    assert err.new_packets and err.requires == {IP_HEADER: (0,)}
    assert err.sets == {IP_HEADER: (0,), DST_IP: (0,)}
    ping = E["ICMPPingResponder"]
    assert not ping.new_packets and ping.sets == {IP_HEADER: (0,), DST_IP: (0,)}
    assert E["CheckICMPHeader"].requires == {IP_HEADER: (0,)}


@pytest.mark.parametrize("text, icmp_type, code", [
    ("18.26.4.24, 11, 0", 11, 0),
    ("18.26.4.24, timeexceeded", 11, 0),
    ("18.26.4.24, timeexceeded, reassembly", 11, 1),
    ("18.26.4.24, unreachable, needfrag", 3, 4),
    ("18.26.4.24, 3, 4", 3, 4),
    ("18.26.4.24, redirect, host", 5, 1),
    ("18.26.4.24, parameterproblem, erroratptr", 12, 0),
    ("18.26.4.24, sourcequench", 4, 0),
    ("18.26.4.24, unreachable, 200", 3, 200),
])
def test_icmperror_types_and_codes(text, icmp_type, code):
    values = ok("ICMPError", text)
    assert (values["SRC"], values["TYPE"], values["CODE"]) == (A("18.26.4.24"), icmp_type, code)


def test_icmperror_keywords_and_badaddrs():
    values = ok("ICMPError", "1.0.0.1, unreachable, port, 1.255.255.255 255.255.255.255, "
                             "MTU 1500, PMTU 1400, SET_FIX_ANNO false")
    assert values["BADADDRS"] == [A("1.255.255.255"), A("255.255.255.255")]
    assert (values["MTU"], values["PMTU"], values["SET_FIX_ANNO"]) == (1500, 1400, False)
    assert ok("ICMPError", "1.0.0.1, 3")["MTU"] == 576
    assert {(h.name, h.write) for h in E["ICMPError"].handlers} == \
        {("src", True), ("mtu", True), ("pmtu", True)}


def test_icmperror_refuses_non_error_types():
    found = issue("ICMPError", "18.26.4.24, echo")
    assert (found.message, found.pos) == ("TYPE: ICMP type 8 is not an error type", at(20))
    assert found.hint.startswith("use one of unreachable [3], sourcequench [4]")
    found = issue("ICMPError", "18.26.4.24, 300")
    assert (found.message, found.pos) == ("TYPE: ICMP type must be between 0 and 255", at(20))
    found = issue("ICMPError", "18.26.4.24, timexceeded")
    assert (found.message, found.hint) == ("TYPE: unknown ICMP type 'timexceeded'",
                                           "did you mean timeexceeded?")


def test_icmperror_code_must_suit_the_type():
    found = issue("ICMPError", "18.26.4.24, unreachable, transit")
    assert (found.message, found.pos) == (
        "CODE: 'transit' is not an ICMP code for type unreachable", None)
    assert found.hint.startswith("codes for unreachable are net [0], host [1], protocol [2]")
    found = issue("ICMPError", "18.26.4.24, sourcequench, host")
    assert found.hint == "sourcequench has no named codes; give a number between 0 and 255"
    found = issue("ICMPError", "18.26.4.24, redirect, 256")
    assert found.message == "CODE: ICMP code '256' is out of range"


def test_icmperror_missing_and_bad_source():
    found = issue("ICMPError", "TYPE timeexceeded")
    assert (found.message, found.pos) == ("missing argument SRC (IP address)", POS)
    found = issue("ICMPError", "18.26.4, timeexceeded")
    assert (found.message, found.pos) == ("SRC: '18.26.4' is not an IP address", at(8))


def test_icmp_name_tables_match_click():
    assert ICMP_TYPES["unreachable"] == 3 and ICMP_TYPES["echo-reply"] == 0
    assert ICMP_CODES[3]["needfrag"] == 4 and ICMP_CODES[12]["missingopt"] == 1
    assert icmp_code(11, "reassembly") == 1


def test_icmppingresponder_takes_no_arguments():
    assert ok("ICMPPingResponder", "") == {}
    found = issue("ICMPPingResponder", "1.0.0.1")
    assert (found.message, found.pos) == (
        "too many arguments: ICMPPingResponder takes no positional arguments", at(8))


def test_checkicmpheader():
    values = ok("CheckICMPHeader", "DETAILS true")
    assert (values["VERBOSE"], values["DETAILS"]) == (False, True)
    assert {h.name for h in E["CheckICMPHeader"].handlers} == {"drops", "drop_details"}
    found = issue("CheckICMPHeader", "VERBOSE 2")
    assert (found.message, found.pos) == ("VERBOSE: '2' is not a boolean", at(16))
