"""StaticIPLookup: a small routing table fixed at configuration time."""
from numba import njit

from clickpy.element import Handler
from elements.ip.iproutetable import IPRouteTable, route_packet


@njit(cache=True, _nrt=False)
def static_lookup(P, s, st):
    return route_packet(P, s, st)


class StaticIPLookup(IPRouteTable):
    """Simple static IP routing table (LinearIPLookup without dynamic updates).

    Looks up each packet's destination IP annotation by longest-prefix match
    among its routes `ADDR/MASK [GATEWAY] OUTPUT`, sets the annotation to
    GATEWAY when the route has one and emits the packet on OUTPUT; packets
    with no route are dropped.  Routes cannot be added or removed at run time.
    The `table` handler lists routes as LinearIPLookup does; the lookup itself
    uses the shared direct-indexed table (see IPRouteTable), sized exactly.
    """

    handlers = (
        Handler("table", doc="the routing table, one route per line"),
        Handler("lookup", doc="read `lookup ADDR`: the OUTPUT port and GATEWAY for ADDR"),
    )
    simple_action = static_lookup
    reserve_routes = False
