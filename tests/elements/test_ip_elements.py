"""Declarations of Click's ip elements: routing tables, IP header tools, NAT, encapsulation."""
from __future__ import annotations

import ipaddress

import pytest

from clickpy.args import ParseContext
from element_args import ArgsAt
from clickpy.argtypes.ip_prefixes import parse_ip_prefix
from clickpy.argtypes.packet_annotations import AnnotationRef
from clickpy.argtypes.rewriter_specs import AddressRange, DropSpec, PassSpec, Pattern, PatternSpec
from clickpy.argtypes.routes import Route
from clickpy.diagnostics import SourcePos
from clickpy.element import AGNOSTIC, DST_IP, IP_HEADER, PAINT, PUSH, PortRange as Ports, registry
from elements.ip.ipencap import DestinationAnnotation

POS = SourcePos("ip.click", 3, 1)
E = registry()
A = ipaddress.IPv4Address
N = ipaddress.IPv4Network


_args = ArgsAt(POS)
parse, ok, issue, at = _args.parse, _args.ok, _args.issue, _args.at


@pytest.mark.parametrize("name, ports, processing", [
    ("CheckIPHeader2", "1/1-2", "a/ah"),
    ("MarkIPHeader", "1/1", "a/a"),
    ("StripIPHeader", "1/1", "a/a"),
    ("DecIPTTL", "1/1-2", "a/ah"),
    ("SetIPChecksum", "1/1", "a/a"),
    ("StaticIPLookup", "1/-", "h/h"),
    ("LinearIPLookup", "1/-", "h/h"),
    ("RadixIPLookup", "1/-", "h/h"),
    ("DirectIPLookup", "1/-", "h/h"),
    ("GetIPAddress", "1/1", "a/a"),
    ("SetIPAddress", "1/1", "a/a"),
    ("IPGWOptions", "1/1-2", "a/ah"),
    ("FixIPSrc", "1/1", "a/a"),
    ("IPFragmenter", "1/1-2", "h/h"),
    ("IPReassembler", "1/1-2", "a/ah"),
    ("IPEncap", "1/1", "a/a"),
    ("SetIPDSCP", "1/1", "a/a"),
    ("IPPrint", "1/1", "a/a"),
    ("IPAddrRewriter", "1-/1-", "h/h"),
    ("RoundRobinIPMapper", "0/0", "a/a"),
    ("AggregateIPFlows", "1/1-2", "a/ah"),
])
def test_declaration_matches_click(name, ports, processing):
    cls = E[name]
    assert (cls.class_name, cls.port_count, cls.processing, cls.family()) == \
        (name, ports, processing, "ip")
    assert cls.summary() and cls.__doc__.count("\n") >= 2


def test_port_counts_and_processing_parse():
    assert E["StaticIPLookup"].ports().outputs == Ports(0, None)
    assert E["DecIPTTL"].ports().outputs == Ports(1, 2)
    assert E["DecIPTTL"].processing_code().output(1) == PUSH
    assert E["DecIPTTL"].processing_code().output(0) == AGNOSTIC
    assert E["IPAddrRewriter"].ports().inputs == Ports(1, None)
    assert E["RoundRobinIPMapper"].info_only and not E["RoundRobinIPMapper"].is_source()


def test_annotations_required_and_set():
    for name in ("StaticIPLookup", "RadixIPLookup", "LinearIPLookup", "DirectIPLookup"):
        assert E[name].requires == {DST_IP: (0,)} and E[name].sets == {DST_IP: None}
    for name in ("DecIPTTL", "StripIPHeader", "IPFragmenter", "IPGWOptions", "SetIPDSCP",
                 "FixIPSrc", "IPPrint", "IPReassembler", "AggregateIPFlows"):
        assert E[name].requires == {IP_HEADER: (0,)}, name
    assert E["IPAddrRewriter"].requires == {IP_HEADER: None}
    assert E["CheckIPHeader2"].sets == {IP_HEADER: (0,), DST_IP: (0,)}
    assert E["MarkIPHeader"].sets == {IP_HEADER: (0,)}
    assert E["IPEncap"].sets == {IP_HEADER: (0,), DST_IP: (0,)}
    assert E["GetIPAddress"].sets == E["SetIPAddress"].sets == {DST_IP: (0,)}
    assert E["AggregateIPFlows"].sets == {PAINT: (0,)}
    assert E["SetIPChecksum"].requires == {}   # Click falls back to the packet start


# ---- routing tables ------------------------------------------------------------

def test_routes_in_every_click_form():
    values = ok("StaticIPLookup", "18.26.4.24/32 0, 18.26.4/24 1, 0/0 18.26.4.1 1, "
                                  "10.0.0.0/255.0.0.0 - 2, 18.26.8.0 255.255.255.0 0.0.0.0 3, "
                                  "18.26.9.0 255.255.255.0 18.26.4.2 3")
    assert values["ROUTE"] == [
        Route(N("18.26.4.24/32"), None, 0),
        Route(N("18.26.4.0/24"), None, 1),
        Route(N("0.0.0.0/0"), A("18.26.4.1"), 1),
        Route(N("10.0.0.0/8"), None, 2),
        Route(N("18.26.8.0/24"), None, 3),
        Route(N("18.26.9.0/24"), A("18.26.4.2"), 3),
    ]
    assert E["StaticIPLookup"].highest_route_port(values) == 3
    assert str(values["ROUTE"][2]) == "0.0.0.0/0 18.26.4.1 1"


def test_route_host_bits_are_masked_and_names_resolve():
    ctx = ParseContext(addresses={"gw": ["10.0.0.254", "00:11:22:33:44:55"],
                                  "lan": ["10.0.0.1/24"]})
    values = ok("RadixIPLookup", "10.0.0.77/16 1, lan:ipnet gw 0", ctx)
    assert values["ROUTE"] == [Route(N("10.0.0.0/16"), None, 1),
                               Route(N("10.0.0.0/24"), A("10.0.0.254"), 0)]


@pytest.mark.parametrize("text, message, col", [
    ("10.0.0.0/8 -", "ROUTE: '10.0.0.0/8 -' is not a route: missing OUTPUT after '-'", 1),
    ("1.0.0.0/8 0, 10/16 1", "ROUTE: '10/16 1' is not a route: bad ADDR/MASK: '10/16' is not an "
                              "IP prefix: the /16 mask covers bytes '10' leaves out", 14),
    ("10.0.0.0/8 gw 1", "ROUTE: '10.0.0.0/8 gw 1' is not a route: bad GATEWAY 'gw'", 1),
    ("10.0.0.0/8 x", "ROUTE: '10.0.0.0/8 x' is not a route: bad OUTPUT 'x'", 1),
    ("10.0.0.0/8 -1", "ROUTE: '10.0.0.0/8 -1' is not a route: bad OUTPUT -1", 1),
    ("10.0.0.0/33 1", "ROUTE: '10.0.0.0/33 1' is not a route: bad ADDR/MASK: '10.0.0.0/33' is not "
                      "an IP prefix: prefix length 33 is above 32", 1),
    ("10.0.0.0/255.0.255.0 1", "ROUTE: '10.0.0.0/255.0.255.0 1' is not a route: bad ADDR/MASK: "
                               "'10.0.0.0/255.0.255.0' is not an IP prefix: netmask 255.0.255.0 "
                               "is not contiguous", 1),
    ("10.0.0.0/8", "ROUTE: '10.0.0.0/8' is not a route: missing OUTPUT", 1),
    ("10.0.0.0/8 10.0.0.1", "ROUTE: '10.0.0.0/8 10.0.0.1' is not a route: missing OUTPUT after "
                            "GATEWAY '10.0.0.1'", 1),
    ("10.0.0.0/8 1.1.1.1 1 2", "ROUTE: '10.0.0.0/8 1.1.1.1 1 2' is not a route: too many words (4)", 1),
])
def test_bad_routes(text, message, col):
    found = issue("LinearIPLookup", text)
    assert (found.message, found.pos) == (message, at(col))
    assert found.hint


def test_drop_route_hint_explains_click_has_none():
    found = issue("DirectIPLookup", "10.0.0.0/8 -")
    assert "no drop routes" in found.hint and "Discard" in found.hint


def test_duplicate_routes_warn_like_click_and_keep_the_first():
    found = issue("StaticIPLookup", "10.0.0.0/8 1, 0/0 2, 10.1.2.3/8 3")
    assert found.severity == "warning"
    assert found.message == ("argument 3: route 10.0.0.0/8 - 3 repeats the prefix of argument 1 "
                             "(10.0.0.0/8 - 1); Click keeps argument 1")
    assert found.pos is None


def test_route_tables_handlers():
    names = {h.name for h in E["RadixIPLookup"].handlers}
    assert names == {"table", "lookup", "add", "set", "remove", "ctrl", "flush"}
    assert {h.name for h in E["StaticIPLookup"].handlers} == {"table", "lookup"}
    assert {h.name for h in E["LinearIPLookup"].handlers} == names - {"flush"}


def test_click_prefix_syntax():
    ctx = ParseContext()
    assert parse_ip_prefix("18.26.4/24", ctx) == ipaddress.IPv4Interface("18.26.4.0/24")
    assert parse_ip_prefix("0/0", ctx) == ipaddress.IPv4Interface("0.0.0.0/0")
    assert parse_ip_prefix("10.1.2.3/255.255.0.0", ctx) == ipaddress.IPv4Interface("10.1.2.3/16")
    assert parse_ip_prefix("10.1.2.3", ctx) == ipaddress.IPv4Interface("10.1.2.3/32")


# ---- IP header elements ----------------------------------------------------------

def test_checkipheader2_is_checkipheader_without_checksum():
    values = ok("CheckIPHeader2", "14, VERBOSE true")
    assert (values["OFFSET"], values["CHECKSUM"], values["VERBOSE"]) == (14, False, True)
    assert ok("CheckIPHeader", "")["CHECKSUM"] is True
    found = issue("CheckIPHeader2", "CHECKSUM maybe")
    assert (found.message, found.pos) == ("CHECKSUM: 'maybe' is not a boolean", at(10))


def test_markipheader_and_stripipheader():
    assert ok("MarkIPHeader", "14")["OFFSET"] == 14
    assert ok("MarkIPHeader", "")["OFFSET"] == 0
    found = issue("MarkIPHeader", "-3")
    assert (found.message, found.pos) == ("OFFSET: -3 is out of range", at(1))
    found = issue("StripIPHeader", "14")
    assert found.message == "too many arguments: StripIPHeader takes no positional arguments"


def test_decipttl():
    values = ok("DecIPTTL", "MULTICAST false")
    assert (values["ACTIVE"], values["MULTICAST"]) == (True, False)
    assert {(h.name, h.write) for h in E["DecIPTTL"].handlers} == {("drops", False), ("active", True)}
    found = issue("DecIPTTL", "ACTIVE true, TTL 3")
    assert (found.message, found.pos) == ("unknown keyword TTL", at(14))


def test_setipchecksum_has_no_arguments():
    assert ok("SetIPChecksum", "") == {}
    found = issue("SetIPChecksum", "yes")
    assert found.message == "too many arguments: SetIPChecksum takes no positional arguments"


def test_getipaddress():
    values = ok("GetIPAddress", "16")
    assert values["OFFSET"] == 16 and values["ANNO"] == AnnotationRef("DST_IP", 0, 4)
    values = ok("GetIPAddress", "IP src, ANNO 4")
    assert (values["OFFSET"], values["IP"], values["ANNO"]) == (None, "src", AnnotationRef(None, 4, 4))
    found = issue("GetIPAddress", "16, IP dst")
    assert (found.message, found.pos) == ("set one of OFFSET, IP", None)
    found = issue("GetIPAddress", "IP both")
    assert (found.message, found.pos) == ("IP: 'both' is not a valid IP header field", at(4))


def test_setipaddress():
    values = ok("SetIPAddress", "10.0.0.1")
    assert values["IPADDR"] == A("10.0.0.1") and values["ANNO"].name == "DST_IP"
    found = issue("SetIPAddress", "10.0.0.1, ANNO PAINT")
    assert (found.message, found.pos) == (
        "ANNO: PAINT is a 1-byte annotation, but a 4-byte one is needed here", at(16))
    found = issue("SetIPAddress", "")
    assert (found.message, found.pos) == ("missing argument IPADDR (IP address)", POS)


def test_ipgwoptions():
    values = ok("IPGWOptions", "18.26.4.24, 1.0.0.1 2.0.0.1")
    assert values["MYADDR"] == A("18.26.4.24")
    assert values["OTHERADDRS"] == [A("1.0.0.1"), A("2.0.0.1")]
    found = issue("IPGWOptions", "18.26.4.24, 1.0.0.1 2.0.0")
    assert (found.message, found.pos) == ("OTHERADDRS: '2.0.0' is not an IP address", at(13))


def test_fixipsrc():
    assert ok("FixIPSrc", "18.26.4.24")["IPADDR"] == A("18.26.4.24")
    found = issue("FixIPSrc", "18.26.4.300")
    assert (found.message, found.pos) == ("IPADDR: '18.26.4.300' is not an IP address", at(1))


def test_ipfragmenter():
    values = ok("IPFragmenter", "1500, false, HEADROOM 64")
    assert (values["MTU"], values["HONOR_DF"], values["VERBOSE"], values["HEADROOM"]) == \
        (1500, False, False, 64)
    found = issue("IPFragmenter", "MTU 4")
    assert (found.message, found.pos, found.hint) == (
        "MTU: MTU must be at least 8", at(5), "give the link MTU in bytes, e.g. 1500")
    assert {h.name for h in E["IPFragmenter"].handlers} == {"drops", "fragments"}


def test_ipreassembler():
    values = ok("IPReassembler", "HIMEM 65536, MAX_MTU_ANNO 22")
    assert values["HIMEM"] == 65536 and values["MAX_MTU_ANNO"] == AnnotationRef(None, 22, 2)
    assert ok("IPReassembler", "")["HIMEM"] == 262144
    found = issue("IPReassembler", "MAX_MTU_ANNO DST_IP")
    assert (found.message, found.pos) == (
        "MAX_MTU_ANNO: DST_IP is a 4-byte annotation, but a 2-byte one is needed here", at(14))


def test_setipdscp():
    assert ok("SetIPDSCP", "46")["DSCP"] == 46
    found = issue("SetIPDSCP", "64")
    assert (found.message, found.pos, found.hint) == (
        "DSCP: diffserv code point out of range", at(1), "expected a DSCP from 0 to 63")


def test_ipencap():
    values = ok("IPEncap", "ipip, 18.26.4.24, 140.247.60.147, TTL 64, DF true")
    assert (values["PROTO"], values["SRC"], values["DST"], values["TTL"], values["DF"]) == \
        (4, A("18.26.4.24"), A("140.247.60.147"), 64, True)
    values = ok("IPEncap", "47, 1.0.0.1, DST_ANNO, DSCP 10, ECT 2")
    assert (values["PROTO"], values["DST"], values["ECT"]) == (47, DestinationAnnotation(), 2)
    found = issue("IPEncap", "tcpudp, 1.0.0.1, 2.0.0.1")
    assert (found.message, found.pos) == ("PROTO: 'tcpudp' is a classifier keyword, not an IP "
                                          "protocol", at(1))
    found = issue("IPEncap", "4, 1.0.0.1, 2.0.0")
    assert (found.message, found.pos) == ("DST: DST argument should be IP address or 'DST_ANNO'",
                                          at(13))
    found = issue("IPEncap", "4, 1.0.0.1, 2.0.0.1, TOS 8, DSCP 2")
    assert (found.message, found.pos) == ("cannot set both TOS and DSCP", None)
    found = issue("IPEncap", "4, 1.0.0.1, 2.0.0.1, ECT 1, CE true")
    assert found.message == "can set at most one ECN option"
    found = issue("IPEncap", "ipipip, 1.0.0.1, 2.0.0.1")
    assert (found.message, found.hint) == ("PROTO: unknown IP protocol 'ipipip'", "did you mean ipip?")


def test_ipprint():
    values = ok("IPPrint", "in, CONTENTS hex, MAXLENGTH -1, TTL true")
    assert (values["LABEL"], values["CONTENTS"], values["MAXLENGTH"], values["TTL"]) == \
        ("in", "hex", -1, True)
    assert ok("IPPrint", "PAYLOAD ASCII")["PAYLOAD"] == "ascii"
    found = issue("IPPrint", "x, CONTENTS binary")
    assert (found.message, found.pos) == (
        "CONTENTS: bad contents value 'binary'; should be 'NONE', 'HEX', or 'ASCII'", at(13))
    found = issue("IPPrint", "CONTENTS hex, PAYLOAD hex")
    assert found.message == "specify at most one of PAYLOAD and CONTENTS"
    found = issue("IPPrint", "PAYLOAD none")
    assert found.message == "PAYLOAD: bad payload value 'none'; should be 'false', 'hex', or 'ascii'"


def test_aggregateipflows():
    values = ok("AggregateIPFlows", "TCP_TIMEOUT 600, UDP_TIMEOUT 30s, ICMP true, FRAGMENTS false")
    assert (values["TCP_TIMEOUT"], values["UDP_TIMEOUT"], values["ICMP"], values["FRAGMENTS"]) == \
        (600, 30.0, True, False)
    assert values["TCP_DONE_TIMEOUT"] == 30 and values["REAP"] == 1200.0
    found = issue("AggregateIPFlows", "ICMP true, TCP_TIMEOUT -5")
    assert (found.message, found.pos) == ("TCP_TIMEOUT: -5 is out of range", at(24))
    assert [h.name for h in E["AggregateIPFlows"].handlers] == ["clear"]


# ---- NAT ------------------------------------------------------------------------

def test_ipaddrrewriter_specs_and_ports():
    values = ok("IPAddrRewriter", "pattern 1.0.0.1-1.0.0.9# - 0 1, drop, pass 2, TIMEOUT 60")
    assert values["INPUTSPEC"] == [
        PatternSpec(Pattern(AddressRange(A("1.0.0.1"), A("1.0.0.9")), None, None, None,
                            napt=False, sequential=True, same_first=False), 0, 1),
        DropSpec(), PassSpec(2)]
    assert values["TIMEOUT"] == 60.0
    assert E["IPAddrRewriter"].port_counts_for(values) == (3, 3)
    prefix = ok("IPAddrRewriter", "pattern 10.0.0.0/24 - 0 1")["INPUTSPEC"][0].pattern
    assert prefix.saddr == AddressRange(A("10.0.0.1"), A("10.0.0.254"))


def test_ipaddrrewriter_refuses_port_patterns():
    found = issue("IPAddrRewriter", "drop, pattern 1.0.0.1 1024-2000 - - 0 1")
    assert found.message == ("INPUTSPEC: 'pattern 1.0.0.1 1024-2000 - - 0 1': IPAddrRewriter "
                             "patterns only change the source address")
    assert found.pos == at(7)
    found = issue("IPAddrRewriter", "")
    assert found.message == "need 1 or more arguments, one per input port"


def test_roundrobinipmapper():
    values = ok("RoundRobinIPMapper", "- - 10.0.0.2 - 0 1, - - 10.0.0.3 80 0 1")
    assert values["PATTERN"] == [
        PatternSpec(Pattern(None, None, A("10.0.0.2"), None, napt=True), 0, 1),
        PatternSpec(Pattern(None, None, A("10.0.0.3"), 80, napt=True), 0, 1)]
    assert E["RoundRobinIPMapper"].highest_output(values) == 1
    found = issue("RoundRobinIPMapper", "- - 10.0.0.2 - 0 1")
    assert (found.message, found.severity) == ("only one pattern given", "warning")
    found = issue("RoundRobinIPMapper", "")
    assert (found.message, found.severity) == ("no patterns given", "error")
    found = issue("RoundRobinIPMapper", "- - 10.0.0.2 - 0 1, - - 10.0.0.3 - 0")
    # Click's three-word pattern is SADDR DADDR SPORT, so 10.0.0.3 lands in SPORT
    assert (found.message, found.pos) == ("PATTERN: bad source port '10.0.0.3'", at(21))
