"""HostEtherFilter: acts like an Ethernet card's address filter."""
from clickpy.args import Arg, Bool, EtherAddress, Integer
from clickpy.element import Element, Handler


class HostEtherFilter(Element):
    """Drops Ethernet packets sent to other machines, like a NIC with address ETHER.

    Sets each packet's packet type annotation (HOST, BROADCAST, MULTICAST or
    OTHERHOST) from its destination.  Packets from ETHER (with DROP_OWN) and
    unicast packets to other hosts (with DROP_OTHER, the default) go to
    output 1 if it is connected, else are dropped; the rest leave on output 0.
    """

    port_count = "1/1-2"
    processing = "a/ah"
    args = (
        Arg("ETHER", EtherAddress(), required=True, positional=True, doc="this host's address"),
        Arg("DROP_OWN", Bool(), positional=True, default=False,
            doc="filter packets whose source is ETHER"),
        Arg("DROP_OTHER", Bool(), positional=True, default=True,
            doc="filter unicast packets to other hosts"),
        Arg("OFFSET", Integer(0), default=0, doc="byte position of the Ethernet header"),
    )
    handlers = (Handler("ether", write=True, doc="the ETHER argument"),)
