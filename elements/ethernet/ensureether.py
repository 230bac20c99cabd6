"""EnsureEther: makes sure IP packets carry an Ethernet header."""
import numpy as np
from numba import njit

from clickpy.args import Arg, EtherAddress
from clickpy.element import Element
from clickpy.kernel import drop
from clickpy.packet import A_NH, copy_bytes, pull_front, rd16
from elements.ethernet.etherencap import EtherType, push_mac_header

ETHERTYPE_IP, ETHERTYPE_IP6 = 0x0800, 0x86DD
DEFAULT_SRC, DEFAULT_DST = b"\x01" * 6, b"\x02" * 6


@njit(cache=True, _nrt=False)
def ensure_ether(P, s, st):
    data, head, length = P[0], P[1], P[2]
    nh = P[3][s, A_NH]
    h = head[s]
    if nh < 0 or nh < h:
        return 0                        # not IP, or its header is in front of the data
    off = nh - h
    if off == 14:
        # An Ethernet header already?  (Only if the packet holds its 14 bytes.)
        if length[s] >= 14:
            t = rd16(data, s, h + 12)
            if t == ETHERTYPE_IP or t == ETHERTYPE_IP6:
                return 0
    elif off == 0 and h >= 14:
        # One that was stripped off, still in the headroom: put it back.
        t = rd16(data, s, h - 2)
        if t == ETHERTYPE_IP or t == ETHERTYPE_IP6:
            head[s] = h - 14
            length[s] += 14
            return 0
    pull_front(P, s, min(off, length[s]))
    if not push_mac_header(P, s, 14):
        return drop(0)
    copy_bytes(data[s], head[s], st[0], 0, 14)
    return 0


class EnsureEther(Element):
    """Ensures that IP packets are Ethernet encapsulated.

    Non-IP packets (no IP header annotation), and IP packets that look
    Ethernet-encapsulated (IP header 14 bytes in, after type 0x0800 or
    0x86DD), leave unchanged.  If the IP header starts the packet and the
    14 bytes in front of it look like a stripped Ethernet header, that header
    is put back.  Otherwise anything before the IP header is removed and the
    header ETHERTYPE (default 0x0800), SRC (1:1:1:1:1:1), DST (2:2:2:2:2:2)
    is prepended.
    """

    port_count = "1/1"
    processing = "a/a"
    args = (
        Arg("ETHERTYPE", EtherType(), positional=True, default=ETHERTYPE_IP,
            doc="type of the prepended header"),
        Arg("SRC", EtherAddress(), positional=True, default=DEFAULT_SRC,
            doc="source address of the prepended header"),
        Arg("DST", EtherAddress(), positional=True, default=DEFAULT_DST,
            doc="destination address of the prepended header"),
    )
    drop_reasons = ("packet too large for its slot",)
    simple_action = ensure_ether

    @classmethod
    def state(cls, values, n_inputs, n_outputs):
        etht = values.get("ETHERTYPE")
        etht = ETHERTYPE_IP if etht is None else etht
        hdr = np.zeros(14, dtype=np.uint8)
        hdr[0:6] = np.frombuffer(bytes(values.get("DST") or DEFAULT_DST), dtype=np.uint8)
        hdr[6:12] = np.frombuffer(bytes(values.get("SRC") or DEFAULT_SRC), dtype=np.uint8)
        hdr[12], hdr[13] = etht >> 8, etht & 0xFF
        return (hdr,)
