"""IPFilter/IPClassifier patterns: syntax trees, errors with positions, and the reference matcher."""
from __future__ import annotations

import logging
import operator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scapy.all import ICMP, IP, TCP, UDP, IPOption_NOP, Raw

from clickpy.args import ArgError, ParseContext
from clickpy.rules import RuleError
from clickpy.rules.ipfilter_expr import (DST_PORT, ECN, FALSE, IP_DST, IP_FRAGMENT, IP_PROTO,
                                         IP_SRC, MAX_DEPTH, SRC_PORT, TCP_FLAGS_FIELD, TRUE, And,
                                         Const, Field, FilterRule, Not, Or, Primitive, Ternary,
                                         filter_output, first_match, matches, parse_filter_rule,
                                         parse_pattern, tokenize, walk)

TCP_UDP = (6, 17)


def proto(n, op="==", negated=False):
    return Primitive("ip proto", (IP_PROTO,), n, 0xFF, op, negated)


def port(srcdst, value, relation="==", negated=False, protocols=TCP_UDP):
    fields = {"src": (SRC_PORT,), "dst": (DST_PORT,)}.get(srcdst, (SRC_PORT, DST_PORT))
    return Primitive("port", fields, value, 0xFFFF, relation, negated, srcdst, protocols, True)


def host(srcdst, addr, kind="host", mask=0xFFFFFFFF, negated=False):
    a, b, c, d = (int(x) for x in addr.split("."))
    fields = {"src": (IP_SRC,), "dst": (IP_DST,)}.get(srcdst, (IP_SRC, IP_DST))
    return Primitive(kind, fields, ((a << 24) | (b << 16) | (c << 8) | d) & mask, mask, "==",
                     negated, srcdst)


def tcp_opt(bits):
    return Primitive("tcp opt", (TCP_FLAGS_FIELD,), bits, bits, "==", False, None, (6,), True)


def error(text, ctx=None) -> RuleError:
    with pytest.raises(RuleError) as info:
        parse_pattern(text, ctx)
    return info.value


# ---- tokens ----------------------------------------------------------------

def test_tokens_follow_clicks_word_rules():
    toks = tokenize("src host 10.0.0.1&&!(tcp[13:1]&2!=0)||x>=5 a?b : c")
    assert [t.text for t in toks] == ["src", "host", "10.0.0.1", "&&", "!", "(", "tcp", "[",
                                      "13:1", "]", "&", "2", "!=", "0", ")", "||", "x", ">=",
                                      "5", "a", "?", "b", ":", "c"]
    assert [t.at for t in toks[:4]] == [0, 4, 9, 17]


# ---- syntax trees ------------------------------------------------------------

@pytest.mark.parametrize("text, tree", [
    ("tcp", proto(6)),
    ("ip proto tcp", proto(6)),
    ("ip proto 17", proto(17)),
    ("proto > 100", proto(100, ">")),
    ("ip proto != icmp", proto(1, "==", True)),
    ("src host 10.0.0.1", host("src", "10.0.0.1")),
    ("host 10.0.0.1", host("src or dst", "10.0.0.1")),
    ("src and dst host 10.0.0.1", host("src and dst", "10.0.0.1")),
    ("dst host != 10.0.0.1", host("dst", "10.0.0.1", negated=True)),
    ("dst net 10.1.2.3/8", host("dst", "10.0.0.0", "net", 0xFF000000)),
    ("src net 10.0.0.0 mask 255.255.0.0", host("src", "10.0.0.0", "net", 0xFFFF0000)),
    ("net 10.0.0.7", host("src or dst", "10.0.0.7", "net")),
    ("10.0.0.0/24", host("src or dst", "10.0.0.0", "net", 0xFFFFFF00)),
    ("src host & 255.255.0.0 10.1.2.3", host("src", "10.1.0.0", mask=0xFFFF0000)),
    ("dst port 80", port("dst", 80)),
    ("dst port www", port("dst", 80)),
    ("www", port("src or dst", 80)),
    ("src tcp port ssh", port("src", 22, protocols=(6,))),
    ("udp dst port domain", port("dst", 53, protocols=(17,))),
    ("tcp src or dst port 21", port("src or dst", 21, protocols=(6,))),
    ("port != 80", port("src or dst", 80, negated=True)),
    ("dst port > 1023", port("dst", 1023, ">")),
    ("dst port >= 1024", port("dst", 1023, ">")),
    ("dst port < 1024", port("dst", 1023, ">", True)),
    ("dst port <= 1023", port("dst", 1023, ">", True)),
    ("dst port >= 0", port("dst", -1, ">")),
    ("tcp opt syn", tcp_opt(2)),
    ("syn", tcp_opt(2)),
    ("tcp opt 18", tcp_opt(18)),
    ("icmp type echo", Primitive("icmp type", (Field("transp", 0, 8),), 8, 0xFF, "==", False,
                                 None, (1,), True)),
    ("icmp type > 10", Primitive("icmp type", (Field("transp", 0, 8),), 10, 0xFF, ">", False,
                                 None, (1,), True)),
    ("ip ttl 64", Primitive("ip ttl", (Field("ip", 64, 8),), 64, 0xFF)),
    ("ttl <= 1", Primitive("ip ttl", (Field("ip", 64, 8),), 1, 0xFF, ">", True)),
    ("ip vers 4", Primitive("ip vers", (Field("ip", 0, 4),), 4, 0xF)),
    ("ip hl > 5", Primitive("ip hl", (Field("ip", 4, 4),), 5, 0xF, ">")),
    ("ip id 0x1234", Primitive("ip id", (Field("ip", 32, 16),), 0x1234, 0xFFFF)),
    ("ip tos 16", Primitive("ip tos", (Field("ip", 8, 8),), 16, 0xFF)),
    ("ip dscp 46", Primitive("ip dscp", (Field("ip", 8, 6),), 46, 0x3F)),
    ("ip len > 1500", Primitive("ip len", (Field("ip", 16, 16),), 1500, 0xFFFF, ">")),
    ("tcp win 0", Primitive("tcp win", (Field("transp", 112, 16),), 0, 0xFFFF, "==", False,
                            None, (6,), True)),
    ("ip frag", Primitive("ip frag", (IP_FRAGMENT,), 0, 0x3FFF, "==", True)),
    ("ip unfrag", Primitive("ip unfrag", (IP_FRAGMENT,), 0, 0x3FFF)),
    ("unfrag", Primitive("ip unfrag", (IP_FRAGMENT,), 0, 0x3FFF)),
    ("ip ect", Primitive("ip ect", (ECN,), 0, 3, "==", True)),
    ("ip ect 2", Primitive("ip ect", (ECN,), 2, 3)),
    ("ip ce", Primitive("ip ce", (ECN,), 3, 3)),
    ("ip[9] == 6", Primitive("ip[]", (Field("ip", 72, 8),), 6, 0xFF)),
    ("ip[2:2] > 100", Primitive("ip[]", (Field("ip", 16, 16),), 100, 0xFFFF, ">")),
    ("ip[2,3] 40", Primitive("ip[]", (Field("ip", 16, 16),), 40, 0xFFFF)),
    ("tcp[13] & 0x12 != 0", Primitive("ip[]", (Field("transp", 104, 8),), 0, 0x12, "==", True,
                                      None, (6,), True)),
    ("transp[0:2] 53", Primitive("ip[]", (Field("transp", 0, 16),), 53, 0xFFFF, "==", False,
                                 None, (), True)),
    ("ip ttl & 0xf0 0x45", Primitive("ip ttl", (Field("ip", 64, 8),), 0x40, 0xF0)),
    ("tcp ip ttl 5", Primitive("ip ttl", (Field("ip", 64, 8),), 5, 0xFF, protocols=(6,))),
    ("true", TRUE),
    ("false", FALSE),
    ("-", TRUE),
    ("any", TRUE),
    ("all", TRUE),
    ("", TRUE),
])
def test_primitives(text, tree):
    assert parse_pattern(text) == tree


def test_tcpudp_is_either_protocol():
    assert parse_pattern("tcpudp") == Or((proto(6), proto(17)))
    assert parse_pattern("ip proto != tcpudp") == Not(Or((proto(6), proto(17))))


def test_precedence_not_binds_tightest_then_and_then_or():
    a, b, c = proto(6), proto(17), proto(1)
    assert parse_pattern("tcp or udp and icmp") == Or((a, And((b, c))))
    assert parse_pattern("tcp and udp or icmp") == Or((And((a, b)), c))
    assert parse_pattern("not tcp and udp") == And((Not(a), b))
    assert parse_pattern("! (tcp || udp) && icmp") == And((Not(Or((a, b))), c))
    assert parse_pattern("not not tcp") == Not(Not(a))


def test_juxtaposition_is_and():
    # Click's documentation example: "10.0.0.0/24 and fin ack"
    assert parse_pattern("10.0.0.0/24 and fin ack") == And((
        host("src or dst", "10.0.0.0", "net", 0xFFFFFF00), tcp_opt(1), tcp_opt(16)))


def test_parentheses_keep_their_grouping():
    a, b, c = proto(6), proto(17), proto(1)
    assert parse_pattern("tcp and (udp and icmp)") == And((a, And((b, c))))
    assert parse_pattern("((tcp))") == a


def test_ternary_is_right_associative():
    a, b, c, d = proto(6), proto(17), proto(1), proto(2)
    assert parse_pattern("tcp ? udp : icmp") == Ternary(a, b, c)
    assert parse_pattern("tcp ? udp : icmp ? igmp : false") == Ternary(a, b, Ternary(c, d, FALSE))


def test_omitted_qualifiers_repeat_the_previous_primitive():
    # Click: 'src port 80 or 81' is 'src port 80 or src port 81'
    assert parse_pattern("src port 80 or 81") == Or((port("src", 80), port("src", 81)))
    assert parse_pattern("dst tcp port 8000 or 8080") == Or((port("dst", 8000, protocols=(6,)),
                                                             port("dst", 8080, protocols=(6,))))
    assert parse_pattern("src host 1.0.0.1 or 1.0.0.2") == Or((host("src", "1.0.0.1"),
                                                               host("src", "1.0.0.2")))
    assert parse_pattern("src port 80 or > 1023") == Or((port("src", 80), port("src", 1023, ">")))
    assert parse_pattern("src port www or ssh") == Or((port("src", 80), port("src", 22)))
    assert parse_pattern("ip ttl 1 or 2") == Or((Primitive("ip ttl", (Field("ip", 64, 8),), 1, 0xFF),
                                                 Primitive("ip ttl", (Field("ip", 64, 8),), 2, 0xFF)))
    assert parse_pattern("ip proto 6 or 17") == Or((proto(6), proto(17)))
    assert parse_pattern("src host 1.0.0.1 or not 1.0.0.2") == Or((host("src", "1.0.0.1"),
                                                                   Not(host("src", "1.0.0.2"))))
    # as in Click, a protocol is remembered too: 'udp or www' is 'udp or udp port www'
    assert parse_pattern("udp or www") == Or((proto(17), port("src or dst", 80, protocols=(17,))))


def test_any_qualifier_stops_the_repetition():
    assert parse_pattern("src host 1.0.0.1 or dst 1.0.0.2") == Or((host("src", "1.0.0.1"),
                                                                   host("dst", "1.0.0.2")))
    assert parse_pattern("src port 80 or port 81") == Or((port("src", 80), port("src or dst", 81)))


def test_port_range_is_a_pair_of_comparisons():
    src = And((port("src", 999, ">"), port("src", 2000, ">", True)))
    dst = And((port("dst", 999, ">"), port("dst", 2000, ">", True)))
    assert parse_pattern("src port 1000-2000") == src
    assert parse_pattern("port 1000-2000") == Or((src, dst))
    assert parse_pattern("src and dst port 1000-2000") == And((src, dst))


def test_address_info_names():
    ctx = ParseContext(addresses={"INTERNALNET": ["10.0.0.0/8"], "BASTION": ["10.0.0.5"],
                                  "BOTH": ["192.168.1.7/24"]})
    assert parse_pattern("src BASTION", ctx) == host("src", "10.0.0.5")
    assert parse_pattern("dst INTERNALNET", ctx) == host("dst", "10.0.0.0", "net", 0xFF000000)
    assert parse_pattern("net BASTION", ctx) == host("src or dst", "10.0.0.5", "net")
    assert parse_pattern("src BOTH:ip", ctx) == host("src", "192.168.1.7")
    assert parse_pattern("src BOTH:ipnet", ctx) == host("src", "192.168.1.0", "net", 0xFFFFFF00)
    assert parse_pattern("src host & NOPE 1.2.3.4", ParseContext(addresses={"NOPE": ["255.255.0.0"]})
                         ) == host("src", "1.2.0.0", mask=0xFFFF0000)
    assert error("host INTERNALNET", ctx).message == "'host': address missing"


def test_primitives_remember_where_they_start():
    e = parse_pattern("tcp and  dst port 80")
    assert [p.at for p in walk(e) if isinstance(p, Primitive)] == [0, 9]


@pytest.mark.parametrize("text", [
    "tcp", "src host 10.0.0.1", "host 10.0.0.1 or dst net 10.0.0.0/8", "dst tcp port 8000 or 8080",
    "port != 80", "dst port < 1024", "dst port >= 0", "src port < 0", "10.0.0.0/24 and fin ack",
    "(dst port www or dst port ssh) and tcp opt syn", "icmp type echo-reply", "ip ttl & 0xf0 > 0x10",
    "tcp[13] & 0x12 != 0", "transp[0:2] 53", "udp[4:2] > 8", "ip[2:2] <= 100", "not ip frag",
    "ip unfrag", "ip ect", "ip ect > 1", "ip ce", "tcp ? src port 1 : dst port 2", "true or false",
    "tcpudp", "ip proto != tcpudp", "src net 10.0.0.0 mask 255.0.255.0", "tcp ip ttl 5",
    "udp host 1.2.3.4", "src and dst port 1000-2000", "not not (tcp and (udp or icmp))",
    "ip dscp 46 or ip tos & 0x3 3", "icmp ip frag", "tcp win > 1000", "dccp port 5",
    "src host & 255.255.0.0 10.1.2.3", "ip proto & 0xf0 16",
])
def test_unparse_round_trips(text):
    tree = parse_pattern(text)
    assert parse_pattern(tree.unparse()) == tree


def test_unparse_is_readable():
    assert parse_pattern("dst tcp port www").unparse() == "dst tcp port 80"
    assert parse_pattern("10.0.0.0/24 and syn").unparse() == "net 10.0.0.0/24 and tcp opt syn"
    assert parse_pattern("port < 1024").unparse() == "port <= 1023"
    assert parse_pattern("not (tcp or udp)").unparse() == "not (ip proto tcp or ip proto udp)"
    assert str(parse_pattern("ip[9] 6")) == "ip[9] 6"


# ---- errors ------------------------------------------------------------------

@pytest.mark.parametrize("text, message, offset, length, hint", [
    ("prot tcp", "unknown primitive 'prot'", 0, 4, "did you mean proto?"),
    ("tcp and hots 1.2.3.4", "unknown primitive 'hots'", 8, 4, "did you mean host?"),
    ("TCP", "unknown primitive 'TCP'", 0, 3, "did you mean tcp?"),
    ("ip proto tcpp", "'proto': bad value 'tcpp'", 9, 4, "did you mean tcp?"),
    ("src port wwww", "'port': bad value 'wwww'", 9, 4, "did you mean www?"),
    ("echo", "'echo' is ambiguous", 0, 4, "try 'port echo' or 'icmp type echo'"),
    ("tcp and", "missing expression after 'and'", 7, 0, None),
    ("tcp or", "missing expression after 'or'", 6, 0, None),
    ("not", "missing expression after 'not'", 3, 0, None),
    ("( tcp", "missing ')'", 0, 1, "this '(' is never closed"),
    ("()", "missing expression after '('", 1, 1, None),
    ("(tcp and udp ]", "unexpected ']'", 13, 1, None),
    ("tcp udp", "transport protocol specified twice", 4, 3, "already requires tcp"),
    ("tcp )", "garbage after expression at ')'", 4, 1, None),
    ("tcp ? udp", "missing ':' in ternary expression", 9, 0, "spaces around ':'"),
    ("tcp ? udp:icmp", "unknown primitive 'udp:icmp'", 6, 8, None),
    ("ether src 00:01:02:03:04:05", "'ether' primitives are not supported", 0, 5, "Classifier"),
    ("port 70000", "'port': value 70000 out of range", 5, 5, "the largest value is 65535"),
    ("ip ttl 256", "'ip ttl': value 256 out of range", 7, 3, "the largest value is 255"),
    ("ip vers -1", "'ip vers': value -1 out of range", 8, 2, None),
    ("host 5", "'host': address missing", 5, 1, "host 10.0.0.1"),
    ("net", "'net': address missing", 3, 0, None),
    ("src host > 1.2.3.4", "'host': operator '>' not supported", 0, 3, "== and !="),
    ("src 80", "specify header field or 'port'", 4, 2, "dst port 80"),
    ("80", "specify header field or 'port'", 0, 2, None),
    ("src", "partial directive", 0, 3, None),
    ("src hots 1.2.3.4", "unknown primitive 'hots'", 4, 4, "did you mean host?"),
    ("dst 1.2.3.4.5", "bad value '1.2.3.4.5'", 4, 9, "IP address"),
    ("port", "'port': value missing", 4, 0, "dst port 80"),
    ("dst port > and tcp", "bad value 'and' after '>'", 11, 3, None),
    ("dst port >", "missing value after '>'", 9, 1, None),
    ("tcp opt != syn", "'tcp opt': operator or mask not supported", 0, 3, "tcp[13]"),
    ("udp opt syn", "'tcp opt': bad protocol udp", 0, 3, None),
    ("tcp icmp type 3", "transport protocol specified twice", 4, 4, "already requires tcp"),
    ("tcp type 3", "transport protocol specified twice", 4, 4, None),
    ("icmp port 80", "'port': bad protocol icmp", 0, 4, None),
    ("host net 1.2.3.4", "type specified twice: 'host' and 'net'", 5, 3, None),
    ("src dst host 1.2.3.4", "'src' or 'dst' specified twice", 4, 3, None),
    ("tcp proto 17", "'proto': protocol specified twice", 10, 2, None),
    ("transp", "'transp' is not a protocol test", 0, 6, "transp[POS:LEN]"),
    ("ip frag 1", "'ip frag': value not supported", 8, 1, None),
    ("ip[3:2] 0", "field [3:2] does not fit in a single 4-byte word", 2, 1, None),
    ("ip[0:5] 0", "LEN in [0:5] out of range", 2, 1, None),
    ("ip[x] 0", "bad field position [x]", 2, 1, "ip[9]"),
    ("ip[0 0", "missing ']'", 2, 1, None),
    ("ip[9]", "'ip[9:1]': value missing", 5, 0, "ip[9:1] == 0"),
    ("ip ttl & 0 5", "zero mask", 9, 1, None),
    ("ip ttl & 300 5", "'ip ttl': mask 0x12c out of range", 0, 2, "bound 0xff"),
    ("ip ttl & x 5", "bad mask 'x'", 9, 1, None),
    ("src port 2000-1000", "empty port range '2000-1000'", 9, 9, None),
    ("src port > 1000-2000", "'port': a range takes no operator", 0, 3, None),
    ("tcp && dst host 1.2.3.4 || & ", "unexpected '&'", 27, 1, None),
    ("tcpudp & 3", "'tcpudp': operator or mask not supported", 0, 6, "tcp or udp"),
])
def test_errors(text, message, offset, length, hint):
    e = error(text)
    assert isinstance(e, ArgError)
    assert e.message == message
    assert (e.offset, e.length) == (offset, length)
    if hint is not None:
        assert hint in e.hint
    assert text[e.offset:e.offset + e.length] == text[offset:offset + length]


def test_quoted_patterns_parse_but_offsets_are_unknown():
    assert parse_pattern('"tcp"') == proto(6)
    assert error('"tcp" and foo').offset is None


def test_deep_nesting_is_a_clean_error_not_a_recursion_error():
    deep = "(" * 1000 + "tcp" + ")" * 1000
    e = error(deep)
    assert e.message == f"expression nested more than {MAX_DEPTH} levels deep"
    assert e.offset == MAX_DEPTH
    assert error("not " * 1000 + "tcp").message.startswith("expression nested")
    assert error("tcp ? " * 1000 + "udp").message.startswith("expression nested")
    ok = parse_pattern("(" * MAX_DEPTH + "tcp" + ")" * MAX_DEPTH)
    assert ok == proto(6)
    assert matches(parse_pattern("not " * MAX_DEPTH + "tcp"), bytes(IP() / TCP()))


def test_always_true_or_false_relations_are_logged(caplog):
    with caplog.at_level(logging.WARNING, logger="clickpy.rules.ipfilter_expr"):
        parse_pattern("dst port > 65535")
    assert "relation '> 65535' on 'port' is always false (range 0-65535)" in caplog.text


# ---- IPFilter rules ------------------------------------------------------------

@pytest.mark.parametrize("text, port, pattern", [
    ("allow tcp", 0, proto(6)),
    ("deny udp", None, proto(17)),
    ("drop all", None, TRUE),
    ("3 -", 3, TRUE),
    ("1", 1, TRUE),
    ("allow any", 0, TRUE),
    ("0x2 icmp", 2, proto(1)),
])
def test_filter_rules(text, port, pattern):
    rule = parse_filter_rule(text)
    assert (rule.port, rule.pattern) == (port, pattern)
    assert rule.action == text.split()[0]
    assert parse_filter_rule(rule.unparse()) == rule


@pytest.mark.parametrize("text, message, offset, hint", [
    ("alow tcp", "unknown action 'alow'", 0, "did you mean allow?"),
    ("-1 tcp", "unknown action '-1'", 0, None),
    ("", "empty filter", 0, None),
    ("allow tcp foo", "unknown primitive 'foo'", 10, None),
    ("allow )", "unexpected ')'", 6, None),
])
def test_filter_rule_errors(text, message, offset, hint):
    with pytest.raises(RuleError) as info:
        parse_filter_rule(text)
    assert (info.value.message, info.value.offset) == (message, offset)
    if hint:
        assert info.value.hint == hint


# ---- the reference matcher, on scapy packets -------------------------------------

SYNACK = bytes(IP(src="10.0.0.1", dst="10.0.0.2", ttl=64, tos=0xB9, id=0x1234)
               / TCP(sport=1234, dport=80, flags="SA", window=8192))
DNS = bytes(IP(src="192.168.1.10", dst="8.8.8.8") / UDP(sport=5353, dport=53) / Raw(b"q" * 20))
PING = bytes(IP(src="10.0.0.9", dst="10.0.0.1") / ICMP(type=8))
PONG = bytes(IP(src="10.0.0.1", dst="10.0.0.9") / ICMP(type=0))
WITH_OPTIONS = bytes(IP(src="10.0.0.1", dst="10.0.0.2", options=[IPOption_NOP()] * 8)
                     / TCP(sport=22, dport=40000, flags="S"))
FIRST_FRAGMENT = bytes(IP(src="10.0.0.1", flags="MF", proto=6) / TCP(sport=1, dport=2))
LATER_FRAGMENT = bytes(IP(src="10.0.0.1", frag=185, proto=6) / Raw(b"\x00\x01\x00\x02" * 8))


@pytest.mark.parametrize("text, packet, expected", [
    ("tcp", SYNACK, True), ("udp", SYNACK, False), ("tcpudp", DNS, True), ("tcpudp", PING, False),
    ("src host 10.0.0.1", SYNACK, True), ("dst host 10.0.0.1", SYNACK, False),
    ("host 10.0.0.2", SYNACK, True), ("src and dst host 10.0.0.1", SYNACK, False),
    ("host != 10.0.0.1", SYNACK, False), ("host != 10.0.0.3", SYNACK, True),
    ("src net 10.0.0.0/8", SYNACK, True), ("dst net 8.0.0.0/8", DNS, True),
    ("net 192.168.0.0 mask 255.255.0.0", DNS, True), ("10.0.0.0/8", DNS, False),
    ("dst port www", SYNACK, True), ("port 1234", SYNACK, True), ("src port 80", SYNACK, False),
    ("udp port domain", DNS, True), ("tcp port domain", DNS, False), ("port 53", PING, False),
    ("port != 80", SYNACK, False), ("port != 81", SYNACK, True), ("src port != 80", SYNACK, True),
    ("port > 1023", SYNACK, True), ("port < 1024", SYNACK, False), ("dst port < 1024", SYNACK, True),
    ("port >= 1234", SYNACK, True), ("port <= 80", SYNACK, False), ("src port <= 1234", SYNACK, True),
    ("port 1000-2000", SYNACK, True), ("dst port 81-100", SYNACK, False),
    ("src and dst port 50-2000", SYNACK, True),
    ("tcp opt syn", SYNACK, True), ("syn ack", SYNACK, True), ("fin", SYNACK, False),
    ("syn and not ack", SYNACK, False), ("tcp opt syn", DNS, False),
    ("tcp[13] & 0x12 == 0x12", SYNACK, True), ("tcp[13] & 0x01 != 0", SYNACK, False),
    ("icmp type echo", PING, True), ("icmp type echo-reply", PONG, True),
    ("icmp type echo", PONG, False), ("icmp type != 8", PONG, True), ("icmp type != 8", SYNACK, False),
    ("not icmp type 8", SYNACK, True),
    ("ip ttl 64", SYNACK, True), ("ip ttl > 63", SYNACK, True), ("ip ttl < 64", SYNACK, False),
    ("ip vers 4", SYNACK, True), ("ip hl 5", SYNACK, True), ("ip hl 7", WITH_OPTIONS, True),
    ("ip id 0x1234", SYNACK, True), ("ip len 40", SYNACK, True), ("ip tos 0xb9", SYNACK, True),
    ("ip dscp 46", SYNACK, True), ("ip ect", SYNACK, True), ("ip ect 1", SYNACK, True),
    ("ip ce", SYNACK, False), ("ip ect", DNS, False),
    ("tcp win 8192", SYNACK, True), ("tcp win > 8192", SYNACK, False),
    ("ip[9] 6", SYNACK, True), ("ip[12:4] & 0xff000000 0x0a000000", SYNACK, True),
    ("udp[2:2] 53", DNS, True), ("transp[2:2] 80", SYNACK, True), ("udp[2:2] 80", SYNACK, False),
    ("not ip frag", SYNACK, True), ("ip unfrag", SYNACK, True),
    ("true", SYNACK, True), ("false", SYNACK, False), ("tcp ? dst port 80 : false", SYNACK, True),
    ("udp ? true : src host 10.0.0.2", SYNACK, False),
    ("tcp ip ttl 64", SYNACK, True), ("udp ip ttl 64", SYNACK, False),
    # the transport header follows IP options
    ("src port ssh and dst port 40000 and syn", WITH_OPTIONS, True),
    # fragments: transport tests only ever match the first one
    ("ip frag", FIRST_FRAGMENT, True), ("ip frag", LATER_FRAGMENT, True),
    ("src port 1", FIRST_FRAGMENT, True), ("src port 1", LATER_FRAGMENT, False),
    ("tcp", LATER_FRAGMENT, True), ("transp[0:2] 1", LATER_FRAGMENT, False),
    ("ip[20:2] 1", LATER_FRAGMENT, True), ("ip[20:2] 0", LATER_FRAGMENT, False),
])
def test_matches(text, packet, expected):
    assert matches(parse_pattern(text), packet) is expected


TRUNCATED = SYNACK[:23]  # IP header + 3 bytes of TCP: source port present, destination port not


@pytest.mark.parametrize("text, expected", [
    ("src port 1234", True),
    ("dst port 80", False),
    ("not dst port 80", True),          # 'not' of a test that cannot read its bytes
    ("dst port != 80", False),          # an operator is part of the test: still false
    ("dst port != 81", False),
    ("port 1234", True),                # src matches; the missing dst does not matter
    ("port 80", False),
    ("port != 5", False),               # not (src == 5 or dst == 5): the absent dst counts as equal
    ("src and dst port != 1", True),    # not (src == 1 and dst == 1): src already differs
    ("tcp opt syn", False), ("not syn", True), ("tcp win < 100", False),
    ("src port & 0xff00 == 0x0400", True),
    ("tcp[2] 0", True), ("tcp[3] 80", False),
    ("tcp", True), ("src host 10.0.0.1", True),
])
def test_truncated_packets(text, expected):
    assert matches(parse_pattern(text), TRUNCATED) is expected


def test_header_only_packet_has_no_transport_bytes():
    header_only = SYNACK[:20]
    assert matches(parse_pattern("tcp"), header_only)
    assert not matches(parse_pattern("src port 1234"), header_only)
    assert not matches(parse_pattern("transp[0] 0"), header_only)


def test_click_ipclassifier_examples():
    four = [parse_pattern(t) for t in ("10.0.0.0/24 and syn", "10.0.0.0/24 and fin ack",
                                       "10.0.0.0/24 and tcp", "-")]
    syn = bytes(IP(src="10.0.0.7", dst="1.1.1.1") / TCP(flags="S"))
    finack = bytes(IP(src="1.1.1.1", dst="10.0.0.7") / TCP(flags="FA"))
    other_tcp = bytes(IP(src="10.0.0.7") / TCP(flags="A"))
    outside = bytes(IP(src="11.0.0.7", dst="12.0.0.1") / TCP(flags="S"))
    assert [first_match(four, p) for p in (syn, finack, other_tcp, outside, DNS)] == [0, 1, 2, 3, 3]

    three = [parse_pattern(t) for t in ("dst tcp port 8000 or 8080", "dst tcp port > 1023", "tcp")]
    to = lambda dport, l4=TCP: bytes(IP() / l4(dport=dport))  # noqa: E731
    assert [first_match(three, p) for p in (to(8080), to(8000), to(5000), to(80), to(8080, UDP))] \
        == [0, 0, 1, 2, None]


def test_click_ipfilter_firewall_example():
    ctx = ParseContext(addresses={"INTERNALNET": ["10.0.0.0/8"], "BASTION": ["10.1.1.1"],
                                  "INTERNAL_SMTP": ["10.2.2.2"]})
    rules = [parse_filter_rule(t, ctx) for t in (
        "deny src INTERNALNET",
        "allow src BASTION && dst INTERNALNET && tcp && src port www && dst port > 1023 && ack",
        "allow dst INTERNALNET && tcp && dst port 22",
        "allow src BASTION && dst INTERNAL_SMTP && tcp && src port > 1023 && dst port 25",
        "deny all")]
    assert all(isinstance(r, FilterRule) for r in rules)
    web_reply = bytes(IP(src="10.1.1.1", dst="10.3.3.3") / TCP(sport=80, dport=40000, flags="A"))
    spoofed = bytes(IP(src="10.1.1.1", dst="10.3.3.3") / TCP(sport=80, dport=40000, flags="A"))
    ssh_in = bytes(IP(src="8.8.8.8", dst="10.3.3.3") / TCP(sport=50000, dport=22, flags="S"))
    smtp = bytes(IP(src="10.1.1.1", dst="10.2.2.2") / TCP(sport=2000, dport=25, flags="S"))
    telnet = bytes(IP(src="8.8.8.8", dst="10.3.3.3") / TCP(sport=50000, dport=23, flags="S"))
    # the first rule drops everything from INTERNALNET, BASTION (10.1.1.1) included
    assert filter_output(rules, web_reply) is None
    assert filter_output(rules, spoofed) is None
    assert filter_output(rules, ssh_in) == 0
    assert filter_output(rules, smtp) is None
    assert filter_output(rules, telnet) is None
    outside = [parse_filter_rule(t, ctx) for t in ("allow dst INTERNALNET && tcp && dst port 22",
                                                   "2 udp", "deny all")]
    assert [filter_output(outside, p) for p in (ssh_in, DNS, telnet)] == [0, 2, None]


# ---- properties ------------------------------------------------------------------

PORTS = st.integers(0, 65535)
OPS = {"==": operator.eq, "!=": operator.ne, ">": operator.gt, "<": operator.lt,
       ">=": operator.ge, "<=": operator.le}


@settings(max_examples=300, deadline=None)
@given(PORTS, PORTS, st.sampled_from(sorted(OPS)), PORTS, st.sampled_from(["src", "dst", ""]))
def test_port_relations_follow_clicks_src_or_dst_rule(sport, dport, op, value, which):
    packet = bytes(IP() / TCP(sport=sport, dport=dport))
    got = matches(parse_pattern(f"{which} port {op} {value}".strip()), packet)
    rel = OPS[op]
    if which == "src":
        expected = rel(sport, value)
    elif which == "dst":
        expected = rel(dport, value)
    elif op in ("!=", "<", "<="):   # the negated relations: neither port may fail them
        expected = rel(sport, value) and rel(dport, value)
    else:
        expected = rel(sport, value) or rel(dport, value)
    assert got == expected


WORDS = ["tcp", "udp", "icmp", "src", "dst", "host", "net", "port", "proto", "ip", "and", "or",
         "not", "!", "&&", "||", "(", ")", "?", ":", "10.0.0.1", "10.0.0.0/8", "80", "1023",
         "www", "echo", "syn", "ack", "opt", "type", "ttl", "==", "!=", ">", "<", ">=", "<=",
         "&", "0xff", "[", "]", "9", "9:1", "true", "false", "-", "frag", "unfrag", "mask",
         "255.0.0.0", "1000-2000", "tcpudp", "transp", "vers", "ect", "ce", "win", "x", "ether",
         "all", "any", "tcp[13]", ",", "icmp-reply"]


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(WORDS), max_size=14), st.binary(max_size=60))
def test_random_token_soups_parse_or_raise_rule_error(words, packet):
    text = " ".join(words)
    try:
        tree = parse_pattern(text)
    except RuleError as e:
        assert e.message
        assert e.offset is not None and 0 <= e.offset <= len(text)
        return
    again = parse_pattern(tree.unparse())
    assert again == tree
    assert matches(tree, packet) == matches(again, packet)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="tcpudsrhoan ()!&|<>=?:[]0123456789./-x", max_size=30))
def test_random_characters_parse_or_raise_rule_error(text):
    try:
        parse_pattern(text)
        parse_filter_rule("allow " + text)
    except RuleError as e:
        assert e.message


def test_walk_visits_every_node_once():
    tree = parse_pattern("tcp ? (udp or not icmp) : true")
    kinds = [type(n).__name__ for n in walk(tree)]
    assert kinds == ["Ternary", "Primitive", "Or", "Primitive", "Not", "Primitive", "Const"]
    assert isinstance(tree, Ternary) and isinstance(tree.otherwise, Const)
