"""RatedSplitter, BandwidthRatedSplitter, Meter, BandwidthMeter, StoreIPAddress,
SetPacketType, CheckARPHeader, checked against Click's elements/*/*.{hh,cc}: ports,
arguments, kernels, handlers, and a run."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from kernel_harness import Harness
from scapy.layers.inet import IP, TCP, UDP
from scapy.layers.l2 import ARP, Ether

from both_ways import run_both_ways
from clickpy.check import check_graph
from clickpy.diagnostics import SourcePos
from clickpy.element import registry
from clickpy.graph import build_graph
from clickpy.kernel import drop
from clickpy.lang import parse_text
from clickpy.packet import A_NH, A_PKTTYPE, A_TH, C_NOW, HEADROOM, release
from clickpy.runtime.router import HandlerError
from element_args import ArgsAt
from checked_router import router

A = ArgsAt(SourcePos("t.click", 3, 10))
T0 = 1_700_000_000_000_000_000
MS = 1_000_000


class H(Harness):
    def now(self, ns: int) -> None:
        self.P[5][C_NOW] = ns

    def codes(self, frames, t=None) -> list[int]:
        if t is not None:
            self.now(t)
        out = []
        for f in frames:
            code, _, s = self.action(f)
            release(self.P, s)
            out.append(code)
        return out

    def round(self, t: int) -> None:
        """A driver round at time t with no packet for this element (its host_pending)."""
        self.now(t)
        self.cls.host_pending(self.P, self.st)


@pytest.mark.parametrize("name, ports, processing, family", [
    ("RatedSplitter", "1/1-2", "h/h", "standard"),
    ("BandwidthRatedSplitter", "1/1-2", "h/h", "standard"),
    ("Meter", "1/2-", "h/h", "standard"), ("BandwidthMeter", "1/2-", "h/h", "standard"),
    ("StoreIPAddress", "1/1-2", "a/ah", "ip"), ("SetPacketType", "1/1", "a/a", "standard"),
    ("CheckARPHeader", "1/1-2", "a/ah", "ethernet"),
])
def test_declarations_match_click(name, ports, processing, family):
    cls = registry()[name]
    assert (cls.port_count, cls.processing, cls.family()) == (ports, processing, family)
    assert cls.runnable()


# ---- RatedSplitter ----------------------------------------------------------------------------

def test_ratedsplitter_passes_rate_then_splits():
    h = H("RatedSplitter", "1000", n_outputs=2)      # bucket: 20 ms at 1000/s = 20 tokens
    assert h.codes([b"x"] * 21, T0) == [0] * 20 + [1]
    assert h.codes([b"x"] * 3, T0 + 1 * MS) == [0, 1, 1]   # one token per millisecond
    assert h.codes([b"x"] * 6, T0 + 6 * MS) == [0] * 5 + [1]
    assert h.codes([b"x"] * 21, T0 + 1000 * MS) == [0] * 20 + [1]   # full, not more


def test_ratedsplitter_without_output_1_drops():
    h = H("RatedSplitter", "RATE 10, BURST_SIZE 2", n_outputs=1)
    assert h.codes([b"x"] * 3, T0) == [0, 0, drop(0)]


def test_ratedsplitter_burst_arguments():
    h = H("RatedSplitter", "100, BURST_DURATION 50ms", n_outputs=2)   # 5 tokens
    assert h.codes([b"x"] * 6, T0) == [0] * 5 + [1]
    h = H("RatedSplitter", "100, BURST_SIZE 3", n_outputs=2)
    assert h.codes([b"x"] * 4, T0) == [0, 0, 0, 1]
    h = H("RatedSplitter", "1", n_outputs=2)        # 20 ms of 1/s is 0 tokens: Click makes 1
    assert h.codes([b"x"] * 2, T0) == [0, 1]
    h = H("RatedSplitter", "0", n_outputs=2)        # an idle bucket never fills
    assert h.codes([b"x"] * 2, T0) == [1, 1]
    assert "both" in A.issue("RatedSplitter", "10, BURST_DURATION 1, BURST_SIZE 3").message
    assert A.issue("RatedSplitter", "").message
    assert A.issue("RatedSplitter", "-1").message
    assert A.issue("RatedSplitter", "1, BURST_BYTES 3").message
    assert A.ok("RatedSplitter", "RATE 5")["RATE"] == 5


def test_ratedsplitter_rate_handler():
    h = H("RatedSplitter", "1000", n_outputs=2)
    assert h.read("rate") == "1000" and h.read("config") == "1000"
    h.write("rate", "10")
    assert h.read("rate") == "10"
    # 20 ms at 10/s is 0 tokens, so 1; the bucket was full and stays full.
    assert h.codes([b"x"] * 2, T0) == [0, 1]
    with pytest.raises(ValueError):
        h.write("rate", "fast")
    names = {(x.name, x.read, x.write) for x in registry()["RatedSplitter"].handlers}
    assert names == {("rate", True, True), ("config", True, False)}


# ---- BandwidthRatedSplitter -------------------------------------------------------------------

def test_bwratedsplitter_passes_while_threshold_bytes_remain():
    # 8Mbps = 1e6 B/s; 20 ms = 20000 bytes, plus Click's tb_bandwidth_thresh 131072.
    h = H("BandwidthRatedSplitter", "8Mbps", n_outputs=2)
    frame = bytes(1000)
    codes = h.codes([frame] * 25, T0)
    # 151072 bytes: a packet passes while 131072 remain, before its 1000 are taken.
    assert codes == [0] * 21 + [1] * 4
    assert h.codes([frame], T0 + 1 * MS) == [0]      # 1000 bytes earned per millisecond
    assert h.codes([frame], T0 + 1 * MS) == [1]
    h = H("BandwidthRatedSplitter", "8Mbps, BURST_BYTES 0", n_outputs=1)
    assert h.codes([bytes(1900)] * 2, T0) == [0, drop(0)]


def test_bwratedsplitter_arguments_and_handlers():
    h = H("BandwidthRatedSplitter", "RATE 384kbps", n_outputs=2)
    # Click reads the rate back from the bucket's integer fractions, not RATE as given.
    assert h.read("rate") == "384.192kbps" and h.read("config") == "384.192kbps"
    h.write("rate", "10Mbps")
    assert h.read("rate") == "10.005Mbps"
    with pytest.raises(ValueError):
        h.write("rate", "fast")
    assert A.ok("BandwidthRatedSplitter", "1Mbps, BURST_BYTES 100")["BURST_BYTES"] == 100
    assert A.issue("BandwidthRatedSplitter", "1Mbps, BURST_SIZE 100").message
    assert A.issue("BandwidthRatedSplitter", "1 furlong").message
    assert "both" in A.issue("BandwidthRatedSplitter",
                             "1Mbps, BURST_BYTES 1, BURST_DURATION 1").message


def test_splitters_run():
    r = router("InfiniteSource(LIMIT 100, STOP true) -> rs :: RatedSplitter(RATE 1000,"
               " BURST_SIZE 10) -> a :: Counter -> Discard; rs[1] -> b :: Counter -> Discard;")
    r.run(duration=10)
    a, b = int(r.read("a", "count")), int(r.read("b", "count"))
    assert a + b == 100 and 10 <= a < 100
    assert r.read("rs", "rate") == "1000"
    r.write("rs", "rate", "5")
    assert r.read("rs", "rate") == "5"
    with pytest.raises(HandlerError):
        r.write("rs", "rate", "x")
    assert r.account().balanced


# ---- Meter, BandwidthMeter ---------------------------------------------------------------------

def test_meter_rate_is_clicks_rate_ewma():
    h = H("Meter", "100", n_outputs=2)           # threshold (100 << 10) / 1000 = 102
    assert h.codes([b"x"] * 4, T0) == [0] * 4     # the first epoch's count is not in yet
    assert h.read("rate") == "0"
    # Next jiffy: avg = ((4 << 10) + 8) >> 4 = 256, i.e. 250 packets/s.
    assert h.codes([b"x"], T0 + 1 * MS) == [1]
    assert h.read("rate") == "250"
    # Two jiffies on: 256 + ((1 << 10) + 8 - 256) >> 4 = 304, then one empty epoch:
    # 304 + ((8 - 304) >> 4) = 304 - 19 (an arithmetic shift, rounding down) = 285.
    h.round(T0 + 3 * MS)
    assert h.read("rate") == "278.32"              # 285 * 1000 / 1024
    assert h.codes([b"x"], T0 + 3 * MS) == [1]
    # 100 empty epochs or more reset the average to 0.
    assert h.codes([b"x"], T0 + 104 * MS) == [0]
    assert h.read("rate") == "0"


def test_meter_steady_rate_picks_its_output():
    h = H("Meter", "500, 900, 1100", n_outputs=4)
    codes = []
    for k in range(300):                          # one packet per jiffy: 1000 packets/s
        codes += h.codes([b"x"], T0 + k * MS)
    assert codes[:3] == [0, 0, 0] and codes[-50:] == [2] * 50
    assert codes.index(1) < codes.index(2)
    assert h.read("rate") == "993.164"             # settles at 1017 / 1024 * 1000
    h = H("Meter", "500, 900, 1100", n_outputs=4)
    for k in range(300):                          # three per jiffy: past the last threshold
        h.codes([b"x"] * 3, T0 + k * MS)
    assert h.codes([b"x"], T0 + 300 * MS) == [3]
    assert h.read("meters") == "500899.4141099.609"    # Click: no separator, truncated


def test_meter_rate_handler_decays_with_the_driver_clock():
    h = H("Meter", "100", n_outputs=2)
    for k in range(50):
        h.codes([b"x"], T0 + k * MS)
    assert h.read("rate") != "0"
    h.round(T0 + 500 * MS)
    assert h.read("rate") == "0"


def test_bandwidthmeter_measures_bytes():
    h = H("BandwidthMeter", "50kBps, 1MBps", n_outputs=3)
    assert h.codes([bytes(1000)], T0) == [0]
    # avg = ((1000 << 10) + 8) >> 4 = 64000: 62500 bytes/s.
    assert h.codes([bytes(1000)], T0 + 1 * MS) == [1]
    assert h.read("rate") == "62500"
    assert h.read("meters") == "500001000000"
    for k in range(2, 200):
        h.codes([bytes(1500)], T0 + k * MS)
    assert h.codes([bytes(1500)], T0 + 200 * MS) == [2]
    assert h.read("meters") == H("BandwidthMeter", "400kbps, 8Mbps").read("meters")
    assert H("BandwidthMeter", "125000").read("meters") == "125000"   # a bare number is Bps


def test_meter_arguments_and_ports():
    assert A.ok("Meter", "10, 20, 30")["RATE"] == [10, 20, 30]
    assert "rate 2 must be > rate 1" in A.issue("Meter", "20, 20").message
    assert "rate 3 must be > rate 2" in A.issue("BandwidthMeter", "1kbps, 2kbps, 1kbps").message
    assert "too large (max 4194303)" in A.issue("Meter", "4194304").message
    assert A.ok("Meter", "4194303")
    assert "missing" in A.issue("Meter", "").message
    assert A.issue("Meter", "fast").message
    assert A.issue("BandwidthMeter", "1 furlong").message
    assert registry()["Meter"].port_counts_for({"RATE": [1, 2]}) == (None, 3)
    names = {(x.name, x.read, x.write) for x in registry()["Meter"].handlers}
    assert names == {("rate", True, False), ("meters", True, False)}
    bad = check_graph(build_graph(parse_text(
        "Idle -> m :: Meter(10) -> Discard; m[1] -> Discard; m[2] -> Discard;", "t.click",
        yaml=False)))
    assert any("no output 2" in str(d) for d in bad.errors)
    bad = check_graph(build_graph(parse_text("Idle -> m :: Meter(10, 20) -> Discard;",
                                             "t.click", yaml=False)))
    assert not bad.ok


def test_meter_runs():
    r = router("InfiniteSource(LIMIT 200, STOP true) -> m :: Meter(1, 2) -> a :: Counter"
               " -> Discard; m[1] -> b :: Counter -> Discard; m[2] -> c :: Counter -> Discard;")
    r.run(duration=10)
    counts = [int(r.read(x, "count")) for x in "abc"]
    assert sum(counts) == 200 and counts[0] >= 1
    assert r.read("m", "meters") == "0.9771.953"     # (1 << 10) / 1000 truncates to 1
    assert r.account().balanced


# ---- StoreIPAddress --------------------------------------------------------------------------

NH, TH = 128 + 14, 128 + 34          # absolute offsets of the IP and transport headers
TCP_FRAME = bytes(Ether() / IP(src="10.0.0.1", dst="10.0.0.2") / TCP(sport=1, dport=2) / b"hi")
UDP_FRAME = bytes(Ether() / IP(src="10.0.0.1", dst="10.0.0.2") / UDP(sport=5, dport=6) / b"yo")


def _checksums_ok(frame: bytes) -> bool:
    """The IP and transport checksums equal those scapy recomputes from scratch."""
    ip = Ether(frame)[IP]
    fresh = IP(bytes(ip))
    del fresh.chksum
    layer = fresh[TCP] if TCP in fresh else fresh[UDP]
    if layer.chksum != 0:
        del layer.chksum
    again = IP(bytes(fresh))
    return bytes(again) == bytes(ip)


@pytest.mark.parametrize("frame", [TCP_FRAME, UDP_FRAME])
@pytest.mark.parametrize("field, where", [("src", 26), ("dst", 30)])
def test_storeipaddress_src_dst_update_checksums(frame, field, where):
    h = H("StoreIPAddress", f"192.168.77.1, {field}")
    code, out, _ = h.action(frame, nh=NH, th=TH)
    assert code == 0 and out[where:where + 4] == bytes([192, 168, 77, 1])
    assert _checksums_ok(out)
    # From the destination annotation (the one-argument form).
    h = H("StoreIPAddress", field.upper())
    code, out, _ = h.action(frame, nh=NH, th=TH, dst_ip=0x01020304)
    assert code == 0 and out[where:where + 4] == bytes([1, 2, 3, 4]) and _checksums_ok(out)


def test_storeipaddress_src_dst_checksum_corner_cases():
    # A zero UDP checksum (none) stays zero; the IP checksum is still updated.
    frame = bytearray(UDP_FRAME)
    frame[TH - 128 + 6 - 0:TH - 128 + 8] = b"\0\0"
    h = H("StoreIPAddress", "1.1.1.1, src")
    out = h.action(bytes(frame), nh=NH, th=TH)[1]
    assert out[40:42] == b"\0\0" and IP(out[14:]).chksum == _fresh_ip_sum(out)
    # Later fragments and short transport headers: only the IP checksum changes.
    frag = bytes(Ether() / IP(src="10.0.0.1", dst="10.0.0.2", frag=3) / TCP() / b"x")
    out = h.action(frag, nh=NH, th=TH)[1]
    assert out[TH - 128:] == frag[TH - 128:] and IP(out[14:]).chksum == _fresh_ip_sum(out)
    bare = bytes(Ether() / IP(src="10.0.0.1", dst="10.0.0.2") / TCP())   # exactly 20 bytes
    assert _checksums_ok(h.action(bare, nh=NH, th=TH)[1])
    short = TCP_FRAME[:TH - 128 + 19]
    out = h.action(short, nh=NH, th=TH)[1]
    assert out[TH - 128:] == short[TH - 128:] and IP(out[14:]).chksum == _fresh_ip_sum(out)
    # The one-argument form stores a zero annotation too, into the header (Click's code).
    out = H("StoreIPAddress", "dst").action(TCP_FRAME, nh=NH, th=TH, dst_ip=0)[1]
    assert out[30:34] == bytes(4) and _checksums_ok(out)


def _fresh_ip_sum(frame: bytes) -> int:
    ip = IP(frame[14:])
    del ip.chksum
    return IP(bytes(ip)).chksum


@pytest.mark.parametrize("n_outputs, other", [(1, drop(1)), (2, 1)])
def test_storeipaddress_src_dst_need_an_ip_header(n_outputs, other):
    h = H("StoreIPAddress", "1.1.1.1, dst", n_outputs=n_outputs)
    assert h.action(TCP_FRAME)[0] == other                       # no IP header annotation
    assert h.action(TCP_FRAME[:14 + 19], nh=NH)[0] == other      # header truncated
    assert h.action(TCP_FRAME, nh=NH, th=NH + 16)[0] == other    # header shorter than 20
    code, out, _ = h.action(TCP_FRAME, nh=NH, th=TH)
    assert code == 0


def test_storeipaddress_at_an_offset():
    h = H("StoreIPAddress", "4", n_outputs=2)
    code, out, _ = h.action(bytes(10), dst_ip=0x0A000001)
    assert code == 0 and out == bytes(4) + bytes([10, 0, 0, 1]) + bytes(2)
    assert h.action(bytes(10), dst_ip=0)[0] == 1                # zero annotation: not stored
    assert h.action(bytes(7), dst_ip=0x0A000001)[0] == 1        # out of range
    assert h.action(bytes(8), dst_ip=0x0A000001)[0] == 0
    h = H("StoreIPAddress", "0.0.0.0, 0")                       # ADDR may be zero
    code, out, _ = h.action(b"\xff" * 6)
    assert code == 0 and out == bytes(4) + b"\xff\xff"
    assert h.action(b"\xff" * 3)[0] == drop(0)
    # A plain offset does not touch checksums.
    code, out, _ = H("StoreIPAddress", "10.9.8.7, 26").action(TCP_FRAME, nh=NH, th=TH)
    assert out[26:30] == bytes([10, 9, 8, 7]) and out[24:26] == TCP_FRAME[24:26]


def test_storeipaddress_arguments():
    off = A.ok("StoreIPAddress", "OFFSET 8")
    assert off["ADDR"] is None and repr(off["OFFSET"]) == "8"
    assert repr(A.ok("StoreIPAddress", "SRC")["OFFSET"]) == "src"
    two = A.ok("StoreIPAddress", "1.2.3.4, Dst")
    assert str(two["ADDR"]) == "1.2.3.4" and repr(two["OFFSET"]) == "dst"
    assert str(A.ok("StoreIPAddress", "ADDR 1.2.3.4, OFFSET 0")["ADDR"]) == "1.2.3.4"
    assert "requires integer" in A.issue("StoreIPAddress", "1.2.3.4").message
    assert "requires integer" in A.issue("StoreIPAddress", "1.2.3.4, -1").message
    assert "requires integer" in A.issue("StoreIPAddress", "1.2.3.4, here").message
    assert "not an IP address" in A.issue("StoreIPAddress", "4, 8").message
    assert "missing argument OFFSET" in A.issue("StoreIPAddress", "").message
    assert A.issue("StoreIPAddress", "1.2.3.4, 8, 9").message


def test_storeipaddress_runs():
    r = router(f"InfiniteSource(\\<{TCP_FRAME.hex()}>, LIMIT 5, STOP true) -> Strip(14)"
               " -> MarkIPHeader"
               " -> st :: StoreIPAddress(10.1.2.3, dst) -> CheckIPHeader -> a :: Counter"
               " -> Discard; st[1] -> b :: Counter -> Discard;")
    r.run(duration=10)
    assert r.read("a", "count") == "5" and r.read("b", "count") == "0"
    assert r.account().balanced


# ---- SetPacketType ---------------------------------------------------------------------------

@pytest.mark.parametrize("word, value", [("HOST", 0), ("broadcast", 1), ("Multicast", 2),
                                         ("OTHERHOST", 3), ("outgoing", 4), ("LOOPBACK", 5)])
def test_setpackettype_sets_the_annotation(word, value):
    h = H("SetPacketType", word)
    code, out, s = h.action(b"abc", pkttype=3 if value != 3 else 0)
    assert code == 0 and out == b"abc" and int(h.pool.anno[s, A_PKTTYPE]) == value


def test_setpackettype_arguments():
    assert A.ok("SetPacketType", "TYPE otherhost")["TYPE"] == "OTHERHOST"
    issue = A.issue("SetPacketType", "HOSTS")
    assert "unrecognized packet type 'HOSTS'" in issue.message and "HOST" in issue.hint
    assert "missing" in A.issue("SetPacketType", "").message
    assert A.issue("SetPacketType", "HOST BROADCAST").message
    assert A.issue("SetPacketType", "HOST, BROADCAST").message
    assert registry()["SetPacketType"].handlers == ()


def test_setpackettype_runs():
    # ICMPError does not answer broadcast packets (Click's is_outgoing/broadcast check).
    frame = bytes(IP(src="10.0.0.1", dst="10.0.0.2") / UDP() / b"x")
    r = router(f"InfiniteSource(\\<{frame.hex()}>, LIMIT 4, STOP true) -> MarkIPHeader"
               " -> SetPacketType(BROADCAST) -> ICMPError(10.0.0.9, unreachable, host)"
               " -> c :: Counter -> Discard;")
    r.run(duration=10)
    assert r.read("c", "count") == "0"
    assert r.account().balanced


# ---- CheckARPHeader --------------------------------------------------------------------------

ARP_FRAME = bytes(Ether(dst="ff:ff:ff:ff:ff:ff") / ARP(pdst="10.0.0.1", psrc="10.0.0.2"))


@pytest.mark.parametrize("n_outputs", [1, 2])
def test_checkarpheader_passes_good_headers_and_sets_the_network_header(n_outputs):
    h = H("CheckARPHeader", "14", n_outputs=n_outputs)
    code, out, s = h.action(ARP_FRAME)
    assert code == 0 and out == ARP_FRAME
    assert (int(h.pool.anno[s, A_NH]), int(h.pool.anno[s, A_TH])) == (HEADROOM + 14,
                                                                       HEADROOM + 14 + 28)
    arp = ARP_FRAME[14:]
    assert H("CheckARPHeader").action(arp)[0] == 0                      # OFFSET 0
    # Other hardware and protocol types pass with any lengths that fit.
    odd = arp[:2] + b"\x00\x06" + b"\x08\x02" + arp[6:] + bytes(10)
    assert H("CheckARPHeader").action(b"\x00\x06" + odd[2:])[0] == 0
    ip6 = b"\x00\x01\x86\xdd\x06\x10" + arp[6:8] + bytes(2 * 6 + 2 * 16)
    assert H("CheckARPHeader").action(ip6)[0] == 0
    assert h.read("drops") == "0"


@pytest.mark.parametrize("n_outputs", [1, 2])
def test_checkarpheader_reasons(n_outputs):
    h = H("CheckARPHeader", "OFFSET 14, DETAILS true", n_outputs=n_outputs)
    arp = ARP_FRAME[14:]
    bad = [
        (ARP_FRAME[:14 + 7], 0),                                       # tiny packet
        (b"", 0),                                                      # OFFSET past the end
        (ARP_FRAME[:14 + 27], 1),                                      # addresses cut
        (ARP_FRAME[:14] + arp[:4] + b"\x05" + arp[5:] + bytes(8), 2),   # Ethernet, hln 5
        (ARP_FRAME[:14] + arp[:5] + b"\x05" + arp[6:] + bytes(8), 3),   # IPv4, pln 5
        (ARP_FRAME[:14] + arp[:2] + b"\x86\xdd" + arp[4:] + bytes(8), 3),  # IPv6, pln 4
    ]
    for frame, reason in bad:
        code = h.action(frame)[0]
        assert code == (1 if n_outputs == 2 else drop(reason)), (frame, reason)
    assert h.read("drops") == "6"
    assert h.read("drop_details") == ("2\ttiny packet\n1\ttoo small for addresses\n"
                                      "1\tbad hardware type/length\n"
                                      "2\tbad protocol type/length\n")
    with pytest.raises(KeyError):
        H("CheckARPHeader").read("drop_details")      # only with DETAILS true


def test_checkarpheader_reports_first_failure_or_every_one(capsys):
    for verbose, expected in (("false", 1), ("true", 3)):
        h = H("CheckARPHeader", f"VERBOSE {verbose}", n_outputs=2)
        for _ in range(3):
            h.action(b"\x00")
        h.flush()
        err = capsys.readouterr().err
        assert err.count("ARP header check failed: tiny packet") == expected


def test_checkarpheader_arguments():
    assert A.ok("CheckARPHeader", "")["OFFSET"] == 0
    assert A.ok("CheckARPHeader", "OFFSET 14, VERBOSE true")["VERBOSE"] is True
    assert A.issue("CheckARPHeader", "-1").message
    assert A.issue("CheckARPHeader", "VERBOSE maybe").message
    names = {(x.name, x.read, x.write) for x in registry()["CheckARPHeader"].handlers}
    assert names == {("drops", True, False), ("drop_details", True, False)}


def test_checkarpheader_runs():
    r = router(f"InfiniteSource(\\<{ARP_FRAME.hex()}>, LIMIT 3, STOP true)"
               " -> ck :: CheckARPHeader(14) -> a :: Counter -> Discard;"
               f" InfiniteSource(\\<{ARP_FRAME[:30].hex()}>, LIMIT 2, STOP true) -> ck;"
               " ck[1] -> b :: Counter -> Discard;")
    r.run(duration=10)
    assert (r.read("a", "count"), r.read("b", "count"), r.read("ck", "drops")) == ("3", "2", "2")
    assert r.account().balanced


# ---- compiled and interpreted -----------------------------------------------------------------

def test_interpreted_kernels_give_the_same_trace():
    """NUMBA_DISABLE_JIT=1 runs the same kernels as plain Python: the same trace."""
    from more_elements_c_trace import trace
    script = Path(__file__).with_name("more_elements_c_trace.py")
    run = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                         timeout=600, env={**os.environ, "NUMBA_DISABLE_JIT": "1"})
    assert run.returncode == 0, run.stderr
    compiled = json.loads(json.dumps(trace()))
    assert json.loads(run.stdout) == compiled
    assert set(compiled) == {"RatedSplitter", "BandwidthRatedSplitter", "Meter",
                             "BandwidthMeter", "StoreIPAddress", "SetPacketType",
                             "CheckARPHeader"}


def test_interpreted_run_gives_the_same_counts():
    frame = bytes(Ether() / IP(src="10.0.0.1", dst="10.0.0.2") / UDP() / b"x")
    config = (f"InfiniteSource(\\<{frame.hex()}>, LIMIT 20, STOP true) -> SetPacketType(HOST)"
              " -> m :: Meter(4000000) -> t :: Tee -> Strip(14) -> MarkIPHeader"
              " -> StoreIPAddress(10.9.9.9, dst) -> CheckIPHeader -> a :: Counter -> Discard;"
              " t[1] -> ck :: CheckARPHeader(14) -> b :: Counter -> Discard; ck[1] -> Discard;"
              " m[1] -> Discard;")
    out = run_both_ways(config, "a.count", "b.count", "ck.drops")
    # An IP packet read as ARP: hardware type 0x4500, hln 0 and pln 1 (the IP ID): valid.
    assert "a.count:\n20" in out and "b.count:\n20" in out
