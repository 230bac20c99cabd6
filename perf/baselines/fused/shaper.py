"""configs/shaper.click as one hand-written numba loop.

Per frame from eth0: into the shaped queue (a ring of 1,000 packets; full
drops); every 128 frames (the driver's batch) and at the end of a pass, the
BandwidthRatedUnqueue's work: refill Click's token bucket (clickpy's own
arithmetic, 10Mbps, 20 ms burst) from the clock, and while it holds the
bandwidth threshold, dequeue a packet, take its bytes from the bucket and
send it out eth1 (the 100-packet output queue is drained as fast, so it is
not kept).  Frames from eth1 go straight out eth0 (their queue never fills
here).  The clock is read once per pass (per call), not per batch: a pass
takes well under Click's 1 ms jiffy.  No pool: the ceiling.
"""
from __future__ import annotations

import numpy as np
from numba import njit

from clickpy.datapath import tokenbucket as tb
from elements.sched.ratedunqueue import BANDWIDTH_THRESH
from perf.baselines.fused import common as c

RATE = 10_000_000 // 8              # bytes per second: the config's default RATE, 10Mbps
CAPACITY, BATCH = 1000, 128
HEAD, COUNT = 0, 1


@njit(cache=True)
def _unqueue(q, qs, bucket, now_ns, out):
    tb.refill(bucket, now_ns)
    while qs[COUNT] and tb.contains(bucket, BANDWIDTH_THRESH):
        tb.remove(bucket, q[qs[HEAD]])
        qs[HEAD] = (qs[HEAD] + 1) % q.shape[0]
        qs[COUNT] -= 1
        out[1] += 1


@njit(cache=True)
def shaper(lens, devs, q, qs, bucket, now_ns, out):
    """out[k] += frames leaving by device k; out[2] += drops at the shaped queue."""
    n = lens.shape[0]
    for i in range(n):
        if devs[i] == 1:
            out[0] += 1
        elif qs[COUNT] == q.shape[0]:
            out[2] += 1
        else:
            q[(qs[HEAD] + qs[COUNT]) % q.shape[0]] = lens[i]
            qs[COUNT] += 1
        if i % BATCH == BATCH - 1 or i == n - 1:
            _unqueue(q, qs, bucket, now_ns, out)


def measure(work, ctx):
    q = np.zeros(CAPACITY, dtype=np.int64)
    qs = np.zeros(2, dtype=np.int64)
    bucket = tb.bucket(RATE, RATE * 20 // 1000 + BANDWIDTH_THRESH)
    out = np.zeros(3, dtype=np.int64)

    def step(pkts, lens, devs):
        shaper(lens, devs, q, qs, bucket, c.time.monotonic_ns(), out)
    return c.measure(work, ctx, step, lambda: {"eth0": int(out[0]), "eth1": int(out[1])})
