"""Tee: one copy of each packet to every output."""
from numba import njit

from clickpy.args import Arg, Integer
from clickpy.element import Element
from clickpy.packet import clone


@njit(cache=True, _nrt=False)
def tee(P, port, s, st, emit):
    # As in Click: copies go to outputs 0..N-2 in order, the original to N-1.
    n = emit.shape[0] // 2
    k = 0
    for out in range(n - 1):
        c = clone(P, s)
        if c >= 0:
            emit[2 * k] = out
            emit[2 * k + 1] = c
            k += 1
    emit[2 * k] = n - 1
    emit[2 * k + 1] = s
    return k + 1


class Tee(Element):
    """Duplicates packets to every output.

    Tee(N) has N outputs (default: as many as are connected).  Each input
    packet is copied to outputs 0..N-2, in order, and the original goes to
    output N-1, as in Click.  A copy that finds the pool empty is not made
    (counted as pool exhaustion).
    """

    port_count = "1/1-"
    processing = "h/h"
    args = (Arg("N", Integer(1), positional=True, doc="number of outputs"),)

    @classmethod
    def port_counts_for(cls, values):
        return None, values.get("N")

    push = tee

    @classmethod
    def emits(cls, values, n_outputs):
        return n_outputs
