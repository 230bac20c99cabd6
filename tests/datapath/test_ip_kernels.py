"""Kernels of the IP header elements, frame by frame, against what Click does.

CheckIPHeader(2), MarkIPHeader, StripIPHeader, DecIPTTL, SetIPChecksum,
GetIPAddress, SetIPAddress, FixIPSrc, IPGWOptions, SetIPDSCP, IPEncap and
IPPrint.  Expected results come from Click's sources (elements/ip/*.cc);
every checksum an element writes is checked against a fresh computation by
scapy on the re-parsed output.
"""
from __future__ import annotations

import ipaddress

import pytest
from kernel_harness import Harness
from scapy.all import ICMP, IP, TCP, UDP, Ether, raw
from scapy.utils import checksum

from clickpy.kernel import drop
from clickpy.packet import (A_AGG, A_DST_IP, A_FIX_IP_SRC, A_ICMP_PARAM, A_NH, A_TH, C_NOW,
                            HEADROOM)

SRC, DST = "1.2.3.4", "5.6.7.8"
H = HEADROOM


class IPHarness(Harness):
    """The example Harness, plus annotation reads."""

    def anno(self, s: int, column: int) -> int:
        return int(self.pool.anno[s, column])

    def run(self, frame: bytes, **anno) -> tuple[int, bytes, int]:
        """Like action(), with the IP header annotation (nh/th) given as offsets in the frame."""
        for key in ("nh", "th"):
            if key in anno and anno[key] >= 0:
                anno[key] += H
        return self.action(frame, **anno)


def ip_int(text: str) -> int:
    return int(ipaddress.IPv4Address(text))


def checksum_ok(pkt: bytes) -> bool:
    """The IP header's checksum, recomputed by scapy, equals the one it carries."""
    hdr = bytearray(pkt[:(pkt[0] & 0xF) * 4])
    stored = int.from_bytes(hdr[10:12], "big")
    hdr[10:12] = b"\0\0"
    return checksum(bytes(hdr)) == stored


def udp_packet(**kw) -> bytes:
    return raw(IP(src=SRC, dst=DST, **kw) / UDP(sport=53, dport=1000) / b"abcd")


def with_checksum(header: bytearray) -> bytes:
    header[10:12] = b"\0\0"
    hlen = (header[0] & 0xF) * 4
    header[10:12] = checksum(bytes(header[:hlen])).to_bytes(2, "big")
    return bytes(header)


def ip_with_options(opts: bytes, payload: bytes = b"data") -> bytes:
    """An IP packet whose header carries these option bytes verbatim (zero-padded)."""
    opts = opts + bytes(-len(opts) % 4)
    base = bytearray(raw(IP(src=SRC, dst=DST, proto=253)))
    base[0] = 0x40 | (5 + len(opts) // 4)
    pkt = bytearray(base + opts + payload)
    pkt[2:4] = len(pkt).to_bytes(2, "big")
    return with_checksum(pkt[:len(base) + len(opts)]) + payload


# ---- CheckIPHeader / CheckIPHeader2 ------------------------------------------

REASONS = ("tiny packet", "bad IP version", "bad IP header length", "bad IP length",
           "bad IP checksum", "bad source address")


def test_checkipheader_valid_packet_is_trimmed_and_annotated():
    frame = raw(Ether() / IP(src=SRC, dst=DST) / UDP() / b"payload") + bytes(12)  # padding
    h = IPHarness("CheckIPHeader", "14")
    code, out, s = h.action(frame)
    assert code == 0
    assert out == frame[:-12]
    assert (h.anno(s, A_NH), h.anno(s, A_TH)) == (H + 14, H + 34)
    assert h.anno(s, A_DST_IP) == ip_int(DST)
    assert h.read("drops") == "0"


def test_checkipheader_declares_clicks_reasons():
    assert h_cls("CheckIPHeader").drop_reasons == REASONS
    assert h_cls("CheckIPHeader2").drop_reasons == REASONS


def h_cls(name):
    return IPHarness(name).cls


def test_checkipheader_overwrites_an_existing_dst_annotation():
    h = IPHarness("CheckIPHeader")
    _, _, s = h.action(udp_packet(), dst_ip=ip_int("9.9.9.9"))
    assert h.anno(s, A_DST_IP) == ip_int(DST)


def test_checkipheader_options_set_the_transport_header_after_them():
    pkt = ip_with_options(bytes([1, 1, 1, 0]))
    h = IPHarness("CheckIPHeader")
    code, out, s = h.action(pkt)
    assert code == 0 and out == pkt
    assert h.anno(s, A_TH) == H + 24


@pytest.mark.parametrize("n_outputs", [1, 2])
def test_checkipheader_every_truncation(n_outputs):
    frame = raw(Ether() / IP(src=SRC, dst=DST) / UDP() / b"xy")
    h = IPHarness("CheckIPHeader", "14", n_outputs=n_outputs)
    bad = 0
    for n in range(len(frame)):
        code, out, s = h.action(frame[:n])
        reason = 0 if n < 14 + 20 else 3          # tiny packet, then bad IP length
        assert code == (1 if n_outputs == 2 else drop(reason)), n
        assert out == frame[:n] and h.anno(s, A_NH) == -1
        bad += 1
    assert h.action(frame)[0] == 0
    assert h.read("drops") == str(bad)


@pytest.mark.parametrize("mutate,reason", [
    (lambda b: b.__setitem__(0, 0x65), 1),                       # version 6
    (lambda b: b.__setitem__(0, 0x44), 2),                       # header length 16
    (lambda b: b.__setitem__(0, 0x40), 2),                       # header length 0
    (lambda b: b.__setitem__(slice(2, 4), (200).to_bytes(2, "big")), 3),   # longer than data
    (lambda b: b.__setitem__(slice(2, 4), (19).to_bytes(2, "big")), 3),    # below the header
    (lambda b: (b.__setitem__(0, 0x46), b.__setitem__(slice(2, 4), (22).to_bytes(2, "big"))),
     3),                                                         # IP length below header 24
])
def test_checkipheader_malformed_headers(mutate, reason):
    pkt = bytearray(udp_packet())
    mutate(pkt)
    pkt = with_checksum(pkt) if pkt[0] & 0xF >= 5 else bytes(pkt)
    for n_outputs, expect in ((1, drop(reason)), (2, 1)):
        h = IPHarness("CheckIPHeader", "DETAILS true", n_outputs=n_outputs)
        assert h.action(pkt)[0] == expect
        details = h.read("drop_details").splitlines()
        assert details == [f"{1 if r == reason else 0}\t{text}" for r, text in enumerate(REASONS)]


def test_checkipheader_checks_in_clicks_order():
    pkt = bytearray(udp_packet())
    pkt[0] = 0x65             # bad version and (now) bad checksum: version is checked first
    assert IPHarness("CheckIPHeader").action(bytes(pkt))[0] == drop(1)


def test_checkipheader_checksum_and_checkipheader2():
    pkt = bytearray(udp_packet())
    pkt[10] ^= 0xFF
    pkt = bytes(pkt)
    assert IPHarness("CheckIPHeader").action(pkt)[0] == drop(4)
    assert IPHarness("CheckIPHeader", "CHECKSUM false").action(pkt)[0] == 0
    assert IPHarness("CheckIPHeader2").action(pkt)[0] == 0
    assert IPHarness("CheckIPHeader2", "CHECKSUM true").action(pkt)[0] == drop(4)
    h = IPHarness("CheckIPHeader2", "14")
    code, _, s = h.action(raw(Ether()) + pkt)
    assert code == 0 and h.anno(s, A_NH) == H + 14


def test_checkipheader_bad_sources_and_good_destinations():
    h = IPHarness("CheckIPHeader", "BADSRC 1.2.3.4 10.0.0.255, GOODDST 5.6.7.8")
    assert h.action(udp_packet())[0] == 0                            # exempt destination
    assert h.action(raw(IP(src=SRC, dst="7.7.7.7") / UDP()))[0] == drop(5)
    assert h.action(raw(IP(src="1.1.1.1", dst="7.7.7.7") / UDP()))[0] == 0
    # No list given: no source check at all, not even 0.0.0.0.
    assert IPHarness("CheckIPHeader").action(raw(IP(src="0.0.0.0", dst=DST)))[0] == 0


def test_checkipheader_interfaces_make_broadcasts_bad_and_own_addresses_good():
    h = IPHarness("CheckIPHeader", "INTERFACES 18.26.4.9/24 18.32.9.44/28")
    for src in ("18.26.4.255", "18.32.9.47", "0.0.0.0", "255.255.255.255"):
        assert h.action(raw(IP(src=src, dst="1.1.1.1")))[0] == drop(5), src
        assert h.action(raw(IP(src=src, dst="18.26.4.9")))[0] == 0, src
    assert h.action(raw(IP(src="18.26.4.7", dst="1.1.1.1")))[0] == 0


def test_checkipheader_old_syntax_adds_zero_and_broadcast():
    h = IPHarness("CheckIPHeader", "10.0.0.255, 14")
    frame = raw(Ether())
    assert h.action(frame + raw(IP(src="10.0.0.255", dst=DST)))[0] == drop(5)
    assert h.action(frame + raw(IP(src="0.0.0.0", dst=DST)))[0] == drop(5)
    code, _, s = h.action(frame + raw(IP(src=SRC, dst=DST)))
    assert code == 0 and h.anno(s, A_NH) == H + 14


def test_checkipheader_handlers_and_messages(capsys):
    h = IPHarness("CheckIPHeader")
    with pytest.raises(KeyError):
        h.read("drop_details")                       # only with DETAILS true, as in Click
    h.action(b"short")
    h.action(b"\x60" + bytes(30))
    h.flush()
    assert capsys.readouterr().err == "CheckIPHeader: IP header check failed: tiny packet\n"
    h.action(b"short")
    h.flush()
    assert capsys.readouterr().err == ""             # only the first bad packet is reported
    assert h.read("drops") == "3"
    v = IPHarness("CheckIPHeader", "VERBOSE true")
    v.action(b"short")
    v.action(b"\x60" + bytes(30))
    v.flush()
    assert capsys.readouterr().err.splitlines() == [
        "CheckIPHeader: IP header check failed: tiny packet",
        "CheckIPHeader: IP header check failed: bad IP version"]


# ---- MarkIPHeader / StripIPHeader --------------------------------------------

def test_markipheader_sets_header_annotations_only():
    pkt = raw(Ether()) + ip_with_options(bytes([1, 1, 1, 1]))
    h = IPHarness("MarkIPHeader", "14")
    code, out, s = h.action(pkt + bytes(6), dst_ip=7)
    assert code == 0 and out == pkt + bytes(6)                  # not trimmed
    assert (h.anno(s, A_NH), h.anno(s, A_TH), h.anno(s, A_DST_IP)) == (H + 14, H + 38, 7)


def test_markipheader_short_packets_pass():
    h = IPHarness("MarkIPHeader", "14")
    for n in range(16):
        code, out, s = h.action(bytes(n))
        assert code == 0 and out == bytes(n)
        assert h.anno(s, A_NH) == H + 14
        assert h.anno(s, A_TH) == H + 14                         # header length 0 (or unread)


def test_stripipheader_removes_up_to_the_transport_header():
    pkt = raw(Ether()) + ip_with_options(bytes([1, 1, 1, 1]), b"rest")
    h = IPHarness("StripIPHeader")
    assert h.run(pkt, nh=14, th=38)[:2] == (0, b"rest")
    assert h.run(pkt, nh=14)[:2] == (0, b"rest")                 # from the header length
    assert h.run(pkt, th=20)[:2] == (0, pkt[20:])


def test_stripipheader_without_annotations_or_out_of_range():
    h = IPHarness("StripIPHeader")
    assert h.action(udp_packet())[0] == drop(0)
    assert h.run(b"abc", nh=3)[0] == drop(0)                     # header byte not in packet
    assert h.run(b"abcdef", th=10)[:2] == (0, b"")               # Click's pull clamps
    assert h.action(b"abcdef", nh=H - 20, th=H - 10)[:2] == (0, b"")


def test_stripipheader_after_checkipheader():
    frame = raw(Ether() / IP(src=SRC, dst=DST) / UDP(sport=1, dport=2) / b"xyz")
    c, st = IPHarness("CheckIPHeader", "14"), IPHarness("StripIPHeader")
    s = c.load(frame)
    assert c.cls.simple_action(c.P, s, c.st) == 0
    assert st.cls.simple_action(c.P, s, st.st) == 0
    assert c.pool.bytes(s) == frame[34:]


# ---- DecIPTTL -------------------------------------------------------------------

@pytest.mark.parametrize("ttl,tos,ident",
                         [(64, 0, 1), (2, 0xFF, 0xFFFF), (255, 3, 0), (17, 0, 0x1234)])
def test_decipttl_decrements_and_updates_the_checksum(ttl, tos, ident):
    pkt = udp_packet(ttl=ttl, tos=tos, id=ident)
    h = IPHarness("DecIPTTL")
    code, out, _ = h.run(pkt, nh=0)
    assert code == 0
    assert IP(out).ttl == ttl - 1 and checksum_ok(out[:20])
    assert out[:8] == pkt[:8] and out[9:10] == pkt[9:10] and out[12:] == pkt[12:]


def test_decipttl_matches_clicks_formula_on_every_checksum():
    # Click: sum = (~old & 0xFFFF) + 0xFEFF; new = ~(sum + (sum >> 16)).
    h = IPHarness("DecIPTTL")
    base = bytearray(udp_packet(ttl=9))
    for old in (0x0000, 0x0001, 0x00FF, 0x0100, 0x0101, 0xFEFF, 0xFF00, 0xFFFE, 0xFFFF):
        base[10:12] = old.to_bytes(2, "big")
        out = h.run(bytes(base), nh=0)[1]
        total = (~old & 0xFFFF) + 0xFEFF
        assert int.from_bytes(out[10:12], "big") == ~(total + (total >> 16)) & 0xFFFF, hex(old)


@pytest.mark.parametrize("n_outputs", [1, 2])
def test_decipttl_expired_packets(n_outputs):
    h = IPHarness("DecIPTTL", n_outputs=n_outputs)
    for ttl in (1, 0):
        pkt = udp_packet(ttl=ttl)
        code, out, _ = h.run(pkt, nh=0)
        assert code == (1 if n_outputs == 2 else drop(0)) and out == pkt
    assert h.read("drops") == "2"


def test_decipttl_multicast_and_active():
    mcast = udp_packet(ttl=1)[:16] + ipaddress.IPv4Address("224.0.0.5").packed + udp_packet()[20:]
    assert IPHarness("DecIPTTL").run(mcast, nh=0)[0] == drop(0)
    assert IPHarness("DecIPTTL", "MULTICAST false").run(mcast, nh=0)[:2] == (0, mcast)
    h = IPHarness("DecIPTTL", "ACTIVE false")
    pkt = udp_packet(ttl=1)
    assert h.run(pkt, nh=0)[:2] == (0, pkt)
    assert h.read("active") == "false"
    h.write("active", "true")
    assert h.read("active") == "true"
    assert h.run(pkt, nh=0)[0] == drop(0)
    for bad in ("", "maybe", "2"):
        with pytest.raises(ValueError):
            h.write("active", bad)
    with pytest.raises(KeyError):
        h.write("drops", "0")


def test_decipttl_needs_an_ip_header():
    h = IPHarness("DecIPTTL")
    pkt = udp_packet()
    assert h.action(pkt)[0] == drop(1)                            # no annotation
    for n in range(20):
        assert h.run(pkt[:n], nh=0)[:2] == (drop(1), pkt[:n]), n
    assert h.run(raw(Ether()) + pkt[:19], nh=14)[0] == drop(1)
    assert h.read("drops") == "0"


# ---- SetIPChecksum ------------------------------------------------------------

def test_setipchecksum_sets_the_checksum():
    good = udp_packet(options=[])
    for bad in (0, 0xFFFF, 0x1234):
        pkt = bytearray(good)
        pkt[10:12] = bad.to_bytes(2, "big")
        h = IPHarness("SetIPChecksum")
        assert h.action(bytes(pkt))[:2] == (0, good)               # no annotation: start of data
    opts = ip_with_options(bytes([7, 7, 4, 0, 0, 0, 0]))
    frame = bytearray(raw(Ether()) + opts)
    frame[14 + 10] ^= 0x55
    code, out, _ = IPHarness("SetIPChecksum").run(bytes(frame), nh=14)
    assert code == 0 and out == raw(Ether()) + opts and checksum_ok(out[14:])


def test_setipchecksum_drops_bad_packets(capsys):
    h = IPHarness("SetIPChecksum")
    pkt = udp_packet()
    for n in range(20):
        assert h.action(pkt[:n])[0] == drop(0)
    assert h.action(b"\x44" + pkt[1:])[0] == drop(0)               # header length 16
    assert h.action(ip_with_options(bytes(8))[:24])[0] == drop(0)  # header 28 > 24 bytes
    assert h.run(raw(Ether()) + pkt[:19], nh=14)[0] == drop(0)
    assert h.read("drops") == "23"
    h.flush()
    h.flush()
    assert capsys.readouterr().err == "SetIPChecksum: bad input packet\n"


# ---- GetIPAddress / SetIPAddress -----------------------------------------------

def test_getipaddress_from_offset_and_from_the_header():
    frame = raw(Ether() / IP(src=SRC, dst=DST))
    h = IPHarness("GetIPAddress", "30")
    code, out, s = h.action(frame)
    assert code == 0 and out == frame and h.anno(s, A_DST_IP) == ip_int(DST)
    for n in range(34):
        assert h.action(frame[:n])[0] == drop(0)
    src = IPHarness("GetIPAddress", "IP src")
    _, _, s = src.run(frame, nh=14)
    assert src.anno(s, A_DST_IP) == ip_int(SRC)
    dst = IPHarness("GetIPAddress", "IP dst, ANNO AGGREGATE")
    _, _, s = dst.run(frame, nh=14, dst_ip=1)
    assert (dst.anno(s, A_AGG), dst.anno(s, A_DST_IP)) == (ip_int(DST), 1)
    assert dst.action(frame)[0] == drop(1)
    for n in range(14 + 20):
        assert dst.run(frame[:n], nh=14)[0] == drop(1)


def test_getipaddress_positional_anno_and_unsupported_annotations():
    h = IPHarness("GetIPAddress", "12, 20")
    _, _, s = h.action(udp_packet())
    assert h.anno(s, A_AGG) == ip_int(SRC)
    with pytest.raises(ValueError, match="annotation"):
        IPHarness("GetIPAddress", "12, 4")


def test_setipaddress_and_its_addr_handler():
    h = IPHarness("SetIPAddress", "10.0.0.1")
    _, out, s = h.action(b"any")
    assert out == b"any" and h.anno(s, A_DST_IP) == ip_int("10.0.0.1")
    assert h.read("addr") == "10.0.0.1"
    h.write("addr", " 192.168.1.254 ")
    assert h.read("addr") == "192.168.1.254"
    assert h.anno(h.action(b"x")[2], A_DST_IP) == ip_int("192.168.1.254")
    for bad in ("", "1.2.3", "300.1.1.1", "host"):
        with pytest.raises(ValueError):
            h.write("addr", bad)
    a = IPHarness("SetIPAddress", "10.0.0.2, ANNO AGGREGATE")
    _, _, s = a.action(b"x", dst_ip=5)
    assert (a.anno(s, A_AGG), a.anno(s, A_DST_IP)) == (ip_int("10.0.0.2"), 5)


# ---- FixIPSrc -------------------------------------------------------------------

def test_fixipsrc_rewrites_marked_packets():
    frame = raw(Ether() / IP(src=SRC, dst=DST) / ICMP())
    h = IPHarness("FixIPSrc", "18.26.4.1")
    code, out, s = h.run(frame, nh=14, fix_ip_src=1)
    assert code == 0 and h.anno(s, A_FIX_IP_SRC) == 0
    assert IP(out[14:]).src == "18.26.4.1" and checksum_ok(out[14:34])
    assert out[:26] == frame[:24] + out[24:26] and out[30:] == frame[30:]
    assert h.run(frame, nh=14)[:2] == (0, frame)                   # not marked
    assert h.action(frame, fix_ip_src=1)[:2] == (0, frame)          # no IP header annotation


def test_fixipsrc_with_options_and_truncated():
    pkt = ip_with_options(bytes([1, 1, 1, 0]))
    h = IPHarness("FixIPSrc", "9.9.9.9")
    out = h.run(pkt, nh=0, fix_ip_src=1)[1]
    assert IP(out).src == "9.9.9.9" and checksum_ok(out[:24])
    for n in range(24):
        code, out, s = h.run(pkt[:n], nh=0, fix_ip_src=1)
        assert (code, out) == (drop(0), pkt[:n]) and h.anno(s, A_FIX_IP_SRC) == 1, n


# ---- IPGWOptions ------------------------------------------------------------------

ME, OTHER = "10.0.0.1", "10.0.0.2"
NOW = (86400 * 3 + 3600) * 10**9 + 500_000_000       # 01:00:00.5 UT
MS = (3600 * 1000 + 500).to_bytes(4, "big")


def gw(opts: bytes, n_outputs: int = 2, config: str = f"{ME}, {OTHER}"):
    h = IPHarness("IPGWOptions", config, n_outputs=n_outputs)
    h.pool.ctl[C_NOW] = NOW
    pkt = ip_with_options(opts)
    code, out, s = h.run(pkt, nh=0, th=20 + len(opts) + (-len(opts) % 4))
    return h, pkt, code, out, s


def options(out: bytes) -> bytes:
    return out[20:(out[0] & 0xF) * 4]


def test_ipgwoptions_record_route():
    me = ipaddress.IPv4Address(ME).packed
    h, pkt, code, out, _ = gw(bytes([7, 11, 4]) + bytes(8))
    assert code == 0 and options(out) == bytes([7, 11, 8]) + me + bytes(4) + b"\0"
    assert checksum_ok(out[:32]) and out[32:] == pkt[32:]
    _, pkt, code, out, _ = gw(bytes([1, 7, 7, 8]) + me)             # full: left alone
    assert code == 0 and out == pkt


def test_ipgwoptions_timestamps():
    me = ipaddress.IPv4Address(ME).packed
    other = ipaddress.IPv4Address(OTHER).packed
    _, _, code, out, _ = gw(bytes([68, 8, 5, 0]) + bytes(4))        # timestamps only
    assert code == 0 and options(out) == bytes([68, 8, 9, 0]) + MS and checksum_ok(out[:28])
    _, _, code, out, _ = gw(bytes([68, 12, 5, 1]) + bytes(8))       # address and timestamp
    assert code == 0 and options(out) == bytes([68, 12, 13, 1]) + me + MS
    _, _, code, out, _ = gw(bytes([68, 12, 5, 3]) + other + bytes(4))   # prespecified: ours
    assert code == 0 and options(out) == bytes([68, 12, 13, 3]) + other + MS
    _, pkt, code, out, _ = gw(bytes([68, 12, 5, 3]) + b"\x01\x01\x01\x01" + bytes(4))
    assert code == 0 and out == pkt
    _, _, code, out, _ = gw(bytes([68, 8, 9, 0x20]) + bytes(4))     # full: overflow count + 1
    assert code == 0 and options(out) == bytes([68, 8, 9, 0x30]) + bytes(4)
    assert checksum_ok(out[:28])


@pytest.mark.parametrize("opts,pointer", [
    (bytes([7, 1]), 21),                         # option length below 2
    (bytes([130, 9, 0, 0]), 21),                 # option runs past the header
    (bytes([1, 1, 1, 7]), 24),                   # length byte past the header
    (bytes([7, 7, 5]) + bytes(4), 22),           # record route pointer inside an address
    (bytes([68, 8, 4, 0]) + bytes(4), 22),       # timestamp pointer below 5
    (bytes([68, 8, 5, 2]) + bytes(4), 23),       # unknown timestamp flag
    (bytes([68, 8, 5, 3]) + bytes(4), 23),       # prespecified, no room for a pair
    (bytes([68, 8, 9, 0xF0]) + bytes(4), 23),    # overflow counter already 15
])
def test_ipgwoptions_bad_options(opts, pointer):
    h, pkt, code, out, s = gw(opts)
    assert (code, out) == (1, pkt) and h.anno(s, A_ICMP_PARAM) == pointer
    assert h.read("drops") == "1"
    h1, pkt, code, out, s = gw(opts, n_outputs=1)
    assert code == drop(0) and h1.anno(s, A_ICMP_PARAM) == pointer


def test_ipgwoptions_skips_others_and_stops_at_eol():
    _, pkt, code, out, _ = gw(bytes([130, 4, 0, 0, 0, 7, 1]))      # EOL: rest ignored
    assert (code, out) == (0, pkt)
    _, pkt, code, out, _ = gw(bytes([1, 1, 1, 1]))
    assert (code, out) == (0, pkt)


def test_ipgwoptions_without_options_or_header():
    h = IPHarness("IPGWOptions", ME)
    pkt = bytearray(udp_packet())
    pkt[10] ^= 1                                   # no options: even the checksum is left alone
    assert h.run(bytes(pkt), nh=0)[:2] == (0, bytes(pkt))
    assert h.action(bytes(pkt))[0] == drop(1)
    for n in range(20):
        assert h.run(bytes(pkt[:n]), nh=0)[0] == drop(1)
    opt = ip_with_options(bytes([7, 7, 4]) + bytes(4))
    for n in range(20, 28):
        assert h.run(opt[:n], nh=0)[0] == drop(1)  # options cut short
    assert h.read("drops") == "0"


# ---- SetIPDSCP --------------------------------------------------------------------

@pytest.mark.parametrize("tos", [0, 1, 2, 3, 0xFC, 0xB9])
def test_setipdscp_sets_the_code_point_and_keeps_ecn(tos):
    pkt = udp_packet(tos=tos)
    h = IPHarness("SetIPDSCP", "46")
    code, out, _ = h.run(pkt, nh=0)
    assert code == 0 and out[1] == (46 << 2) | (tos & 3)
    assert checksum_ok(out)
    assert out[:1] + out[2:10] + out[12:] == pkt[:1] + pkt[2:10] + pkt[12:]


def test_setipdscp_handler_and_truncation():
    h = IPHarness("SetIPDSCP", "0x2e")
    assert h.read("dscp") == "46"
    h.write("dscp", "10")
    assert h.read("dscp") == "10"
    assert h.run(udp_packet(), nh=0)[1][1] == 40
    for bad in ("64", "-1", "x", ""):
        with pytest.raises(ValueError):
            h.write("dscp", bad)
    pkt = udp_packet()
    assert h.action(pkt)[0] == drop(0)
    for n in range(20):
        assert h.run(pkt[:n], nh=0)[:2] == (drop(0), pkt[:n])


# ---- IPEncap ----------------------------------------------------------------------

def test_ipencap_builds_clicks_header():
    inner = udp_packet()
    h = IPHarness("IPEncap", "4, 18.26.4.24, 140.247.60.5")
    for ident in range(3):
        code, out, s = h.action(inner, dst_ip=1)
        assert code == 0 and out[20:] == inner
        outer = IP(out)
        assert (outer.version, outer.ihl, outer.tos, outer.len, outer.id, int(outer.flags),
                outer.frag, outer.ttl, outer.proto, outer.src, outer.dst) == (
            4, 5, 0, len(inner) + 20, ident, 0, 0, 250, 4, "18.26.4.24", "140.247.60.5")
        assert checksum_ok(out[:20])
        assert (h.anno(s, A_NH), h.anno(s, A_TH)) == (H - 20, H)
        assert h.anno(s, A_DST_IP) == ip_int("140.247.60.5")


def test_ipencap_destination_annotation():
    h = IPHarness("IPEncap", "ipip, 1.1.1.1, DST_ANNO")
    for dst in ("9.8.7.6", "255.255.255.255", "0.0.0.0", "128.0.0.1"):
        code, out, s = h.action(b"payload", dst_ip=ip_int(dst))
        assert code == 0 and IP(out).dst == dst and checksum_ok(out[:20])
        assert h.anno(s, A_DST_IP) == ip_int(dst)
    assert h.read("dst") == "DST_ANNO"


@pytest.mark.parametrize("config,tos,flags", [
    ("TOS 0x1d", 0x1D, 0), ("DSCP 46", 46 << 2, 0), ("DSCP 10, ECT true", 41, 0),
    ("ECT 2", 2, 0), ("CE true", 3, 0), ("DF true, TTL 1", 0, 2), ("TTL 0", 0, 0),
])
def test_ipencap_options(config, tos, flags):
    h = IPHarness("IPEncap", f"udp, 1.1.1.1, 2.2.2.2, {config}")
    out = h.action(b"x" * 33)[1]
    outer = IP(out)
    assert (outer.tos, int(outer.flags), outer.proto) == (tos, flags, 17)
    assert outer.ttl == (1 if "TTL 1" in config else 0 if "TTL 0" in config else 250)
    assert checksum_ok(out[:20])


def test_ipencap_id_wraps_and_no_headroom():
    h = IPHarness("IPEncap", "4, 1.1.1.1, 2.2.2.2")
    h.st[1][2] = 0xFFFF
    assert [IP(h.action(b"x")[1]).id for _ in range(2)] == [0xFFFF, 0]
    s = h.load(b"x" * 4)
    h.pool.head[s] = 19
    before = h.pool.bytes(s)
    assert h.cls.simple_action(h.P, s, h.st) == drop(0)
    assert h.pool.bytes(s) == before and h.pool.anno[s, A_NH] == -1


def test_ipencap_src_dst_handlers():
    h = IPHarness("IPEncap", "4, 1.1.1.1, 2.2.2.2")
    assert (h.read("src"), h.read("dst")) == ("1.1.1.1", "2.2.2.2")
    h.write("src", "3.3.3.3")
    h.write("dst", "DST_ANNO")
    assert (h.read("src"), h.read("dst")) == ("3.3.3.3", "DST_ANNO")
    code, out, _ = h.action(b"p", dst_ip=ip_int("4.4.4.4"))
    assert (IP(out).src, IP(out).dst) == ("3.3.3.3", "4.4.4.4") and checksum_ok(out[:20])
    h.write("dst", "5.5.5.5")
    out = h.action(b"p", dst_ip=ip_int("4.4.4.4"))[1]
    assert IP(out).dst == "5.5.5.5" and checksum_ok(out[:20])
    for name, bad in (("src", "DST_ANNO"), ("src", "1.2.3"), ("dst", "nowhere"), ("dst", "")):
        with pytest.raises(ValueError):
            h.write(name, bad)


# ---- IPPrint ----------------------------------------------------------------------

def printed(config: str, pkt: bytes, nh: int = 0, **anno) -> str:
    h = IPHarness("IPPrint", config)
    code, out, _ = h.run(pkt, nh=nh, **anno)
    assert (code, out) == (0, pkt)
    return h.cls.lines(h.values, h.st)[0]


def ip(**kw):
    return IP(src=SRC, dst=DST, **kw)


@pytest.mark.parametrize("pkt,line", [
    (ip() / TCP(sport=1234, dport=80, flags="S", seq=1000, window=8192),
     "1.2.3.4.1234 > 5.6.7.8.80: S 1000:1001(1,40,40) win 8192"),
    (ip() / TCP(sport=1, dport=2, flags="PA", seq=1, ack=2, window=5) / b"hello",
     "1.2.3.4.1 > 5.6.7.8.2: P 1:6(5,45,45) ack 2 win 5"),
    (ip() / TCP(sport=1, dport=2, flags="A", seq=4294967295, ack=7, window=0) / b"ab",
     "1.2.3.4.1 > 5.6.7.8.2: . 4294967295:1(2,42,42) ack 7 win 0"),
    (ip() / TCP(sport=1, dport=2, flags="FRA", seq=9, ack=1, window=3),
     "1.2.3.4.1 > 5.6.7.8.2: FR 9:10(1,40,40) ack 1 win 3"),
    (ip(proto=6) / bytes([0, 1, 0, 80, 0, 0]), "1.2.3.4.1 > 5.6.7.8.80: truncated-tcp"),
    (ip(proto=6) / bytes([0, 1, 0]), "1.2.3.4 > 5.6.7.8: truncated-tcp"),
    (ip(proto=6) / (bytes([0, 1, 0, 80]) + bytes(8) + bytes([0x50, 0x02])),
     "1.2.3.4.1 > 5.6.7.8.80: S 0:4294967291(-5,34,34)truncated-tcp"),
    (ip(proto=6, id=77, flags="MF", frag=10) / (b"x" * 16),
     "1.2.3.4 > 5.6.7.8: tcp (frag 77:16@80+)"),
    (ip() / UDP(sport=53, dport=1000) / b"abcd", "1.2.3.4.53 > 5.6.7.8.1000: udp 12"),
    (ip(proto=17) / bytes(6), "1.2.3.4.0 > 5.6.7.8.0: truncated-udp"),
    (ip(proto=17, id=5, frag=3) / bytes(8), "1.2.3.4 > 5.6.7.8: udp (frag 5:8@24)"),
    (ip() / ICMP(type=8, id=0x0102, seq=0x0304), "1.2.3.4 > 5.6.7.8: icmp echo (258, 772)"),
    (ip() / ICMP(type=0, id=1, seq=2), "1.2.3.4 > 5.6.7.8: icmp echo-reply (1, 2)"),
    (ip(proto=1) / bytes([8, 0, 0, 0, 0]), "1.2.3.4 > 5.6.7.8: icmp echo truncated-icmp"),
    (ip(proto=1) / bytes([8]), "1.2.3.4 > 5.6.7.8: truncated-icmp"),
    (ip() / ICMP(type=3, code=3) / IP(src=DST, dst="9.9.9.9") / UDP(dport=53),
     "1.2.3.4 > 5.6.7.8: icmp 9.9.9.9 unreachable port udp/53"),
    (ip() / ICMP(type=3, code=3) / IP(src=DST, dst="9.9.9.9", proto=99) / b"\0\0\0\x07",
     "1.2.3.4 > 5.6.7.8: icmp 9.9.9.9 unreachable port protocol 99/7"),
    (ip() / ICMP(type=3, code=3) / IP(src=DST, dst="9.9.9.9", proto=17),
     "1.2.3.4 > 5.6.7.8: icmp 9.9.9.9 unreachable port udptruncated-icmp"),
    (ip() / ICMP(type=3, code=2) / IP(src=DST, dst="9.9.9.9", proto=99),
     "1.2.3.4 > 5.6.7.8: icmp 9.9.9.9 unreachable protocol 99"),
    (ip() / ICMP(type=3, code=4, nexthopmtu=1400) / IP(src=DST, dst="9.9.9.9") / UDP(),
     "1.2.3.4 > 5.6.7.8: icmp 9.9.9.9 unreachable needfrag (mtu 1400)"),
    (ip() / ICMP(type=3, code=1) / IP(src=DST, dst="9.9.9.9"),
     "1.2.3.4 > 5.6.7.8: icmp 9.9.9.9 unreachable host"),
    (ip() / ICMP(type=3, code=42) / b"short",
     "1.2.3.4 > 5.6.7.8: icmp unreachable code 42 truncated-icmp"),
    (ip() / ICMP(type=11, code=0) / IP(src=DST, dst="9.9.9.9"),
     "1.2.3.4 > 5.6.7.8: icmp timeexceeded transit"),
    (ip() / ICMP(type=5, code=1), "1.2.3.4 > 5.6.7.8: icmp redirect host"),
    (ip() / ICMP(type=13, code=0), "1.2.3.4 > 5.6.7.8: icmp timestamp"),
    (ip() / ICMP(type=42, code=3), "1.2.3.4 > 5.6.7.8: icmp type 42 code 3"),
    (ip(proto=1, frag=1), "1.2.3.4 > 5.6.7.8: icmp (frag 1:0@8)"),
    (ip(proto=47) / b"gre!", "1.2.3.4 > 5.6.7.8: ip-proto-47"),
])
def test_ipprint_lines(pkt, line):
    assert printed("TIMESTAMP false", raw(pkt)) == line


def test_ipprint_counts_the_whole_packet_and_reads_the_annotations():
    frame = raw(Ether() / ip() / TCP(sport=1, dport=2, flags="S", seq=0, window=1))
    assert printed("TIMESTAMP false", frame, nh=14, th=34) == \
        "1.2.3.4.1 > 5.6.7.8.2: S 0:1(1,54,40) win 1"
    assert printed("TIMESTAMP false", frame, nh=14) == \
        "1.2.3.4.1 > 5.6.7.8.2: S 0:1(1,54,40) win 1"             # transport from ip_hl
    assert printed("TIMESTAMP false", raw(ip() / UDP()) + bytes(9)) == \
        "1.2.3.4.53 > 5.6.7.8.53: udp 8"                         # padding ignored
    for n in range(20):
        assert printed("TIMESTAMP false", udp_packet()[:n]) == "truncated-ip"


def test_ipprint_fields_label_and_timestamp():
    pkt = raw(ip(ttl=9, tos=0x10, id=300) / UDP(sport=1, dport=2))
    assert printed("lbl, ID true, TTL true, TOS true, LENGTH true", pkt, tstamp=1_500_000_000) == \
        "lbl: 1.500000: id 300 ttl 9 tos 16 length 28 1.2.3.4.1 > 5.6.7.8.2: udp 8"
    assert printed("", pkt, tstamp=1_000_000_001).startswith("1.000000001: 1.2.3.4")
    assert printed("", pkt, tstamp=-1_500_000_000).startswith("-1.500000: ")
    assert printed("TIMESTAMP false, AGGREGATE true, PAINT true", pkt, agg=5, paint=3) == \
        "#5.3: 1.2.3.4.1 > 5.6.7.8.2: udp 8"
    assert printed("TIMESTAMP false, PAINT true", pkt, paint=3) == \
        "paint 3: 1.2.3.4.1 > 5.6.7.8.2: udp 8"


def test_ipprint_swap_false_prints_raw_little_endian_fields():
    pkt = raw(ip() / ICMP(type=8, id=0x0102, seq=0x0304))
    assert printed("TIMESTAMP false, SWAP false", pkt).endswith("icmp echo (513, 1027)")


def test_ipprint_contents_and_payload():
    pkt = raw(ip() / UDP(sport=1, dport=2) / b"hi\x01there, this is a payload!")
    hexed = pkt.hex()
    groups = [hexed[i:i + 8] for i in range(0, 48 * 2, 8)]
    full = printed("TIMESTAMP false, CONTENTS hex, MAXLENGTH 30", pkt)
    assert full == ("1.2.3.4.1 > 5.6.7.8.2: udp 36\n  " + " ".join(groups[:6]) + "\n  "
                    + " ".join([groups[6], hexed[56:60]]))
    assert printed("TIMESTAMP false, CONTENTS hex, MAXLENGTH 5", pkt).endswith("\n  45000038 00")
    assert printed("TIMESTAMP false, PAYLOAD ascii", pkt).endswith(
        "udp 36\n  hi.there , this i s a payl oad!")
    assert printed("TIMESTAMP false, PAYLOAD hex, NBYTES 3", pkt).endswith("udp 36\n  686901")
    assert printed("TIMESTAMP false, PAYLOAD true, MAXLENGTH -1",
                   raw(ip() / UDP())).endswith("udp 8")           # nothing after the header
    tcp = raw(ip() / TCP(flags="A", window=1) / b"tcpdata")
    assert printed("TIMESTAMP false, PAYLOAD ascii", tcp).endswith("win 1\n  tcpdata")


def test_ipprint_ascii_contents_exact():
    pkt = raw(ip(proto=99, id=1) / (b"a" * 40))
    printable = "".join(chr(b) if 32 <= b <= 126 else "." for b in pkt)
    chunks = [printable[i:i + 48] for i in range(0, len(pkt), 48)]
    expect = "".join("\n  " + " ".join(c[j:j + 8] for j in range(0, len(c), 8)) for c in chunks)
    assert printed("TIMESTAMP false, CONTENTS ascii", pkt) == \
        "1.2.3.4 > 5.6.7.8: ip-proto-99" + expect
    assert len(chunks) == 2


def test_ipprint_output_active_and_outfile(capsys, tmp_path):
    h = IPHarness("IPPrint", "tag, TIMESTAMP false")
    pkt = udp_packet()
    h.run(pkt, nh=0)
    h.action(pkt)                                      # no IP header annotation: not printed
    h.run(pkt, nh=0)
    h.flush()
    line = "tag: 1.2.3.4.53 > 5.6.7.8.1000: udp 12\n"
    assert capsys.readouterr().err == line * 2
    assert h.read("active") == "true"
    h.write("active", "false")
    assert h.run(pkt, nh=0)[:2] == (0, pkt)
    h.flush()
    assert capsys.readouterr().err == "" and h.read("active") == "false"
    with pytest.raises(ValueError):
        h.write("active", "perhaps")
    assert IPHarness("IPPrint", "ACTIVE false").read("active") == "false"

    path = tmp_path / "out.txt"
    path.write_text("old contents\n")
    f = IPHarness("IPPrint", f"TIMESTAMP false, OUTFILE {path}")
    f.run(pkt, nh=0)
    f.flush()
    f.run(pkt, nh=0)
    f.flush()
    f.cls.host_close(f.values, f.st, f.pool)
    assert path.read_text() == "1.2.3.4.53 > 5.6.7.8.1000: udp 12\n" * 2
    assert capsys.readouterr().err == ""
    empty = tmp_path / "empty.txt"
    empty.write_text("old")
    e = IPHarness("IPPrint", f"OUTFILE {empty}")
    e.cls.host_close(e.values, e.st, e.pool)
    assert empty.read_text() == ""


def test_ipprint_matches_clicks_own_test_ipprint_01():
    """kohler/click test/ip/IPPrint-01.testie: FromIPSummaryDump makes header-only packets
    (ip_len counts bytes that are not there); Click's expected stderr, line for line."""
    rows = [(1_000_020_000, "1.0.0.1", "1.0.0.2", 10, 20, 1500, 40, 20, "A"),
            (1_000_030_000, "1.0.0.2", "1.0.0.3", 20, 30, 1000, 20, 20, "SA"),
            (1_000_040_000, "1.0.0.3", "1.0.0.4", 30, 40, 1000, 20, 40, "SF"),
            (1_000_050_000, "1.0.0.4", "1.0.0.5", 40, 50, 1000, 32, 40, "A")]
    expect = ["1.000020: 1.0.0.1.10 > 1.0.0.2.20: . 0:1440(1440,60,1500) ack 0 win 0",
              "1.000030: 1.0.0.2.20 > 1.0.0.3.30: S 0:961(961,40,1000) ack 0 win 0",
              "1.000040: 1.0.0.3.30 > 1.0.0.4.40: SF 0:942(942,60,1000) win 0",
              "1.000050: 1.0.0.4.40 > 1.0.0.5.50: . 0:928(928,72,1000) ack 0 win 0"]
    for (ts, src, dst, sport, dport, ip_len, ip_hl, tcp_off, flags), line in zip(rows, expect):
        tcp = TCP(sport=sport, dport=dport, flags=flags, seq=0, ack=0, window=0,
                  dataofs=tcp_off // 4)
        header = raw(IP(src=src, dst=dst, ihl=ip_hl // 4, len=ip_len, options=b"\0" * (ip_hl - 20))
                     / tcp)[:ip_hl + 20]
        pkt = header + bytes(ip_hl + tcp_off - len(header))     # zero TCP options, as Click's
        assert printed("", pkt, tstamp=ts) == line
