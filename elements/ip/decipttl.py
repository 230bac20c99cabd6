"""DecIPTTL: decrements the IP time-to-live and diverts expired packets."""
from clickpy.args import Arg, Bool
from clickpy.element import IP_HEADER, Element, Handler


class DecIPTTL(Element):
    """Decrements IP time-to-live, sending dead packets to output 1.

    Packets whose TTL is 1 or less leave on output 1 (usually an
    ICMPError(..., timeexceeded) element) or are dropped when output 1 is not
    connected; others get TTL - 1 and an updated checksum on output 0.
    """

    port_count = "1/1-2"
    processing = "a/ah"
    args = (
        Arg("ACTIVE", Bool(), default=True, doc="when false, leave every TTL alone"),
        Arg("MULTICAST", Bool(), default=True, doc="when false, leave multicast TTLs alone"),
    )
    handlers = (
        Handler("drops", doc="packets sent to output 1 (TTL expired)"),
        Handler("active", write=True, doc="the ACTIVE setting"),
    )
    requires = {IP_HEADER: (0,)}
