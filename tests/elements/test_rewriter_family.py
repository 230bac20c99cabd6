"""IPRewriterPatterns, UDPRewriter and TCPRewriter: packets from scapy, handlers, named
patterns shared through a whole configuration, and the configuration errors."""
import numpy as np
import pytest
from scapy.all import ICMP, IP, TCP, Ether, checksum, raw

from both_ways import run_both_ways
from clickpy import packet
from clickpy.args import ParseContext, parse_args, split_config
from clickpy.check import check_graph
from clickpy.element import registry
from clickpy.graph import build_graph
from clickpy.kernel import drop
from clickpy.lang import parse_text
from clickpy.pcap import read_pcap, write_pcap
from clickpy.runtime.router import Router
from elements.tcpudp.iprewriter import (P_GC_INTERVAL, P_T0, P_T1, P_TCP_DATA, P_TCP_DONE,
                                        P_UDP_STREAM)
from test_transport_kernels import RW, flow, ipint, tcp, tcp_ok, udp, udp_ok

E = registry()
NO_HEADER, NOT_MINE, SPEC_DROPS, NO_MAPPING = drop(0), drop(1), drop(2), drop(3)


def short_transport(proto, n=7):
    """An IP packet of protocol `proto` with only n transport bytes."""
    return raw(IP(src="10.0.0.5", dst="2.0.0.2", proto=proto) / (b"t" * n))


def later_fragment(proto):
    return raw(IP(src="10.0.0.5", dst="2.0.0.2", proto=proto, frag=8) / (b"x" * 16))


def dccp(src, sport, dst, dport):
    """A DCCP packet (protocol 33): ports where TCP and UDP have them, checksum 0x1234."""
    header = (sport.to_bytes(2, "big") + dport.to_bytes(2, "big") + bytes([3, 0])
              + b"\x12\x34" + bytes(8))
    return raw(IP(src=src, dst=dst, proto=33) / header)


def expiries(table):
    return [int(line.rsplit("exp", 1)[1]) for line in table.splitlines()]


# ---- UDPRewriter -----------------------------------------------------------------------

def test_udprewriter_translates_udp_both_ways_with_checksums():
    h = RW("UDPRewriter", "pattern 1.0.0.1 1024-65535# - - 0 1, drop", n_inputs=2, n_outputs=2)
    port, out = h.one(udp("10.0.0.5", 5555, "2.0.0.2", 53))
    assert port == 0 and flow(out) == ("1.0.0.1", 1024, "2.0.0.2", 53) and udp_ok(out)
    assert h.anno("DST_IP", h.slots[0]) == ipint("2.0.0.2")
    port, out = h.one(udp("2.0.0.2", 53, "1.0.0.1", 1024), port=1)
    assert port == 1 and flow(out) == ("2.0.0.2", 53, "10.0.0.5", 5555) and udp_ok(out)
    assert h.anno("DST_IP", h.slots[0]) == ipint("10.0.0.5")
    nosum = bytearray(udp("10.0.0.6", 7, "2.0.0.2", 8))
    nosum[26:28] = b"\0\0"
    port, out = h.one(bytes(nosum))
    assert flow(out) == ("1.0.0.1", 1025, "2.0.0.2", 8) and out[26:28] == b"\0\0"
    # A reply to nothing, on the drop input: dropped by the spec.
    assert h.one(udp("3.3.3.3", 53, "1.0.0.1", 4000), port=1)[0] == SPEC_DROPS
    assert h.read("nmappings") == "2" and h.read("size") == "2"
    assert h.read("patterns") == "1.0.0.1 1024-65535 - - [2]\n<drop>\n"
    assert h.read("table") == h.read("mappings")
    assert h.read("table").splitlines()[:2] == [
        "(10.0.0.5, 5555, 2.0.0.2, 53) => (1.0.0.1, 1024, 2.0.0.2, 53) [*0 1] i0 exp300",
        "(2.0.0.2, 53, 1.0.0.1, 1024) => (2.0.0.2, 53, 10.0.0.5, 5555) [0 *1] i0 exp300"]


def test_udprewriter_rewrites_tcp_and_dccp_too_as_click_does():
    h = RW("UDPRewriter", "pattern 1.0.0.1 1024-65535# - - 0 1, pass 1", n_inputs=2,
           n_outputs=2)
    port, out = h.one(tcp("10.0.0.5", 4000, "2.0.0.2", 80, "S"))
    assert port == 0 and flow(out) == ("1.0.0.1", 1024, "2.0.0.2", 80) and tcp_ok(out)
    port, out = h.one(tcp("2.0.0.2", 80, "1.0.0.1", 1024, "SA"), port=1)
    assert port == 1 and flow(out) == ("2.0.0.2", 80, "10.0.0.5", 4000) and tcp_ok(out)
    port, out = h.one(dccp("10.0.0.5", 4000, "2.0.0.2", 5004))
    assert port == 0 and out[12:16] == bytes([1, 0, 0, 1])
    assert out[20:24] == (1025).to_bytes(2, "big") + (5004).to_bytes(2, "big")
    assert out[26:28] == b"\x12\x34"                 # DCCP's checksum: Click leaves it
    assert checksum(out[:20]) == 0
    assert h.read("table").count("\n") == 4
    # 8 to 17 TCP bytes: ports rewritten, the TCP checksum (not there) left alone.
    short = short_transport(6, 10)
    port, out = h.one(short)
    assert port == 0 and out[20:22] == (1026).to_bytes(2, "big") and out[22:] == short[22:]


def test_udprewriter_other_packets_drop_or_pass():
    h = RW("UDPRewriter", "pattern 1.0.0.1 1024-65535# - - 0 1, pass 1", n_inputs=2,
           n_outputs=2)
    icmp = raw(IP(src="10.0.0.5", dst="2.0.0.2") / ICMP())
    for frame in (icmp, later_fragment(17), short_transport(17)):
        assert h.one(frame, port=0) == (NOT_MINE, frame)
        assert h.one(frame, port=1) == (1, frame)
    for n in range(20):
        assert h.one(udp("10.0.0.5", 1, "2.0.0.2", 2)[:n])[0] == NO_HEADER
    assert h.one(udp("10.0.0.5", 1, "2.0.0.2", 2), nh=-1)[0] == NO_HEADER
    assert h.read("nmappings") == "0"
    assert "not TCP, UDP or DCCP" in E["UDPRewriter"].drop_reasons[1]


def test_udprewriter_timeouts_keywords_and_streaming():
    h = RW("UDPRewriter", "pattern 1.0.0.1 1024-65535# - - 0 1, drop, UDP_TIMEOUT 30, "
           "STREAMING_TIMEOUT 600, UDP_GUARANTEE 0", n_inputs=2, n_outputs=2)
    h.at(1).one(udp("10.0.0.5", 9, "2.0.0.2", 53))
    h.one(tcp("10.0.0.5", 9, "2.0.0.2", 80, "S"))      # a TCP flow: UDP's timeouts too
    assert expiries(h.read("table")) == [30] * 4
    h.one(udp("2.0.0.2", 53, "1.0.0.1", 1024), port=1)
    h.one(udp("10.0.0.5", 9, "2.0.0.2", 53))          # 3 packets, both ways: streaming
    assert expiries(h.read("table"))[:2] == [600, 600]
    # TIMEOUT wins over UDP_TIMEOUT, GUARANTEE over UDP_GUARANTEE (Click's reading order).
    st = RW("UDPRewriter", "drop, UDP_TIMEOUT 30, TIMEOUT 40, UDP_GUARANTEE 1, GUARANTEE 2").st
    assert (st[0][P_T0], st[0][P_T1], st[0][P_UDP_STREAM]) == (40000, 2000, 40000)
    default = RW("UDPRewriter", "drop").st[0]
    assert (default[P_T0], default[P_T1], default[P_UDP_STREAM]) == (300000, 5000, 300000)


def test_udprewriter_handlers_capacity_clear_and_pattern_writes():
    h = RW("UDPRewriter", "pattern 1.0.0.1 1024-65535# - - 0 1, drop, MAPPING_CAPACITY 2",
           n_inputs=2, n_outputs=2)
    for i in range(2):
        h.one(udp(f"10.0.0.{i + 1}", 9, "2.0.0.2", 53))
    assert h.one(udp("10.0.0.3", 9, "2.0.0.2", 53))[0] == drop(4)   # guaranteed flows: full
    assert (h.read("capacity"), h.read("mapping_failures")) == ("2", "1")
    h.write("clear")
    assert (h.read("size"), h.read("table")) == ("0", "")
    h.write("pattern0", "pattern 7.7.7.7 - - - 0 1")
    assert h.read("pattern0") == "7.7.7.7 - - -\n"
    assert flow(h.one(udp("10.0.0.5", 9, "2.0.0.2", 53))[1]) == ("7.7.7.7", 9, "2.0.0.2", 53)
    with pytest.raises(ValueError, match="no pattern named 'nat'"):
        h.write("pattern0", "pattern nat 0 1")


# ---- TCPRewriter -----------------------------------------------------------------------

def test_tcprewriter_translates_tcp_both_ways_and_keeps_sequence_numbers():
    h = RW("TCPRewriter", "pattern 1.0.0.1 1024-65535# - - 0 1, drop", n_inputs=2, n_outputs=2)
    syn = raw(IP(src="10.0.0.5", dst="2.0.0.2")
              / TCP(sport=4000, dport=80, flags="S", seq=1000, ack=0,
                    options=[("MSS", 1460), ("SAckOK", b"")]))
    port, out = h.one(syn)
    assert port == 0 and flow(out) == ("1.0.0.1", 1024, "2.0.0.2", 80) and tcp_ok(out)
    assert (IP(out)[TCP].seq, IP(out)[TCP].options) == (1000, IP(syn)[TCP].options)
    sack = raw(IP(src="2.0.0.2", dst="1.0.0.1")
               / TCP(sport=80, dport=1024, flags="A", seq=7, ack=1001,
                     options=[("NOP", None), ("NOP", None), ("SAck", (900, 950))]) / b"data")
    port, out = h.one(sack, port=1)
    assert port == 1 and flow(out) == ("2.0.0.2", 80, "10.0.0.5", 4000) and tcp_ok(out)
    got = IP(out)[TCP]
    assert (got.seq, got.ack, got.options, bytes(got.payload)) == (7, 1001, IP(sack)[TCP].options,
                                                                  b"data")
    assert h.anno("DST_IP", h.slots[0]) == ipint("10.0.0.5")
    assert h.read("table") == h.read("mappings") == (
        "(10.0.0.5, 4000, 2.0.0.2, 80) => (1.0.0.1, 1024, 2.0.0.2, 80) [*0 1] i0 exp300\n"
        "(2.0.0.2, 80, 1.0.0.1, 1024) => (2.0.0.2, 80, 10.0.0.5, 4000) [0 *1] i0 exp300\n")
    assert h.read("lookup 10.0.0.5 4000 2.0.0.2 80") == "1.0.0.1 1024 2.0.0.2 80"
    assert h.read("lookup 2.0.0.2 80 1.0.0.1 1024") == "2.0.0.2 80 10.0.0.5 4000"
    assert h.read("lookup 10.0.0.9 4000 2.0.0.2 80") == ""
    with pytest.raises(ValueError, match="^lookup: "):
        h.read("lookup 10.0.0.9")
    assert h.read("nmappings") == "1"
    assert h.read("patterns") == "1.0.0.1 1024-65535 - - [1]\n<drop>\n"


def test_tcprewriter_other_protocols_truncated_and_short_packets():
    h = RW("TCPRewriter", "pattern 1.0.0.1 1024-65535# - - 0 1, pass 1", n_inputs=2,
           n_outputs=2)
    u = udp("10.0.0.5", 53, "2.0.0.2", 53)
    icmp = raw(IP(src="10.0.0.5", dst="2.0.0.2") / ICMP())
    for frame in (u, icmp, later_fragment(6), short_transport(6)):
        assert h.one(frame, port=0) == (NOT_MINE, frame)
        assert h.one(frame, port=1) == (1, frame)
    for n in range(20):
        assert h.one(tcp("10.0.0.5", 1, "2.0.0.2", 2)[:n])[0] == NO_HEADER
    # 8 to 17 TCP bytes: Click's TCPFlow::apply changes the addresses only.
    short = short_transport(6, 12)
    port, out = h.one(short)
    assert port == 0 and out[12:16] == bytes([1, 0, 0, 1]) and out[20:] == short[20:]
    assert checksum(out[:20]) == 0
    assert "not TCP," in E["TCPRewriter"].drop_reasons[1]
    assert h.read("nmappings") == "1"


def test_tcprewriter_timeouts_and_keywords():
    h = RW("TCPRewriter", "pattern 1.0.0.1 1024-65535# - - 0 1, drop, TCP_GUARANTEE 0, "
           "TCP_NODATA_TIMEOUT 60, TCP_DONE_TIMEOUT 20, TIMEOUT 500, TCP_TIMEOUT 1000",
           n_inputs=2, n_outputs=2)
    h.at(1).one(tcp("10.0.0.5", 1, "2.0.0.2", 80, "S"))
    h.one(tcp("10.0.0.6", 1, "2.0.0.2", 80, "PA", b"req"))
    h.one(tcp("2.0.0.2", 80, "1.0.0.1", 1025, "PA", b"resp"), port=1)     # data both ways
    h.one(tcp("10.0.0.7", 1, "2.0.0.2", 80, "F"))
    h.one(tcp("2.0.0.2", 80, "1.0.0.1", 1026, "F"), port=1)                # done both ways
    assert expiries(h.read("table"))[::2] == [60, 1000, 20]     # TCP_TIMEOUT over TIMEOUT
    d = RW("TCPRewriter", "drop").st[0]
    assert ((d[P_T0], d[P_T1], d[P_TCP_DATA], d[P_TCP_DONE], d[P_GC_INTERVAL])
            == (300000, 5000, 86400000, 240000, 900000))
    g = RW("TCPRewriter", "drop, TCP_GUARANTEE 3, GUARANTEE 7, REAP_TIME 9").st[0]
    assert (g[P_T1], g[P_GC_INTERVAL]) == (7000, 9000)


def test_declarations():
    for name in ("UDPRewriter", "TCPRewriter"):
        cls = E[name]
        assert (cls.port_count, cls.processing) == ("1-/1-", "h/h")
        assert {"table", "mappings", "nmappings", "mapping_failures", "patterns", "size",
                "capacity", "clear"} <= {h.name for h in cls.handlers}
    assert "lookup" in {h.name for h in E["TCPRewriter"].handlers}
    keywords = {a.keyword for a in E["UDPRewriter"].args}
    assert {"UDP_TIMEOUT", "TIMEOUT", "STREAMING_TIMEOUT", "UDP_GUARANTEE", "DST_ANNO",
            "REPLY_ANNO", "MAPPING_CAPACITY", "REAP_INTERVAL"} <= keywords
    keywords = {a.keyword for a in E["TCPRewriter"].args}
    assert {"TCP_TIMEOUT", "TCP_NODATA_TIMEOUT", "TCP_DONE_TIMEOUT", "TCP_GUARANTEE",
            "TIMEOUT"} <= keywords and "UDP_TIMEOUT" not in keywords
    p = E["IPRewriterPatterns"]
    assert (p.port_count, p.info_only) == ("0/0", True)
    from clickpy.runtime.workers import NOT_SPLITTABLE      # --workers refuses them
    assert {"UDPRewriter", "TCPRewriter", "ICMPPingRewriter", "ICMPRewriter"} <= set(NOT_SPLITTABLE)


# ---- named patterns in the harness -----------------------------------------------------

class NamedRW(RW):
    """A rewriter given IPRewriterPatterns' patterns as the router gives them:
    values['_patterns'] before state()."""

    def __init__(self, class_name, config, patterns, n_inputs=2, n_outputs=2, mappers=None):
        self.cls = E[class_name]
        ctx = ParseContext()
        values, issues = parse_args(class_name, self.cls.args, split_config(config), ctx, None)
        assert not issues and not self.cls.check_config(values, ctx)
        pcls = E["IPRewriterPatterns"]
        pvalues, issues = parse_args("IPRewriterPatterns", pcls.args, split_config(patterns),
                                     ctx, None)
        assert not issues and not pcls.check_config(pvalues, ctx)
        values["_patterns"] = pcls.named_patterns(pvalues)
        if mappers:
            m = E["RoundRobinIPMapper"]
            values["_mappers"] = {}
            for name, text in mappers.items():
                mvalues, issues = parse_args(name, m.args, split_config(text), ctx, None)
                assert not issues
                values["_mappers"][name] = m.mapper_patterns(mvalues)
        self.values = values
        self.pool = packet.Pool(64)
        self.P = self.pool.arrays
        self.st = self.cls.state(values, n_inputs, n_outputs)
        self.emit = np.zeros(2, dtype=np.int64)


PATTERNS = "out 1.0.0.1 5000-5099# - -, web - - 10.0.0.80 8080, addr 1.0.0.7 -"


@pytest.mark.parametrize("cls", ["IPRewriter", "UDPRewriter", "TCPRewriter"])
def test_named_patterns_in_every_napt_rewriter(cls):
    h = NamedRW(cls, "pattern out 0 1, pattern web 1 0", PATTERNS)
    port, out = h.one(tcp("10.0.0.5", 4000, "2.0.0.2", 80, "S"))
    assert port == 0 and flow(out) == ("1.0.0.1", 5000, "2.0.0.2", 80) and tcp_ok(out)
    port, out = h.one(tcp("3.0.0.3", 999, "1.0.0.1", 80, "S"), port=1)
    assert port == 1 and flow(out) == ("3.0.0.3", 999, "10.0.0.80", 8080) and tcp_ok(out)
    assert h.read("patterns") == "1.0.0.1 5000-5099 - - [1]\n- - 10.0.0.80 8080 [1]\n"
    h.write("pattern1", "pattern addr 1 0")           # a named pattern written at run time
    assert h.read("pattern1") == "1.0.0.7 -\n"
    with pytest.raises(ValueError, match="pattern1: no pattern named 'nope'"):
        h.write("pattern1", "pattern nope 1 0")


def test_named_patterns_in_ipaddrrewriter_and_round_robin_mappers():
    h = NamedRW("IPAddrRewriter", "pattern addr 0 1, drop", PATTERNS)
    port, out = h.one(udp("10.0.0.5", 4000, "2.0.0.2", 53))
    assert port == 0 and flow(out) == ("1.0.0.7", 4000, "2.0.0.2", 53) and udp_ok(out)
    with pytest.raises(ValueError, match="only change the source address"):
        h.write("pattern1", "pattern out 0 1")       # ports: not for IPAddrRewriter
    with pytest.raises(ValueError, match="only change the source address"):
        NamedRW("IPAddrRewriter", "pattern web 0 1", PATTERNS)
    with pytest.raises(ValueError, match="no pattern named 'gone'"):
        NamedRW("IPRewriter", "pattern gone 0 1", PATTERNS)
    h = NamedRW("IPRewriter", "rr, drop", PATTERNS, mappers={"rr": "out 0 1, web 0 1"})
    assert flow(h.one(tcp("10.0.0.5", 4000, "2.0.0.2", 80))[1]) == ("1.0.0.1", 5000,
                                                                    "2.0.0.2", 80)
    assert flow(h.one(tcp("10.0.0.6", 4000, "2.0.0.2", 80))[1]) == ("10.0.0.6", 4000,
                                                                    "10.0.0.80", 8080)


# ---- configurations: the checks, and the compiled router ---------------------------------

def check(text):
    return check_graph(build_graph(parse_text(text, "t.click", yaml=False)))


def errors(text):
    return [(d.pos.line, d.pos.col, str(d)) for d in check(text).errors]


WIRE = "rw[0] -> Discard; rw[1] -> Discard;"


def test_unknown_pattern_name_is_an_error_at_the_spec():
    found = errors("IPRewriterPatterns(to_world 1.0.0.1 1024-65535 - -);\n"
                   "Idle -> [0]rw :: TCPRewriter(drop,\n   pattern to_wrld 0 1);\n"
                   "Idle -> [1]rw;" + WIRE)
    assert len(found) == 1
    line, col, text = found[0]
    assert (line, col) == (3, 4) and "t.click:3:4" in text
    assert "no pattern named 'to_wrld'" in text and "did you mean to_world?" in text
    (found,) = errors("Idle -> rw :: UDPRewriter(pattern nat 0 1);" + WIRE)
    assert found[:2] == (1, 27) and "IPRewriterPatterns(nat SADDR SPORT DADDR DPORT)" in found[2]
    (found,) = errors("IPRewriterPatterns(a 1.0.0.1 1-2 - -);\n"
                      "RoundRobinIPMapper(a 0 1, b 0 1);")
    assert found[0] == 2 and "no pattern named 'b'" in found[2]


def test_a_pattern_name_defined_twice_is_an_error_at_each_definition():
    found = errors("IPRewriterPatterns(p 1.0.0.1 1-2 - -, q 1.0.0.2 - - -);\n"
                   "Idle -> rw :: IPRewriter(pattern p 0 1);" + WIRE + "\n"
                   "IPRewriterPatterns(p 2.0.0.1 - - -);")
    assert [(line, "pattern name 'p' is defined 2 times" in t) for line, _, t in found] == [
        (1, True), (3, True)]
    assert "t.click:1:20" in found[0][2] and "t.click:3:20" in found[0][2]
    (found,) = errors("IPRewriterPatterns(p 1.0.0.1 1-2 - -, p 1.0.0.2 - - -);")
    assert found[0] == 1 and "defined 2 times" in found[2]


def test_pattern_definitions_and_ipaddrrewriter_refusals():
    (found,) = errors("IPRewriterPatterns(p 1.0.0.1 1-2 - -);\n"
                      "Idle -> rw :: IPAddrRewriter(pattern p 0 1);" + WIRE)
    assert found[0] == 2 and "only change the source address" in found[2]
    assert "pattern 'p' is 1.0.0.1 1-2 - -" in found[2]
    assert check("IPRewriterPatterns(p 1.0.0.1 - );"
                 "Idle -> rw :: IPAddrRewriter(pattern p 0 1);" + WIRE).ok
    for bad, why in (("p", "expected NAME"), ("p q", "one word names another pattern"),
                     ("drop 1.0.0.1 - - -", "bad pattern name"),
                     ("p 1.0.0.1 x - -", "bad source port")):
        (found,) = errors(f"IPRewriterPatterns({bad});")
        assert why in found[2], found
    # AddressInfo names work in patterns, as in Click's mazu-nat.click.
    assert check("AddressInfo(ext 209.6.198.213);"
                 "IPRewriterPatterns(to_world ext 50000-65535 - -);"
                 "Idle -> rw :: IPRewriter(pattern to_world 0 1);" + WIRE).ok


def shared_config(path, out, back):
    return (f"IPRewriterPatterns(out_pat 1.0.0.1 5000-5099# - -);\n"
            f"FromDump({path}, STOP true) -> Strip(14) -> CheckIPHeader\n"
            " -> cl :: IPClassifier(src net 10.0.0.0/8 and tcp, tcp,"
            " src net 10.0.0.0/8 and udp, udp, -);\n"
            "tw :: TCPRewriter(pattern out_pat 0 1, drop);\n"
            "uw :: UDPRewriter(pattern out_pat 0 1, drop);\n"
            "cl[0] -> [0]tw; cl[1] -> [1]tw; cl[2] -> [0]uw; cl[3] -> [1]uw; cl[4] -> Discard;\n"
            f"tw[0], uw[0] -> oc :: Counter -> Unstrip(14) -> ToDump({out});\n"
            f"tw[1], uw[1] -> bc :: Counter -> Unstrip(14) -> ToDump({back});\n")


def ether(ip_bytes):
    return raw(Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02") / IP(ip_bytes))


SHARED_FRAMES = [tcp("10.0.0.5", 4000, "2.0.0.2", 80, "S"),
                 udp("10.0.0.5", 4000, "2.0.0.2", 53),
                 tcp("10.0.0.6", 4000, "2.0.0.2", 80, "S"),
                 tcp("2.0.0.2", 80, "1.0.0.1", 5000, "SA"),
                 udp("2.0.0.2", 53, "1.0.0.1", 5000),
                 udp("2.0.0.2", 53, "1.0.0.1", 5001),            # no such UDP mapping
                 raw(IP(src="10.0.0.5", dst="2.0.0.2") / ICMP())]


def test_a_named_pattern_shared_by_two_rewriters_in_a_compiled_router(tmp_path):
    path, out, back = tmp_path / "in.pcap", tmp_path / "out.pcap", tmp_path / "back.pcap"
    write_pcap(path, [ether(f) for f in SHARED_FRAMES])
    result = check(shared_config(path, out, back))
    assert result.ok, [str(d) for d in result.errors]
    r = Router(result.graph)
    r.run()
    sent = [IP(f[14:]) for f in read_pcap(str(out)).frames()]
    replies = [IP(f[14:]) for f in read_pcap(str(back)).frames()]
    # Each rewriter has its own copy of the pattern (Click shares one): both start at 5000.
    assert [(p.src, p.sport, p.dst, p.dport) for p in sent] == [
        ("1.0.0.1", 5000, "2.0.0.2", 80), ("1.0.0.1", 5000, "2.0.0.2", 53),
        ("1.0.0.1", 5001, "2.0.0.2", 80)]
    assert [(p.src, p.sport, p.dst, p.dport) for p in replies] == [
        ("2.0.0.2", 80, "10.0.0.5", 4000), ("2.0.0.2", 53, "10.0.0.5", 4000)]
    for p in sent + replies:
        assert (tcp_ok if TCP in p else udp_ok)(raw(p))
    assert (r.read("tw", "nmappings"), r.read("uw", "nmappings")) == ("2", "1")
    assert r.read("tw", "lookup", "10.0.0.6 4000 2.0.0.2 80") == "1.0.0.1 5001 2.0.0.2 80"
    acct = r.account()
    assert acct.balanced and acct.drops[("uw", E["UDPRewriter"].drop_reasons[2])] == 1


def test_the_new_elements_compiled_and_interpreted(tmp_path):
    path, out, back = tmp_path / "in.pcap", tmp_path / "out.pcap", tmp_path / "back.pcap"
    write_pcap(path, [ether(f) for f in SHARED_FRAMES])
    text = run_both_ways(shared_config(path, out, back), "oc.count", "bc.count",
                         "tw.nmappings", "uw.nmappings", "tw.patterns",
                         "tw.lookup 10.0.0.5 4000 2.0.0.2 80")
    assert "oc.count:\n3\n" in text and "bc.count:\n2\n" in text
    assert "tw.lookup 10.0.0.5 4000 2.0.0.2 80:\n1.0.0.1 5000 2.0.0.2 80" in text


@pytest.mark.parametrize("cls", ["IPRewriter", "TCPRewriter", "UDPRewriter", "IPAddrRewriter",
                                 "ICMPPingRewriter"])
def test_every_rewriter_offers_a_pattern_handler_per_input_as_click_does(cls):
    """pattern0...patternN-1 are found by name (ControlSocket, Scripts, `-h`) and listed by
    `handlers`, one per input; a write through the Router replaces that input's spec."""
    from clickpy.runtime.control_socket import Refused, RouterHandlers
    spec = "pattern 1.0.0.1 - 0 1" if cls == "IPAddrRewriter" else "pattern 1.0.0.1 - - - 0 1"
    result = check_graph(build_graph(parse_text(
        f"Idle -> rw :: {cls}({spec}, drop) -> Discard; Idle -> [1]rw[1] -> Discard;",
        "t.click", yaml=False)))
    assert result.ok, [str(d) for d in result.errors]
    r = Router(result.graph)
    assert RouterHandlers(r).find("rw.pattern1") == ("rw", "pattern1", True, True)
    with pytest.raises(Refused):
        RouterHandlers(r).find("rw.pattern2")
    listing = r.read("rw", "handlers").splitlines()
    assert "pattern0\trw" in listing and "pattern1\trw" in listing
    assert "table\tr" in listing or cls == "IPRewriter"
    r.write("rw", "pattern1", spec.replace("1.0.0.1", "1.0.0.9"))
    assert r.read("rw", "pattern1").startswith("1.0.0.9")
