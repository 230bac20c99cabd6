"""IPGWOptions: processes the IP options every router must handle."""
from clickpy.args import Arg, IPAddress, SpaceList
from clickpy.element import IP_HEADER, Element, Handler


class IPGWOptions(Element):
    """Processes router IP options: Record Route and Timestamp.

    MYADDR is this router's address on the outgoing interface (so place the
    element on the output path); OTHERADDRS lists its other addresses, for the
    Timestamp option.  Packets with bad options go to output 1 (usually
    ICMPError(..., parameterproblem)) with the ICMP parameter problem
    annotation pointing at the bad byte, or are dropped if output 1 is not
    connected.
    """

    port_count = "1/1-2"
    processing = "a/ah"
    args = (
        Arg("MYADDR", IPAddress(), required=True, positional=True,
            doc="IP address of the outgoing interface"),
        Arg("OTHERADDRS", SpaceList(IPAddress()), positional=True, default=[],
            doc="the router's other interface addresses"),
    )
    handlers = (Handler("drops", doc="packets with bad options"),)
    requires = {IP_HEADER: (0,)}
