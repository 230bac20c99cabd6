"""Unstrip: puts bytes back on the front of packets."""
import numpy as np
from numba import njit

from clickpy.args import Arg, Integer
from clickpy.element import Element
from clickpy.kernel import drop
from clickpy.packet import A_NH, A_TH, SLOT_SIZE


@njit(cache=True, _nrt=False)
def unstrip(P, s, st):
    data, head, length, anno = P[0], P[1], P[2], P[3]
    n = st[0][0]
    h = head[s]
    if n > h:
        # Click's Packet::push makes room when the headroom is too small (the new
        # front bytes are then undefined): move the packet back in its slot.
        need = n - h
        end = h + length[s]
        if end + need > SLOT_SIZE:
            return drop(0)
        for i in range(end - 1, h - 1, -1):
            data[s, i + need] = data[s, i]
        head[s] = h + need
        if anno[s, A_NH] >= 0:
            anno[s, A_NH] += need
        if anno[s, A_TH] >= 0:
            anno[s, A_TH] += need
    head[s] -= n
    length[s] += n
    return 0


class Unstrip(Element):
    """Unstrips LENGTH bytes from the front of packets.

    Puts LENGTH bytes back at the front of each packet, normally bytes that
    an earlier Strip removed: `Strip(14) -> ... -> Unstrip(14)` restores the
    Ethernet header.
    """

    port_count = "1/1"
    processing = "a/a"
    args = (Arg("LENGTH", Integer(0, name="byte count"), required=True, positional=True,
                doc="bytes to restore"),)
    drop_reasons = ("packet too long for its slot",)
    simple_action = unstrip

    @classmethod
    def state(cls, values, n_inputs, n_outputs):
        return (np.array([values["LENGTH"]], dtype=np.int64),)
