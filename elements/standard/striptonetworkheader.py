"""StripToNetworkHeader: moves the packet's start to its network header."""
from numba import njit

from clickpy.datapath.ipheader import NO_IP_HEADER
from clickpy.element import IP_HEADER, Element
from clickpy.kernel import drop
from clickpy.packet import A_NH, pull_front


@njit(cache=True, _nrt=False)
def strip_to_network_header(P, s, st):
    head, length = P[1], P[2]
    nh = P[3][s, A_NH]
    if nh < 0:
        return drop(0)                  # Click asserts; a data path must not
    off = nh - head[s]
    if off >= 0:
        # Click's Packet::pull: a header past the end empties the packet.
        pull_front(P, s, min(off, length[s]))
    else:
        # The header is in the headroom, where the stripped bytes still are:
        # Click's nonunique_push(-off) moves the start back to it.
        head[s] = nh
        length[s] -= off
    return 0


class StripToNetworkHeader(Element):
    """Strips everything preceding network header.

    Strips any data preceding the network header from every passing packet,
    so the packet starts at its IP header.  Needs the network header
    annotation (CheckIPHeader, MarkIPHeader); a packet without one is
    dropped (Click asserts).  If the annotation points before the packet
    data (a stripped header), the packet start moves back to it.
    """

    port_count = "1/1"
    processing = "a/a"
    requires = {IP_HEADER: (0,)}
    drop_reasons = (NO_IP_HEADER,)
    simple_action = strip_to_network_header
