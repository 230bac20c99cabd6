"""HashSwitch: picks each packet's output from a hash of some of its bytes."""
import numpy as np
from numba import njit

from clickpy.args import Arg, Integer
from clickpy.element import Element

OFFSET, LENGTH, NOUT = range(3)  # state words


@njit(cache=True, _nrt=False)
def hashswitch(P, s, st):
    c = st[0]
    o, n = c[OFFSET], c[LENGTH]
    if P[2][s] < o + n:
        return 0
    data = P[0]
    at = P[1][s] + o
    d = 0
    for i in range(n):
        d += np.int64(data[s, at + i])
    nout = c[NOUT]
    if nout == 2 or nout == 4 or nout == 8:
        return (d ^ (d >> 4)) & (nout - 1)
    return d % nout


class HashSwitch(Element):
    """Classifies packets by a hash of their contents.

    Chooses each packet's output from a hash of the LENGTH bytes starting at
    byte OFFSET, so packets with equal bytes there always take the same
    output (stochastic fair queueing, load spreading).  Packets shorter than
    OFFSET + LENGTH go to output 0.  `HashSwitch(16, 4)` on IP packets
    hashes the destination address.
    """

    port_count = "1/1-"
    processing = "h/h"
    args = (
        Arg("OFFSET", Integer(0, name="byte offset"), required=True, positional=True,
            doc="first byte hashed"),
        Arg("LENGTH", Integer(1, name="byte count"), required=True, positional=True,
            doc="number of bytes hashed (> 0)"),
    )
    simple_action = hashswitch

    @classmethod
    def state(cls, values, n_inputs, n_outputs):
        return (np.array([values["OFFSET"], values["LENGTH"], max(n_outputs, 1)],
                         dtype=np.int64),)
