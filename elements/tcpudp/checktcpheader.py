"""CheckTCPHeader: validates TCP header length and checksum."""
from numba import njit

from clickpy.args import Arg, Bool
from clickpy.datapath.inet import (header_check_failed, header_check_flush, header_check_read,
                                   header_check_state, in_cksum, log_pending, pseudohdr,
                                   transport_offset)
from clickpy.element import IP_HEADER, Element, Handler
from clickpy.packet import A_NH, rd16

NOT_TCP, BAD_LENGTH, BAD_CHECKSUM = 0, 1, 2
_REASONS = ("not TCP", "bad packet length", "bad TCP checksum")


@njit(cache=True, _nrt=False)
def check_tcp_header(P, s, st):
    # Click's order: protocol, then lengths (TCP offset, IP length, packet
    # length), then the checksum with its pseudo-header.  Packets too short to
    # hold what Click reads fail the length check, as they would in Click.
    data, head, length, anno = P[0], P[1], P[2], P[3]
    c, log = st[0], st[1]
    end = head[s] + length[s]
    nh = anno[s, A_NH]
    if nh < 0 or nh + 10 > end or data[s, nh + 9] != 6:
        return header_check_failed(c, log, NOT_TCP)
    if nh + 20 > end:
        return header_check_failed(c, log, BAD_LENGTH)
    iph_len = (data[s, nh] & 0xF) << 2
    tlen = rd16(data, s, nh + 2) - iph_len
    th = transport_offset(P, s)
    if th < 0 or th + 13 > end:
        return header_check_failed(c, log, BAD_LENGTH)
    tcph_len = (data[s, th + 12] >> 4) << 2
    if (tcph_len < 20 or tlen < tcph_len or length[s] < tlen + iph_len + (nh - head[s])
            or th + tlen > end):
        return header_check_failed(c, log, BAD_LENGTH)
    if pseudohdr(data, s, nh, end, in_cksum(data, s, th, tlen), tlen) != 0:
        return header_check_failed(c, log, BAD_CHECKSUM)
    return 0


class CheckTCPHeader(Element):
    """Checks the TCP header on TCP/IP packets: header length and checksum.

    Valid packets leave on output 0.  Invalid ones (not TCP, bad length, bad
    checksum) go to output 1 if it is connected, else are dropped.
    """

    port_count = "1/1-2"
    processing = "a/ah"
    args = (
        Arg("VERBOSE", Bool(), default=False, doc="report every bad packet"),
        Arg("DETAILS", Bool(), default=False, doc="count drops per reason"),
    )
    handlers = (
        Handler("drops", doc="invalid packets seen"),
        Handler("drop_details", doc="drops per reason (with DETAILS true)"),
    )
    requires = {IP_HEADER: (0,)}
    drop_reasons = _REASONS
    simple_action = check_tcp_header
    host_pending = log_pending

    @classmethod
    def state(cls, values, n_inputs, n_outputs):
        return header_check_state(values, n_outputs, len(_REASONS))

    @classmethod
    def read_handler(cls, name, values, st):
        return header_check_read(name, st, _REASONS)

    @classmethod
    def host_flush(cls, values, st, pool):
        header_check_flush(st, "TCP", _REASONS, f"{cls.class_name}: ")
