"""The loop queue: packets crossing an edge that closes a push loop wait here.

A ring of (element, input port, slot) triples in one int64 array, with its
head and count in the last two words.  It holds at most one entry per pool
slot, so it is sized by the pool and never overflows.
"""
from __future__ import annotations

import numpy as np
from numba import njit


def make(nslots: int) -> np.ndarray:
    return np.zeros(3 * nslots + 2, dtype=np.int64)


@njit(cache=True, _nrt=False)
def put(R, element: int, port: int, s: int) -> None:
    cap = (R.shape[0] - 2) // 3
    head, count = R[-2], R[-1]
    at = 3 * ((head + count) % cap)
    R[at] = element
    R[at + 1] = port
    R[at + 2] = s
    R[-1] = count + 1


@njit(cache=True, _nrt=False)
def take(R) -> tuple:
    """The oldest (element, port, slot); call only when R[-1] > 0."""
    cap = (R.shape[0] - 2) // 3
    at = 3 * R[-2]
    R[-2] = (R[-2] + 1) % cap
    R[-1] -= 1
    return R[at], R[at + 1], R[at + 2]
