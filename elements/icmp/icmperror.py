"""ICMPError: answers a packet with an ICMP error message."""
import ipaddress
from dataclasses import dataclass

import numpy as np
from numba import njit

from clickpy.args import (Arg, ArgError, ArgIssue, ArgType, Bool, Integer, IPAddress, ParseContext,
                          SpaceList, Word)
from clickpy.argtypes.ip_names import ICMPType, icmp_code
from clickpy.datapath.inet import in_cksum, transport_offset
from clickpy.datapath.ipheader import ip_int
from clickpy.element import DST_IP, IP_HEADER, Element, Handler
from clickpy.kernel import drop
from clickpy.packet import (A_DST_IP, A_FIX_IP_SRC, A_ICMP_PARAM, A_NH, A_PKTTYPE, A_TH, A_TSTAMP,
                            C_NOW, PKTTYPE_BROADCAST, PKTTYPE_MULTICAST, SLOT_SIZE, create, rd16,
                            rd32, wr16, wr32)


@dataclass(frozen=True)
class ICMPCodeWord:
    """CODE as written; its meaning depends on TYPE, so check_config resolves it."""

    text: str


class _ICMPCode(ArgType):
    name = "ICMP code"
    example = "port"

    def parse(self, text, ctx):
        return ICMPCodeWord(Word().parse(text, ctx))


SRC, TYPE, CODE, MTU, PMTU, FIX_ANNO, NEXT_ID = range(7)   # parameter words (st[0])
ICMP_UNREACH, ICMP_SOURCEQUENCH, ICMP_REDIRECT, ICMP_TIMXCEED, ICMP_PARAMPROB = 3, 4, 5, 11, 12

# Why the input packet leaves (it is always consumed, as in Click).
(ANSWERED, NO_HEADER, TRUNCATED, ABOUT_ICMP_ERROR, DST_BROADCAST, LINK_BROADCAST, BAD_SOURCE,
 LATER_FRAGMENT, SOURCE_ROUTED, MTU_TOO_SMALL, POOL_EMPTY) = range(11)
_REASONS = (
    "answered with an ICMP error",
    "no error sent: no IP header",
    "no error sent: truncated IP header",
    "no error sent: ICMP error or truncated ICMP packet",
    "no error sent: broadcast or multicast destination",
    "no error sent: link-level broadcast or multicast",
    "no error sent: invalid source address",
    "no error sent: not the first fragment",
    "no error sent: redirect for a source-routed packet",
    "no error sent: MTU too small for the error",
    "no error sent: packet pool empty",
)


@njit(cache=True, _nrt=False)
def _is_error_type(t):
    return (t == ICMP_UNREACH or t == ICMP_SOURCEQUENCH or t == ICMP_REDIRECT
            or t == ICMP_TIMXCEED or t == ICMP_PARAMPROB)


@njit(cache=True, _nrt=False)
def _unicast(a, bad):
    # Click's ICMPError::unicast: not limited broadcast, not class D, not in BADADDRS.
    if a == 0xFFFFFFFF or (a & 0xF0000000) == 0xE0000000:
        return False
    for i in range(bad.shape[0]):
        if bad[i] == a:
            return False
    return True


@njit(cache=True, _nrt=False)
def _valid_source(a, bad):
    net = (a >> 24) & 0xFF
    return _unicast(a, bad) and net != 0 and net != 127 and (net & 0xF0) != 0xF0


@njit(cache=True, _nrt=False)
def _source_route(data, s, nh, hlen):
    """Click's valid_source_route: offset of a usable LSRR/SSRR option, or -1."""
    oi = 20
    while oi < hlen:
        t = data[s, nh + oi]
        if t == 1:                      # NOP
            oi += 1
            continue
        if t == 0 or oi + 1 >= hlen:    # EOL; or no room for a length (Click then gives up)
            return -1
        xlen = np.int64(data[s, nh + oi + 1])
        if xlen < 2 or oi + xlen > hlen:
            return -1
        if (t == 131 or t == 137) and xlen >= 3:
            ptr = np.int64(data[s, nh + oi + 2])
            if ptr >= 4 and ptr % 4 == 0 and ptr <= xlen + 1:
                return nh + oi
        oi += xlen
    return -1


@njit(cache=True, _nrt=False)
def _make_error(P, s, st):
    """The new error packet's slot, or -(1 + reason) when none is sent."""
    data, head, length, anno, ctl = P[0], P[1], P[2], P[3], P[5]
    c, bad = st[0], st[1]
    end = head[s] + length[s]
    nh = anno[s, A_NH]
    if nh < 0:
        return -1 - NO_HEADER
    if nh + 20 > end:
        return -1 - TRUNCATED
    hlen = (np.int64(data[s, nh]) & 0xF) << 2
    if nh + hlen > end:
        return -1 - TRUNCATED
    # RFC 1812 4.3.2.7: no errors about ICMP errors ...
    if data[s, nh + 9] == 1:
        th = transport_offset(P, s)
        if hlen + 4 > length[s] or th < 0 or th >= end or _is_error_type(data[s, th]):
            return -1 - ABOUT_ICMP_ERROR
    # ... nor to broadcast or multicast destinations, link-level or IP ...
    if not _unicast(rd32(data, s, nh + 16), bad):
        return -1 - DST_BROADCAST
    t = anno[s, A_PKTTYPE]
    if t == PKTTYPE_BROADCAST or t == PKTTYPE_MULTICAST:
        return -1 - LINK_BROADCAST
    # ... nor to invalid sources, nor about later fragments.
    src = rd32(data, s, nh + 12)
    if not _valid_source(src, bad):
        return -1 - BAD_SOURCE
    if rd16(data, s, nh + 6) & 0x1FFF:
        return -1 - LATER_FRAGMENT
    typ, code = c[TYPE], c[CODE]
    sr = _source_route(data, s, nh, hlen)
    if sr >= 0:
        if typ == ICMP_REDIRECT:
            return -1 - SOURCE_ROUTED
        if typ == ICMP_PARAMPROB and code == 0:
            at = nh + (anno[s, A_ICMP_PARAM] & 0xFF)
            if sr <= at and at < sr + data[s, sr + 1]:
                sr = -1        # the problem is the source route: ignore it (4.3.2.6)
    olen = 0
    nhl = 20
    if sr >= 0:
        olen = np.int64(data[s, sr + 2]) - 1
        nhl = ((20 + olen + 3) >> 2) << 2
    room = c[MTU] - nhl - 8        # Click's Packet::make(MTU) holds MTU bytes
    if room < 0:
        return -1 - MTU_TOO_SMALL
    q = create(P)
    if q < 0:
        return -1 - POOL_EMPTY
    qh = head[q]
    xlen = min(room, end - nh, SLOT_SIZE - qh - nhl - 8)
    # IP header
    data[q, qh] = 0x40 | (nhl >> 2)
    data[q, qh + 1] = 0
    wr16(data, q, qh + 2, nhl + 8 + xlen)
    wr16(data, q, qh + 4, c[NEXT_ID])
    c[NEXT_ID] = (c[NEXT_ID] + 1) & 0xFFFF
    wr16(data, q, qh + 6, 0)
    data[q, qh + 8] = 200
    data[q, qh + 9] = 1
    wr16(data, q, qh + 10, 0)
    wr32(data, q, qh + 12, c[SRC])
    wr32(data, q, qh + 16, src)
    if sr >= 0:                     # the reversed source route (4.3.2.6)
        o = qh + 20
        ptr = olen + 1
        data[q, o] = data[s, sr]
        data[q, o + 1] = olen
        data[q, o + 2] = 4
        data[q, o + olen] = 0
        w = o + 3
        oo = sr + ptr - 5
        while oo >= sr + 3:
            for k in range(4):
                data[q, w + k] = data[s, oo + k]
            oo -= 4
            w += 4
    # ICMP header
    ic = qh + nhl
    data[q, ic] = typ
    data[q, ic + 1] = code
    for k in range(2, 8):
        data[q, ic + k] = 0
    if typ == ICMP_PARAMPROB and code == 0:
        data[q, ic + 4] = anno[s, A_ICMP_PARAM] & 0xFF
    if typ == ICMP_REDIRECT:
        wr32(data, q, ic + 4, anno[s, A_DST_IP])
    if typ == ICMP_UNREACH and code == 4:
        wr16(data, q, ic + 6, c[PMTU])
    for k in range(xlen):
        data[q, ic + 8 + k] = data[s, nh + k]
    wr16(data, q, ic + 2, in_cksum(data, q, ic, 8 + xlen))
    wr16(data, q, qh + 10, in_cksum(data, q, qh, nhl))
    length[q] = nhl + 8 + xlen
    anno[q, A_NH] = qh
    anno[q, A_TH] = ic
    anno[q, A_DST_IP] = src
    if c[FIX_ANNO]:
        anno[q, A_FIX_IP_SRC] = 1
    anno[q, A_TSTAMP] = ctl[C_NOW]
    return q


@njit(cache=True, _nrt=False)
def icmp_error(P, port, s, st, emit):
    # The input packet is always consumed: emitted with a drop code saying
    # why, so the packet account balances; the error (if any) goes to output 0.
    q = _make_error(P, s, st)
    if q < 0:
        emit[0] = drop(-1 - q)
        emit[1] = s
        return 1
    emit[0] = drop(ANSWERED)
    emit[1] = s
    emit[2] = 0
    emit[3] = q
    return 2


class ICMPError(Element):
    """Generates ICMP error packets in response to IP packets.

    Each input packet is answered by a new IP/ICMP packet from SRC to the
    packet's source, of type TYPE and code CODE (numbers or names such as
    `timeexceeded` / `transit`, `unreachable` / `needfrag`), carrying the
    original IP header and the start of its payload; the input packet is
    consumed.  No error is sent for ICMP errors, fragments, broadcasts or
    BADADDRS.  Output packets have the IP header and destination IP
    annotations set, and the Fix IP Source annotation (for FixIPSrc) unless
    SET_FIX_ANNO is false.  Connect the output to the routing lookup.
    """

    port_count = "1/1"
    processing = "a/a"
    args = (
        Arg("SRC", IPAddress(), required=True, positional=True, doc="source address of errors"),
        Arg("TYPE", ICMPType(error_only=True), required=True, positional=True,
            doc="unreachable, sourcequench, redirect, timeexceeded or parameterproblem"),
        Arg("CODE", _ICMPCode(), positional=True, default=0,
            doc="number or name valid for TYPE"),
        Arg("BADADDRS", SpaceList(IPAddress()), positional=True, default=[],
            doc="addresses never to send errors to"),
        Arg("MTU", Integer(0), default=576, doc="largest error packet"),
        Arg("PMTU", Integer(0), default=0, doc="next-hop MTU reported in needfrag errors"),
        Arg("SET_FIX_ANNO", Bool(), default=True, doc="set the Fix IP Source annotation"),
    )
    handlers = (
        Handler("src", write=True, doc="the SRC argument"),
        Handler("mtu", write=True, doc="the MTU argument"),
        Handler("pmtu", write=True, doc="the PMTU argument"),
    )
    requires = {IP_HEADER: (0,)}
    sets = {IP_HEADER: (0,), DST_IP: (0,)}
    new_packets = True
    drop_reasons = _REASONS
    push = icmp_error
    max_emit = 2

    @classmethod
    def state(cls, values, n_inputs, n_outputs):
        code = values.get("CODE", 0)
        if not isinstance(code, int):
            code = icmp_code(values["TYPE"], code.text)
        c = np.zeros(7, dtype=np.int64)
        c[SRC], c[TYPE], c[CODE] = ip_int(values["SRC"]), values["TYPE"], code
        mtu, pmtu = values.get("MTU"), values.get("PMTU")
        c[MTU] = 576 if mtu is None else mtu
        c[PMTU] = pmtu or 0
        c[FIX_ANNO] = values.get("SET_FIX_ANNO") is not False
        c[NEXT_ID] = 1
        bad = np.array([ip_int(a) for a in values.get("BADADDRS") or []], dtype=np.int64)
        return (c, bad)

    @classmethod
    def read_handler(cls, name, values, st):
        c = st[0]
        if name == "src":
            return str(ipaddress.IPv4Address(int(c[SRC])))
        if name in ("mtu", "pmtu"):
            return str(int(c[MTU if name == "mtu" else PMTU]))
        raise KeyError(name)

    @classmethod
    def write_handler(cls, name, text, values, st):
        c = st[0]
        try:
            if name == "src":
                c[SRC] = ip_int(IPAddress().parse(text.strip(), ParseContext()))
            elif name in ("mtu", "pmtu"):
                c[MTU if name == "mtu" else PMTU] = Integer(0, 0xFFFFFFFF).parse(
                    text.strip(), ParseContext())
            else:
                raise KeyError(name)
        except ArgError as e:
            raise ValueError(f"{name}: {e.message}") from None

    @classmethod
    def check_config(cls, values, ctx):
        code = values.get("CODE", 0)
        if isinstance(code, int):   # the default, or already resolved
            return []
        try:
            values["CODE"] = icmp_code(values["TYPE"], code.text)
        except ArgError as e:
            return [ArgIssue(f"CODE: {e.message}", None, e.hint)]
        return []
