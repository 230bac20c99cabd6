"""Pad: extends packets to a minimum length."""
import numpy as np
from numba import njit

from clickpy import packet
from clickpy.args import Arg, Bool, Integer
from clickpy.element import Element
from clickpy.kernel import drop
from clickpy.packet import SLOT_SIZE

NBYTES, ZERO, EXTRA_COLUMN = range(3)  # state words
# Click's EXTRA_LENGTH annotation, when the pool has a column for it (-1: not kept).
EXTRA_LENGTH_COLUMN = getattr(packet, "A_EXTRA_LENGTH", -1)


@njit(cache=True, _nrt=False)
def pad(P, s, st):
    c = st[0]
    data, head, length, anno = P[0], P[1], P[2], P[3]
    col = c[EXTRA_COLUMN]
    if c[NBYTES]:
        nput = c[NBYTES] - length[s] if length[s] < c[NBYTES] else 0
    else:
        nput = anno[s, col] & 0xFFFFFFFF if col >= 0 else 0
    if nput:
        end = head[s] + length[s]
        if end + nput > SLOT_SIZE:
            return drop(0)  # Click: Packet::put failed, the packet is freed
        if c[ZERO]:
            for i in range(end, end + nput):
                data[s, i] = 0
        length[s] += nput
    if col >= 0:
        anno[s, col] = 0
    return 0


class Pad(Element):
    """Extends packet length to at least LENGTH bytes.

    Packets shorter than LENGTH are extended to LENGTH bytes.  Without LENGTH
    (or with 0) packets are extended by their extra length annotation, undoing
    a Truncate.  Output packets have extra length annotation zero.  With ZERO
    true (the default) the added bytes are zeros.
    """

    port_count = "1/1"
    processing = "a/a"
    args = (
        Arg("LENGTH", Integer(0, name="byte count"), positional=True, default=0,
            doc="minimum length; 0 means use the extra length annotation"),
        Arg("ZERO", Bool(), default=True, doc="fill added bytes with zeros"),
    )
    drop_reasons = ("packet too long for its slot",)
    simple_action = pad

    @classmethod
    def state(cls, values, n_inputs, n_outputs):
        return (np.array([values.get("LENGTH") or 0, bool(values.get("ZERO", True)),
                          EXTRA_LENGTH_COLUMN], dtype=np.int64),)
