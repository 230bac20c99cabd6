"""CheckUDPHeader: validates UDP header length and checksum."""
from numba import njit

from clickpy.args import Arg, Bool
from clickpy.datapath.inet import (header_check_failed, header_check_flush, header_check_read,
                                   header_check_state, in_cksum, log_pending, pseudohdr,
                                   transport_offset)
from clickpy.element import IP_HEADER, Element, Handler
from clickpy.packet import A_NH, rd16

NOT_UDP, BAD_LENGTH, BAD_CHECKSUM = 0, 1, 2
_REASONS = ("not UDP", "bad packet length", "bad UDP checksum")


@njit(cache=True, _nrt=False)
def check_udp_header(P, s, st):
    # Click's order: protocol, UDP length against the packet, then the
    # checksum unless it is zero (no checksum).  Like Click, the UDP length
    # is not compared with the IP length.
    data, head, length, anno = P[0], P[1], P[2], P[3]
    c, log = st[0], st[1]
    end = head[s] + length[s]
    nh = anno[s, A_NH]
    if nh < 0 or nh + 10 > end or data[s, nh + 9] != 17:
        return header_check_failed(c, log, NOT_UDP)
    if nh + 20 > end:
        return header_check_failed(c, log, BAD_LENGTH)
    iph_len = (data[s, nh] & 0xF) << 2
    th = transport_offset(P, s)
    if th < 0 or th + 8 > end:
        return header_check_failed(c, log, BAD_LENGTH)
    ulen = rd16(data, s, th + 4)
    if ulen < 8 or length[s] < ulen + iph_len + (nh - head[s]) or th + ulen > end:
        return header_check_failed(c, log, BAD_LENGTH)
    if rd16(data, s, th + 6) != 0:
        if pseudohdr(data, s, nh, end, in_cksum(data, s, th, ulen), ulen) != 0:
            return header_check_failed(c, log, BAD_CHECKSUM)
    return 0


class CheckUDPHeader(Element):
    """Checks the UDP header on UDP/IP packets: length and checksum (when nonzero).

    Valid packets leave on output 0.  Invalid ones (not UDP, bad length, bad
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
    simple_action = check_udp_header
    host_pending = log_pending

    @classmethod
    def state(cls, values, n_inputs, n_outputs):
        return header_check_state(values, n_outputs, len(_REASONS))

    @classmethod
    def read_handler(cls, name, values, st):
        return header_check_read(name, st, _REASONS)

    @classmethod
    def host_flush(cls, values, st, pool):
        header_check_flush(st, "UDP", _REASONS, "")
