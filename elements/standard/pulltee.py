"""PullTee: copies each pulled packet to push outputs."""
from numba import njit

from clickpy.args import Arg, Integer
from clickpy.element import Element
from clickpy.packet import clone


@njit(cache=True, _nrt=False)
def pulltee(P, port, s, st, emit):
    # Runs on each packet pulled from the input (Click's PullTee::pull): copies are
    # pushed out outputs 1..N-1 in order, then the packet itself goes to output 0,
    # the pull output that asked for it.
    n = emit.shape[0] // 2
    k = 0
    for out in range(1, n):
        c = clone(P, s)
        if c >= 0:
            emit[2 * k] = out
            emit[2 * k + 1] = c
            k += 1
    emit[2 * k] = 0
    emit[2 * k + 1] = s
    return k + 1


class PullTee(Element):
    """Duplicates packets: the pull output's packets are copied to the push outputs.

    Input and output 0 are pull; the other outputs are push.  Each time a
    packet is pulled through output 0, a copy is pushed out each other
    output.  PullTee has as many outputs as are connected; N says how many
    are expected, and must match.
    """

    port_count = "1/1-"
    processing = "l/lh"
    args = (Arg("N", Integer(1, name="output count"), positional=True,
                doc="number of outputs"),)
    push = pulltee

    @classmethod
    def port_counts_for(cls, values):
        return None, values.get("N")

    @classmethod
    def emits(cls, values, n_outputs):
        return max(1, n_outputs)
