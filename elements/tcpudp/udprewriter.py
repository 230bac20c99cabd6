"""UDPRewriter: IPRewriter's address and port translation, with UDP's flow timeouts."""
import numpy as np
from numba import njit

from clickpy.args import Arg, Seconds
from clickpy.datapath.inet import IP_OFFMASK, transport_offset
from clickpy.kernel import drop
from clickpy.packet import rd16, rd32, wr16
from elements.tcpudp.iprewriter import (DST_ANNO, F_K0, F_OUT0, F_TFLAGS, F_UDPD, I_FOUT, I_KIND,
                                        KIND_UDPREWRITER, K_NOCHANGE, NOT_TCP_UDP, NO_HEADER, P_T0,
                                        P_T1, P_UDP_STREAM, P_UDP_T0, P_UDP_T1, REWRITER_REASONS,
                                        IPRewriterBase, _apply_ip, build_state, change_expiry,
                                        rewriter_start, find_entry, last_given, new_flow,
                                        rewriter_args, _seconds, table_lines, update_csum)

_KEYWORD_ARGS = (
    DST_ANNO,
    Arg("UDP_TIMEOUT", Seconds(), doc="lifetime of idle mappings (default 5 minutes)"),
    Arg("TIMEOUT", Seconds(), doc="same as UDP_TIMEOUT (wins over it)"),
    Arg("UDP_STREAMING_TIMEOUT", Seconds(),
        doc="lifetime of idle streaming mappings (default: the TIMEOUT)"),
    Arg("STREAMING_TIMEOUT", Seconds(), doc="same as UDP_STREAMING_TIMEOUT (wins over it)"),
    Arg("UDP_GUARANTEE", Seconds(), doc="minimum mapping lifetime after a packet (default 5 s)"),
    Arg("GUARANTEE", Seconds(), doc="same as UDP_GUARANTEE (wins over it)"),
)

UDP_REASONS = tuple(
    "not TCP, UDP or DCCP, a later fragment or under 8 transport bytes (input is not `pass`)"
    if i == NOT_TCP_UDP else r for i, r in enumerate(REWRITER_REASONS))


@njit(cache=True, _nrt=False)
def udprewriter_push(P, port, s, st, emit):
    # Click's UDPRewriter::push and UDPFlow::apply: TCP, UDP and DCCP flows alike,
    # timed out as UDP flows (streaming after 3 packets, one of them a reply).
    data, head, length = P[0], P[1], P[2]
    prm, inp, fl = st[0], st[1], st[3]
    emit[1] = s
    nh, now = rewriter_start(P, s, st)
    if nh < 0:
        emit[0] = drop(NO_HEADER)
        return 1
    end = head[s] + length[s]
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
    change_expiry(st, f, now, prm[P_T1])
    emit[0] = fl[f, F_OUT0 + d]
    return 1



class UDPRewriter(IPRewriterBase):
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

    args = rewriter_args(_KEYWORD_ARGS)
    handlers = IPRewriterBase.TABLE_HANDLERS + IPRewriterBase.BASE_HANDLERS
    drop_reasons = UDP_REASONS
    push = udprewriter_push

    @classmethod
    def state(cls, values, n_inputs, n_outputs):
        timeout = _seconds(last_given(values, "UDP_TIMEOUT", "TIMEOUT"), 300)
        stream = last_given(values, "UDP_STREAMING_TIMEOUT", "STREAMING_TIMEOUT")
        guarantee = _seconds(last_given(values, "UDP_GUARANTEE", "GUARANTEE"), 5)
        timeouts = {P_T0: timeout, P_T1: guarantee, P_UDP_T0: timeout, P_UDP_T1: guarantee,
                    P_UDP_STREAM: timeout if stream is None else _seconds(stream, 0)}
        return build_state(values, n_inputs, n_outputs, KIND_UDPREWRITER, timeouts)

    @classmethod
    def read_handler(cls, name, values, st):
        if name in ("table", "mappings"):
            return table_lines(st, (6, 17, 33))
        return super().read_handler(name, values, st)
