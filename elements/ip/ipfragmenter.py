"""IPFragmenter: splits IP packets larger than the MTU."""
import ipaddress
import sys

import numpy as np
from numba import njit

from clickpy.args import Arg, ArgError, ArgType, Bool, Integer
from clickpy.datapath.inet import (IP_DF, IP_MF, drain_events, event_log, in_cksum, log_event,
                                   log_pending)
from clickpy.datapath.xorshift import xorshift32
from clickpy.element import IP_HEADER, Element, Handler
from clickpy.kernel import drop
from clickpy.packet import (A_NH, A_TH, HEADROOM, NANNO, SLOT_SIZE, create, rd16, rd32, take_back,
                            wr16)

MTU, HONOR_DF, VERBOSE, FRAG_HEADROOM, NOUT, DROPS, FRAGMENTS, RNG = range(8)  # state words
BAD_HEADER, DONT_FRAGMENT = 0, 1


class _MTU(ArgType):
    name = "MTU"
    example = "1500"

    def parse(self, text, ctx):
        value = Integer(0, name="MTU").parse(text, ctx)
        if value < 8:
            raise ArgError("MTU must be at least 8", "give the link MTU in bytes, e.g. 1500")
        return value


@njit(cache=True, _nrt=False)
def _options_length(data, s, nh, hlen, q, qo):
    """Click's IPFragmenter::optcopy: bytes of the options copied into later fragments.

    Copies options with the "copied" bit to data[q, qo:] when q >= 0, pads
    with EOL to a multiple of 4.  (Click's loop forgets to advance past an
    option; this one advances, and stops at a malformed length.)
    """
    n = hlen - 20
    i = 0
    out = 0
    while i < n:
        opt = data[s, nh + 20 + i]
        if opt == 1:
            optlen = 1
        else:
            if opt == 0 or i == n - 1:
                break
            optlen = np.int64(data[s, nh + 21 + i])
            if optlen < 2 or i + optlen > n:
                break
        if opt & 0x80:
            if q >= 0:
                for k in range(optlen):
                    data[q, qo + out + k] = data[s, nh + 20 + i + k]
            out += optlen
        i += optlen
    while out & 3:
        if q >= 0:
            data[q, qo + out] = 0
        out += 1
    return out


@njit(cache=True, _nrt=False)
def _random16(c):
    return xorshift32(c, RNG) & 0xFFFF


@njit(cache=True, _nrt=False)
def ip_fragment(P, port, s, st, emit):
    # The common case is this small function, which the compiler inlines into
    # the task; _fragment, the large rest, stays a call (clickpy.compile.inline).
    end = P[1][s] + P[2][s]
    nh = P[3][s, A_NH]
    if nh < 0:
        emit[0] = drop(BAD_HEADER)
        emit[1] = s
        return 1
    if end - nh <= st[0][MTU]:          # Click looks at nothing else
        emit[0] = 0
        emit[1] = s
        return 1
    return _fragment(P, s, st, emit, end, nh)


@njit(cache=True, _nrt=False)
def _fragment(P, s, st, emit, end, nh):
    """The packet does not fit the MTU: fragment it, or refuse (DF, bad header)."""
    data, head, length, anno = P[0], P[1], P[2], P[3]
    c, log = st[0], st[1]
    mtu = c[MTU]
    hlen = (np.int64(data[s, nh]) & 0xF) << 2 if nh < end else 0
    if nh + 20 > end or hlen < 20 or nh + hlen > end:
        emit[0] = drop(BAD_HEADER)
        emit[1] = s
        return 1
    first_dlen = (mtu - hlen) & ~7
    ip_off = rd16(data, s, nh + 6)
    if ((ip_off & IP_DF) and c[HONOR_DF]) or first_dlen < 8:
        if c[VERBOSE] or c[DROPS] < 5:
            log_event(log, rd32(data, s, nh + 12), rd32(data, s, nh + 16), length[s])
        c[DROPS] += 1
        emit[0] = 1 if c[NOUT] > 1 else drop(DONT_FRAGMENT)
        emit[1] = s
        return 1
    # Payload bytes to send: the IP length says, as far as the packet has them.
    th = nh + hlen
    in_dlen = min(rd16(data, s, nh + 2) - hlen, end - th)
    # The first fragment is the packet itself, cut short.
    if ip_off & IP_DF:
        wr16(data, s, nh + 4, _random16(c))
        ip_off &= ~IP_DF
    had_mf = (ip_off & IP_MF) != 0
    ip_off |= IP_MF
    wr16(data, s, nh + 2, hlen + first_dlen)
    wr16(data, s, nh + 6, ip_off)
    wr16(data, s, nh + 10, 0)
    wr16(data, s, nh + 10, in_cksum(data, s, nh, hlen))
    emit[0] = 0
    emit[1] = s
    n = 1
    c[FRAGMENTS] += 1
    out_hlen = 20 + _options_length(data, s, nh, hlen, -1, 0)
    off = first_dlen
    while off < in_dlen and n < emit.shape[0] // 2:
        out_dlen = (mtu - out_hlen) & ~7
        if out_dlen + off > in_dlen:
            out_dlen = in_dlen - off
        q = create(P)
        if q >= 0:
            qh = min(c[FRAG_HEADROOM], SLOT_SIZE - out_hlen - out_dlen)
            head[q] = qh
            length[q] = out_hlen + out_dlen
            for k in range(20):
                data[q, qh + k] = data[s, nh + k]
            _options_length(data, s, nh, hlen, q, qh + 20)
            for k in range(out_dlen):
                data[q, qh + out_hlen + k] = data[s, th + off + k]
            data[q, qh] = (data[q, qh] & 0xF0) | (out_hlen >> 2)
            qoff = (ip_off + (off >> 3)) & 0xFFFF
            if out_dlen + off >= in_dlen and not had_mf:
                qoff &= ~IP_MF
            wr16(data, q, qh + 6, qoff)
            wr16(data, q, qh + 2, out_hlen + out_dlen)
            wr16(data, q, qh + 10, 0)
            wr16(data, q, qh + 10, in_cksum(data, q, qh, out_hlen))
            for k in range(NANNO):
                anno[q, k] = anno[s, k]
            anno[q, A_NH] = qh
            anno[q, A_TH] = qh + out_hlen
            emit[2 * n] = 0
            emit[2 * n + 1] = q
            n += 1
            c[FRAGMENTS] += 1
        off += out_dlen
    take_back(P, s, end - (th + first_dlen))
    return n


class IPFragmenter(Element):
    """Fragments IP packets larger than MTU bytes.

    Packets of at most MTU bytes leave unchanged on output 0; larger ones are
    split into fragments, sent in order on output 0 with all annotations
    copied.  A packet too large but marked Don't Fragment (when HONOR_DF) goes
    to output 1, usually an ICMPError(..., unreachable, needfrag), or is
    dropped when output 1 is not connected.
    """

    port_count = "1/1-2"
    processing = "h/h"
    args = (
        Arg("MTU", _MTU(), required=True, positional=True, doc="largest packet to emit"),
        Arg("HONOR_DF", Bool(), positional=True, default=True,
            doc="send DF packets to output 1 instead of fragmenting them"),
        Arg("VERBOSE", Bool(), positional=True, default=False,
            doc="report every DF packet, not just the first 5"),
        Arg("HEADROOM", Integer(0), doc="headroom of new fragments (default about 28 bytes)"),
    )
    handlers = (
        Handler("drops", doc="packets sent to output 1"),
        Handler("fragments", doc="fragments emitted"),
    )
    requires = {IP_HEADER: (0,)}
    sets = {IP_HEADER: (0,)}
    drop_reasons = ("missing or truncated IP header",
                    "too large with DF set (output 1 not connected)")
    push = ip_fragment
    host_pending = log_pending

    @classmethod
    def state(cls, values, n_inputs, n_outputs):
        c = np.zeros(8, dtype=np.int64)
        c[MTU] = values["MTU"]
        c[HONOR_DF] = values.get("HONOR_DF") is not False
        c[VERBOSE] = bool(values.get("VERBOSE"))
        headroom = values.get("HEADROOM")
        c[FRAG_HEADROOM] = HEADROOM if headroom is None else min(headroom, SLOT_SIZE)
        c[NOUT] = n_outputs
        c[RNG] = 0x2545F491
        return (c, event_log(32, 3))

    @classmethod
    def emits(cls, values, n_outputs):
        # Every fragment but the last carries at least max(8, (MTU - 60) & ~7) bytes.
        return 2 + SLOT_SIZE // max(8, (values["MTU"] - 60) & ~7)

    @classmethod
    def read_handler(cls, name, values, st):
        c = st[0]
        if name in ("drops", "fragments"):
            return str(int(c[DROPS if name == "drops" else FRAGMENTS]))
        raise KeyError(name)

    @classmethod
    def host_flush(cls, values, st, pool):
        events, lost = drain_events(st[1], 3)
        for src, dst, n in events:
            print(f"IPFragmenter({int(st[0][MTU])}) DF {ipaddress.IPv4Address(src)} "
                  f"{ipaddress.IPv4Address(dst)} len={n}", file=sys.stderr)
        if lost:
            print(f"IPFragmenter({int(st[0][MTU])}) ({lost} more DF packets)", file=sys.stderr)
