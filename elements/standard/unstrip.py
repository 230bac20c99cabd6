"""Unstrip: puts bytes back on the front of packets."""
from clickpy.args import Arg, Integer
from clickpy.element import Element


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
