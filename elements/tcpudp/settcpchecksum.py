"""SetTCPChecksum: computes TCP checksums."""
from clickpy.args import Arg, Bool
from clickpy.element import IP_HEADER, Element


class SetTCPChecksum(Element):
    """Sets TCP packets' checksums, using the IP header for the pseudo-header.

    Input packets are TCP in IP.  With FIXOFF true, a TCP header offset that
    is too small or runs past the packet is repaired first.  Packets with bad
    lengths are dropped.
    """

    port_count = "1/1"
    processing = "a/a"
    args = (Arg("FIXOFF", Bool(), positional=True, default=False,
                doc="repair impossible TCP header offsets"),)
    requires = {IP_HEADER: (0,)}
