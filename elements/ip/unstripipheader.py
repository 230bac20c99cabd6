"""UnstripIPHeader: puts back an IP header that StripIPHeader removed."""
from numba import njit

from clickpy.datapath.ipheader import NO_IP_HEADER
from clickpy.element import IP_HEADER, Element
from clickpy.kernel import drop
from clickpy.packet import A_NH


@njit(cache=True, _nrt=False)
def unstrip_ip_header(P, s, st):
    head, length = P[1], P[2]
    nh = P[3][s, A_NH]
    if nh < 0:
        return drop(0)                  # Click asserts; a data path must not
    off = nh - head[s]
    if off < 0:
        # Click's p->push(-offset): the header's bytes are still in the headroom.
        head[s] = nh
        length[s] -= off
    return 0


class UnstripIPHeader(Element):
    """Restores outermost IP header.

    Puts the outermost IP header back onto a stripped packet, based on the IP
    header annotation from MarkIPHeader or CheckIPHeader: the packet starts
    at that header again.  If the IP header is already on (the annotation
    points into the packet), forwards the packet unmodified.  A packet
    without the annotation is dropped (Click asserts).
    """

    port_count = "1/1"
    processing = "a/a"
    requires = {IP_HEADER: (0,)}
    drop_reasons = (NO_IP_HEADER,)
    simple_action = unstrip_ip_header
