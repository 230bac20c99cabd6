"""MarkIPHeader: marks where the IP header is, without checking it."""
import numpy as np
from numba import njit

from clickpy.args import Arg, Integer
from clickpy.element import IP_HEADER, Element
from clickpy.packet import A_NH, A_TH


@njit(cache=True, _nrt=False)
def mark_ip_header(P, s, st):
    data, head, length, anno = P[0], P[1], P[2], P[3]
    off = st[0][0]
    ip = head[s] + off
    anno[s, A_NH] = ip
    # Click's set_ip_header(ip, ip_hl << 2); a packet too short to hold the
    # first header byte gets a zero-length header instead of a read past its end.
    if off < length[s]:
        anno[s, A_TH] = ip + ((np.int64(data[s, ip]) & 0xF) << 2)
    else:
        anno[s, A_TH] = ip
    return 0


class MarkIPHeader(Element):
    """Sets the IP header annotation to OFFSET bytes into the packet.

    Does not check the header, shorten the packet to the IP length or set the
    destination IP annotation (CheckIPHeader does all three).  Default OFFSET
    is 0.  The transport header annotation follows the header length field,
    as in Click.
    """

    port_count = "1/1"
    processing = "a/a"
    args = (Arg("OFFSET", Integer(0), positional=True, default=0,
                doc="byte position of the IP header"),)
    sets = {IP_HEADER: (0,)}
    simple_action = mark_ip_header

    @classmethod
    def state(cls, values, n_inputs, n_outputs):
        return (np.array([values.get("OFFSET") or 0], dtype=np.int64),)
