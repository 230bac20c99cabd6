"""Strip: removes bytes from the front of packets."""
import numpy as np
from numba import njit

from clickpy.args import Arg, Integer
from clickpy.element import Element
from clickpy.packet import pull_front


@njit(cache=True, _nrt=False)
def strip(P, s, st):
    # Like Click's Packet::pull, a packet shorter than LENGTH becomes empty.
    pull_front(P, s, min(st[0][0], P[2][s]))
    return 0


class Strip(Element):
    """Strips LENGTH bytes from the front of packets.

    Deletes the first LENGTH bytes of each packet, e.g. `Strip(14)` removes
    the Ethernet header.  The bytes stay in the packet's headroom, so Unstrip
    can put them back.  A packet shorter than LENGTH becomes empty, as in Click.
    """

    port_count = "1/1"
    processing = "a/a"
    args = (Arg("LENGTH", Integer(0, name="byte count"), required=True, positional=True,
                doc="bytes to remove"),)
    simple_action = strip

    @classmethod
    def state(cls, values, n_inputs, n_outputs):
        return (np.array([values["LENGTH"]], dtype=np.int64),)
