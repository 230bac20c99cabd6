"""CheckARPHeader: checks ARP header lengths and sets the network header annotation."""
import numpy as np
from numba import njit

from clickpy.args import Arg, Bool, Integer
from clickpy.datapath.inet import (header_check_failed, header_check_flush, header_check_read,
                                   header_check_state, log_pending)
from clickpy.element import IP_HEADER, Element, Handler
from clickpy.packet import A_NH, A_TH, rd16

MINISCULE_PACKET, BAD_LENGTH, BAD_HRD, BAD_PRO = range(4)
_REASONS = ("tiny packet", "too small for addresses", "bad hardware type/length",
            "bad protocol type/length")
ARP_SIZE = 8                   # sizeof(click_arp): the fixed part
UINT_MAX = 0xFFFFFFFF


@njit(cache=True, _nrt=False)
def checkarpheader(P, s, st):
    data, head, length, anno = P[0], P[1], P[2], P[3]
    c, log = st[0], st[1]
    offset = st[2][0]
    plen = length[s] - offset
    if plen < ARP_SIZE:
        return header_check_failed(c, log, MINISCULE_PACKET)
    ap = head[s] + offset
    hln, pln = np.int64(data[s, ap + 4]), np.int64(data[s, ap + 5])
    hlen = ARP_SIZE + 2 * hln + 2 * pln
    if plen < hlen:
        return header_check_failed(c, log, BAD_LENGTH)
    if rd16(data, s, ap) == 1 and hln != 6:                       # ARPHRD_ETHER
        return header_check_failed(c, log, BAD_HRD)
    pro = rd16(data, s, ap + 2)
    if (pro == 0x0800 and pln != 4) or (pro == 0x86DD and pln != 16):
        return header_check_failed(c, log, BAD_PRO)
    anno[s, A_NH] = ap
    anno[s, A_TH] = ap + hlen
    return 0


class CheckARPHeader(Element):
    """Checks ARP header.

    Packets should have an ARP header OFFSET bytes in (default 0).  Checks
    that the packet is long enough for the header and its addresses, that an
    Ethernet hardware type has 6-byte addresses and that IPv4 (IPv6)
    protocol addresses are 4 (16) bytes.  Valid packets leave on output 0
    with the network header annotation on the ARP header; invalid ones go to
    output 1 if it is connected, else are dropped.  The first failure is
    reported, every one with VERBOSE; DETAILS counts them per reason.
    """

    port_count = "1/1-2"
    processing = "a/ah"
    args = (
        Arg("OFFSET", Integer(0, UINT_MAX, name="unsigned integer"), positional=True,
            default=0, doc="byte position at which the ARP header begins"),
        Arg("VERBOSE", Bool(), default=False, doc="report every bad packet, not the first"),
        Arg("DETAILS", Bool(), default=False, doc="count drops per reason (drop_details)"),
    )
    handlers = (
        Handler("drops", doc="invalid packets seen"),
        Handler("drop_details", doc="drops per reason (with DETAILS true)"),
    )
    sets = {IP_HEADER: (0,)}
    drop_reasons = _REASONS
    simple_action = checkarpheader
    host_pending = log_pending

    @classmethod
    def state(cls, values, n_inputs, n_outputs):
        c, log = header_check_state(values, n_outputs, len(_REASONS))
        return c, log, np.array([values.get("OFFSET") or 0], dtype=np.int64)

    @classmethod
    def read_handler(cls, name, values, st):
        return header_check_read(name, st, _REASONS)

    @classmethod
    def host_flush(cls, values, st, pool):
        # Click's click_chatter("ARP header check failed: %s"), with no element name.
        header_check_flush(st, "ARP", _REASONS, "")
