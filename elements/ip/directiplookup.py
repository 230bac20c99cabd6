"""DirectIPLookup: a routing table in direct-indexed (DIR-24-8) arrays."""
from elements.ip.iproutetable import IPRouteTable
from clickpy.element import Handler


class DirectIPLookup(IPRouteTable):
    """IP routing lookup using direct-indexed tables: one or two memory reads per lookup.

    Looks up each packet's destination IP annotation by longest-prefix match
    among its routes `ADDR/MASK [GATEWAY] OUTPUT` (no prefix may appear
    twice), sets the annotation to GATEWAY when the route has one and emits
    the packet on OUTPUT; packets with no route are dropped.  Implements
    Gupta, Lin and McKeown's DIR-24-8-BASIC scheme; trades memory for speed.
    """

    handlers = IPRouteTable.handlers + (
        Handler("flush", read=False, write=True, doc="remove every route"),
    )
