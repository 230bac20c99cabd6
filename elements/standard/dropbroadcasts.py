"""DropBroadcasts: drops packets that arrived as link-level broadcasts or multicasts."""
from clickpy.element import Element, Handler


class DropBroadcasts(Element):
    """Drops link-level broadcast and multicast packets.

    Looks at the packet type annotation that FromDevice (or HostEtherFilter)
    sets; broadcast and multicast packets go to output 1 if it is connected,
    else are dropped, and the rest leave on output 0.  IP routers must not
    forward link-level broadcasts.
    """

    port_count = "1/1-2"
    processing = "a/ah"
    handlers = (Handler("drops", doc="packets dropped"),)
