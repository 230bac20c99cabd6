"""UDPRewriter: IPRewriter's address and port translation, with UDP's flow timeouts."""
import numpy as np
from numba import njit

from clickpy.args import Arg, Bool, Seconds
from clickpy.argtypes.packet_annotations import Annotation
from clickpy.argtypes.rewriter_specs import (InputSpecArg, MappingCapacity, StrayKeyword,
                                             check_rewriter_specs, rewriter_port_counts)
from clickpy.datapath.inet import IP_OFFMASK, transport_offset
from clickpy.element import IP_HEADER, Element, Handler
from clickpy.kernel import drop
from clickpy.packet import A_NH, C_NOW, rd16, rd32, wr16
from elements.tcpudp.iprewriter import (F_EXP, F_GUAR, F_K0, F_OUT0, F_TFLAGS, F_UDPD, I_FOUT,
                                        I_KIND, K_NOCHANGE, KIND_UDPREWRITER, NO_HEADER,
                                        NOT_TCP_UDP, P_DST_ANNO, P_GC_INTERVAL, P_T0, P_T1,
                                        P_UDP_STREAM, P_UDP_T0, P_UDP_T1, REWRITER_REASONS,
                                        _apply_ip, _flow_timeout, _seconds, build_state,
                                        collect_garbage, find_entry, gc_wake_after, new_flow,
                                        rewriter_read, rewriter_timer, rewriter_write,
                                        table_lines, update_csum)

_KEYWORD_ARGS = (
    Arg("UDP_TIMEOUT", Seconds(), doc="lifetime of idle mappings (default 5 minutes)"),
    Arg("TIMEOUT", Seconds(), doc="same as UDP_TIMEOUT (wins over it)"),
    Arg("UDP_STREAMING_TIMEOUT", Seconds(),
        doc="lifetime of idle streaming mappings (default: the TIMEOUT)"),
    Arg("STREAMING_TIMEOUT", Seconds(), doc="same as UDP_STREAMING_TIMEOUT (wins over it)"),
    Arg("UDP_GUARANTEE", Seconds(), doc="minimum mapping lifetime after a packet (default 5 s)"),
    Arg("GUARANTEE", Seconds(), doc="same as UDP_GUARANTEE (wins over it)"),
    Arg("REAP_INTERVAL", Seconds(), doc="how often to drop expired mappings (default 15 min)"),
    Arg("REAP_TIME", Seconds(), doc="deprecated name of REAP_INTERVAL"),
    Arg("MAPPING_CAPACITY", MappingCapacity(),
        doc="maximum mappings, or a rewriter whose capacity to share"),
    Arg("CAPACITY", MappingCapacity(), doc="same as MAPPING_CAPACITY"),
    Arg("DST_ANNO", Bool(), default=True,
        doc="set the destination IP annotation to the rewritten destination"),
    Arg("REPLY_ANNO", Annotation(1), doc="1-byte annotation copied onto reply packets"),
)

UDP_REASONS = tuple(
    "not TCP, UDP or DCCP, a later fragment or under 8 transport bytes (input is not `pass`)"
    if i == NOT_TCP_UDP else r for i, r in enumerate(REWRITER_REASONS))


@njit(cache=True, _nrt=False)
def udprewriter_push(P, port, s, st, emit):
    # Click's UDPRewriter::push and UDPFlow::apply: TCP, UDP and DCCP flows alike,
    # timed out as UDP flows (streaming after 3 packets, one of them a reply).
    data, head, length, anno, ctl = P[0], P[1], P[2], P[3], P[5]
    prm, inp, fl = st[0], st[1], st[3]
    emit[1] = s
    end = head[s] + length[s]
    nh = anno[s, A_NH]
    if nh < 0 or nh + 20 > end:
        emit[0] = drop(NO_HEADER)
        return 1
    now = ctl[C_NOW] // 1000000
    collect_garbage(st, now)
    proto = np.int64(data[s, nh + 9])
    th = transport_offset(P, s)
    tlen = end - th
    if ((proto != 6 and proto != 17 and proto != 33) or (rd16(data, s, nh + 6) & IP_OFFMASK)
            or th < 0 or tlen < 8):
        emit[0] = inp[port, I_FOUT] if inp[port, I_KIND] == K_NOCHANGE else drop(NOT_TCP_UDP)
        return 1
    sa, da = rd32(data, s, nh + 12), rd32(data, s, nh + 16)
    sp, dp = rd16(data, s, th), rd16(data, s, th + 2)
    e = find_entry(st, proto, sa, sp, da, dp)
    if e < 0:
        g = prm[P_T1]
        expiry = now + (g if g else prm[P_T0])
        e, code = new_flow(P, port, s, st, now, proto, sa, sp, da, dp, 1 if g else 0, expiry)
        if e < 0:
            emit[0] = code
            return 1
    f, d = e >> 1, e & 1
    _apply_ip(P, s, nh, st, f, d)
    k = F_K0 + 4 * (1 - d)
    wr16(data, s, th, fl[f, k + 3])            # TCP, UDP and DCCP ports are in one place
    wr16(data, s, th + 2, fl[f, k + 1])
    if proto == 6:
        if tlen >= 18:
            update_csum(data, s, th + 16, d, fl[f, F_UDPD])
    elif proto == 17 and rd16(data, s, th + 6) != 0:     # 0: no checksum
        update_csum(data, s, th + 6, d, fl[f, F_UDPD])
    if d:
        fl[f, F_TFLAGS] |= 1
    if fl[f, F_TFLAGS] < 6:
        fl[f, F_TFLAGS] += 2
    if prm[P_T1]:
        fl[f, F_EXP], fl[f, F_GUAR] = now + prm[P_T1], 1
    else:
        fl[f, F_EXP], fl[f, F_GUAR] = now + _flow_timeout(prm, fl, f), 0
    emit[0] = fl[f, F_OUT0 + d]
    return 1


def _last(values, *keywords):
    """The value of the keyword Click reads last among those given (None: none)."""
    found = [values.get(k) for k in keywords if values.get(k) is not None]
    return found[-1] if found else None


class UDPRewriter(Element):
    """Rewrites UDP (and TCP, DCCP) packets' addresses and ports, timing flows out as UDP.

    Like IPRewriter (same INPUTSPECs: drop, pass OUTPUT, keep FOUTPUT ROUTPUT,
    pattern SADDR SPORT DADDR DPORT FOUTPUT ROUTPUT, pattern NAME FOUTPUT
    ROUTPUT for an IPRewriterPatterns pattern, or an IPMapper's name), but
    every flow, whatever its protocol, has UDP's timeouts: TIMEOUT, or
    STREAMING_TIMEOUT once it has seen 3 packets, one a reply.  As in Click,
    TCP and DCCP packets are rewritten too (DCCP's checksum is left as it
    is); other protocols, later fragments and packets under 8 transport bytes
    go to the `pass` output of a pass input, else are dropped.
    """

    port_count = "1-/1-"
    processing = "h/h"
    args = (Arg("INPUTSPEC", InputSpecArg([a.keyword for a in _KEYWORD_ARGS]),
                positional=True, repeat=True,
                doc="drop | pass OUTPUT | keep FOUT ROUT | pattern ... FOUT ROUT | MAPPER"),
            ) + _KEYWORD_ARGS
    handlers = (
        Handler("table", doc="the mappings"),
        Handler("mappings", doc="deprecated name of table"),
        Handler("nmappings", doc="number of mappings"),
        Handler("mapping_failures", doc="flows that could not be mapped"),
        Handler("patterns", doc="the input specs, with their mapping counts"),
        Handler("size", doc="flows in the shared flow set"),
        Handler("capacity", write=True, doc="flow capacity"),
        Handler("clear", read=False, write=True, doc="remove every mapping"),
    )
    requires = {IP_HEADER: None}
    drop_reasons = UDP_REASONS
    push = udprewriter_push
    run_timer = rewriter_timer

    @classmethod
    def check_config(cls, values, ctx):
        return check_rewriter_specs(cls.class_name, cls.args, values, ctx)

    @classmethod
    def port_counts_for(cls, values):
        return rewriter_port_counts(values.get("INPUTSPEC") or [])

    @classmethod
    def wake_after(cls, values, st):
        return gc_wake_after(st)

    @classmethod
    def state(cls, values, n_inputs, n_outputs):
        timeout = _seconds(_last(values, "UDP_TIMEOUT", "TIMEOUT"), 300)
        stream = _last(values, "UDP_STREAMING_TIMEOUT", "STREAMING_TIMEOUT")
        guarantee = _seconds(_last(values, "UDP_GUARANTEE", "GUARANTEE"), 5)
        timeouts = {P_T0: timeout, P_T1: guarantee, P_UDP_T0: timeout, P_UDP_T1: guarantee,
                    P_UDP_STREAM: timeout if stream is None else _seconds(stream, 0),
                    P_GC_INTERVAL: _seconds(_last(values, "REAP_INTERVAL", "REAP_TIME"), 900)}
        st = build_state(values, n_inputs, n_outputs, KIND_UDPREWRITER, timeouts)
        st[0][P_DST_ANNO] = values.get("DST_ANNO") is not False
        return st

    @classmethod
    def read_handler(cls, name, values, st):
        if name in ("table", "mappings"):
            return table_lines(st, (6, 17, 33))
        n = len([s for s in values.get("INPUTSPEC") or [] if not isinstance(s, StrayKeyword)])
        return rewriter_read(name, values, st, n or st[1].shape[0])

    @classmethod
    def write_handler(cls, name, text, values, st):
        rewriter_write(cls, name, text, values, st, address_only=False)
