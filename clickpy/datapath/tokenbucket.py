"""Click's token bucket (include/click/tokenbucket.hh, TokenBucket), for kernels.

Rate elements (RatedSource, RatedUnqueue, BandwidthRatedUnqueue, shapers)
keep one bucket as its own int64 array in their state tuple, made by
`bucket()` at configure time.  The arithmetic is Click's, to the bit: tokens
are 32-bit fractions of the capacity (`token_scale` fractions per token),
time is counted in jiffies (milliseconds, CLICK_HZ = 1000 at user level)
taken from the driver's clock P[5][C_NOW], and the bucket refills by
`tokens_per_tick` fractions per jiffy up to 2^32 - 1 (full).

A bucket that has never been refilled is full at its first refill (unless its
rate is 0: idle): Click's buckets start at time point 0 and its jiffy clock is
far from 0 by then.
Kernel functions: refill, contains, remove, remove_if, size, set_tokens.
Host functions: bucket, assign, assign_adjust, rate, capacity.
"""
from __future__ import annotations

import numpy as np
from numba import njit

TOKENS, TIME, PER_TICK, SCALE, UNTIL_FULL = range(5)   # words of a bucket
WORDS = 5
MAX_TOKENS = 0xFFFFFFFF
HZ = 1000                       # CLICK_HZ: jiffies per second
NS_PER_JIFFY = 1_000_000_000 // HZ


# ---- kernel side ----------------------------------------------------------------

@njit(cache=True, _nrt=False)
def refill(tb, now_ns):
    """TokenBucket::refill(): add the tokens earned since the last refill."""
    now = now_ns // NS_PER_JIFFY
    last = tb[TIME]
    if last < 0:
        if tb[PER_TICK] > 0:  # an idle bucket (rate 0) never fills
            tb[TOKENS] = MAX_TOKENS
    else:
        diff = now - last if now > last else 0
        if diff >= tb[UNTIL_FULL]:
            tb[TOKENS] = MAX_TOKENS
        elif diff > 0:
            t = tb[TOKENS] + diff * tb[PER_TICK]
            tb[TOKENS] = t if t < MAX_TOKENS else MAX_TOKENS
    tb[TIME] = now


@njit(cache=True, _nrt=False)
def _fraction(tb, t):
    """t tokens as a fraction of the capacity, or -1 when more than the bucket can hold."""
    f = t * tb[SCALE]
    return f if f <= MAX_TOKENS else -1


@njit(cache=True, _nrt=False)
def contains(tb, t):
    """TokenBucket::contains(t)."""
    f = _fraction(tb, t)
    return f >= 0 and f <= tb[TOKENS]


@njit(cache=True, _nrt=False)
def remove(tb, t):
    """TokenBucket::remove(t): an overdraft empties the bucket."""
    f = _fraction(tb, t)
    if f < 0:
        f = MAX_TOKENS
    tb[TOKENS] = tb[TOKENS] - f if f <= tb[TOKENS] else 0


@njit(cache=True, _nrt=False)
def remove_if(tb, t):
    """TokenBucket::remove_if(t): remove t tokens if there are that many."""
    f = _fraction(tb, t)
    if f < 0 or f > tb[TOKENS]:
        return False
    tb[TOKENS] -= f
    return True


@njit(cache=True, _nrt=False)
def size(tb):
    """TokenBucket::size(): whole tokens in the bucket."""
    return tb[TOKENS] // tb[SCALE]


@njit(cache=True, _nrt=False)
def set_tokens(tb, t):
    """TokenBucket::set(t)."""
    f = _fraction(tb, t)
    tb[TOKENS] = f if f >= 0 else MAX_TOKENS


# ---- host side --------------------------------------------------------------------

def bucket(rate: int, capacity: int) -> np.ndarray:
    """A new bucket for `rate` tokens per second holding at most `capacity` tokens.

    Like Click's TokenBucket(rate, capacity): idle (never refills) when either
    is 0.  Its token count is set at the first refill (full).
    """
    tb = np.zeros(WORDS, dtype=np.int64)
    tb[TIME] = -1
    assign(tb, rate, capacity)
    return tb


def assign(tb: np.ndarray, rate: int, capacity: int) -> None:
    """TokenRateX::assign(rate, capacity): the fraction of tokens held stays the same."""
    rate, capacity = int(rate) & MAX_TOKENS, int(capacity) & MAX_TOKENS
    if capacity == 0:
        rate, capacity = 0, MAX_TOKENS
    if rate != 0:
        capacity = max(capacity, (rate - 1) // HZ + 1)  # so tokens_per_tick fits 32 bits
    scale = MAX_TOKENS // capacity
    per_tick = rate * scale // HZ
    if rate != 0:
        per_tick = per_tick or 1
        until_full = (MAX_TOKENS - 1) // per_tick + 1
    else:
        per_tick, until_full = 0, MAX_TOKENS
    tb[SCALE], tb[PER_TICK], tb[UNTIL_FULL] = scale, per_tick, until_full


def assign_adjust(tb: np.ndarray, rate: int, capacity: int) -> None:
    """TokenBucket::assign_adjust(): a new rate, keeping the token count roughly the same."""
    old_scale = int(tb[SCALE])
    assign(tb, rate, capacity)
    new_scale = int(tb[SCALE])
    if new_scale != old_scale:
        tb[TOKENS] = min(int(tb[TOKENS]) * new_scale // old_scale, MAX_TOKENS)


def rate(tb: np.ndarray) -> int:
    """TokenRateX::rate(): tokens per second, as Click computes it back from the bucket."""
    per_tick, scale = int(tb[PER_TICK]), int(tb[SCALE])
    return min((per_tick // 2 + per_tick * HZ) // scale, MAX_TOKENS)


def capacity(tb: np.ndarray) -> int:
    """TokenRateX::capacity()."""
    return MAX_TOKENS // int(tb[SCALE])
