"""configs/firewall.click as one hand-written numba loop.

Per frame: non-IP frames are bridged to the other side; IP frames get
CheckIPHeader's checks (version, lengths, checksum); from the inside the
IPFilter allow-list (TCP to 22, 80 or 443, UDP to 53), then the flow table:
a known flow is looked up (and its rewrite applied: nothing changes, but
addresses, ports, TCP state and expiry are written as IPRewriter does), an
unknown one from the inside is added (both directions), from the outside
dropped.  A packet leaves by the other side only if the flow table's
direction says it came from the side it did (the CheckPaints).  No pool, no
queues, no per-element state: the ceiling.
"""
from __future__ import annotations

import numpy as np
from numba import njit

from perf.baselines.fused import common as c


@njit(cache=True)
def firewall(pkts, lens, devs, fl, ht, nfl, now, out):
    """out[k] += frames leaving by device k."""
    for i in range(lens.shape[0]):
        b, ln, dev = pkts[i], lens[i], devs[i]
        if ln < 14 or c.rd16(b, 12) != 0x0800:
            out[1 - dev] += 1                     # Classifier's `-`: bridged
            continue
        ip = 14
        hl = c.ip_check(b, ip, ln)
        if hl < 0:
            continue
        end = ip + c.rd16(b, ip + 2)
        th = c.l4_ports(b, ip, hl, end)
        if th < 0:                                # IPFilter's rules and IPRewriter: TCP/UDP only
            continue
        proto = b[ip + 9]
        sa, da, sp, dp = c.rd32(b, ip + 12), c.rd32(b, ip + 16), c.rd16(b, th), c.rd16(b, th + 2)
        if dev == 0 and not ((proto == 6 and (dp == 22 or dp == 80 or dp == 443))
                             or (proto == 17 and dp == 53)):
            continue
        e = c.flow_find(fl, ht, proto, sa, sp, da, dp)
        if e < 0:
            if dev == 1:                          # input 1's spec: drop
                continue
            f = c.flow_add(fl, ht, nfl, proto, sa, sp, da, dp, sa, sp, da, dp, 0, 1, now)
            if f < 0:
                continue
            e = 2 * f
        c.flow_apply(b, ip, th, end, fl, e, now)
        if fl[e >> 1, c.OUT0 + (e & 1)] != dev:   # CheckPaint: only out by the other side
            continue
        out[1 - dev] += 1


def measure(work, ctx):
    fl, ht, nfl = c.flow_table()
    out = np.zeros(2, dtype=np.int64)

    def step(pkts, lens, devs):
        firewall(pkts, lens, devs, fl, ht, nfl, c.now_ms(), out)
    return c.measure(work, ctx, step, lambda: {"eth0": int(out[0]), "eth1": int(out[1])})
