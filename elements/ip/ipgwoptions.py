"""IPGWOptions: processes the IP options every router must handle."""
import numpy as np
from numba import njit

from clickpy.args import Arg, IPAddress, SpaceList
from clickpy.datapath.ipheader import NO_IP_HEADER, in_cksum, ip_header_at, ip_int
from clickpy.element import IP_HEADER, Element, Handler
from clickpy.kernel import drop
from clickpy.packet import A_ICMP_PARAM, A_TH, C_NOW, rd32, wr16, wr32

MYADDR, NOUT, DROPS = range(3)  # state words; st[1] lists every address of the router
IPOPT_EOL, IPOPT_NOP, IPOPT_RR, IPOPT_TS = 0, 1, 7, 68


@njit(cache=True, _nrt=False)
def _byte(P, s, at):
    """The byte at absolute offset `at` if it is in the packet, else 0 (never read past it)."""
    if at < P[1][s] + P[2][s]:
        return np.int64(P[0][s, at])
    return np.int64(0)


@njit(cache=True, _nrt=False)
def _bad_option(P, s, st, oi):
    c = st[0]
    c[DROPS] += 1
    P[3][s, A_ICMP_PARAM] = oi
    return 1 if c[NOUT] > 1 else drop(0)


@njit(cache=True, _nrt=False)
def ip_gw_options(P, s, st):
    data, anno, ctl = P[0], P[3], P[5]
    c, addrs = st[0], st[1]
    ip = ip_header_at(P, s, 20)
    if ip < 0:
        return drop(1)
    if ((np.int64(data[s, ip]) & 0xF) << 2) <= 20:
        return 0
    # Click walks the network header's length (transport minus network header).
    th = anno[s, A_TH]
    hlen = th - ip if th >= ip else (np.int64(data[s, ip]) & 0xF) << 2
    if ip_header_at(P, s, hlen) < 0:
        return drop(1)
    now = ctl[C_NOW]
    ms = ((now // 1000000000) % 86400) * 1000 + (now % 1000000000) // 1000000
    changed = False
    oi = 20
    while oi < hlen:
        kind = np.int64(data[s, ip + oi])
        if kind == IPOPT_NOP:
            oi += 1
            continue
        if kind == IPOPT_EOL:
            break
        xlen = _byte(P, s, ip + oi + 1)
        if xlen < 2 or oi + xlen > hlen:
            return _bad_option(P, s, st, oi + 1)
        if kind != IPOPT_RR and kind != IPOPT_TS:
            oi += xlen
            continue
        changed = True
        ptr = _byte(P, s, ip + oi + 2) - 1       # the option's pointer is 1-origin
        if kind == IPOPT_RR:
            if ptr >= 3 and ptr + 4 <= xlen:
                wr32(data, s, ip + oi + ptr, c[MYADDR])
                data[s, ip + oi + 2] = (np.int64(data[s, ip + oi + 2]) + 4) & 0xFF
            elif ptr != xlen:
                return _bad_option(P, s, st, oi + 2)
        else:
            oflw = _byte(P, s, ip + oi + 3) >> 4
            flg = _byte(P, s, ip + oi + 3) & 0xF
            overflowed = False
            if ptr < 4:
                return _bad_option(P, s, st, oi + 2)
            elif flg == 0:                        # timestamps only
                if ptr + 4 <= xlen:
                    wr32(data, s, ip + oi + ptr, ms)
                    data[s, ip + oi + 2] = (np.int64(data[s, ip + oi + 2]) + 4) & 0xFF
                else:
                    overflowed = True
            elif flg == 1:                        # address, then timestamp
                if ptr + 8 <= xlen:
                    wr32(data, s, ip + oi + ptr, c[MYADDR])
                    wr32(data, s, ip + oi + ptr + 4, ms)
                    data[s, ip + oi + 2] = (np.int64(data[s, ip + oi + 2]) + 8) & 0xFF
                else:
                    overflowed = True
            elif flg == 3 and ptr + 8 <= xlen:    # prespecified addresses: stamp if ours
                addr = rd32(data, s, ip + oi + ptr)
                for a in addrs:
                    if a == addr:
                        wr32(data, s, ip + oi + ptr + 4, ms)
                        data[s, ip + oi + 2] = (np.int64(data[s, ip + oi + 2]) + 8) & 0xFF
                        break
            else:
                return _bad_option(P, s, st, oi + 3)
            if overflowed:
                if oflw < 15:
                    if ip + oi + 3 < P[1][s] + P[2][s]:
                        data[s, ip + oi + 3] = ((oflw + 1) << 4) | flg
                else:
                    return _bad_option(P, s, st, oi + 3)
        oi += xlen
    if changed:
        wr16(data, s, ip + 10, 0)
        wr16(data, s, ip + 10, in_cksum(data, s, ip, hlen))
    return 0


class IPGWOptions(Element):
    """Processes router IP options: Record Route and Timestamp.

    MYADDR is this router's address on the outgoing interface (so place the
    element on the output path); OTHERADDRS lists its other addresses, for the
    Timestamp option.  Packets with bad options go to output 1 (usually
    ICMPError(..., parameterproblem)) with the ICMP parameter problem
    annotation pointing at the bad byte, or are dropped if output 1 is not
    connected.  Timestamps are milliseconds since midnight UT of the
    driver's clock.
    """

    port_count = "1/1-2"
    processing = "a/ah"
    args = (
        Arg("MYADDR", IPAddress(), required=True, positional=True,
            doc="IP address of the outgoing interface"),
        Arg("OTHERADDRS", SpaceList(IPAddress()), positional=True, default=[],
            doc="the router's other interface addresses"),
    )
    handlers = (Handler("drops", doc="packets with bad options"),)
    requires = {IP_HEADER: (0,)}
    drop_reasons = ("bad IP option", NO_IP_HEADER)
    simple_action = ip_gw_options

    @classmethod
    def state(cls, values, n_inputs, n_outputs):
        c = np.zeros(3, dtype=np.int64)
        c[MYADDR], c[NOUT] = ip_int(values["MYADDR"]), n_outputs
        addrs = [ip_int(a) for a in values.get("OTHERADDRS") or []] + [int(c[MYADDR])]
        return (c, np.array(addrs, dtype=np.int64))

    @classmethod
    def read_handler(cls, name, values, st):
        if name == "drops":
            return str(int(st[0][DROPS]))
        raise KeyError(name)
