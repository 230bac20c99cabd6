"""RadixIPLookup: a routing table in a radix trie."""
from numba import njit

from clickpy.element import Handler
from elements.ip.iproutetable import IPRouteTable, route_packet


@njit(cache=True, _nrt=False)
def radix_lookup(P, s, st):
    return route_packet(P, s, st)


class RadixIPLookup(IPRouteTable):
    """IP lookup using a radix trie; suits large tables with frequent updates.

    Looks up each packet's destination IP annotation by longest-prefix match
    among its routes `ADDR/MASK [GATEWAY] OUTPUT`, sets the annotation to
    GATEWAY when the route has one and emits the packet on OUTPUT; packets
    with no route are dropped.  Routes can be changed at run time.  Here the
    trie is the shared 16-8-8 multibit table (see IPRouteTable); route slots
    are reused last-freed first and `set` moves a route to a new slot, so
    `table` lists routes in the order Click's RadixIPLookup does.
    """

    handlers = IPRouteTable.handlers + (
        Handler("flush", read=False, write=True, doc="remove every route"),
    )
    simple_action = radix_lookup
    slot_policy = "lifo"
    set_in_place = False
    table_format = "tabs"
