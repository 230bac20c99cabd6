"""configs/monitor.click as one hand-written numba loop.

Per frame: the frame counter; non-IP frames counted as such; IPv4 gets
CheckIPHeader's checks, then AggregateIPFlows' work for unfragmented TCP/UDP:
the flow (either direction) looked up or added in a flow table with its
aggregate number, its last-seen time updated, the `flows` counter, or the
`notflow` counter for other IP; then IPClassifier's split into the tcp, udp,
icmp and other counters (IPPrint is inactive).  No pool, no per-element
state: the ceiling.
"""
from __future__ import annotations

import numpy as np
from numba import njit

from perf.baselines.fused import common as c

NAMES = ("tcp", "udp", "icmp", "other", "nonip")
FRAMES, FLOWS, NOTFLOW = 5, 6, 7


@njit(cache=True)
def monitor(pkts, lens, fl, ht, nfl, now, out):
    """out: the tcp, udp, icmp, other, nonip, frames, flows, notflow counters."""
    for i in range(lens.shape[0]):
        b, ln = pkts[i], lens[i]
        out[FRAMES] += 1
        if ln < 14 or c.rd16(b, 12) != 0x0800:
            out[4] += 1
            continue
        ip = 14
        hl = c.ip_check(b, ip, ln)
        if hl < 0:
            continue
        end = ip + c.rd16(b, ip + 2)
        proto = b[ip + 9]
        th = c.l4_ports(b, ip, hl, end)
        if th >= 0:
            sa, da = c.rd32(b, ip + 12), c.rd32(b, ip + 16)
            sp, dp = c.rd16(b, th), c.rd16(b, th + 2)
            e = c.flow_find(fl, ht, proto, sa, sp, da, dp)   # a reply's key finds the same flow
            if e < 0:
                f = c.flow_add(fl, ht, nfl, proto, sa, sp, da, dp, sa, sp, da, dp, 0, 0, now)
                if f < 0:
                    continue
                fl[f, c.AGG] = f + 1
                e = 2 * f
            fl[e >> 1, c.EXP] = now
            out[FLOWS] += 1
        else:
            out[NOTFLOW] += 1
        out[0 if proto == 6 else 1 if proto == 17 else 2 if proto == 1 else 3] += 1


def measure(work, ctx):
    fl, ht, nfl = c.flow_table()
    out = np.zeros(8, dtype=np.int64)

    def step(pkts, lens, devs):
        monitor(pkts, lens, fl, ht, nfl, c.now_ms(), out)
    return c.measure(work, ctx, step, lambda: {k: int(out[j]) for j, k in enumerate(NAMES)})
