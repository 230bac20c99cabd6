"""LinearIPLookup: a routing table searched linearly."""
from elements.ip.iproutetable import IPRouteTable


class LinearIPLookup(IPRouteTable):
    """Simple IP routing table, searched route by route (slow; for small tables).

    Looks up each packet's destination IP annotation by longest-prefix match
    among its routes `ADDR/MASK [GATEWAY] OUTPUT`, sets the annotation to
    GATEWAY when the route has one and emits the packet on OUTPUT; packets
    with no route are dropped.  Routes can be changed at run time through the
    add, set, remove and ctrl handlers.
    """
