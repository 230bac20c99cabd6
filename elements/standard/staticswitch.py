"""StaticSwitch: sends every packet to one fixed output."""
from clickpy.args import Arg, Integer
from clickpy.element import Element


class StaticSwitch(Element):
    """Sends packet stream to a fixed output.

    Every packet leaves on output OUTPUT.  A negative OUTPUT, or one with no
    such output, drops the packets.  Unlike Switch, OUTPUT cannot change at
    run time, so StaticSwitch has no `switch` handler.
    """

    port_count = "1/-"
    processing = "h/h"
    args = (Arg("OUTPUT", Integer(name="output number"), required=True, positional=True,
                doc="output that receives packets; negative drops them"),)
