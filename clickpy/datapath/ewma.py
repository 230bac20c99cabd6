"""Click's RateEWMA (include/click/ewma.hh), for kernels: a rate as a moving average.

RateEWMAX<RateEWMAXParameters<4, 10>> to the bit: 32-bit unsigned words, epochs of one
jiffy (1 ms, CLICK_HZ = 1000) taken from the driver's clock, alpha 1/16 (stability
shift 4) and 10 bits of fraction.  An element keeps the words EPOCH, CURRENT and AVG at
the start of an int64 array of its state, EPOCH -1 when it has not started (`words()`).

Click starts the epoch when the element is made; starting it at the first update is the
same, since epochs without samples leave an average of 0 at 0.
"""
from __future__ import annotations

import numpy as np
from numba import njit

EPOCH, CURRENT, AVG = range(3)
WORDS = 3
M32 = 0xFFFFFFFF
SCALE, STABILITY, COMPENSATION, HZ = 10, 4, 8, 1000


@njit(cache=True, _nrt=False)
def _update(avg, x):
    """DirectEWMAX::update(x): avg += (int)((x << scale) + compensation - avg) >> stability."""
    d = (((x << SCALE) + COMPENSATION) - avg) & M32
    if d >= 0x80000000:
        d -= 0x100000000
    return (avg + (d >> STABILITY)) & M32


@njit(cache=True, _nrt=False)
def update(c, now_ns, delta):
    """RateEWMAX::update(delta): close the epochs passed since the last update, then count."""
    now = (now_ns // 1000000) & M32            # click_jiffies()
    jj = c[EPOCH]
    if jj < 0:
        c[EPOCH] = now
    elif now != jj:
        avg = _update(c[AVG], c[CURRENT])
        if ((jj + 1) & M32) != now:             # update_n(0, now - jj - 1)
            n = (now - jj - 1) & M32
            if n >= 100:
                avg = 0
            else:
                for _ in range(n):
                    avg = _update(avg, 0)
        c[AVG] = avg
        c[CURRENT] = 0
        c[EPOCH] = now
    c[CURRENT] = (c[CURRENT] + delta) & M32


def words(n: int = WORDS) -> np.ndarray:
    """A new state array of n words (at least WORDS) with a rate that has not started."""
    c = np.zeros(max(n, WORDS), dtype=np.int64)
    c[EPOCH] = -1
    return c


def scaled_rate(c: np.ndarray) -> int:
    """The average times the epoch frequency, still scaled: cp_unparse_real2's argument in
    Click's rate handlers (an unsigned 32-bit product)."""
    return (int(c[AVG]) * HZ) & M32
