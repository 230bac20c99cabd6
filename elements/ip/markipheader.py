"""MarkIPHeader: marks where the IP header is, without checking it."""
from clickpy.args import Arg, Integer
from clickpy.element import IP_HEADER, Element


class MarkIPHeader(Element):
    """Sets the IP header annotation to OFFSET bytes into the packet.

    Does not check the header, shorten the packet to the IP length or set the
    destination IP annotation (CheckIPHeader does all three).  Default OFFSET
    is 0.
    """

    port_count = "1/1"
    processing = "a/a"
    args = (Arg("OFFSET", Integer(0), positional=True, default=0,
                doc="byte position of the IP header"),)
    sets = {IP_HEADER: (0,)}
