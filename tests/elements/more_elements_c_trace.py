"""One fixed run of each element of test_more_elements_c, as data: compiled and interpreted
must agree.  `python more_elements_c_trace.py` prints the trace as JSON."""
from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path[:0] = [str(Path(__file__).resolve().parents[1] / "datapath"),
                str(Path(__file__).resolve().parents[2])]

from kernel_harness import Harness  # noqa: E402
from scapy.layers.inet import IP, TCP, UDP  # noqa: E402
from scapy.layers.l2 import ARP  # noqa: E402

from clickpy.packet import C_NOW, release  # noqa: E402

T0 = 1_700_000_000_000_000_000
MS = 1_000_000


def _timed(h: Harness, rows) -> list:
    """Run (time in ms, frame) pairs through simple_action: return codes."""
    out = []
    for t, frame in rows:
        h.P[5][C_NOW] = T0 + t * MS
        s = h.load(frame)
        out.append(int(h.cls.simple_action(h.P, s, h.st)))
        release(h.P, s)
    return out


def trace() -> dict:
    out: dict = {}
    rows = [(t, b"x") for t in (0, 0, 0, 0, 1, 1, 2, 5, 5, 5, 5, 40)]
    out["RatedSplitter"] = _timed(Harness("RatedSplitter", "500, BURST_SIZE 3", n_outputs=2),
                                  rows) + _timed(Harness("RatedSplitter", "2", n_outputs=1),
                                                 rows[:3])
    rows = [(t, bytes(n)) for t, n in ((0, 100), (0, 1900), (0, 60), (3, 60), (9, 1500),
                                       (9, 10), (50, 10))]
    out["BandwidthRatedSplitter"] = _timed(
        Harness("BandwidthRatedSplitter", "1MBps, BURST_BYTES 1000", n_outputs=2),
        rows)
    rows = [(t, b"x") for t in (0, 0, 0, 1, 1, 2, 2, 2, 2, 2, 5, 6, 7, 7, 7, 7, 7, 7, 8, 150)]
    h = Harness("Meter", "200, 1000, 3000", n_outputs=4)
    out["Meter"] = _timed(h, rows) + [h.read("rate"), h.read("meters")]
    rows = [(t, bytes(n)) for t, n in ((0, 1500), (1, 1500), (1, 60), (2, 900), (4, 1500),
                                       (5, 1500), (70, 64), (71, 64))]
    h = Harness("BandwidthMeter", "100kbps, 1Mbps", n_outputs=3)
    out["BandwidthMeter"] = _timed(h, rows) + [h.read("rate"), h.read("meters")]
    rows = []
    for config in ("9.8.7.6, src", "dst", "9.8.7.6, 2", "30"):
        h = Harness("StoreIPAddress", config, n_outputs=2)
        for f in _ip_frames():
            for nh, th in ((128, 148), (128, 140), (-1, -1)):
                s = h.load(f, nh=nh, th=th, dst_ip=0x01020304 if len(f) > 40 else 0)
                rows.append([int(h.cls.simple_action(h.P, s, h.st)), h.pool.bytes(s).hex()])
                release(h.P, s)
    out["StoreIPAddress"] = rows
    h = Harness("SetPacketType", "loopback")
    s = h.load(b"x")
    out["SetPacketType"] = [int(h.cls.simple_action(h.P, s, h.st)), int(h.pool.anno[s, 8])]
    release(h.P, s)
    arp = bytes(ARP(pdst="10.0.0.1", psrc="10.0.0.2"))
    rows = []
    for n_outputs in (1, 2):
        h = Harness("CheckARPHeader", "2, DETAILS true", n_outputs=n_outputs)
        bad_hln = b"ab" + arp[:4] + b"\x07" + arp[5:] + b"z" * 4
        bad_pln = b"ab" + arp[:5] + b"\x09" + arp[6:] + b"z" * 12
        for f in (b"ab" + arp, b"ab" + arp[:20], b"ab", bad_hln, bad_pln, b"ab" + arp + b"tail"):
            s = h.load(f)
            rows.append([int(h.cls.simple_action(h.P, s, h.st)), int(h.pool.anno[s, 2]),
                         int(h.pool.anno[s, 3])])
            release(h.P, s)
        rows.append([h.read("drops"), h.read("drop_details")])
    out["CheckARPHeader"] = rows
    return out


def _ip_frames() -> list[bytes]:
    tcp = bytes(IP(src="10.0.0.1", dst="10.0.0.2") / TCP(sport=1, dport=2, seq=7) / b"x")
    udp = bytes(IP(src="10.0.0.3", dst="10.0.0.4") / UDP(sport=53, dport=99))
    udp0 = udp[:26] + b"\0\0" + udp[28:]
    frag = bytes(IP(src="10.0.0.5", dst="10.0.0.6", frag=1) / UDP(sport=5, dport=6))
    return [tcp, udp, udp0, frag, tcp[:39], tcp[:19], b"\x45" + bytes(30)]


if __name__ == "__main__":
    print(json.dumps(trace()))
