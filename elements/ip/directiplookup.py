"""DirectIPLookup: a routing table in direct-indexed (DIR-24-8) arrays."""
from numba import njit

from clickpy.element import Handler
from elements.ip.iproutetable import IPRouteTable, route_packet


@njit(cache=True, _nrt=False)
def direct_lookup(P, s, st):
    return route_packet(P, s, st)


class DirectIPLookup(IPRouteTable):
    """IP routing lookup using direct-indexed tables: one or two memory reads per lookup.

    Looks up each packet's destination IP annotation by longest-prefix match
    among its routes `ADDR/MASK [GATEWAY] OUTPUT` (no prefix may appear
    twice), sets the annotation to GATEWAY when the route has one and emits
    the packet on OUTPUT; packets with no route are dropped.  Implements
    Gupta, Lin and McKeown's DIR-24-8-BASIC scheme; trades memory for speed.
    Here the direct-indexed table is 16-8-8 bits (one to three reads; see
    IPRouteTable), smaller than DIR-24-8's 32 MB; `table` lists routes in the
    order of Click's prefix hash table.
    """

    handlers = IPRouteTable.handlers + (
        Handler("flush", read=False, write=True, doc="remove every route"),
    )
    simple_action = direct_lookup
    slot_policy = "lifo"
    table_format = "direct"
