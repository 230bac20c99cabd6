"""IPOutputCombo: an IP router's output path in one element, as Click's."""
import numpy as np
from numba import njit

from clickpy.args import Arg, Integer, IPAddress
from clickpy.argtypes.packet_annotations import PAINT_ANNOTATION
from clickpy.datapath.ipheader import NO_IP_HEADER, in_cksum, ip_header_at, ip_int
from clickpy.element import IP_HEADER, Element
from clickpy.kernel import drop
from clickpy.packet import A_FIX_IP_SRC, A_ICMP_PARAM, A_TH, C_NOW, rd16, rd32, wr16, wr32
from elements.ip.ipgwoptions import IPOPT_EOL, IPOPT_NOP, IPOPT_RR, IPOPT_TS, _byte
from elements.standard.dropbroadcasts import dropbroadcasts
from elements.standard.paint import paint_state
from elements.standard.painttee import painttee

INT32 = (-2**31, 2**31 - 1)          # Click's IntArg for int
MYADDR, MTU = 0, 1                    # words of st[0]; st[1] is PaintTee's, st[2] DropBroadcasts'
BROADCAST, BAD_HEADER = 0, 1          # drop reasons


@njit(cache=True, _nrt=False)
def _options(P, s, ip, hlen, myaddr):
    """IPGWOptions as Click's combo does it: 0 when fine (-1 when a field was written),
    else the offset of the bad byte for the ICMP parameter problem annotation."""
    data = P[0]
    now = P[5][C_NOW]
    ms = ((now // 1000000000) % 86400) * 1000 + (now % 1000000000) // 1000000
    written = False
    oi = 20
    while oi < hlen:
        kind = np.int64(data[s, ip + oi])
        if kind == IPOPT_NOP:
            oi += 1
            continue
        if kind == IPOPT_EOL:
            break
        xlen = _byte(P, s, ip + oi + 1)     # bytes Click reads past the header: 0 if past
        if xlen < 2 or oi + xlen > hlen:
            return oi + 1
        if kind != IPOPT_RR and kind != IPOPT_TS:
            oi += xlen
            continue
        ptr = _byte(P, s, ip + oi + 2) - 1      # the option's pointer is 1-origin
        if kind == IPOPT_RR:
            if ptr >= 3 and ptr + 4 <= xlen:
                wr32(data, s, ip + oi + ptr, myaddr)
                data[s, ip + oi + 2] = (ptr + 1 + 4) & 0xFF
                written = True
            elif ptr != xlen:
                return oi + 2
        else:
            if ptr < 4:
                return oi + 2
            flags = _byte(P, s, ip + oi + 3)
            oflw, flg = flags >> 4, flags & 0xF
            overflowed = False
            if flg == 0:
                if ptr + 4 <= xlen:
                    wr32(data, s, ip + oi + ptr, ms)
                    data[s, ip + oi + 2] = (ptr + 1 + 4) & 0xFF
                    written = True
                else:
                    overflowed = True
            elif flg == 1:
                if ptr + 8 <= xlen:
                    wr32(data, s, ip + oi + ptr, myaddr)
                    wr32(data, s, ip + oi + ptr + 4, ms)
                    data[s, ip + oi + 2] = (ptr + 1 + 8) & 0xFF
                    written = True
                else:
                    overflowed = True
            elif flg == 3 and ptr + 8 <= xlen:
                if rd32(data, s, ip + oi + ptr) == myaddr:      # only our own address
                    wr32(data, s, ip + oi + ptr + 4, ms)
                    data[s, ip + oi + 2] = (ptr + 1 + 8) & 0xFF
                    written = True
            else:
                return oi + 3
            if overflowed:
                if oflw < 15:
                    if ip + oi + 3 < P[1][s] + P[2][s]:
                        data[s, ip + oi + 3] = ((oflw + 1) << 4) | flg
                    written = True
                else:
                    return oi + 3
        oi += xlen
    return -1 if written else 0


@njit(cache=True, _nrt=False)
def ip_output_combo(P, port, s, st, emit):
    data, anno = P[0], P[3]
    c = st[0]
    # DropBroadcasts, PaintTee: their kernels (PaintTee's copy goes first, to output 1).
    if dropbroadcasts(P, s, (st[2],)) != 0:
        emit[0] = drop(BROADCAST)
        emit[1] = s
        return 1
    n = painttee(P, 0, s, (st[1],), emit)
    last = 2 * (n - 1)                  # the packet itself, on output 0 so far
    ip = ip_header_at(P, s, 20)
    hlen = (np.int64(data[s, ip]) & 0xF) << 2 if ip >= 0 else 0
    th = anno[s, A_TH]
    olen = th - ip if th >= ip else hlen            # Click's network_header_length()
    if ip < 0 or ip_header_at(P, s, max(hlen, olen)) < 0:
        emit[last] = drop(BAD_HEADER)   # Click asserts a network header
        return n
    cksum = False
    if hlen > 20:
        bad = _options(P, s, ip, olen, c[MYADDR])
        if bad > 0:
            anno[s, A_ICMP_PARAM] = bad
            emit[last] = 2
            return n
        cksum = bad < 0
    if anno[s, A_FIX_IP_SRC] != 0:      # FixIPSrc
        anno[s, A_FIX_IP_SRC] = 0
        wr32(data, s, ip + 12, c[MYADDR])
        cksum = True
    if cksum:
        wr16(data, s, ip + 10, 0)
        wr16(data, s, ip + 10, in_cksum(data, s, ip, hlen))
    if data[s, ip + 8] <= 1:            # DecIPTTL
        emit[last] = 3
        return n
    data[s, ip + 8] -= 1
    total = ((~rd16(data, s, ip + 10)) & 0xFFFF) + 0xFEFF
    wr16(data, s, ip + 10, ~(total + (total >> 16)) & 0xFFFF)
    if P[2][s] > c[MTU]:                # longer than MTU: for an IPFragmenter on output 4
        emit[last] = 4
    return n


class IPOutputCombo(Element):
    """Output combo for IP routing.

    A single element encapsulating common tasks on an IP router's output
    path; effectively `DropBroadcasts -> p :: PaintTee(COLOR) -> g ::
    IPGWOptions(IPADDR) -> FixIPSrc(IPADDR) -> d :: DecIPTTL -> l ::
    CheckLength(MTU)`.  Output 0 is for normal packets; outputs 1, 2 and 3
    are PaintTee's, IPGWOptions' and DecIPTTL's second outputs (copies of
    packets painted COLOR; bad IP options, with the ICMP parameter problem
    annotation; TTL expired); output 4 gets packets longer than MTU bytes.
    It does no fragmentation: put an IPFragmenter on output 4.
    Link-level broadcasts are dropped.
    """

    port_count = "1/5"
    processing = "h/h"
    args = (
        Arg("COLOR", Integer(*INT32, name="color"), required=True, positional=True,
            doc="paint color copied to output 1 (PaintTee)"),
        Arg("IPADDR", IPAddress(), required=True, positional=True,
            doc="this interface's address (IPGWOptions, FixIPSrc)"),
        Arg("MTU", Integer(0, 2**32 - 1, name="MTU"), required=True, positional=True,
            doc="longest packet sent to output 0"),
    )
    requires = {IP_HEADER: (0,)}
    drop_reasons = ("link-level broadcast or multicast", NO_IP_HEADER)
    push = ip_output_combo
    max_emit = 2

    @classmethod
    def state(cls, values, n_inputs, n_outputs):
        c = np.array([ip_int(values["IPADDR"]), values["MTU"]], dtype=np.int64)
        # PaintTee compares the paint byte with COLOR: a COLOR outside 0..255 never matches.
        tee = paint_state(cls, {"COLOR": 0, "ANNO": PAINT_ANNOTATION})
        tee[2] = values["COLOR"]
        drops = np.array([0, 1], dtype=np.int64)      # DropBroadcasts with one output
        return (c, tee, drops)
