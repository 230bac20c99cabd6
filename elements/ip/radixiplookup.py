"""RadixIPLookup: a routing table in a radix trie."""
from elements.ip.iproutetable import IPRouteTable
from clickpy.element import Handler


class RadixIPLookup(IPRouteTable):
    """IP lookup using a radix trie; suits large tables with frequent updates.

    Looks up each packet's destination IP annotation by longest-prefix match
    among its routes `ADDR/MASK [GATEWAY] OUTPUT`, sets the annotation to
    GATEWAY when the route has one and emits the packet on OUTPUT; packets
    with no route are dropped.  Routes can be changed at run time.
    """

    handlers = IPRouteTable.handlers + (
        Handler("flush", read=False, write=True, doc="remove every route"),
    )
