"""SetTCPChecksum: computes TCP checksums."""
import sys

import numpy as np
from numba import njit

from clickpy.args import Arg, Bool
from clickpy.datapath.inet import (drain_events, event_log, in_cksum, log_event, log_pending,
                                   pseudohdr, transport_offset)
from clickpy.element import IP_HEADER, Element
from clickpy.kernel import drop
from clickpy.packet import A_NH, rd16, wr16


@njit(cache=True, _nrt=False)
def set_tcp_checksum(P, s, st):
    # Click: the TCP length is the IP length less the IP header; it must
    # hold a TCP header and fit in the packet, else "bad lengths" (dropped).
    data, head, length, anno = P[0], P[1], P[2], P[3]
    fixoff, log = st[0][0], st[1]
    end = head[s] + length[s]
    nh = anno[s, A_NH]
    th = transport_offset(P, s)
    if nh < 0 or nh + 20 > end or th < 0:
        log_event(log, 1)
        return drop(0)
    plen = rd16(data, s, nh + 2) - ((data[s, nh] & 0xF) << 2)
    if plen < 20 or plen > end - th:
        log_event(log, 1)
        return drop(0)
    if fixoff:
        off = (data[s, th + 12] >> 4) << 2
        if off < 20:
            data[s, th + 12] = (data[s, th + 12] & 0x0F) | (5 << 4)
        elif off > plen and (rd16(data, s, nh + 6) & 0x3FFF) == 0:
            data[s, th + 12] = (data[s, th + 12] & 0x0F) | ((plen >> 2) << 4)
    wr16(data, s, th + 16, 0)
    wr16(data, s, th + 16, pseudohdr(data, s, nh, end, in_cksum(data, s, th, plen), plen))
    return 0


class SetTCPChecksum(Element):
    """Sets TCP packets' checksums, using the IP header for the pseudo-header.

    Input packets are TCP in IP.  With FIXOFF true, a TCP header offset that
    is too small or runs past the packet is repaired first.  Packets with bad
    lengths are dropped.
    """

    port_count = "1/1"
    processing = "a/a"
    args = (Arg("FIXOFF", Bool(), positional=True, default=False,
                doc="repair impossible TCP header offsets"),)
    requires = {IP_HEADER: (0,)}
    drop_reasons = ("bad lengths",)
    simple_action = set_tcp_checksum
    host_pending = log_pending

    @classmethod
    def state(cls, values, n_inputs, n_outputs):
        return (np.array([bool(values.get("FIXOFF"))], dtype=np.int64), event_log(32, 1))

    @classmethod
    def host_flush(cls, values, st, pool):
        # Click prints this for every bad packet.
        events, lost = drain_events(st[1], 1)
        for _ in range(len(events) + lost):
            print("SetTCPChecksum: bad lengths", file=sys.stderr)
