"""Tee: one copy of each packet to every output."""
from clickpy.args import Arg, Integer
from clickpy.element import Element


class Tee(Element):
    """Duplicates packets to every output.

    Tee(N) has N outputs (default: as many as are connected); each input
    packet is copied to outputs 1..N-1 and the original goes to output 0.
    """

    port_count = "1/1-"
    processing = "h/h"
    args = (Arg("N", Integer(1), positional=True, doc="number of outputs"),)

    @classmethod
    def port_counts_for(cls, values):
        return None, values.get("N")
