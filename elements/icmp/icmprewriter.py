"""ICMPRewriter: lets ICMP errors about translated packets through a NAT.

An ICMP error quotes the IP header and first 8 bytes of the packet it
answers; after a rewriter that packet carried the rewritten addresses and
ports.  ICMPRewriter finds the quoted flow's mapping in its MAPS (the
rewriters' own flow tables, which it shares: Element.peers) and rewrites the
error to answer the original packet: the outer destination, the quoted
header, ports or echo identifier, and every checksum involved.
"""
import re

import numpy as np
from numba import njit

from clickpy.args import Arg, ArgError, ArgIssue, ArgType
from clickpy.argtypes.packet_annotations import Annotation
from clickpy.datapath.inet import (IP_OFFMASK, transport_offset, update_in_cksum,
                                   update_zero_in_cksum)
from clickpy.diagnostics import did_you_mean
from clickpy.element import IP_HEADER, Element
from clickpy.kernel import drop
from clickpy.packet import A_DST_IP, A_NH, rd16, rd32, wr16
from elements.standard.paint import anno_byte
from elements.tcpudp.iprewriter import (DST_ANNO, F_K0, F_OUT0, F_REPLY, KIND_ICMPPING,
                                        KIND_IPADDRREWRITER, NFL, NPRM, P_KIND, P_NOUT,
                                        IPRewriterBase, echo_pair, find_in)

MAX_MAPS = 4
NMAPS, C_DST_ANNO, C_REPLY_COL, C_REPLY_SHIFT, C_NOUT, C_OFF = range(6)   # C_OFF + map: offset
NC = C_OFF + MAX_MAPS
NO_HEADER, NOT_ICMP, UNMAPPED = range(3)


@njit(cache=True, _nrt=False)
def _field(data, s, at, new, csum):
    """Write halfword `new` at `at`; the checksum `csum` (of data covering it) updated."""
    old = rd16(data, s, at)
    wr16(data, s, at, new)
    return update_in_cksum(csum, old, new)


@njit(cache=True, _nrt=False)
def _lookup(prm, ht, fl, enc_p, sa, sp, da, dp, echo):
    """Click's get_entry(enc_p, (sa, sp, da, dp), get_entry_reply) in one map, or -1."""
    kind = prm[P_KIND]
    if kind < 0:
        return -1
    if kind == KIND_ICMPPING:
        return find_in(fl, ht, 1, sa, echo_pair(sp), da, sp) if enc_p == 1 and echo else -1
    if kind == KIND_IPADDRREWRITER:
        e = find_in(fl, ht, 0, sa, 0, 0, 0)
        return e if e >= 0 else find_in(fl, ht, 0, 0, 0, da, 0)
    return find_in(fl, ht, enc_p, sa, sp, da, dp)


@njit(cache=True, _nrt=False)
def _rewrite(P, s, c, m, prm, fl, e, th, use):
    # Click's ICMPRewriter::handle once the quoted flow's entry e is found in map m.
    data, head, length, anno = P[0], P[1], P[2], P[3]
    end = head[s] + length[s]
    nh, enc = anno[s, A_NH], th + 8
    et = enc + ((data[s, enc] & 0xF) << 2)
    esrc, edst = rd32(data, s, enc + 12), rd32(data, s, enc + 16)
    f, d = e >> 1, e & 1
    k = F_K0 + 4 * (1 - d)                  # the flow's rewritten ID is this key, reversed
    nsa, nsp, nda, ndp = fl[f, k + 2], fl[f, k + 3], fl[f, k], fl[f, k + 1]
    if prm[P_KIND] == KIND_IPADDRREWRITER:  # its flow IDs hold one address: keep the rest
        nsa = nsa if nsa else edst
        nda = nda if nda else esrc
        if use == 1:
            nsp, ndp = rd16(data, s, et + 2), rd16(data, s, et)
        elif use == 2:
            ndp = rd16(data, s, et + 4)
    if rd32(data, s, nh + 16) == esrc:      # the error went to the rewritten source
        ipsum = _field(data, s, nh + 16, nda >> 16, rd16(data, s, nh + 10))
        ipsum = _field(data, s, nh + 18, nda & 0xFFFF, ipsum)
        wr16(data, s, nh + 10, ipsum)
        if c[C_DST_ANNO]:
            anno[s, A_DST_IP] = nda
    if d and c[C_REPLY_SHIFT] >= 0:
        col, shift = c[C_REPLY_COL], c[C_REPLY_SHIFT]
        anno[s, col] = (anno[s, col] & ~(0xFF << shift)) | ((fl[f, F_REPLY] & 0xFF) << shift)
    icsum = rd16(data, s, th + 2)           # the outer ICMP checksum covers all that follows
    encsum, tsum = rd16(data, s, enc + 10), 0    # the quoted IP and transport checksums
    enc_p = data[s, enc + 9]
    at_sum = -1
    if use == 1:
        if enc_p == 6 and et + 18 <= end:
            at_sum = et + 16
        elif enc_p == 17 and rd16(data, s, et + 6) != 0:
            at_sum = et + 6
    if at_sum >= 0:
        tsum = rd16(data, s, at_sum)
    for at, new in ((enc + 12, nda >> 16), (enc + 14, nda & 0xFFFF),
                    (enc + 16, nsa >> 16), (enc + 18, nsa & 0xFFFF)):
        old = rd16(data, s, at)
        encsum = update_in_cksum(encsum, old, new)
        tsum = update_in_cksum(tsum, old, new)
        icsum = _field(data, s, at, new, icsum)
    icsum = _field(data, s, enc + 10, encsum, icsum)
    if use == 1:                            # TCP, UDP, DCCP: the quoted ports
        for at, new in ((et, ndp), (et + 2, nsp)):
            tsum = update_in_cksum(tsum, rd16(data, s, at), new)
            icsum = _field(data, s, at, new, icsum)
        if at_sum >= 0:
            icsum = _field(data, s, at_sum, tsum, icsum)
    elif use == 2:                          # a quoted echo request: its identifier
        ecsum = update_in_cksum(rd16(data, s, et + 2), rd16(data, s, et + 4), ndp)
        icsum = _field(data, s, et + 4, ndp, icsum)
        icsum = _field(data, s, et + 2, ecsum, icsum)
        icsum = _field(data, s, et + 2,
                       update_zero_in_cksum(ecsum, data, s, et, end - et), icsum)
    wr16(data, s, th + 2, icsum)
    off = c[C_OFF + m]
    return off + fl[f, F_OUT0 + d] if off >= 0 else 0


@njit(cache=True, _nrt=False)
def icmp_rewrite(P, s, st):
    data, head, length, anno = P[0], P[1], P[2], P[3]
    c = st[0]
    end = head[s] + length[s]
    nh = anno[s, A_NH]
    if nh < 0 or nh + 20 > end:
        return drop(NO_HEADER)
    if data[s, nh + 9] != 1:
        return drop(NOT_ICMP)
    unmapped = 1 if c[C_NOUT] > 1 else drop(UNMAPPED)
    th = transport_offset(P, s)
    if th < 0 or th + 28 > end:
        return unmapped
    t = data[s, th]
    if t != 3 and t != 4 and t != 5 and t != 11 and t != 12:
        return unmapped
    enc = th + 8
    ehl = (data[s, enc] & 0xF) << 2
    if (data[s, enc] >> 4) != 4 or ehl < 20:
        return unmapped
    et, enc_p = enc + ehl, data[s, enc + 9]
    first = (rd16(data, s, enc + 6) & IP_OFFMASK) == 0
    esrc, edst = rd32(data, s, enc + 12), rd32(data, s, enc + 16)
    sp = dp = use = 0
    if enc_p == 6 or enc_p == 17 or enc_p == 33:
        if et + 8 <= end and first:
            sp, dp, use = rd16(data, s, et + 2), rd16(data, s, et), 1
    elif enc_p == 1:
        if et + 6 <= end and first and data[s, et] == 8:
            sp, use = rd16(data, s, et + 4), 2
    # MAPS in order; a tuple's members are reached by constant indices only
    if c[NMAPS] > 0:
        e = _lookup(st[1], st[2], st[3], enc_p, edst, sp, esrc, dp, use == 2)
        if e >= 0:
            return _rewrite(P, s, c, 0, st[1], st[3], e, th, use)
    if c[NMAPS] > 1:
        e = _lookup(st[4], st[5], st[6], enc_p, edst, sp, esrc, dp, use == 2)
        if e >= 0:
            return _rewrite(P, s, c, 1, st[4], st[6], e, th, use)
    if c[NMAPS] > 2:
        e = _lookup(st[7], st[8], st[9], enc_p, edst, sp, esrc, dp, use == 2)
        if e >= 0:
            return _rewrite(P, s, c, 2, st[7], st[9], e, th, use)
    if c[NMAPS] > 3:
        e = _lookup(st[10], st[11], st[12], enc_p, edst, sp, esrc, dp, use == 2)
        if e >= 0:
            return _rewrite(P, s, c, 3, st[10], st[12], e, th, use)
    return unmapped


class MapsArg(ArgType):
    """MAPS: rewriter names, each optionally `NAME:OFFSET` (its outputs shifted by OFFSET)."""

    name = "list of rewriters"
    example = "nat pings"

    def parse(self, text, ctx):
        maps = []
        for word in text.split():
            m = re.fullmatch(r"([^:\s]+)(?::(\d+))?", word)
            if not m:
                raise ArgError(f"{word!r} not an IP rewriter", "write NAME or NAME:OFFSET")
            maps.append((m.group(1), int(m.group(2)) if m.group(2) else -1))
        if not maps:
            raise ArgError("no IP rewriters supplied", "e.g. ICMPRewriter(nat pings)")
        if len(maps) > MAX_MAPS:
            raise ArgError(f"{len(maps)} rewriters: at most {MAX_MAPS}",
                           "clickpy's ICMPRewriter looks in up to four rewriters")
        return maps


class ICMPRewriter(Element):
    """Rewrites ICMP errors about packets a rewriter translated, to answer the originals.

    MAPS is a space-separated list of rewriters (IPRewriter, TCPRewriter,
    UDPRewriter, IPAddrRewriter, ICMPPingRewriter; up to four).  For a
    destination unreachable, source quench, redirect, time exceeded or
    parameter problem message, the quoted packet's flow is looked up in each,
    in turn, as a reply; when found, the error is rewritten as if it answered
    the packet before translation (outer destination, quoted addresses, ports
    or echo identifier, and the IP, transport and ICMP checksums) and leaves
    on output 0, or, for `NAME:OFFSET`, on OFFSET plus the output the
    rewriter gives that flow's direction.  Other ICMP packets and errors
    about unknown flows leave on output 1, or are dropped without one;
    packets that are not ICMP are dropped.
    """

    port_count = "1/1-"
    processing = "h/h"
    args = (Arg("MAPS", MapsArg(), positional=True, doc="rewriter names (NAME or NAME:OFFSET)"),
            DST_ANNO,
            Arg("REPLY_ANNO", Annotation(1), doc="1-byte annotation copied onto reply packets"))
    requires = {IP_HEADER: None}
    drop_reasons = ("missing or truncated IP header", "not ICMP",
                    "not an ICMP error, or about no mapped flow (no output 1)")
    simple_action = icmp_rewrite

    @classmethod
    def check_config(cls, values, ctx):
        issues = []
        for name, _ in values.get("MAPS") or []:
            if ctx.element_names and name not in ctx.element_names:
                issues.append(ArgIssue(f"MAPS: no element named {name!r}", None,
                                       did_you_mean(name, ctx.element_names)
                                       or "name IPRewriter-like elements of this router"))
        return issues

    @classmethod
    def peers(cls, values):
        return [name for name, _ in values.get("MAPS") or []]

    @classmethod
    def state(cls, values, n_inputs, n_outputs):
        """(config, then prm, ht, fl of each map, shared with it; unused maps empty)."""
        c = np.zeros(NC, dtype=np.int64)
        c[C_DST_ANNO] = values.get("DST_ANNO") is not False
        c[C_NOUT] = n_outputs
        c[C_REPLY_SHIFT] = -1
        ref = values.get("REPLY_ANNO")
        if ref is not None:
            c[C_REPLY_COL], c[C_REPLY_SHIFT] = anno_byte(ref, "REPLY_ANNO")
        maps = values.get("MAPS") or []
        peers = values.get("_peers") or {}
        arrays = []
        for k in range(MAX_MAPS):
            if k >= len(maps):
                empty = np.zeros(NPRM, dtype=np.int64)
                empty[P_KIND] = -1
                arrays += [empty, np.full(4, -1, dtype=np.int64), np.zeros((1, NFL), np.int64)]
                continue
            name, offset = maps[k]
            pcls, pst = peers.get(name, (None, ()))
            if pcls is None or not issubclass(pcls, IPRewriterBase):
                raise ValueError(f"MAPS: {name} not an IP rewriter (IPRewriter, TCPRewriter, "
                                 "UDPRewriter, IPAddrRewriter or ICMPPingRewriter)")
            if offset >= 0 and offset + int(pst[0][P_NOUT]) > n_outputs:
                raise ValueError(f"MAPS: {name}:{offset} port offset requires more than "
                                 f"{n_outputs} output{'s' if n_outputs != 1 else ''}")
            c[C_OFF + k] = offset
            arrays += [pst[0], pst[4], pst[3]]              # prm, ht, fl: the map's own
        c[NMAPS] = len(maps)
        return (c, *arrays)
