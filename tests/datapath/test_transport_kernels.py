"""Kernels of the transport, ICMP, fragmentation and NAT elements, against scapy.

Frames are built with scapy and loaded the way CheckIPHeader leaves them:
the IP header annotation at the IP header, the transport header annotation
after it.  Checksums the elements write are compared with a fresh scapy
computation of the same packet.
"""
import ipaddress

import numpy as np
import pytest
from both_ways import run_both_ways
from element_args import ArgsAt
from kernel_harness import Harness
from scapy.all import (ICMP, IP, TCP, UDP, Ether, IPOption_LSRR, IPOption_NOP, IPOption_RR,
                       IPOption_Security, checksum, defragment, in4_chksum, raw)

from clickpy import packet
from clickpy.args import ParseContext, parse_args, split_config
from clickpy.check import check_graph
from clickpy.diagnostics import SourcePos
from clickpy.element import registry
from clickpy.graph import build_graph
from clickpy.kernel import drop
from clickpy.lang import parse_text
from clickpy.packet import HEADROOM
from clickpy.runtime.router import HandlerError, Router

NH = HEADROOM


class H(Harness):
    """Harness with IP-aware loading: annotations as CheckIPHeader sets them."""

    def ip_anno(self, frame: bytes, at: int = 0, **anno) -> dict:
        b = bytes(frame)
        if len(b) > at:
            anno.setdefault("nh", NH + at)
            anno.setdefault("th", NH + at + ((b[at] & 0xF) << 2))
        else:
            anno.setdefault("nh", NH + at)
        return anno

    def run(self, frame, at=0, **anno):
        """simple_action's (code, bytes) for an IP frame (IP header at byte `at`)."""
        code, out, s = self.action(bytes(frame), **self.ip_anno(bytes(frame), at, **anno))
        self.last = s
        return code, out

    def pushed(self, frame, port=0, at=0, **anno):
        """push()'s (output or drop code, bytes) pairs for an IP frame."""
        frame = bytes(frame)
        s = self.load(frame, **self.ip_anno(frame, at, **anno))
        n = self.cls.push(self.P, port, s, self.st, self.emit)
        self.slots = [int(self.emit[2 * k + 1]) for k in range(n)]
        out = [(int(self.emit[2 * k]), self.pool.bytes(int(self.emit[2 * k + 1])))
               for k in range(n)]
        for o, t in zip((o for o, _ in out), self.slots):
            if o < 0:                       # a drop code: the compiled loop frees the slot
                packet.release(self.P, t)
        return out

    def anno(self, name, s=None):
        return int(self.pool.anno[self.last if s is None else s, getattr(packet, "A_" + name)])


def ipint(a):
    return int(ipaddress.IPv4Address(a))


def _fresh_l4(b, at):
    """The transport checksum scapy computes for IP packet b (field at `at` of the
    transport header), from the raw bytes rather than re-parsed fields."""
    ip = IP(b)
    hl = ip.ihl * 4
    seg = bytearray(b[hl:ip.len])
    seg[at:at + 2] = b"\0\0"
    return in4_chksum(ip.proto, ip, bytes(seg))


def _ip_ok(b):
    hl = (b[0] & 0xF) * 4
    return checksum(b[:hl]) == 0


def tcp_ok(b):
    """b's IP and TCP checksums are what scapy computes afresh."""
    hl = (b[0] & 0xF) * 4
    return _ip_ok(b) and int.from_bytes(b[hl + 16:hl + 18], "big") == _fresh_l4(b, 16)


def udp_ok(b):
    hl = (b[0] & 0xF) * 4
    return _ip_ok(b) and int.from_bytes(b[hl + 6:hl + 8], "big") == _fresh_l4(b, 6)


def icmp_ok(b):
    hl = (b[0] & 0xF) * 4
    ip = IP(b)
    seg = bytearray(b[hl:ip.len])
    stored = int.from_bytes(seg[2:4], "big")
    seg[2:4] = b"\0\0"
    return _ip_ok(b) and stored == checksum(bytes(seg))


TCP_PKT = raw(IP(src="10.0.0.1", dst="10.0.0.2") / TCP(sport=1234, dport=80, flags="PA")
              / b"hello, world")
UDP_PKT = raw(IP(src="10.0.0.1", dst="10.0.0.2") / UDP(sport=53, dport=5353) / b"query!!")
ECHO = raw(IP(src="10.0.0.1", dst="10.0.0.2") / ICMP(type=8, id=7, seq=3) / b"ping data")


def corrupt(b, at):
    b = bytearray(b)
    b[at] ^= 0x55
    return bytes(b)


def with_len(b, n):
    """b with its IP length field set to n (checksum not fixed: the checkers here
    do not look at the IP checksum)."""
    b = bytearray(b)
    b[2:4] = n.to_bytes(2, "big")
    return bytes(b)


# ---- CheckTCPHeader ---------------------------------------------------------------

def test_check_tcp_header_accepts_good_packets_with_options_and_source_routes():
    h = H("CheckTCPHeader")
    assert h.run(TCP_PKT) == (0, TCP_PKT)
    opts = raw(IP(src="1.1.1.1", dst="2.2.2.2") / TCP(options=[("MSS", 1460), ("NOP", None),
                                                               ("WScale", 7)]) / (b"x" * 7))
    assert h.run(opts)[0] == 0
    # The pseudo-header uses a source route's final destination, as Click (and scapy) do.
    lsrr = raw(IP(src="1.1.1.1", dst="2.2.2.2",
                  options=[IPOption_LSRR(routers=["3.3.3.3", "4.4.4.4"])]) / TCP() / b"abc")
    assert h.run(lsrr)[0] == 0
    # Trailing bytes past the IP length (Ethernet padding) are ignored.
    assert h.run(TCP_PKT + b"\0" * 6)[0] == 0
    # Behind an Ethernet header: the annotations point into the frame.
    assert h.run(b"\xaa" * 14 + TCP_PKT, at=14)[0] == 0
    assert h.read("drops") == "0"


def test_check_tcp_header_errors_and_counters():
    h = H("CheckTCPHeader", "DETAILS true", n_outputs=2)
    assert h.run(UDP_PKT)[0] == 1                              # not TCP -> output 1
    assert h.run(TCP_PKT, nh=-1)[0] == 1                       # no IP header: not TCP
    assert h.run(corrupt(TCP_PKT, len(TCP_PKT) - 1))[0] == 1   # payload byte: checksum
    assert h.run(corrupt(TCP_PKT, 20 + 4))[0] == 1             # sequence number: checksum
    assert h.read("drops") == "4"
    assert h.read("drop_details") == "2\tnot TCP\n0\tbad packet length\n2\tbad TCP checksum\n"
    one = H("CheckTCPHeader")
    assert one.run(UDP_PKT)[0] == drop(0)
    assert one.run(corrupt(TCP_PKT, 30))[0] == drop(2)
    with pytest.raises(KeyError):
        one.read("drop_details")                               # only with DETAILS true


def test_check_tcp_header_lengths():
    h = H("CheckTCPHeader")
    # Truncated packets, the IP header still claiming the full length: never read past.
    for n in range(len(TCP_PKT)):
        code = h.run(TCP_PKT[:n])[0]
        assert code == (drop(0) if n < 10 else drop(1)), n
    # TCP offset below 5 or past the IP length; IP length below the IP header.
    small_off = bytearray(TCP_PKT)
    small_off[32] = 0x40
    assert h.run(bytes(small_off))[0] == drop(1)
    big_off = bytearray(TCP_PKT)
    big_off[32] = 0xF0
    assert h.run(bytes(big_off))[0] == drop(1)
    assert h.run(with_len(TCP_PKT, 10))[0] == drop(1)
    assert h.run(with_len(TCP_PKT, len(TCP_PKT) + 1))[0] == drop(1)
    # A shorter IP length (consistent TCP) is checked over the IP length only.
    short = raw(IP(src="10.0.0.1", dst="10.0.0.2") / TCP(sport=1, dport=2))
    assert h.run(short + b"trailing")[0] == 0


# ---- CheckUDPHeader ---------------------------------------------------------------

def test_check_udp_header():
    h = H("CheckUDPHeader", "DETAILS true")
    assert h.run(UDP_PKT) == (0, UDP_PKT)
    nosum = bytearray(UDP_PKT)
    nosum[26:28] = b"\0\0"
    assert h.run(bytes(nosum))[0] == 0                          # zero: no checksum
    assert h.run(corrupt(UDP_PKT, 30))[0] == drop(2)
    assert h.run(TCP_PKT)[0] == drop(0)
    assert h.run(UDP_PKT, nh=-1)[0] == drop(0)
    for n in range(len(UDP_PKT)):
        assert h.run(UDP_PKT[:n])[0] == (drop(0) if n < 10 else drop(1)), n
    short_ulen = bytearray(UDP_PKT)
    short_ulen[24:26] = (7).to_bytes(2, "big")
    assert h.run(bytes(short_ulen))[0] == drop(1)
    long_ulen = bytearray(UDP_PKT)
    long_ulen[24:26] = (len(UDP_PKT) - 19).to_bytes(2, "big")
    assert h.run(bytes(long_ulen))[0] == drop(1)
    assert h.read("drop_details") == (f"{2 + 10}\tnot UDP\n{len(UDP_PKT) - 10 + 2}\tbad packet "
                                      "length\n1\tbad UDP checksum\n")
    assert H("CheckUDPHeader", n_outputs=2).run(TCP_PKT)[0] == 1


# ---- CheckICMPHeader --------------------------------------------------------------

def test_check_icmp_header_lengths_by_type():
    h = H("CheckICMPHeader")
    assert h.run(ECHO) == (0, ECHO)
    assert h.run(corrupt(ECHO, 30))[0] == drop(2)
    assert h.run(UDP_PKT)[0] == drop(0)
    for n in range(28):
        assert h.run(ECHO[:n])[0] == (drop(0) if n < 10 else drop(1)), n
    err = raw(IP(src="1.1.1.1", dst="2.2.2.2") / ICMP(type=3, code=1) / raw(UDP_PKT)[:28])
    assert h.run(err)[0] == 0
    short_err = raw(IP(src="1.1.1.1", dst="2.2.2.2") / ICMP(type=11) / raw(UDP_PKT)[:27])
    assert h.run(short_err)[0] == drop(1)
    tstamp = raw(IP(src="1.1.1.1", dst="2.2.2.2") / ICMP(type=13))   # 20 bytes
    assert h.run(tstamp)[0] == 0
    assert h.run(raw(IP(src="1.1.1.1", dst="2.2.2.2") / ICMP(type=14) / b"+"))[0] == drop(1)
    assert h.run(raw(IP(src="1.1.1.1", dst="2.2.2.2") / ICMP(type=15)))[0] == 0
    assert h.run(raw(IP(src="1.1.1.1", dst="2.2.2.2") / ICMP(type=16) / b"x"))[0] == drop(1)
    # Click checksums everything after the ICMP header to the end of the packet.
    assert h.run(ECHO + b"\x01")[0] == drop(2)
    assert H("CheckICMPHeader", n_outputs=2).run(UDP_PKT)[0] == 1
    assert h.read("drops") == str(2 + 28 + 4)


# ---- SetTCPChecksum / SetUDPChecksum -------------------------------------------------

def test_set_tcp_checksum_matches_scapy():
    h = H("SetTCPChecksum")
    for pkt in (TCP_PKT, raw(IP(src="9.8.7.6", dst="1.2.3.4") / TCP() / (b"odd" * 11)),
                raw(IP(src="1.1.1.1", dst="2.2.2.2", options=[IPOption_LSRR(routers=["3.3.3.3"])])
                    / TCP(sport=7) / b"abc")):
        broken = bytearray(pkt)
        th = (pkt[0] & 0xF) * 4
        broken[th + 16:th + 18] = b"\x12\x34"
        code, out = h.run(bytes(broken))
        assert code == 0 and out == pkt and tcp_ok(out)


def test_set_tcp_checksum_bad_lengths_and_fixoff():
    h = H("SetTCPChecksum")
    for n in range(len(TCP_PKT)):
        assert h.run(TCP_PKT[:n])[0] == drop(0), n
    assert h.run(with_len(TCP_PKT, 39))[0] == drop(0)        # TCP length below 20
    assert h.run(TCP_PKT, nh=-1)[0] == drop(0)
    fix = H("SetTCPChecksum", "true")
    small = bytearray(TCP_PKT)
    small[32] = 0x20 | (small[32] & 0x0F)                     # offset 2 words
    code, out = fix.run(bytes(small))
    assert code == 0 and out[32] >> 4 == 5 and tcp_ok(out)
    big = bytearray(TCP_PKT)
    big[32] = 0xF0                                            # 60 bytes > 32 of TCP
    code, out = fix.run(bytes(big))
    assert code == 0 and out[32] >> 4 == (len(TCP_PKT) - 20) >> 2 and tcp_ok(out)
    # Without FIXOFF the offset stays (only the checksum changes).
    assert h.run(bytes(big))[1][32] == 0xF0


def test_set_udp_checksum():
    h = H("SetUDPChecksum", n_outputs=2)
    broken = bytearray(UDP_PKT)
    broken[26:28] = b"\0\0"
    code, out = h.run(bytes(broken))
    assert code == 0 and out == UDP_PKT and udp_ok(out)
    frag = raw(IP(src="1.1.1.1", dst="2.2.2.2", flags="MF") / UDP() / b"abc")
    assert h.run(frag)[0] == 1
    later = raw(IP(src="1.1.1.1", dst="2.2.2.2", frag=3) / UDP() / b"abc")
    assert h.run(later)[0] == 1
    for n in range(len(UDP_PKT)):
        assert h.run(UDP_PKT[:n])[0] == 1, n
    one = H("SetUDPChecksum")
    assert one.run(frag)[0] == drop(0)


# ---- UDPIPEncap -------------------------------------------------------------------

def test_udp_ip_encap_builds_headers_and_annotations():
    h = H("UDPIPEncap", "1.0.0.1, 1234, 2.0.0.2, 5678")
    code, out, s = h.action(b"payload!")
    assert code == 0
    p = IP(out)
    assert (p.version, p.ihl, p.tos, p.len, p.id, p.flags, p.frag, p.ttl, p.proto) == \
        (4, 5, 0, 36, 0, 0, 0, 250, 17)
    assert (p.src, p.dst, p[UDP].sport, p[UDP].dport, p[UDP].len) == \
        ("1.0.0.1", "2.0.0.2", 1234, 5678, 16)
    assert bytes(p[UDP].payload) == b"payload!" and udp_ok(out)
    a = h.pool.anno[s]
    assert (a[packet.A_NH], a[packet.A_TH], a[packet.A_DST_IP]) == \
        (h.pool.head[s], h.pool.head[s] + 20, ipint("2.0.0.2"))
    assert IP(h.action(b"x")[1]).id == 1                       # IDs count up
    assert IP(h.action(b"")[1])[UDP].len == 8
    nosum = H("UDPIPEncap", "1.0.0.1, 1234, 2.0.0.2, 5678, false")
    assert IP(nosum.action(b"abc")[1])[UDP].chksum == 0


def test_udp_ip_encap_dst_anno_handlers_and_headroom():
    h = H("UDPIPEncap", "1.0.0.1, 1234, DST_ANNO, 5678")
    code, out, s = h.action(b"abc", dst_ip=ipint("3.3.3.3"))
    assert IP(out).dst == "3.3.3.3" and udp_ok(out)
    assert h.read("dst") == "0.0.0.0"
    h.write("dst", "4.4.4.4")
    h.write("sport", "domain")
    h.write("src", "5.5.5.5")
    out = IP(h.action(b"abc")[1])
    assert (out.src, out.dst, out[UDP].sport) == ("5.5.5.5", "4.4.4.4", 53)
    assert (h.read("src"), h.read("sport"), h.read("dst"), h.read("dport")) == \
        ("5.5.5.5", "53", "4.4.4.4", "5678")
    for handler, bad in (("src", "1.2.3"), ("sport", "70000"), ("dst", "nowhere"),
                         ("dport", "-1")):
        with pytest.raises(ValueError):
            h.write(handler, bad)
    s = h.load(b"abc")
    h.pool.head[s] = 10                                        # no room for 28 bytes
    assert h.cls.simple_action(h.P, s, h.st) == drop(0)


# ---- ICMPPingResponder ------------------------------------------------------------

def test_icmp_ping_responder_replies_in_place():
    h = H("ICMPPingResponder")
    req = raw(IP(src="10.0.0.1", dst="10.0.0.2", ttl=17, flags="DF") / ICMP(type=8, id=7, seq=3)
              / b"ping data")
    code, out = h.run(req, paint=5, dst_ip=1, tstamp=0)
    p = IP(out)
    assert code == 0
    assert (p.src, p.dst, p.ttl, p.flags, p[ICMP].type, p[ICMP].code, p[ICMP].id, p[ICMP].seq) == \
        ("10.0.0.2", "10.0.0.1", 255, 0, 0, 0, 7, 3)
    assert bytes(p[ICMP].payload) == b"ping data" and icmp_ok(out)
    assert (h.anno("DST_IP"), h.anno("PAINT")) == (ipint("10.0.0.1"), 0)
    # An all-zero echo message checksums to 0xFFFF (click_update_zero_in_cksum).
    zero = bytearray(raw(IP(src="1.1.1.1", dst="2.2.2.2") / ICMP(type=8, id=0, seq=0)))
    zero[22:24] = b"\xf7\xff"
    code, out = h.run(bytes(zero))
    assert code == 0 and out[22:24] == b"\xff\xff"


def test_icmp_ping_responder_other_packets():
    h = H("ICMPPingResponder", n_outputs=2)
    reply = raw(IP(src="1.1.1.1", dst="2.2.2.2") / ICMP(type=0))
    assert h.run(reply) == (1, reply)
    assert h.run(UDP_PKT)[0] == 1
    for n in range(28):
        assert h.run(ECHO[:n])[0] == 1, n
    assert H("ICMPPingResponder").run(UDP_PKT)[0] == drop(0)


# ---- ICMPError ----------------------------------------------------------------------

def error_of(h, frame, **anno):
    out = h.pushed(frame, **anno)
    errors = [b for o, b in out if o == 0]
    consumed = [o for o, b in out if o < 0]
    assert len(consumed) == 1                  # the input always leaves, with a reason
    return (errors[0] if errors else None), consumed[0]


def test_icmp_error_builds_click_error_packets():
    h = H("ICMPError", "18.26.4.24, unreachable, port")
    orig = raw(IP(src="10.0.0.1", dst="10.0.0.2", id=99) / UDP(sport=5, dport=6) / (b"d" * 600))
    err, why = error_of(h, orig, paint=3)
    assert why == drop(0)
    p = IP(err)
    assert (p.ihl, p.tos, p.id, p.flags, p.frag, p.ttl, p.proto, p.src, p.dst, p.len) == \
        (5, 0, 1, 0, 0, 200, 1, "18.26.4.24", "10.0.0.1", 576)
    assert (p[ICMP].type, p[ICMP].code, bytes(p[ICMP])[4:8]) == (3, 3, b"\0\0\0\0")
    assert bytes(p[ICMP])[8:] == orig[:576 - 28] and icmp_ok(err)
    s = h.slots[1]
    a = h.pool.anno[s]
    assert (a[packet.A_NH], a[packet.A_TH], a[packet.A_DST_IP], a[packet.A_FIX_IP_SRC],
            a[packet.A_PAINT]) == (h.pool.head[s], h.pool.head[s] + 20, ipint("10.0.0.1"), 1, 0)
    # A short packet is quoted whole; IDs count.
    err, _ = error_of(h, UDP_PKT)
    assert IP(err).id == 2 and bytes(IP(err)[ICMP])[8:] == UDP_PKT and icmp_ok(err)


def test_icmp_error_type_specific_fields():
    h = H("ICMPError", "1.1.1.1, unreachable, needfrag, PMTU 1400, MTU 100, SET_FIX_ANNO false")
    err, _ = error_of(h, UDP_PKT + b"x" * 100)
    p = IP(err)
    assert p.len == 100 and bytes(p[ICMP])[4:8] == b"\0\0\x05\x78" and icmp_ok(err)
    assert h.pool.anno[h.slots[1], packet.A_FIX_IP_SRC] == 0
    r = H("ICMPError", "1.1.1.1, redirect, host")
    err, _ = error_of(r, UDP_PKT, dst_ip=ipint("10.9.9.9"))
    assert bytes(IP(err)[ICMP])[4:8] == bytes([10, 9, 9, 9]) and icmp_ok(err)
    pp = H("ICMPError", "1.1.1.1, parameterproblem, 0")
    err, _ = error_of(pp, UDP_PKT, icmp_param=9)
    assert bytes(IP(err)[ICMP])[4:8] == b"\x09\0\0\0"
    assert (h.read("mtu"), h.read("pmtu"), h.read("src")) == ("100", "1400", "1.1.1.1")
    h.write("mtu", "200")
    h.write("src", "2.2.2.2")
    err, _ = error_of(h, UDP_PKT + b"x" * 300)
    assert IP(err).len == 200 and IP(err).src == "2.2.2.2"
    for handler, bad in (("mtu", "big"), ("pmtu", "-3"), ("src", "300.1.1.1")):
        with pytest.raises(ValueError):
            h.write(handler, bad)


def test_icmp_error_reverses_source_routes():
    h = H("ICMPError", "1.1.1.1, timeexceeded")
    # Source route that has been followed up to its second hop (pointer 12).
    lsrr = IPOption_LSRR(routers=["3.3.3.3", "4.4.4.4", "5.5.5.5"], pointer=12)
    orig = raw(IP(src="10.0.0.1", dst="20.0.0.2", options=[lsrr]) / UDP() / b"x")
    err, _ = error_of(h, orig)
    p = IP(err)
    assert p.ihl == 8 and icmp_ok(err)
    opt = raw(p)[20:32]
    # type, length = pointer - 1, pointer 4, the addresses passed so far reversed, EOL.
    assert opt == bytes([0x83, 11, 4]) + bytes([4, 4, 4, 4, 3, 3, 3, 3]) + b"\0"
    assert bytes(p[ICMP])[8:] == orig[:576 - 32 - 8]
    # No redirects about source-routed packets.
    assert error_of(H("ICMPError", "1.1.1.1, redirect"), orig)[0] is None


def test_icmp_error_when_not_to_send():
    h = H("ICMPError", "1.1.1.1, unreachable, host, 10.0.0.255")
    quiet = [
        (raw(IP(src="1.2.3.4", dst="5.6.7.8") / ICMP(type=3) / UDP_PKT[:28]), {}),  # ICMP error
        (raw(IP(src="1.2.3.4", dst="255.255.255.255") / UDP()), {}),               # broadcast
        (raw(IP(src="1.2.3.4", dst="224.0.0.5") / UDP()), {}),                     # multicast
        (raw(IP(src="1.2.3.4", dst="10.0.0.255") / UDP()), {}),                    # BADADDRS
        (raw(IP(src="0.1.2.3", dst="5.6.7.8") / UDP()), {}),                       # net 0
        (raw(IP(src="127.0.0.1", dst="5.6.7.8") / UDP()), {}),                     # loopback
        (raw(IP(src="240.0.0.1", dst="5.6.7.8") / UDP()), {}),                     # class E
        (raw(IP(src="10.0.0.255", dst="5.6.7.8") / UDP()), {}),                    # bad source
        (raw(IP(src="1.2.3.4", dst="5.6.7.8", frag=10) / b"12345678"), {}),        # later frag
        (UDP_PKT, {"pkttype": packet.PKTTYPE_BROADCAST}),
        (UDP_PKT, {"pkttype": packet.PKTTYPE_MULTICAST}),
        (UDP_PKT, {"nh": -1}),
    ]
    for frame, anno in quiet:
        err, why = error_of(h, frame, **anno)
        assert err is None and why != drop(0), (IP(frame).summary(), anno)
    # Echo requests, first fragments and other-host packets do get errors.
    for frame in (ECHO, raw(IP(src="1.2.3.4", dst="5.6.7.8", flags="MF") / UDP())):
        assert error_of(h, frame)[0] is not None
    # Truncated IP headers: nothing read past the packet, no error.
    for n in range(20):
        assert error_of(h, UDP_PKT[:n]) == (None, drop(2)), n


def test_icmp_error_accounts_for_every_packet():
    # The input leaves with a drop code (freed by the loop), the error is new.
    h = H("ICMPError", "1.1.1.1, unreachable", slots=8)
    for _ in range(3):
        assert [o for o, _ in h.pushed(UDP_PKT)] == [drop(0), 0]
        packet.release(h.P, h.slots[1])
    assert h.pool.in_use() == 0 and h.pool.ctl[packet.C_CREATED] == 3
    # An empty pool: no error, the input still accounted for.
    full = H("ICMPError", "1.1.1.1, unreachable", slots=1)
    assert full.pushed(UDP_PKT) == [(drop(10), UDP_PKT)]


# ---- IPFragmenter -------------------------------------------------------------------

def test_ip_fragmenter_fragments_like_click():
    h = H("IPFragmenter", "576")
    orig = (IP(src="10.0.0.1", dst="10.0.0.2", id=4242) / UDP(sport=1, dport=2)
            / (bytes(range(256)) * 6))
    frame = raw(orig)
    out = h.pushed(frame, paint=7)
    assert all(o == 0 for o, _ in out)
    frags = [IP(b) for _, b in out]
    assert [len(b) for _, b in out] == [572, 572, 460]
    data_lengths = [f.len - 20 for f in frags]
    assert all(n % 8 == 0 for n in data_lengths[:-1]) and sum(data_lengths) == len(frame) - 20
    assert [f.frag * 8 for f in frags] == [sum(data_lengths[:k]) for k in range(len(frags))]
    assert [f.flags.MF for f in frags] == [1] * (len(frags) - 1) + [0]
    assert all(f.id == 4242 and len(raw(f)) <= 576 for f in frags)
    for f in frags:
        g = f.copy()
        del g.chksum
        assert IP(raw(g)).chksum == f.chksum
    assert raw(defragment([IP(b) for _, b in out])[0]) == frame
    assert all(h.pool.anno[s, packet.A_PAINT] == 7 for s in h.slots)
    assert all(h.pool.anno[s, packet.A_NH] == h.pool.head[s] for s in h.slots)
    assert h.read("fragments") == str(len(frags))
    small = raw(IP(src="1.1.1.1", dst="2.2.2.2") / (b"x" * 556))
    assert h.pushed(small) == [(0, small)]


def test_ip_fragmenter_dont_fragment_and_options():
    h = H("IPFragmenter", "300", n_outputs=2)
    df = raw(IP(src="10.0.0.1", dst="10.0.0.2", flags="DF") / (b"y" * 400))
    assert h.pushed(df) == [(1, df)]
    assert H("IPFragmenter", "300").pushed(df) == [(drop(1), df)]
    assert h.read("drops") == "1"
    cheat = H("IPFragmenter", "300, false")
    out = cheat.pushed(df)
    frags = [IP(b) for _, b in out]
    assert len(frags) == 2 and all(not f.flags.DF for f in frags)
    assert frags[0].id == frags[1].id
    # Options: the copied ones (security) go in every fragment, the others (record route)
    # only in the first.
    opts = [IPOption_Security(), IPOption_RR(routers=["0.0.0.0"]), IPOption_NOP()]
    frame = raw(IP(src="10.0.0.1", dst="10.0.0.2", options=opts) / (b"z" * 500))
    out = H("IPFragmenter", "300").pushed(frame)
    first, later = IP(out[0][1]), [IP(b) for _, b in out[1:]]
    assert first.ihl == IP(frame).ihl
    assert all(raw(f)[20:20 + 12] == raw(IP(frame))[20:31] + b"\0" for f in later)
    assert raw(defragment([IP(b) for _, b in out])[0])[IP(frame).ihl * 4:] == b"z" * 500
    # Truncated headers are dropped, never read past (up to MTU bytes pass unread).
    tiny = H("IPFragmenter", "8")
    for n in range(20):
        assert tiny.pushed(df[:n]) == [(0 if n <= 8 else drop(0), df[:n])], n
    assert tiny.pushed(df, nh=-1) == [(drop(0), df)]


def test_ip_fragmenter_mtu_too_small_for_header():
    h = H("IPFragmenter", "24", n_outputs=2)
    frame = raw(IP(src="1.1.1.1", dst="2.2.2.2") / (b"q" * 40))
    assert h.pushed(frame) == [(1, frame)]


# ---- IPRewriter ----------------------------------------------------------------------

class RW(H):
    """A rewriter harness with a clock (C_NOW, in seconds here)."""

    def at(self, seconds):
        self.pool.ctl[packet.C_NOW] = int(seconds * 1e9)
        return self

    def one(self, frame, port=0, **anno):
        out = self.pushed(frame, port, **anno)
        assert len(out) == 1
        return out[0]


def tcp(src, sport, dst, dport, flags="A", payload=b""):
    return raw(IP(src=src, dst=dst) / TCP(sport=sport, dport=dport, flags=flags) / payload)


def udp(src, sport, dst, dport, payload=b"data"):
    return raw(IP(src=src, dst=dst) / UDP(sport=sport, dport=dport) / payload)


def flow(b):
    p = IP(b)
    return (p.src, p.sport, p.dst, p.dport)


def nat(config="pattern 1.0.0.1 1024-65535# - - 0 1, drop", **kw):
    return RW("IPRewriter", config, n_inputs=2, n_outputs=2, **kw)


def test_iprewriter_translates_tcp_and_udp_and_their_replies():
    h = nat()
    port, out = h.one(tcp("10.0.0.5", 5555, "2.0.0.2", 80, "S", b"hi"))
    assert port == 0 and flow(out) == ("1.0.0.1", 1024, "2.0.0.2", 80) and tcp_ok(out)
    assert h.anno("DST_IP", h.slots[0]) == ipint("2.0.0.2")
    port, out = h.one(tcp("2.0.0.2", 80, "1.0.0.1", 1024, "SA"), port=1)
    assert port == 1 and flow(out) == ("2.0.0.2", 80, "10.0.0.5", 5555) and tcp_ok(out)
    assert h.anno("DST_IP", h.slots[0]) == ipint("10.0.0.5")
    # The same flow keeps its mapping; another one gets the next port.
    assert flow(h.one(tcp("10.0.0.5", 5555, "2.0.0.2", 80, "A", b"more"))[1])[1] == 1024
    assert flow(h.one(tcp("10.0.0.6", 5555, "2.0.0.2", 80))[1])[1] == 1025
    # UDP has its own table, the pattern (and its next port) is the same.
    port, out = h.one(udp("10.0.0.5", 5555, "2.0.0.2", 80))
    assert flow(out) == ("1.0.0.1", 1026, "2.0.0.2", 80) and udp_ok(out)
    nosum = bytearray(udp("10.0.0.5", 7, "2.0.0.2", 8))
    nosum[26:28] = b"\0\0"
    assert h.one(bytes(nosum))[1][26:28] == b"\0\0"          # no checksum stays none
    assert h.read("nmappings") == "4"
    assert h.read("tcp_table") == (
        "(10.0.0.5, 5555, 2.0.0.2, 80) => (1.0.0.1, 1024, 2.0.0.2, 80) [*0 1] i0 exp300\n"
        "(2.0.0.2, 80, 1.0.0.1, 1024) => (2.0.0.2, 80, 10.0.0.5, 5555) [0 *1] i0 exp300\n"
        "(10.0.0.6, 5555, 2.0.0.2, 80) => (1.0.0.1, 1025, 2.0.0.2, 80) [*0 1] i0 exp300\n"
        "(2.0.0.2, 80, 1.0.0.1, 1025) => (2.0.0.2, 80, 10.0.0.6, 5555) [0 *1] i0 exp300\n")
    assert h.read("udp_table").count("\n") == 4
    assert h.read("patterns") == "1.0.0.1 1024-65535 - - [4]\n<drop>\n"
    assert h.read("tcp_lookup 10.0.0.6 5555 2.0.0.2 80") == "1.0.0.1 1025 2.0.0.2 80"
    assert h.read("tcp_lookup 10.0.0.7 5555 2.0.0.2 80") == ""
    assert (h.read("size"), h.read("mapping_failures")) == ("4", "0")


def test_iprewriter_prefers_the_packets_own_port_and_runs_out():
    h = nat("pattern 1.0.0.1 2000-2001 - - 0 1, drop")
    assert flow(h.one(tcp("10.0.0.5", 2001, "2.0.0.2", 80))[1])[1] == 2001   # same first
    assert flow(h.one(tcp("10.0.0.6", 2001, "2.0.0.2", 80))[1])[1] == 2000
    code, _ = h.one(tcp("10.0.0.7", 2001, "2.0.0.2", 80))
    assert code == drop(3)
    assert (h.read("mapping_failures"), h.read("nmappings")) == ("1", "2")
    # Flows to another destination may reuse the ports (the reply keys differ).
    assert flow(h.one(tcp("10.0.0.7", 2001, "3.0.0.3", 80))[1])[1] == 2001


def test_iprewriter_input_specs():
    h = RW("IPRewriter", "drop, pass 1, keep 0 1, pattern - - 9.9.9.9 99 1 0", n_inputs=4,
           n_outputs=2)
    t = tcp("10.0.0.5", 5555, "2.0.0.2", 80)
    assert h.one(t, port=0)[0] == drop(2)
    assert h.one(t, port=1) == (1, t)                       # pass: unchanged, no mapping
    assert h.one(t, port=2) == (0, t)                       # keep: a mapping that changes nothing
    port, out = h.one(tcp("2.0.0.2", 80, "10.0.0.5", 5555), port=0)
    assert port == 1 and flow(out) == ("2.0.0.2", 80, "10.0.0.5", 5555)   # its reply
    port, out = h.one(tcp("10.0.0.8", 1, "2.0.0.2", 80), port=3)
    assert port == 1 and flow(out) == ("10.0.0.8", 1, "9.9.9.9", 99) and tcp_ok(out)
    # Not TCP/UDP, or a later fragment: dropped, except on a pass input.
    icmp = raw(IP(src="10.0.0.5", dst="2.0.0.2") / ICMP())
    frag = raw(IP(src="10.0.0.5", dst="2.0.0.2", frag=8, proto=6) / (b"x" * 16))
    short = raw(IP(src="10.0.0.5", dst="2.0.0.2", proto=17) / b"1234567")
    for frame in (icmp, frag, short):
        assert h.one(frame, port=3) == (drop(1), frame)
        assert h.one(frame, port=1) == (1, frame)
    for n in range(20):
        assert h.one(t[:n], port=1)[0] == drop(0)
    assert h.read("patterns") == "<drop>\n<nochange>\n<keep> [1]\n- - 9.9.9.9 99 [1]\n"


def test_iprewriter_tcp_timeouts_and_garbage_collection():
    h = nat("pattern 1.0.0.1 1024-65535# - - 0 1, drop, REAP_INTERVAL 10, "
            "TCP_NODATA_TIMEOUT 60, TCP_DONE_TIMEOUT 20, TCP_TIMEOUT 1000")
    h.at(1).one(tcp("10.0.0.5", 1, "2.0.0.2", 80, "S"))        # gc due at 11 s
    h.at(2).one(tcp("10.0.0.6", 1, "2.0.0.2", 80, "S"))
    h.one(tcp("10.0.0.6", 1, "2.0.0.2", 80, "PA", b"req"))
    h.one(tcp("2.0.0.2", 80, "1.0.0.1", 1025, "PA", b"resp"), port=1)   # data both ways
    h.at(3).one(tcp("10.0.0.7", 1, "2.0.0.2", 80, "F"))
    h.one(tcp("2.0.0.2", 80, "1.0.0.1", 1026, "F"), port=1)            # done both ways
    lines = h.read("tcp_table").splitlines()
    assert [ln.rsplit("exp", 1)[1] for ln in lines[::2]] == ["58", "999", "20"]   # at 3 s
    h.at(24).one(udp("10.0.0.9", 1, "2.0.0.2", 53))            # gc at 24 s: the done flow goes
    assert h.read("nmappings") == "3" and "1026" not in h.read("tcp_table")
    h.at(62).one(udp("10.0.0.9", 1, "2.0.0.2", 53))            # gc at 62 s: the idle one goes
    assert h.read("tcp_table").count("\n") == 2 and h.read("nmappings") == "2"
    h.write("clear")
    assert (h.read("nmappings"), h.read("size"), h.read("tcp_table")) == ("0", "0", "")


def test_iprewriter_capacity_and_guarantees():
    h = nat("pattern 1.0.0.1 1024-65535# - - 0 1, drop, MAPPING_CAPACITY 2, TCP_GUARANTEE 5")
    h.at(0).one(tcp("10.0.0.1", 1, "2.0.0.2", 80))
    h.at(1).one(tcp("10.0.0.2", 1, "2.0.0.2", 80))
    # Both flows are guaranteed for 5 s: a third is refused.
    assert h.at(2).one(tcp("10.0.0.3", 1, "2.0.0.2", 80))[0] == drop(4)
    assert (h.read("nmappings"), h.read("mapping_failures")) == ("2", "1")
    # After the guarantee, the first to expire makes room.
    port, out = h.at(7).one(tcp("10.0.0.3", 1, "2.0.0.2", 80))
    assert port == 0 and "10.0.0.1," not in h.read("tcp_table")
    assert h.read("capacity") == "2"
    h.write("capacity", "1")
    assert h.read("size") == "1"
    for bad in ("many", "-1", "3", "1 2"):
        with pytest.raises(ValueError):
            h.write("capacity", bad)


def test_iprewriter_udp_streaming_and_pattern_handlers():
    h = nat("pattern 1.0.0.1 1024-65535# - - 0 1, drop, UDP_TIMEOUT 30, "
            "UDP_STREAMING_TIMEOUT 600, UDP_GUARANTEE 0")
    h.one(udp("10.0.0.5", 9, "2.0.0.2", 53))
    assert h.read("udp_table").splitlines()[0].endswith("exp30")
    h.one(udp("2.0.0.2", 53, "1.0.0.1", 1024), port=1)
    h.one(udp("10.0.0.5", 9, "2.0.0.2", 53))                    # 3 packets, both ways
    assert h.read("udp_table").splitlines()[0].endswith("exp600")
    assert h.read("pattern0") == "1.0.0.1 1024-65535 - - [1]\n"
    h.write("pattern0", "pattern 7.7.7.7 - - - 0 1")
    assert (h.read("pattern0"), h.read("nmappings")) == ("7.7.7.7 - - -\n", "0")
    assert flow(h.one(udp("10.0.0.5", 9, "2.0.0.2", 53))[1]) == ("7.7.7.7", 9, "2.0.0.2", 53)
    for bad in ("pattern 1.2.3.4", "frobnicate", "pass 7", "keep 0"):
        with pytest.raises(ValueError):
            h.write("pattern0", bad)
    with pytest.raises(KeyError):
        h.read("pattern9")


class MappedRW(RW):
    """A rewriter whose input specs name mappers: their patterns are passed the way
    the compiler is asked to, as values['_mappers'][name] before state()."""

    def __init__(self, config, mappers, n_inputs=2, n_outputs=2):
        self.cls = registry()["IPRewriter"]
        ctx = ParseContext(element_names=set(mappers))
        values, issues = parse_args("IPRewriter", self.cls.args, split_config(config), ctx, None)
        assert not issues and not self.cls.check_config(values, ctx)
        values["_mappers"] = {}
        for name, text in mappers.items():
            mapper = registry()["RoundRobinIPMapper"]
            mvalues, issues = parse_args(name, mapper.args, split_config(text), ctx, None)
            assert not issues
            values["_mappers"][name] = mapper.mapper_patterns(mvalues)
        self.values = values
        self.pool = packet.Pool(64)
        self.P = self.pool.arrays
        self.st = self.cls.state(values, n_inputs, n_outputs)
        self.emit = np.zeros(2, dtype=np.int64)


def test_iprewriter_round_robin_mapper():
    h = MappedRW("backends, drop", {"backends": "- - 10.0.1.11 - 0 1, - - 10.0.1.12 - 0 1"})
    dsts = [IP(h.one(tcp(f"9.0.0.{i}", 1000, "10.0.2.100", 80))[1]).dst for i in range(4)]
    assert dsts == ["10.0.1.11", "10.0.1.12", "10.0.1.11", "10.0.1.12"]
    port, out = h.one(tcp("10.0.1.12", 80, "9.0.0.1", 1000), port=1)
    assert port == 1 and flow(out) == ("10.0.2.100", 80, "9.0.0.1", 1000) and tcp_ok(out)
    assert h.read("patterns") == "<mapper> [4]\n<drop>\n"
    # Without the mapper's patterns the state cannot be built: a clear error.
    with pytest.raises(ValueError, match="backends"):
        h.cls.state({"INPUTSPEC": h.values["INPUTSPEC"]}, 2, 2)


# ---- IPAddrRewriter ----------------------------------------------------------------

def test_ipaddrrewriter_basic_nat_any_protocol():
    h = RW("IPAddrRewriter", "pattern 1.0.0.1-1.0.0.2# - 0 1, drop", n_inputs=2, n_outputs=2)
    port, out = h.one(tcp("10.0.0.5", 5555, "2.0.0.2", 80))
    assert port == 0 and flow(out) == ("1.0.0.1", 5555, "2.0.0.2", 80) and tcp_ok(out)
    port, out = h.one(raw(IP(src="10.0.0.5", dst="3.3.3.3") / ICMP()))
    assert port == 0 and IP(out).src == "1.0.0.1" and icmp_ok(out)
    port, out = h.one(udp("10.0.0.6", 1, "2.0.0.2", 80))
    assert IP(out).src == "1.0.0.2" and udp_ok(out)
    port, out = h.one(udp("4.4.4.4", 53, "1.0.0.2", 1), port=1)     # reply, any source
    assert port == 1 and flow(out) == ("4.4.4.4", 53, "10.0.0.6", 1) and udp_ok(out)
    assert h.anno("DST_IP", h.slots[0]) == ipint("10.0.0.6")
    assert h.one(udp("10.0.0.7", 1, "2.0.0.2", 80))[0] == drop(3)   # addresses used up
    assert h.one(udp("5.5.5.5", 1, "6.6.6.6", 80), port=1)[0] == drop(2)
    assert h.read("table") == (
        "10.0.0.5 => 1.0.0.1 [*0 1] i0 exp7200\n0.0.0.0 => 0.0.0.0 [0 *1] i0 exp7200\n"
        "10.0.0.6 => 1.0.0.2 [*0 1] i0 exp7200\n0.0.0.0 => 0.0.0.0 [0 *1] i0 exp7200\n")
    assert h.read("patterns") == "1.0.0.1-1.0.0.2 - [2]\n<drop>\n"
    assert (h.read("nmappings"), h.read("mapping_failures")) == ("2", "1")
    for n in range(20):
        assert h.one(tcp("10.0.0.5", 1, "2.0.0.2", 2)[:n])[0] == drop(0)
    with pytest.raises(ValueError):
        h.write("pattern0", "pattern 1.0.0.1 80 - - 0 1")        # addresses only


# ---- ICMPPingRewriter ----------------------------------------------------------------

def echo(src, dst, ident, reply=False, payload=b"ping data"):
    return raw(IP(src=src, dst=dst) / ICMP(type=0 if reply else 8, id=ident, seq=9) / payload)


def ping_of(b):
    p = IP(b)
    return (p.src, p.dst, p[ICMP].type, p[ICMP].id)


def pings(config="pattern 1.0.0.1 1024-65535# - - 0 1, drop", **kw):
    return RW("ICMPPingRewriter", config, n_inputs=2, n_outputs=2, **kw)


def test_icmppingrewriter_translates_echoes_and_their_replies():
    h = pings()
    port, out = h.one(echo("10.0.0.5", "2.0.0.2", 5))
    assert port == 0 and ping_of(out) == ("1.0.0.1", "2.0.0.2", 8, 1024) and icmp_ok(out)
    assert IP(out).load == b"ping data" and IP(out)[ICMP].seq == 9
    assert h.anno("DST_IP", h.slots[0]) == ipint("2.0.0.2")
    port, out = h.one(echo("2.0.0.2", "1.0.0.1", 1024, reply=True), port=1)
    assert port == 1 and ping_of(out) == ("2.0.0.2", "10.0.0.5", 0, 5) and icmp_ok(out)
    assert h.anno("DST_IP", h.slots[0]) == ipint("10.0.0.5")
    # The same request keeps its mapping; other hosts' get the next identifiers (`#`:
    # sequential, even for an identifier inside the range).
    assert ping_of(h.one(echo("10.0.0.5", "2.0.0.2", 5))[1])[3] == 1024
    assert ping_of(h.one(echo("10.0.0.6", "2.0.0.2", 5))[1])[3] == 1025
    assert ping_of(h.one(echo("10.0.0.7", "2.0.0.2", 3000))[1])[3] == 1026
    # Click's table: (SRC, DST, IDENT); a reply's flow ID carries IDENT "+ 1" as Click
    # adds it, to the network-order halfword (1024 -> 1280, 5 -> 261 on x86).
    assert h.read("table").splitlines()[:2] == [
        "(10.0.0.5, 2.0.0.2, 5) => (1.0.0.1, 2.0.0.2, 1024) [*0 1] i0 exp300",
        "(2.0.0.2, 1.0.0.1, 1280) => (2.0.0.2, 10.0.0.5, 261) [0 *1] i0 exp300"]
    assert h.read("nmappings") == "3"
    assert h.read("patterns") == "1.0.0.1 1024-65535 - - [3]\n<drop>\n"


def test_icmppingrewriter_drops_or_passes_what_it_cannot_map():
    h = RW("ICMPPingRewriter", "pattern 1.0.0.1 1024-65535 - - 0 1, drop, pass 1", n_inputs=3,
           n_outputs=2)
    stray = echo("2.0.0.2", "1.0.0.1", 4444, reply=True)
    unreach = raw(IP(src="2.0.0.2", dst="1.0.0.1") / ICMP(type=3, code=1) / (b"x" * 28))
    frag = raw(IP(src="10.0.0.5", dst="2.0.0.2", frag=8, proto=1) / (b"x" * 16))
    short = raw(IP(src="10.0.0.5", dst="2.0.0.2", proto=1) / bytes([8, 0, 0, 0, 0]))
    udp_pkt = udp("10.0.0.5", 9, "2.0.0.2", 53)
    assert h.one(stray, port=0) == (drop(5), stray)     # a reply makes no mapping
    assert h.one(stray, port=1) == (drop(5), stray)
    assert h.one(stray, port=2) == (1, stray)
    for frame in (unreach, frag, short, udp_pkt):
        assert h.one(frame, port=0) == (drop(1), frame)
        assert h.one(frame, port=2) == (1, frame)
    assert h.one(echo("10.0.0.5", "2.0.0.2", 1), port=1)[0] == drop(2)   # `drop` input
    good = echo("10.0.0.5", "2.0.0.2", 1)
    for n in range(20):
        assert h.one(good[:n], port=2)[0] == drop(0)
    assert h.read("nmappings") == "0"
    assert h.cls.drop_reasons[5].startswith("echo reply")


def test_icmppingrewriter_timeouts_identifier_exhaustion_and_handlers():
    h = pings("pattern 1.0.0.1 7000-7001 - - 0 1, drop, TIMEOUT 60, GUARANTEE 0, "
              "REAP_INTERVAL 10, DST_ANNO false")
    h.at(1).one(echo("10.0.0.5", "2.0.0.2", 7001))           # its own identifier is free
    assert h.read("table").startswith("(10.0.0.5, 2.0.0.2, 7001) => (1.0.0.1, 2.0.0.2, 7001)")
    assert ping_of(h.one(echo("10.0.0.6", "2.0.0.2", 1))[1])[3] == 7000
    assert h.anno("DST_IP", h.slots[0]) == 0                    # DST_ANNO false
    assert h.one(echo("10.0.0.7", "2.0.0.2", 1))[0] == drop(3)    # no identifier left
    assert h.read("mapping_failures") == "1"
    assert h.read("table").splitlines()[0].endswith("exp60")
    # Pings to another destination may reuse the identifiers.
    assert ping_of(h.one(echo("10.0.0.7", "2.0.0.3", 1))[1])[3] in (7000, 7001)
    h.at(40).one(echo("10.0.0.5", "2.0.0.2", 7001))             # keeps its mapping alive
    h.at(75).one(udp("10.0.0.9", 1, "2.0.0.2", 53))             # gc at 75 s: two expired
    assert h.read("nmappings") == "1" and "10.0.0.5" in h.read("table")
    assert h.at(76).one(echo("2.0.0.2", "1.0.0.1", 7000, reply=True), port=1)[0] == drop(5)
    h.write("clear")
    assert (h.read("size"), h.read("table")) == ("0", "")


def test_icmppingrewriter_keep_and_zero_checksum():
    h = RW("ICMPPingRewriter", "keep 0 1, drop", n_inputs=2, n_outputs=2)
    req = echo("10.0.0.5", "2.0.0.2", 77)
    assert h.one(req) == (0, req)
    rep = echo("2.0.0.2", "10.0.0.5", 77, reply=True)
    assert h.one(rep, port=1) == (1, rep)
    # An identifier change that makes the checksum 0 keeps Click's 0xFFFF rule for
    # all-zero ICMP data.
    h = pings("pattern 1.0.0.1 1024 - - 0 1, drop")
    port, out = h.one(echo("10.0.0.5", "2.0.0.2", 1, payload=b""))
    assert port == 0 and icmp_ok(out) and ping_of(out)[3] == 1024


def test_icmppingrewriter_compiled_and_interpreted_agree():
    frame = bytes(Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02")
                  / IP(src="10.0.0.5", dst="2.0.0.2") / ICMP(type=8, id=5) / b"x")
    config = (f"InfiniteSource(\\<{frame.hex()}>, LIMIT 5, STOP true) -> Strip(14)"
              " -> CheckIPHeader -> rw :: ICMPPingRewriter(pattern 1.0.0.1 1024-65535# - - 0 1)"
              " -> ICMPPingResponder -> [0]rw; rw[1] -> c :: Counter -> Discard;")
    out = run_both_ways(config, "c.count", "rw.table", "rw.nmappings")
    assert "c.count:\n5" in out
    assert "(10.0.0.5, 2.0.0.2, 5) => (1.0.0.1, 2.0.0.2, 1024)" in out


# ---- ICMPRewriter ---------------------------------------------------------------------

class ErrorRW(H):
    """An ICMPRewriter over rewriter harnesses (its MAPS, by name), on the first one's pool:
    its state shares their flow tables, as the Router gives it (Element.peers)."""

    def __init__(self, maps, config, n_outputs=2):
        self.cls = registry()["ICMPRewriter"]
        ctx = ParseContext(element_names=set(maps))
        values, issues = parse_args("ICMPRewriter", self.cls.args, split_config(config), ctx,
                                    None)
        assert not issues and not self.cls.check_config(values, ctx)
        values["_peers"] = {name: (h.cls, h.st) for name, h in maps.items()}
        first = next(iter(maps.values()))
        self.values, self.pool, self.P = values, first.pool, first.P
        self.st = self.cls.state(values, 1, n_outputs)
        self.emit = np.zeros(2, dtype=np.int64)


def icmp_error(src, dst, quoted, kind=3, code=3):
    return raw(IP(src=src, dst=dst) / ICMP(type=kind, code=code) / quoted)


def quoted_of(b):
    """The quoted packet's bytes (after the outer IP and ICMP headers)."""
    return b[(b[0] & 0xF) * 4 + 8:]


def test_icmprewriter_turns_errors_about_translated_flows_back():
    rw = nat()
    sent_udp = udp("10.0.0.5", 5555, "2.0.0.2", 53)
    _, out_udp = rw.one(sent_udp)
    sent_tcp = tcp("10.0.0.6", 4444, "2.0.0.2", 80, "S", b"hello")
    _, out_tcp = rw.one(sent_tcp)
    h = ErrorRW({"nat": rw}, "nat")
    for original, translated, full in ((sent_udp, out_udp, False), (sent_tcp, out_tcp, True)):
        quote = translated if full else translated[:28]       # Linux quotes it all, Click 28
        err = icmp_error("2.0.0.2", "1.0.0.1", quote)
        code, out = h.run(err)
        assert code == 0 and icmp_ok(out) and _ip_ok(out)
        assert (IP(out).src, IP(out).dst) == ("2.0.0.2", IP(original).src)
        assert h.anno("DST_IP") == ipint(IP(original).src)
        q = quoted_of(out)
        # The quote is the original packet's, byte for byte: addresses, ports, checksums.
        assert q == (original if full else original[:28])
    # An error from a router on the way, about the NAT's packet, also reaches the host.
    code, out = h.run(icmp_error("9.9.9.9", "1.0.0.1", out_udp[:28], kind=11, code=0))
    assert code == 0 and quoted_of(out) == sent_udp[:28] and icmp_ok(out)


def test_icmprewriter_pings_and_address_only_maps_with_offsets():
    pings_rw = pings("pattern 1.0.0.1 1024-65535# - - 0 1, drop")
    request = echo("10.0.0.5", "2.0.0.2", 7)
    _, out = pings_rw.one(request)
    basic = RW("IPAddrRewriter", "pattern 1.0.0.9 - 0 1, drop", n_inputs=2, n_outputs=2)
    basic.P, basic.pool = pings_rw.P, pings_rw.pool
    sent = udp("10.0.0.8", 1, "3.0.0.3", 2)
    _, out_basic = basic.one(sent)
    h = ErrorRW({"pings": pings_rw, "basic": basic}, "pings:2 basic", n_outputs=4)
    code, res = h.run(icmp_error("2.0.0.2", "1.0.0.1", out, kind=11, code=0))
    assert code == 2 + 1 and quoted_of(res) == request and icmp_ok(res)    # offset + ROUTPUT
    assert IP(res).dst == "10.0.0.5"
    code, res = h.run(icmp_error("3.0.0.3", "1.0.0.9", out_basic[:28]))
    assert code == 0 and quoted_of(res) == sent[:28] and IP(res).dst == "10.0.0.8"


def test_icmprewriter_other_packets():
    rw = nat()
    _, out = rw.one(udp("10.0.0.5", 5555, "2.0.0.2", 53))
    two, one = ErrorRW({"nat": rw}, "nat"), ErrorRW({"nat": rw}, "nat", n_outputs=1)
    unknown = icmp_error("2.0.0.2", "1.0.0.1", udp("1.0.0.1", 9999, "2.0.0.2", 53)[:28])
    ping_pkt = echo("2.0.0.2", "1.0.0.1", 1)
    short = icmp_error("2.0.0.2", "1.0.0.1", out[:19])
    v6 = icmp_error("2.0.0.2", "1.0.0.1", bytes([0x60]) + out[1:28])
    for frame in (unknown, ping_pkt, short, v6):
        assert two.run(frame) == (1, frame)
        assert one.run(frame)[0] == drop(2)
    not_icmp = udp("2.0.0.2", 53, "1.0.0.1", 1024)
    assert two.run(not_icmp)[0] == drop(1)
    err = icmp_error("2.0.0.2", "1.0.0.1", out[:28])
    for n in range(20):
        assert two.run(err[:n])[0] == drop(0)
    frag = bytearray(out[:28])
    frag[6:8] = (8).to_bytes(2, "big")               # a later fragment: ports not quoted
    frag[10:12] = b"\0\0"
    frag[10:12] = checksum(bytes(frag[:20])).to_bytes(2, "big")
    assert two.run(icmp_error("2.0.0.2", "1.0.0.1", bytes(frag)))[0] == 1


def test_icmprewriter_maps_are_checked():
    A2 = ArgsAt(SourcePos("t.click", 3, 10))
    ctx = ParseContext(element_names={"nat", "q"})
    issue = A2.issue("ICMPRewriter", "nta", ctx)
    assert "MAPS: no element named 'nta'" in issue.message and "nat" in issue.hint
    assert "not an IP rewriter" in A2.issue("ICMPRewriter", "nat:x", ctx).message
    assert "at most 4" in A2.issue("ICMPRewriter", "a b c d e", ctx).message
    cls = registry()["ICMPRewriter"]
    values = {"MAPS": [("q", -1)], "_peers": {"q": (registry()["Queue"], ())}}
    with pytest.raises(ValueError, match="q not an IP rewriter"):
        cls.state(values, 1, 1)
    rw = nat()
    values = {"MAPS": [("nat", 1)], "_peers": {"nat": (rw.cls, rw.st)}}
    with pytest.raises(ValueError, match="requires more than 2 outputs"):
        cls.state(values, 1, 2)


def test_icmprewriter_in_a_router_compiled_and_interpreted():
    frame = bytes(Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02")
                  / IP(src="10.0.0.5", dst="2.0.0.2") / UDP(sport=5555, dport=53) / b"q")
    # ICMPError answers each translated packet; ICMPRewriter must map every one back.
    config = (f"InfiniteSource(\\<{frame.hex()}>, LIMIT 5, STOP true) -> Strip(14)"
              " -> CheckIPHeader -> rw :: IPRewriter(pattern 1.0.0.1 1024-65535# - - 0 1)"
              " -> ICMPError(2.0.0.2, unreachable, port) -> errs :: ICMPRewriter(rw)"
              " -> IPClassifier(dst host 10.0.0.5) -> c :: Counter -> Discard;"
              " rw[1] -> Discard;")
    out = run_both_ways(config, "c.count", "rw.nmappings")
    assert "c.count:\n5\n" in out and "rw.nmappings:\n1\n" in out


def test_a_rewriter_another_element_reads_is_not_reconfigured():
    result = check_graph(build_graph(parse_text(
        "Idle -> rw :: IPRewriter(pattern 1.0.0.1 1024-65535 - - 0 1) -> Discard;"
        "rw[1] -> Discard; Idle -> ICMPRewriter(rw) -> Discard;", "t.click", yaml=False)))
    assert result.ok
    r = Router(result.graph)
    with pytest.raises(HandlerError, match="ICMPRewriter@.* read its state"):
        r.reconfigure("rw", UDP_TIMEOUT=10.0)


# ---- IPReassembler -------------------------------------------------------------------

def frags(payload_len=1000, size=400, **ip):
    """A UDP packet and scapy's fragments of it (`size` data bytes each)."""
    from scapy.all import fragment
    ip.setdefault("src", "10.0.0.1")
    ip.setdefault("dst", "10.0.0.2")
    ip.setdefault("id", 0x1234)
    whole = IP(raw(IP(**ip) / UDP(sport=7, dport=9) / (bytes(range(256)) * 8)[:payload_len]))
    return raw(whole), [raw(f) for f in fragment(whole, fragsize=size)]


class RA(H):
    def feed(self, frame, seconds=0, **anno):
        self.pool.ctl[packet.C_NOW] = int(seconds * 1e9)
        return self.pushed(frame, **anno)


def test_ip_reassembler_rebuilds_in_any_order():
    whole, parts = frags()
    assert len(parts) == 3
    for order in ([0, 1, 2], [2, 1, 0], [1, 2, 0], [2, 0, 1]):
        h = RA("IPReassembler")
        outs = [h.feed(parts[i], paint=i) for i in order]
        for o in outs[:-1]:
            assert o == [(drop(2), parts[order[outs.index(o)]])] or o == []
        done = [b for o, b in outs[-1] if o == 0]
        assert done == [whole], order
        # The annotations are those of the first fragment.
        assert h.pool.anno[h.slots[-1], packet.A_PAINT] == 0
        assert h.read("dump").startswith("frags seen total:    3\ngood reassemblies:   1\n")
        assert h.pool.in_use() == 1                  # only the emitted packet
    h = RA("IPReassembler")
    plain = UDP_PKT
    assert h.feed(plain) == [(0, plain)]
    assert h.read("dump").startswith("frags seen total:    0\n")


def test_ip_reassembler_duplicates_overlaps_and_bad_fragments():
    whole, parts = frags()
    h = RA("IPReassembler")
    h.feed(parts[0])
    h.feed(parts[0])                                    # duplicate
    h.feed(parts[2])
    assert [b for o, b in h.feed(parts[1]) if o == 0] == [whole]
    h.feed(parts[0])                                    # starts a new buffer
    dump = h.cls.read_handler("dump", h.values, h.st, h.pool)   # chunks need the packet bytes
    assert dump.endswith("cached chunk data:\n (10.0.0.1, 7, 10.0.0.2, 9) 4660 (0,400)\n")
    h.feed(parts[2])
    dump = h.cls.read_handler("dump", h.values, h.st, h.pool)
    assert dump.endswith(" (10.0.0.1, 7, 10.0.0.2, 9) 4660 (0,400) (800,1008)\n")
    bad = RA("IPReassembler")
    odd_middle = raw(IP(src="1.1.1.1", dst="2.2.2.2", flags="MF") / (b"x" * 13))
    too_far = raw(IP(src="1.1.1.1", dst="2.2.2.2", frag=8191) / (b"x" * 16))
    truncated = with_len(raw(IP(src="1.1.1.1", dst="2.2.2.2", frag=4) / (b"x" * 16)), 60)
    for frame in (odd_middle, too_far, truncated):
        assert bad.feed(frame) == [(drop(1), frame)]
    assert "bad fragments seen:  3" in bad.read("dump")
    for n in range(20):
        assert bad.feed(parts[1][:n]) == [(drop(0), parts[1][:n])]
    # A fragment past the end of a packet whose last fragment has arrived.
    h = RA("IPReassembler")
    h.feed(parts[1])
    h.feed(parts[2])
    extra = bytearray(parts[2])
    extra[6:8] = (((len(whole) - 20) // 8 + 8) | 0).to_bytes(2, "big")
    assert h.feed(bytes(extra))[-1][0] == drop(3)


def test_ip_reassembler_timeouts_and_memory():
    whole, parts = frags()
    h = RA("IPReassembler", n_outputs=2)
    h.feed(parts[0], seconds=100)
    h.feed(parts[2], seconds=100)
    # 31 seconds later, the next fragment reaps the dormant buffer to output 1: one
    # packet holding what arrived, at its place.
    other = frags(id=0x9999)[1][1]
    out = h.feed(other, seconds=131)
    failed = [b for o, b in out if o == 1]
    assert len(failed) == 1
    f = failed[0]
    # As Click: the IP length and checksum are not fixed; MF went with the last fragment.
    assert len(f) == len(whole) and f[:2] + f[4:6] + f[8:10] + f[12:20] == \
        parts[0][:2] + parts[0][4:6] + parts[0][8:10] + parts[0][12:20] and f[6:8] == b"\0\0"
    assert f[20:420] == whole[20:420] and f[800 + 20:] == whole[800 + 20:]
    assert "good reassemblies:   0" in h.read("dump")
    # A buffer started by a later fragment has no timestamp (as in Click): it goes at
    # the next reap, 10 seconds on.
    out = h.feed(frags(id=0x7777)[1][2], seconds=142)
    assert [o for o, _ in out if o == 1] == [1]
    # Memory: past HIMEM (40 + 400 bytes counted per buffer here), buffers 10 seconds
    # old go first, then any, until usage is down to 3/4 HIMEM (counted as failed).
    m = RA("IPReassembler", "HIMEM 500", n_outputs=2)
    m.feed(frags(id=1)[1][0], seconds=1)
    m.feed(frags(id=2)[1][0], seconds=20)
    out = m.feed(frags(id=3)[1][0], seconds=21)
    assert [IP(b).id for o, b in out if o == 1] == [1, 2]
    assert "failed reassemblies: 2" in m.read("dump")
    one = RA("IPReassembler", "HIMEM 500")
    one.feed(frags(id=1)[1][0], seconds=1)
    one.feed(frags(id=2)[1][0], seconds=20)
    assert [o for o, _ in one.feed(frags(id=3)[1][0], seconds=21)] == [drop(7), drop(7)]


def test_ip_reassembler_max_mtu_anno_and_slot_limit():
    whole, parts = frags(size=400)
    h = RA("IPReassembler", "MAX_MTU_ANNO VLAN_TCI")
    h.feed(parts[0])
    h.feed(parts[2])
    out = h.feed(parts[1])
    assert [b for o, b in out if o == 0] == [whole]
    assert h.pool.anno[h.slots[-1], packet.A_AGG] & 0xFFFF == max(len(p) for p in parts)
    # Click starts the annotation at the buffer's length when a later fragment comes first.
    h.feed(parts[2])
    h.feed(parts[0])
    h.feed(parts[1])
    assert h.pool.anno[h.slots[-1], packet.A_AGG] & 0xFFFF == len(whole)
    big, big_parts = frags(payload_len=2000, size=800)
    h = RA("IPReassembler")
    outs = [h.feed(p) for p in big_parts]
    assert drop(4) in [o for out in outs for o, _ in out]


# ---- AggregateIPFlows --------------------------------------------------------------------

class AG(H):
    def feed(self, frame, seconds=1, **anno):
        anno.setdefault("tstamp", int(seconds * 1e9))
        out = self.pushed(frame, **anno)
        return [(o, b, int(self.pool.anno[t, packet.A_AGG]), int(self.pool.anno[t, packet.A_PAINT]))
                for (o, b), t in zip(out, self.slots)]


def test_aggregate_ip_flows_numbers_flows_and_directions():
    h = AG("AggregateIPFlows", n_outputs=2)
    a = tcp("10.0.0.1", 1000, "10.0.0.2", 80, "S")
    assert h.feed(a) == [(0, a, 1, 0)]
    r = tcp("10.0.0.2", 80, "10.0.0.1", 1000, "SA")
    assert h.feed(r) == [(0, r, 1, 1)]
    assert h.feed(tcp("10.0.0.1", 1001, "10.0.0.2", 80))[0][2:] == (2, 0)
    # The first packet seen sets the direction, even from the "larger" host.
    assert h.feed(tcp("10.0.0.9", 5, "10.0.0.1", 6))[0][2:] == (3, 0)
    assert h.feed(tcp("10.0.0.1", 6, "10.0.0.9", 5))[0][2:] == (3, 1)
    # UDP flows are numbered apart from TCP ones with the same addresses and ports.
    assert h.feed(udp("10.0.0.1", 1000, "10.0.0.2", 80))[0][2:] == (4, 0)
    # Same host on both sides: the port order decides.
    assert h.feed(udp("10.0.0.5", 9, "10.0.0.5", 7))[0][2:] == (5, 0)
    assert h.feed(udp("10.0.0.5", 7, "10.0.0.5", 9))[0][2:] == (5, 1)
    # Non-TCP/UDP, zero addresses, short packets: output 1 (or dropped).
    icmp = raw(IP(src="10.0.0.1", dst="10.0.0.2") / ICMP())
    zero = tcp("0.0.0.0", 1, "0.0.0.0", 2)
    short = raw(IP(src="10.0.0.1", dst="10.0.0.2", proto=6) / b"12")
    for frame in (icmp, zero, short):
        assert h.feed(frame)[0][0] == 1
    assert AG("AggregateIPFlows").feed(icmp)[0][0] == drop(0)
    for n in range(20):
        assert h.feed(a[:n])[0][0] == 1


def test_aggregate_ip_flows_timeouts_and_icmp_errors():
    h = AG("AggregateIPFlows", "TCP_DONE_TIMEOUT 5, UDP_TIMEOUT 10, ICMP true")
    u = udp("10.0.0.1", 1, "10.0.0.2", 2)
    assert h.feed(u, seconds=100)[0][2] == 1
    assert h.feed(u, seconds=109)[0][2] == 1
    assert h.feed(u, seconds=121)[0][2] == 2          # idle past UDP_TIMEOUT: a new flow
    # TCP: after FIN both ways and RST, a SYN starts a new aggregate at once.
    h.feed(tcp("10.0.0.1", 3, "10.0.0.2", 4, "S"), seconds=130)
    h.feed(tcp("10.0.0.1", 3, "10.0.0.2", 4, "R"), seconds=131)
    assert h.feed(tcp("10.0.0.1", 3, "10.0.0.2", 4, "S"), seconds=131)[0][2] == 4
    # ICMP errors quoting a flow get its number, paint 2 + direction.
    err = raw(IP(src="9.9.9.9", dst="10.0.0.2") / ICMP(type=3, code=3) / u[:28])
    assert h.feed(err, seconds=122)[0][2:] == (2, 2)
    back = udp("10.0.0.2", 2, "10.0.0.1", 1)
    err = raw(IP(src="9.9.9.9", dst="10.0.0.1") / ICMP(type=11) / back[:28])
    assert h.feed(err, seconds=122)[0][2:] == (2, 3)


def test_aggregate_ip_flows_holds_fragments_until_the_first():
    # As Click: fragments (the first one too) are held, per host pair and in order,
    # until FRAGMENT_TIMEOUT seconds of packet time have passed; then each takes the
    # flow number of a held fragment with the same IP ID that had the ports.
    h = AG("AggregateIPFlows", n_outputs=2)
    whole, parts = frags()
    assert h.feed(parts[1], seconds=5) == []
    assert h.feed(parts[2], seconds=5) == []
    assert h.feed(parts[0], seconds=6) == []
    assert h.pool.in_use() == 3 and len(h.cls.held(h.st)) == 3
    later = udp("10.0.0.1", 7, "10.0.0.2", 9)             # the same flow, not a fragment
    out = h.feed(later, seconds=37)
    assert [(o, b, agg, paint) for o, b, agg, paint in out] == \
        [(0, parts[1], 1, 0), (0, parts[2], 1, 0), (0, parts[0], 1, 0), (0, later, 1, 0)]
    assert h.cls.held(h.st) == []
    # Fragments whose flow never shows up are dropped after FRAGMENT_TIMEOUT.
    h3 = AG("AggregateIPFlows", "FRAGMENT_TIMEOUT 10")
    h3.feed(parts[2], seconds=5)
    out = h3.feed(frags(id=77, src="10.0.0.1", dst="10.0.0.2")[1][1], seconds=16)
    assert [o for o, _, _, _ in out] == [drop(2)]
    # Without FRAGMENTS, later fragments go to output 1.
    h4 = AG("AggregateIPFlows", "FRAGMENTS false", n_outputs=2)
    assert [o for o, _, _, _ in h4.feed(parts[1])] == [1]
    assert [o for o, _, _, _ in h4.feed(parts[0])] == [0]


def test_aggregate_ip_flows_clear_and_reap():
    h = AG("AggregateIPFlows", "REAP 10, UDP_TIMEOUT 5")
    u = udp("10.0.0.1", 1, "10.0.0.2", 2)
    assert h.feed(u, seconds=100)[0][2] == 1
    h.write("clear")
    assert h.feed(u, seconds=100)[0][2] == 2            # cleared: a new number
    # Pull context: the simple_action never holds fragments.
    p = AG("AggregateIPFlows", n_outputs=2)
    whole, parts = frags()
    code, _ = p.run(parts[1], tstamp=int(1e9))
    assert code == 1
    code, _ = p.run(parts[0], tstamp=int(1e9))
    assert code == 0 and p.anno("AGG") == 1
    with pytest.raises(KeyError):
        h.write("frobnicate")
    with pytest.raises(ValueError):
        AG("AggregateIPFlows", "TRACEINFO flows.xml")


# ---- messages (Click's click_chatter), printed by host_flush --------------------------

def flush(h):
    h.flush()


def test_messages_of_the_checkers(capsys):
    h = H("CheckTCPHeader")
    h.run(UDP_PKT)
    h.run(UDP_PKT)                       # only the first failure is reported
    flush(h)
    assert capsys.readouterr().err == "CheckTCPHeader: TCP header check failed: not TCP\n"
    v = H("CheckUDPHeader", "VERBOSE true")
    v.run(TCP_PKT)
    v.run(corrupt(UDP_PKT, 30))
    flush(v)
    assert capsys.readouterr().err == ("UDP header check failed: not UDP\n"
                                       "UDP header check failed: bad UDP checksum\n")
    i = H("CheckICMPHeader", "VERBOSE true")
    for _ in range(40):
        i.run(UDP_PKT)
    flush(i)
    err = capsys.readouterr().err.splitlines()
    assert err[0] == "CheckICMPHeader: ICMP header check failed: not ICMP" and len(err) == 33
    assert err[-1] == "CheckICMPHeader: (8 more ICMP header check messages)"


def test_messages_of_checksum_setters_fragmenter_and_aggregator(capsys):
    t = H("SetTCPChecksum")
    t.run(UDP_PKT[:10])
    t.run(UDP_PKT[:10])
    flush(t)
    assert capsys.readouterr().err == "SetTCPChecksum: bad lengths\n" * 2
    u = H("SetUDPChecksum")
    frag = raw(IP(src="1.1.1.1", dst="2.2.2.2", flags="MF") / UDP() / b"abc")
    u.run(frag)
    u.run(frag)
    flush(u)
    flush(u)
    assert capsys.readouterr().err == "SetUDPChecksum: fragment or short packet\n"
    f = H("IPFragmenter", "100")
    df = raw(IP(src="10.0.0.1", dst="10.0.0.2", flags="DF") / (b"y" * 400))
    for _ in range(7):
        f.pushed(df)
    flush(f)
    assert capsys.readouterr().err == "IPFragmenter(100) DF 10.0.0.1 10.0.0.2 len=420\n" * 5
    a = AG("AggregateIPFlows")
    a.feed(UDP_PKT, tstamp=0)
    flush(a)
    assert capsys.readouterr().err == \
        "AggregateIPFlows: warning: packet received without timestamp\n"


def test_aggregate_ip_flows_clear_lets_held_fragments_go_with_the_next_packet():
    h = AG("AggregateIPFlows")
    whole, parts = frags()
    h.feed(parts[1], seconds=5)
    h.feed(parts[0], seconds=5)
    h.write("clear")
    out = h.feed(udp("9.9.9.9", 1, "8.8.8.8", 2), seconds=6)
    assert [(o, agg) for o, _, agg, _ in out] == [(0, 1), (0, 1), (0, 2)]
