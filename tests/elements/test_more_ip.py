"""IPMirror, checked against Click's elements/ip/ipmirror.{hh,cc}."""
from __future__ import annotations

import ipaddress

import pytest
from kernel_harness import Harness
from scapy.layers.inet import ICMP, IP, TCP, UDP
from scapy.layers.l2 import Ether

from clickpy.diagnostics import SourcePos
from clickpy.element import DST_IP, IP_HEADER, registry
from clickpy.kernel import drop
from clickpy.packet import A_DST_IP, A_NH, A_TH, HEADROOM
from element_args import ArgsAt

A = ArgsAt(SourcePos("t.click", 3, 10))
ETH = Ether(src="00:00:00:00:00:01", dst="00:00:00:00:00:02")


def mirror(frame: bytes, config: str = "", ip_at: int = 14, th: int | None = None):
    """(code, bytes after, DST_IP annotation) for one frame with its IP header marked."""
    h = Harness("IPMirror", config)
    nh = HEADROOM + ip_at
    s = h.load(frame, nh=nh, th=nh + (frame[ip_at] & 0xF) * 4 if th is None else th,
               dst_ip=0x01020304)
    code = int(h.cls.simple_action(h.P, s, h.st))
    return code, h.pool.bytes(s), int(h.pool.anno[s, A_DST_IP])


def addr(a: str) -> int:
    return int(ipaddress.IPv4Address(a))


def test_declaration():
    cls = registry()["IPMirror"]
    assert (cls.port_count, cls.processing, cls.family()) == ("1/1", "a/a", "ip")
    assert cls.requires == {IP_HEADER: (0,)}
    assert cls.sets_for(A.ok("IPMirror", "")) == {DST_IP: (0,)}
    assert cls.sets_for(A.ok("IPMirror", "false")) == {}
    assert A.ok("IPMirror", "DST_ANNO false")["DST_ANNO"] is False
    assert "boolean" in A.issue("IPMirror", "maybe").hint


def test_tcp_swaps_addresses_ports_seq_and_ack_and_checksums_stay_valid():
    pkt = ETH / IP(src="10.0.0.1", dst="10.0.0.2") / TCP(sport=1000, dport=80, seq=11, ack=22)
    code, out, anno = mirror(bytes(pkt) + b"data")
    assert code == 0
    got = Ether(out)
    assert (got[IP].src, got[IP].dst) == ("10.0.0.2", "10.0.0.1")
    assert (got[TCP].sport, got[TCP].dport, got[TCP].seq, got[TCP].ack) == (80, 1000, 22, 11)
    assert anno == addr("10.0.0.1")       # the new destination
    again = Ether(bytes(got))
    del again[IP].chksum, again[TCP].chksum
    assert Ether(bytes(again))[IP].chksum == got[IP].chksum
    assert Ether(bytes(again))[TCP].chksum == got[TCP].chksum


def test_udp_swaps_ports_icmp_only_addresses():
    _, out, _ = mirror(bytes(ETH / IP(src="1.1.1.1", dst="2.2.2.2") / UDP(sport=53, dport=4444)))
    assert (Ether(out)[UDP].sport, Ether(out)[UDP].dport) == (4444, 53)
    icmp = bytes(ETH / IP(src="1.1.1.1", dst="2.2.2.2") / ICMP(id=0x1234, seq=0x5678))
    _, out, _ = mirror(icmp)
    assert out[34:] == icmp[34:] and Ether(out)[IP].src == "2.2.2.2"


@pytest.mark.parametrize("frag", [1, 100])
def test_later_fragments_keep_their_ports(frag):
    pkt = bytes(ETH / IP(src="1.1.1.1", dst="2.2.2.2", frag=frag, proto=17) / (b"\x00\x35\x11\x5c"
                                                                               + bytes(8)))
    _, out, _ = mirror(pkt)
    assert out[34:] == pkt[34:] and Ether(out)[IP].src == "2.2.2.2"


def test_first_fragment_with_more_fragments_is_mirrored():
    pkt = bytes(ETH / IP(src="1.1.1.1", dst="2.2.2.2", flags="MF") / UDP(sport=1, dport=2))
    _, out, _ = mirror(pkt)
    assert (Ether(out)[UDP].sport, Ether(out)[UDP].dport) == (2, 1)


def test_dst_anno_false_leaves_the_annotation():
    _, out, anno = mirror(bytes(ETH / IP(src="1.1.1.1", dst="2.2.2.2") / UDP()), "false")
    assert anno == 0x01020304 and Ether(out)[IP].dst == "1.1.1.1"


def test_short_transport_headers():
    tcp = bytes(ETH / IP(src="1.1.1.1", dst="2.2.2.2") / TCP(sport=1, dport=2, seq=3, ack=4))
    # Fewer than 8 transport bytes: addresses only (Click's length test).
    _, out, _ = mirror(tcp[:14 + 20 + 7])
    assert out[34:] == tcp[34:41] and out[26:30] == tcp[30:34]
    # 8 to 11 bytes: ports swapped; seq and ack are not both in the packet and stay.
    _, out, _ = mirror(tcp[:14 + 20 + 10])
    assert out[34:38] == tcp[36:38] + tcp[34:36] and out[38:44] == tcp[38:44]
    # The transport header annotation is what counts (IP options move it).
    opt = bytes(ETH / IP(src="1.1.1.1", dst="2.2.2.2", options=[b"\x01" * 4]) / UDP(sport=7,
                                                                                     dport=9))
    _, out, _ = mirror(opt)
    assert (Ether(out)[UDP].sport, Ether(out)[UDP].dport) == (9, 7)


def test_missing_or_truncated_ip_header_is_dropped():
    h = Harness("IPMirror")
    s = h.load(bytes(40))                       # no IP header annotation
    assert h.cls.simple_action(h.P, s, h.st) == drop(0)
    code, out, _ = mirror(bytes(ETH / IP() / UDP())[:14 + 19])
    assert code == drop(0) and out == bytes(ETH / IP() / UDP())[:33]
    assert registry()["IPMirror"].drop_reasons == ("missing or truncated IP header",)


def test_unset_transport_annotation_mirrors_addresses_only():
    pkt = bytes(ETH / IP(src="1.1.1.1", dst="2.2.2.2") / UDP(sport=1, dport=2))
    h = Harness("IPMirror")
    s = h.load(pkt, nh=HEADROOM + 14)
    h.pool.anno[s, A_TH] = -1
    assert h.cls.simple_action(h.P, s, h.st) == 0
    assert h.pool.bytes(s)[34:] == pkt[34:] and h.pool.anno[s, A_NH] == HEADROOM + 14
