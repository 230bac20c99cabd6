"""StripIPHeader: removes the IP header the annotation points at."""
import numpy as np
from numba import njit

from clickpy.datapath.ipheader import NO_IP_HEADER
from clickpy.element import IP_HEADER, Element
from clickpy.kernel import drop
from clickpy.packet import A_NH, A_TH, pull_front


@njit(cache=True, _nrt=False)
def strip_ip_header(P, s, st):
    data, head, length, anno = P[0], P[1], P[2], P[3]
    th = anno[s, A_TH]
    if th < 0:
        # No transport header annotation: find it from the IP header's length field.
        nh = anno[s, A_NH]
        if nh < 0 or nh >= head[s] + length[s]:
            return drop(0)
        th = nh + ((np.int64(data[s, nh]) & 0xF) << 2)
    # Click's p->pull(transport_header_offset()): an offset outside the packet
    # (negative, or past its end) empties it, as Packet::pull does.
    n = th - head[s]
    if n < 0 or n > length[s]:
        n = length[s]
    pull_front(P, s, n)
    return 0


class StripIPHeader(Element):
    """Strips the outermost IP header, found through the IP header annotation.

    Annotations are left unchanged, so the IP header annotation still points
    at the removed header: follow StripIPHeader with CheckIPHeader or
    MarkIPHeader to handle an inner (IP-in-IP) header.  Removes everything up
    to the transport header annotation, as Click does.
    """

    port_count = "1/1"
    processing = "a/a"
    requires = {IP_HEADER: (0,)}
    drop_reasons = (NO_IP_HEADER,)
    simple_action = strip_ip_header
