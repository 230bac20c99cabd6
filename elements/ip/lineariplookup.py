"""LinearIPLookup: a routing table searched linearly."""
from numba import njit

from elements.ip.iproutetable import IPRouteTable, route_packet


@njit(cache=True, _nrt=False)
def linear_lookup(P, s, st):
    return route_packet(P, s, st)


class LinearIPLookup(IPRouteTable):
    """Simple IP routing table, searched route by route (slow; for small tables).

    Looks up each packet's destination IP annotation by longest-prefix match
    among its routes `ADDR/MASK [GATEWAY] OUTPUT`, sets the annotation to
    GATEWAY when the route has one and emits the packet on OUTPUT; packets
    with no route are dropped.  Routes can be changed at run time through the
    add, set, remove and ctrl handlers.  Here the lookup uses the shared
    direct-indexed table (see IPRouteTable), so it is as fast as
    DirectIPLookup; the handlers behave as Click's LinearIPLookup (a new route
    takes the first free slot, `set` replaces in place, `table` lists routes
    in slot order separated by spaces).
    """

    simple_action = linear_lookup
