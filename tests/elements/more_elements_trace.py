"""One fixed run of each new element's kernels, as data: compiled and interpreted must agree.

`python more_elements_trace.py` prints the trace as JSON; the tests run it
under NUMBA_DISABLE_JIT=1 in a subprocess and compare with this process's
compiled run.  RandomSource's generator is seeded, so its bytes are fixed.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path[:0] = [str(Path(__file__).resolve().parents[1] / "datapath"),
                str(Path(__file__).resolve().parents[2])]

from kernel_harness import Harness  # noqa: E402
from scapy.layers.inet import IP, TCP, UDP  # noqa: E402

from clickpy.packet import A_DST_IP, A_FIRST_TSTAMP, A_TSTAMP, C_NOW, C_STOP  # noqa: E402

T0 = 1_700_000_000_000_000_000
MS = 1_000_000


def _ip_frames() -> list[bytes]:
    tcp = bytes(IP(src="10.0.0.1", dst="10.0.0.2") / TCP(sport=1, dport=2, seq=7, ack=9) / b"x")
    udp = bytes(IP(src="10.0.0.3", dst="10.0.0.4") / UDP(sport=53, dport=99))
    frag = bytes(IP(src="10.0.0.5", dst="10.0.0.6", frag=1) / UDP(sport=5, dport=6))
    return [tcp, udp, frag, tcp[:28], tcp[:31], tcp[:19]]


def trace() -> dict:
    out: dict = {}
    h = Harness("IPMirror")
    rows = []
    for f in _ip_frames():
        s = h.load(f, nh=128, th=148)
        code = int(h.cls.simple_action(h.P, s, h.st))
        rows.append([code, h.pool.bytes(s).hex(), int(h.pool.anno[s, A_DST_IP])])
    out["IPMirror"] = rows

    h = Harness("AverageCounter", "1")
    rows = []
    for k, t in enumerate((5 * MS, 700 * MS, 1500 * MS, 2600 * MS)):
        h.P[5][C_NOW] = T0 + t
        s = h.load(bytes(60 + k))
        rows.append(int(h.cls.simple_action(h.P, s, h.st)))
    out["AverageCounter"] = rows + [h.read(n) for n in ("count", "byte_count", "rate",
                                                         "byte_rate")]

    h = Harness("CheckLength", "60", n_outputs=2)
    out["CheckLength"] = [h.action(bytes(n))[0] for n in (0, 59, 60, 61, 1500)]

    h = Harness("SetTimestamp", "FIRST true")
    h.P[5][C_NOW] = T0
    s = h.load(b"abc")
    h.cls.simple_action(h.P, s, h.st)
    out["SetTimestamp"] = [int(h.pool.anno[s, A_FIRST_TSTAMP]), int(h.pool.anno[s, A_TSTAMP])]

    h = Harness("RandomSource", "70, 3, STOP true")
    h.st[0][11] = 12345
    rows = []
    for _ in range(5):
        s = int(h.cls.run_task(h.P, h.st))
        rows.append(h.pool.bytes(s).hex() if s >= 0 else None)
    out["RandomSource"] = rows + [int(h.P[5][C_STOP])]

    h = Harness("TimedSource", "0.1, \\<0102>, LIMIT 2, STOP true")
    rows = []
    for t in (0, 50, 100, 150, 200, 330, 400):
        h.P[5][C_NOW] = T0 + t * MS
        n = int(h.cls.run_timer(h.P, h.st, h.emit))
        rows.append([h.pool.bytes(int(h.emit[2 * k + 1])).hex() for k in range(n)])
    out["TimedSource"] = rows + [int(h.P[5][C_STOP])]
    return out


if __name__ == "__main__":
    print(json.dumps(trace()))
