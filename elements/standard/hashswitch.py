"""HashSwitch: picks each packet's output from a hash of some of its bytes."""
from clickpy.args import Arg, Integer
from clickpy.element import Element


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
