"""Binary min-heaps of (key, row) pairs in preallocated arrays, for numba kernels.

A flow table that must find its first flow to expire keeps one (as Click's
IPRewriterHeap does) instead of scanning every row.  Heap g lives in row g of
two arrays, keys[g, :] and rows[g, :], with its size in sizes[g]; pairs order
by key, then row, so that equal keys come out lowest row first, as a scan from
row 0 finds them.  Nothing allocates: push() says when the heap is full.
"""
from numba import njit


@njit(cache=True, _nrt=False)
def _less(keys, rows, g, i, j):
    return keys[g, i] < keys[g, j] or (keys[g, i] == keys[g, j] and rows[g, i] < rows[g, j])


@njit(cache=True, _nrt=False)
def _swap(keys, rows, g, i, j):
    keys[g, i], keys[g, j] = keys[g, j], keys[g, i]
    rows[g, i], rows[g, j] = rows[g, j], rows[g, i]


@njit(cache=True, _nrt=False)
def push(keys, rows, sizes, g, key, row):
    """Add (key, row) to heap g; False when it is full (nothing added)."""
    i = sizes[g]
    if i >= keys.shape[1]:
        return False
    keys[g, i], rows[g, i] = key, row
    sizes[g] = i + 1
    while i > 0:
        parent = (i - 1) >> 1
        if not _less(keys, rows, g, i, parent):
            break
        _swap(keys, rows, g, i, parent)
        i = parent
    return True


@njit(cache=True, _nrt=False)
def pop(keys, rows, sizes, g):
    """Remove heap g's smallest pair (the one at index 0); nothing when it is empty."""
    n = sizes[g] - 1
    if n < 0:
        return
    sizes[g] = n
    keys[g, 0], rows[g, 0] = keys[g, n], rows[g, n]
    i = 0
    while True:
        least, left = i, 2 * i + 1
        if left < n and _less(keys, rows, g, left, least):
            least = left
        if left + 1 < n and _less(keys, rows, g, left + 1, least):
            least = left + 1
        if least == i:
            return
        _swap(keys, rows, g, i, least)
        i = least
