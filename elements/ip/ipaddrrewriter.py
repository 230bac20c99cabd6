"""IPAddrRewriter: Basic NAT, rewriting IP source addresses."""
from numba import njit

from clickpy.args import Arg, Seconds
from clickpy.datapath.inet import IP_OFFMASK, transport_offset
from clickpy.kernel import drop
from clickpy.packet import A_DST_IP, rd16, rd32, wr32
from elements.tcpudp.iprewriter import (F_IPD, F_K0, F_OUT0, F_REPLY, F_UDPD, KIND_IPADDRREWRITER,
                                        NO_HEADER, P_REPLY_SHIFT, P_T0, P_T1, REWRITER_REASONS,
                                        IPRewriterBase, build_state, change_expiry, rewriter_start,
                                        find_entry, new_flow, rewriter_args, _seconds,
                                        set_reply_anno, table_lines, update_csum)

_KEYWORD_ARGS = (
    Arg("TIMEOUT", Seconds(), default=2 * 60 * 60.0,
        doc="idle mapping lifetime (Click's code: 2 hours; its documentation says 5 minutes)"),
    Arg("GUARANTEE", Seconds(), default=5.0, doc="minimum mapping lifetime after a packet"),
)


@njit(cache=True, _nrt=False)
def ipaddrrewriter_push(P, port, s, st, emit):
    # Click's IPAddrRewriter::push: look the packet up by source address
    # (forward direction), then by destination address (replies); any IP
    # protocol.  Forward packets get a new source address, replies their
    # original destination back; TCP and UDP checksums follow the change.
    data, head, length, anno = P[0], P[1], P[2], P[3]
    prm, fl = st[0], st[3]
    emit[1] = s
    nh, now = rewriter_start(P, s, st)
    if nh < 0:
        emit[0] = drop(NO_HEADER)
        return 1
    end = head[s] + length[s]
    sa, da = rd32(data, s, nh + 12), rd32(data, s, nh + 16)
    e = find_entry(st, 0, sa, 0, 0, 0)
    if e < 0:
        e = find_entry(st, 0, 0, 0, da, 0)
    if e < 0:
        g = prm[P_T1]
        expiry = now + (g if g else prm[P_T0])
        e, code = new_flow(P, port, s, st, now, 0, sa, 0, 0, 0, 1 if g else 0, expiry)
        if e < 0:
            emit[0] = code
            return 1
    f, d = e >> 1, e & 1
    k = F_K0 + 4 * (1 - d)
    if d == 0:
        wr32(data, s, nh + 12, fl[f, k + 2])
    else:
        wr32(data, s, nh + 16, fl[f, k])
        anno[s, A_DST_IP] = fl[f, k]
        if prm[P_REPLY_SHIFT] >= 0:
            set_reply_anno(P, s, prm, fl[f, F_REPLY])
    update_csum(data, s, nh + 10, d, fl[f, F_IPD])
    if (rd16(data, s, nh + 6) & IP_OFFMASK) == 0:
        proto = data[s, nh + 9]
        th = transport_offset(P, s)
        tlen = end - th if th >= 0 else -1
        if proto == 6 and tlen >= 18:
            update_csum(data, s, th + 16, d, fl[f, F_UDPD])
        elif proto == 17 and tlen >= 8 and rd16(data, s, th + 6) != 0:
            update_csum(data, s, th + 6, d, fl[f, F_UDPD])
    change_expiry(st, f, now, prm[P_T1])
    emit[0] = fl[f, F_OUT0 + d]
    return 1


class IPAddrRewriter(IPRewriterBase):
    """Rewrites IP packets' source addresses: Basic NAT, for any IP protocol.

    Packets matching a mapping (by source or destination address) are
    rewritten and sent to the mapping's output.  Others are handled by the
    INPUTSPEC of their input port (one input per INPUTSPEC): drop, pass
    OUTPUT, keep FOUTPUT ROUTPUT, an IPMapper element's name, or
    `pattern SADDR[-SADDR2] - FOUTPUT ROUTPUT`, which picks a new source
    address from the range and sends the packet to FOUTPUT and its replies,
    rewritten back, to ROUTPUT.
    """

    args = rewriter_args(_KEYWORD_ARGS, address_only=True)
    address_only = True
    handlers = IPRewriterBase.TABLE_HANDLERS + IPRewriterBase.BASE_HANDLERS

    drop_reasons = REWRITER_REASONS
    push = ipaddrrewriter_push

    @classmethod
    def state(cls, values, n_inputs, n_outputs):
        timeouts = {P_T0: _seconds(values.get("TIMEOUT"), 2 * 60 * 60),
                    P_T1: _seconds(values.get("GUARANTEE"), 5)}
        return build_state(values, n_inputs, n_outputs, KIND_IPADDRREWRITER, timeouts)

    @classmethod
    def read_handler(cls, name, values, st):
        if name in ("table", "mappings"):
            return table_lines(st, (0,), addr_only=True)
        return super().read_handler(name, values, st)
