"""CheckUDPHeader: validates UDP header length and checksum."""
from clickpy.args import Arg, Bool
from clickpy.element import IP_HEADER, Element, Handler


class CheckUDPHeader(Element):
    """Checks the UDP header on UDP/IP packets: length and checksum (when nonzero).

    Valid packets leave on output 0.  Invalid ones (not UDP, bad length, bad
    checksum) go to output 1 if it is connected, else are dropped.
    """

    port_count = "1/1-2"
    processing = "a/ah"
    args = (
        Arg("VERBOSE", Bool(), default=False, doc="report every bad packet"),
        Arg("DETAILS", Bool(), default=False, doc="count drops per reason"),
    )
    handlers = (
        Handler("drops", doc="invalid packets seen"),
        Handler("drop_details", doc="drops per reason (with DETAILS true)"),
    )
    requires = {IP_HEADER: (0,)}
