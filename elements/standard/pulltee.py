"""PullTee: copies each pulled packet to push outputs."""
from clickpy.args import Arg, Integer
from clickpy.element import Element


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

    @classmethod
    def port_counts_for(cls, values):
        return None, values.get("N")
