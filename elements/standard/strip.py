"""Strip: removes bytes from the front of packets."""
from clickpy.args import Arg, Integer
from clickpy.element import Element


class Strip(Element):
    """Strips LENGTH bytes from the front of packets.

    Deletes the first LENGTH bytes of each packet, e.g. `Strip(14)` removes
    the Ethernet header.  The bytes stay in the packet's headroom, so Unstrip
    can put them back.
    """

    port_count = "1/1"
    processing = "a/a"
    args = (Arg("LENGTH", Integer(0, name="byte count"), required=True, positional=True,
                doc="bytes to remove"),)
