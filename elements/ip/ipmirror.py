"""IPMirror: swaps IP source and destination (and TCP/UDP ports, TCP seq and ack)."""
import numpy as np
from numba import njit

from clickpy.args import Arg, Bool
from clickpy.datapath.ipheader import NO_IP_HEADER, ip_header_at
from clickpy.element import DST_IP, IP_HEADER, Element
from clickpy.kernel import drop
from clickpy.packet import A_DST_IP, A_TH, rd16, rd32, wr16, wr32

DST_ANNO = 0  # state word


@njit(cache=True, _nrt=False)
def ipmirror(P, s, st):
    data, anno = P[0], P[3]
    ip = ip_header_at(P, s, 20)
    if ip < 0:
        return drop(0)
    src = rd32(data, s, ip + 12)
    wr32(data, s, ip + 12, rd32(data, s, ip + 16))
    wr32(data, s, ip + 16, src)
    if st[0][DST_ANNO]:
        anno[s, A_DST_IP] = src
    proto = data[s, ip + 9]
    end = P[1][s] + P[2][s]
    th = anno[s, A_TH]
    # Click: TCP or UDP, IP_FIRSTFRAG, and 8 transport bytes in the packet.
    if (proto == 6 or proto == 17) and (rd16(data, s, ip + 6) & 0x1FFF) == 0 \
            and th >= 0 and th + 8 <= end:
        sport = rd16(data, s, th)
        wr16(data, s, th, rd16(data, s, th + 2))
        wr16(data, s, th + 2, sport)
        # Click swaps seq and ack whatever the length; here only when both are in the packet.
        if proto == 6 and th + 12 <= end:
            seq = rd32(data, s, th + 4)
            wr32(data, s, th + 4, rd32(data, s, th + 8))
            wr32(data, s, th + 8, seq)
    return 0


class IPMirror(Element):
    """Swaps IP source and destination.

    Incoming packets must have their IP header annotation set.  Swaps the
    source and destination addresses; first fragments of TCP and UDP
    packets also have their ports swapped, and TCP packets their seq and
    ack numbers.  Checksums need no change.  With DST_ANNO true (the
    default) the destination IP annotation is set to the new destination.
    """

    port_count = "1/1"
    processing = "a/a"
    args = (
        Arg("DST_ANNO", Bool(), positional=True, default=True,
            doc="set the destination IP annotation to the new destination"),
    )
    requires = {IP_HEADER: (0,)}
    sets = {DST_IP: (0,)}
    drop_reasons = (NO_IP_HEADER,)
    simple_action = ipmirror

    @classmethod
    def sets_for(cls, values):
        return cls.sets if values.get("DST_ANNO", True) else {}

    @classmethod
    def state(cls, values, n_inputs, n_outputs):
        return (np.array([bool(values.get("DST_ANNO", True))], dtype=np.int64),)
