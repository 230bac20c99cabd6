"""RoundRobinSwitch: spreads packets over its outputs in turn."""
import numpy as np
from numba import njit

from clickpy.element import Element

NEXT, NOUT = 0, 1  # state words


@njit(cache=True, _nrt=False)
def roundrobinswitch(P, s, st):
    c = st[0]
    o = c[NEXT]
    c[NEXT] = o + 1 if o + 1 < c[NOUT] else 0
    return o


class RoundRobinSwitch(Element):
    """Sends packets to round-robin outputs.

    Pushes each arriving packet to one of its N outputs; the next packet
    goes to the following output, wrapping around after the last.
    """

    port_count = "1/1-"
    processing = "h/h"
    simple_action = roundrobinswitch

    @classmethod
    def state(cls, values, n_inputs, n_outputs):
        return (np.array([0, n_outputs], dtype=np.int64),)
