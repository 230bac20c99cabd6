"""ICMPPingResponder: turns ICMP echo requests into echo replies."""
import numpy as np
from numba import njit

from clickpy.datapath.inet import transport_offset, update_in_cksum, update_zero_in_cksum
from clickpy.element import DST_IP, IP_HEADER, Element
from clickpy.kernel import drop
from clickpy.packet import A_DST_IP, A_NH, A_PAINT, A_TSTAMP, C_NOW, rd16, rd32, wr16, wr32


@njit(cache=True, _nrt=False)
def icmp_ping_respond(P, s, st):
    # Click: anything but an ICMP echo request with 8 bytes of ICMP goes to
    # output 1 (dropped when unconnected).  The reply is made in place: the
    # addresses swapped, fragment bits cleared and TTL 255 (IP checksum
    # updated incrementally), type echo-reply code 0 (ICMP checksum likewise).
    data, head, length, anno, ctl = P[0], P[1], P[2], P[3], P[5]
    end = head[s] + length[s]
    nh = anno[s, A_NH]
    th = transport_offset(P, s)
    if (nh < 0 or nh + 20 > end or th < 0 or end - th < 8 or data[s, nh + 9] != 1
            or data[s, th] != 8):
        return 1 if st[0][0] > 1 else drop(0)
    src, dst = rd32(data, s, nh + 12), rd32(data, s, nh + 16)
    wr32(data, s, nh + 12, dst)
    wr32(data, s, nh + 16, src)
    csum = rd16(data, s, nh + 10)
    csum = update_in_cksum(csum, rd16(data, s, nh + 6), 0)
    wr16(data, s, nh + 6, 0)
    old = rd16(data, s, nh + 8)
    data[s, nh + 8] = 255
    csum = update_in_cksum(csum, old, rd16(data, s, nh + 8))
    wr16(data, s, nh + 10, csum)
    anno[s, A_DST_IP] = src
    anno[s, A_TSTAMP] = ctl[C_NOW]
    anno[s, A_PAINT] = 0
    old = rd16(data, s, th)
    data[s, th] = 0
    data[s, th + 1] = 0
    wr16(data, s, th + 2, update_in_cksum(rd16(data, s, th + 2), old, 0))
    wr16(data, s, th + 2, update_zero_in_cksum(rd16(data, s, th + 2), data, s, th, end - th))
    return 0


class ICMPPingResponder(Element):
    """Responds to ICMP echo requests.

    Each echo request is turned into the matching echo reply (addresses
    swapped, TTL 255) and emitted on output 0 with its destination IP
    annotation set, paint cleared and a fresh timestamp; other annotations are
    kept.  Other IP packets go to output 1, or are dropped when it is not
    connected.
    """

    port_count = "1/1-2"
    processing = "a/ah"
    requires = {IP_HEADER: (0,)}
    sets = {IP_HEADER: (0,), DST_IP: (0,)}
    drop_reasons = ("not an ICMP echo request",)
    simple_action = icmp_ping_respond

    @classmethod
    def state(cls, values, n_inputs, n_outputs):
        return (np.array([n_outputs], dtype=np.int64),)
