"""configs/bridge.click as one hand-written numba loop.

Per frame: EtherSwitch's work: the source Ethernet address is learned (or
refreshed) on the input side in an open-addressing table with a timestamp;
a unicast destination is looked up and used while younger than TIMEOUT (300
s); a known destination on the input side drops, a known one elsewhere
leaves there, broadcasts and unknown destinations flood to the other side.
No pool, no queues: the ceiling.
"""
from __future__ import annotations

import numpy as np
from numba import njit

from perf.baselines.fused import common as c

TIMEOUT_MS = 300_000


@njit(cache=True)
def _mac(b, at):
    v = np.int64(0)
    for j in range(6):
        v = (v << 8) | np.int64(b[at + j])
    return v


@njit(cache=True)
def _slot(keys, mac):
    """The slot holding mac, or the empty slot where it would go."""
    mask = keys.shape[0] - 1
    h = mac * 0x9E3779B1
    i = (h ^ (h >> 31)) & mask
    while keys[i] >= 0 and keys[i] != mac:
        i = (i + 1) & mask
    return i


@njit(cache=True)
def bridge(pkts, lens, devs, keys, ports, stamps, now, out):
    """out[k] += frames leaving by device k."""
    for i in range(lens.shape[0]):
        b, ln, dev = pkts[i], lens[i], devs[i]
        if ln < 12:
            continue
        src = _mac(b, 6)
        s = _slot(keys, src)
        keys[s], ports[s], stamps[s] = src, dev, now
        o = -1
        if not b[0] & 1:
            s = _slot(keys, _mac(b, 0))
            if keys[s] >= 0 and now < stamps[s] + TIMEOUT_MS:
                o = ports[s]
        if o == dev:
            continue
        out[o if o >= 0 else 1 - dev] += 1        # flood: every side but the input's


def measure(work, ctx):
    keys = np.full(4096, -1, dtype=np.int64)
    ports, stamps = np.zeros(4096, dtype=np.int64), np.zeros(4096, dtype=np.int64)
    out = np.zeros(2, dtype=np.int64)

    def step(pkts, lens, devs):
        bridge(pkts, lens, devs, keys, ports, stamps, c.now_ms(), out)
    return c.measure(work, ctx, step, lambda: {"eth0": int(out[0]), "eth1": int(out[1])})
