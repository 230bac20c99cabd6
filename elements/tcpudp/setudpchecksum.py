"""SetUDPChecksum: computes UDP checksums."""
import sys

import numpy as np
from numba import njit

from clickpy.datapath.inet import in_cksum, pseudohdr, transport_offset
from clickpy.element import IP_HEADER, Element
from clickpy.kernel import drop
from clickpy.packet import A_NH, rd16, wr16

NOUT, WARN = 0, 1   # control words: outputs; 1 = the one-time message is due, 2 = printed


@njit(cache=True, _nrt=False)
def _fragment_or_short(c):
    if c[NOUT] > 1:
        return 1
    if c[WARN] == 0:
        c[WARN] = 1
    return drop(0)


@njit(cache=True, _nrt=False)
def set_udp_checksum(P, s, st):
    # Click: fragments and packets shorter than their UDP length go to
    # output 1 (dropped when it is not connected); the protocol is not
    # checked.  As in Click, a computed checksum of 0 is stored as 0.
    data, head, length, anno = P[0], P[1], P[2], P[3]
    c = st[0]
    end = head[s] + length[s]
    nh = anno[s, A_NH]
    th = transport_offset(P, s)
    if nh < 0 or nh + 20 > end or th < 0:
        return _fragment_or_short(c)
    if (rd16(data, s, nh + 6) & 0x3FFF) != 0 or end - th < 8:
        return _fragment_or_short(c)
    ulen = rd16(data, s, th + 4)
    if end - th < ulen:
        return _fragment_or_short(c)
    wr16(data, s, th + 6, 0)
    wr16(data, s, th + 6, pseudohdr(data, s, nh, end, in_cksum(data, s, th, ulen), ulen))
    return 0


@njit(cache=True, _nrt=False)
def set_udp_checksum_pending(P, st):
    """The one-time message is due."""
    return st[0][WARN] == 1


class SetUDPChecksum(Element):
    """Sets UDP packets' checksums, using the IP header for the pseudo-header.

    Input packets are UDP in IP (the protocol is not checked).  Fragments and
    packets shorter than their UDP length go to output 1, or are dropped when
    output 1 is not connected.
    """

    port_count = "1/1-2"
    processing = "a/ah"
    requires = {IP_HEADER: (0,)}
    drop_reasons = ("fragment or short packet",)
    simple_action = set_udp_checksum
    host_pending = set_udp_checksum_pending

    @classmethod
    def state(cls, values, n_inputs, n_outputs):
        c = np.zeros(2, dtype=np.int64)
        c[NOUT] = n_outputs
        return (c,)

    @classmethod
    def host_flush(cls, values, st, pool):
        # Click reports the first such packet once, when output 1 is not connected.
        c = st[0]
        if c[WARN] == 1:
            c[WARN] = 2
            print(f"{cls.class_name}: fragment or short packet", file=sys.stderr)
