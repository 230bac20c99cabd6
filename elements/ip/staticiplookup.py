"""StaticIPLookup: a small routing table fixed at configuration time."""
from elements.ip.iproutetable import IPRouteTable
from clickpy.element import Handler


class StaticIPLookup(IPRouteTable):
    """Simple static IP routing table (LinearIPLookup without dynamic updates).

    Looks up each packet's destination IP annotation by longest-prefix match
    among its routes `ADDR/MASK [GATEWAY] OUTPUT`, sets the annotation to
    GATEWAY when the route has one and emits the packet on OUTPUT; packets
    with no route are dropped.  Routes cannot be added or removed at run time.
    """

    handlers = (
        Handler("table", doc="the routing table, one route per line"),
        Handler("lookup", doc="read with an IP address: its OUTPUT port and GATEWAY"),
    )
