"""Switch: sends every packet to one output, changeable at run time."""
from clickpy.args import Arg, Integer
from clickpy.element import Element, Handler


class Switch(Element):
    """Sends packet stream to a settable output.

    Every packet leaves on output OUTPUT (default 0); a negative OUTPUT drops
    them instead.  The `switch` write handler changes OUTPUT while running.
    Switch has as many outputs as are connected; OUTPUT must be less than
    that number.
    """

    port_count = "1/-"
    processing = "h/h"
    args = (Arg("OUTPUT", Integer(name="output number"), positional=True, default=0,
                doc="output that receives packets; negative drops them"),)
    handlers = (
        Handler("switch", write=True, doc="the OUTPUT in use (out of range: drop)"),
        Handler("config", doc="the OUTPUT in use"),
    )
