"""RoundRobinSwitch: spreads packets over its outputs in turn."""
from clickpy.element import Element


class RoundRobinSwitch(Element):
    """Sends packets to round-robin outputs.

    Pushes each arriving packet to one of its N outputs; the next packet
    goes to the following output, wrapping around after the last.
    """

    port_count = "1/1-"
    processing = "h/h"
