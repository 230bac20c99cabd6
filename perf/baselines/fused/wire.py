"""configs/wire.click as one hand-written numba loop.

Per frame: it leaves by the other device (counted).  What remains is the
source's work, which every fused loop has: each pass copies the trace's
bytes into the packet array (common.refill) before the loop runs.  No pool,
no queues: the ceiling, i.e. the cost of the copy.
"""
from __future__ import annotations

import numpy as np
from numba import njit

from perf.baselines.fused import common as c


@njit(cache=True)
def wire(lens, devs, out):
    """out[k] += frames leaving by device k."""
    for i in range(lens.shape[0]):
        out[1 - devs[i]] += 1


def measure(work, ctx):
    out = np.zeros(2, dtype=np.int64)

    def step(pkts, lens, devs):
        wire(lens, devs, out)
    return c.measure(work, ctx, step, lambda: {"eth0": int(out[0]), "eth1": int(out[1])})
