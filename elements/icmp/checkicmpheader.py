"""CheckICMPHeader: validates ICMP lengths and checksums."""
from numba import njit

from clickpy.args import Arg, Bool
from clickpy.datapath.inet import (header_check_failed, header_check_flush, header_check_read,
                                   header_check_state, in_cksum, log_pending, transport_offset)
from clickpy.element import IP_HEADER, Element, Handler
from clickpy.packet import A_NH

NOT_ICMP, BAD_LENGTH, BAD_CHECKSUM = 0, 1, 2
_REASONS = ("not ICMP", "bad packet length", "bad ICMP checksum")


@njit(cache=True, _nrt=False)
def check_icmp_header(P, s, st):
    # As Click: the ICMP message is everything from the transport header to
    # the end of the packet (not the IP length); error messages must carry an
    # IP header and 8 bytes, timestamps are exactly 20 bytes, information
    # requests exactly 8; the checksum covers the whole message.
    data, head, length, anno = P[0], P[1], P[2], P[3]
    c, log = st[0], st[1]
    end = head[s] + length[s]
    nh = anno[s, A_NH]
    if nh < 0 or nh + 10 > end or data[s, nh + 9] != 1:
        return header_check_failed(c, log, NOT_ICMP)
    th = transport_offset(P, s)
    icmp_len = end - th
    if th < 0 or icmp_len < 8:
        return header_check_failed(c, log, BAD_LENGTH)
    t = data[s, th]
    if t == 3 or t == 11 or t == 12 or t == 4 or t == 5:   # errors
        if icmp_len < 8 + 28:
            return header_check_failed(c, log, BAD_LENGTH)
    elif t == 13 or t == 14:                                 # timestamp (reply)
        if icmp_len != 20:
            return header_check_failed(c, log, BAD_LENGTH)
    elif t == 15 or t == 16:                                 # information request (reply)
        if icmp_len != 8:
            return header_check_failed(c, log, BAD_LENGTH)
    if in_cksum(data, s, th, icmp_len) != 0:
        return header_check_failed(c, log, BAD_CHECKSUM)
    return 0


class CheckICMPHeader(Element):
    """Checks the ICMP header on ICMP packets: a sensible length and a valid checksum.

    Valid packets leave on output 0.  Invalid ones (not ICMP, bad length for
    their type, bad checksum) go to output 1 if it is connected, else are
    dropped.
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
    simple_action = check_icmp_header
    host_pending = log_pending

    @classmethod
    def state(cls, values, n_inputs, n_outputs):
        return header_check_state(values, n_outputs, len(_REASONS))

    @classmethod
    def read_handler(cls, name, values, st):
        return header_check_read(name, st, _REASONS)

    @classmethod
    def host_flush(cls, values, st, pool):
        header_check_flush(st, "ICMP", _REASONS, f"{cls.class_name}: ")
