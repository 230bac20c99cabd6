"""ICMPPingRewriter: lets pings through a NAT by rewriting echo requests and their replies.

Its flows live in the table every rewriter shares (elements.tcpudp.iprewriter),
keyed as Click keys them: an echo request (SRC, DST, IDENT) is the flow ID
(SRC, IDENT, DST, IDENT+1) and an echo reply (SRC, DST, IDENT) is
(SRC, IDENT+1, DST, IDENT), so a reply is the reverse of its request's
rewritten flow and finds it (`+1` as Click adds it, see echo_pair).
"""
from numba import njit

from clickpy.args import Arg, Seconds
from clickpy.datapath.inet import IP_OFFMASK, transport_offset, update_zero_in_cksum
from clickpy.kernel import drop
from clickpy.packet import rd16, rd32, wr16
from elements.tcpudp.iprewriter import (DST_ANNO, F_K0, F_OUT0, F_PROTO, F_UDPD, F_USED, I_FOUT,
                                        I_KIND, KIND_ICMPPING, K_NOCHANGE, NOT_TCP_UDP, NO_HEADER,
                                        P_T0, P_T1, REWRITER_REASONS, IPRewriterBase, _apply_ip,
                                        build_state, change_expiry, rewriter_start, echo_pair,
                                        find_entry, _ip, new_flow, rewriter_args, _seconds,
                                        unparse_ports, update_csum)

_KEYWORD_ARGS = (
    DST_ANNO,
    Arg("TIMEOUT", Seconds(), default=5 * 60.0, doc="idle mapping lifetime"),
    Arg("GUARANTEE", Seconds(), default=5.0, doc="minimum mapping lifetime after a packet"),
)

NO_REQUEST = len(REWRITER_REASONS)
ICMPPING_REASONS = REWRITER_REASONS[:NOT_TCP_UDP] + (
    "not an ICMP echo or echo reply, or a later fragment (input is not `pass`)",
) + REWRITER_REASONS[NOT_TCP_UDP + 1:] + (
    "echo reply of no mapped request (input is not `pass`)",
)


@njit(cache=True, _nrt=False)
def icmppingrewriter_push(P, port, s, st, emit):
    # Click's ICMPPingRewriter::push: echo requests without a mapping get one
    # from their input's spec; replies only follow a mapping.  Anything else,
    # and replies without a mapping, leave by a `pass` input's output or die.
    data, head, length = P[0], P[1], P[2]
    prm, inp, fl = st[0], st[1], st[3]
    emit[1] = s
    nh, now = rewriter_start(P, s, st)
    if nh < 0:
        emit[0] = drop(NO_HEADER)
        return 1
    end = head[s] + length[s]
    th = transport_offset(P, s)
    kind = data[s, th] if 0 <= th < end else 0
    if (data[s, nh + 9] != 1 or (rd16(data, s, nh + 6) & IP_OFFMASK) or th < 0
            or end - th < 6 or (kind != 8 and kind != 0)):
        emit[0] = inp[port, I_FOUT] if inp[port, I_KIND] == K_NOCHANGE else drop(NOT_TCP_UDP)
        return 1
    echo = kind == 8
    sa, da, ident = rd32(data, s, nh + 12), rd32(data, s, nh + 16), rd16(data, s, th + 4)
    sp, dp = (ident, echo_pair(ident)) if echo else (echo_pair(ident), ident)
    e = find_entry(st, 1, sa, sp, da, dp)
    if e < 0:
        if not echo:
            emit[0] = inp[port, I_FOUT] if inp[port, I_KIND] == K_NOCHANGE else drop(NO_REQUEST)
            return 1
        g = prm[P_T1]
        e, code = new_flow(P, port, s, st, now, 1, sa, sp, da, dp, 1 if g else 0,
                           now + (g if g else prm[P_T0]))
        if e < 0:
            emit[0] = code
            return 1
    f, d = e >> 1, e & 1
    _apply_ip(P, s, nh, st, f, d)           # ICMPPingFlow::apply
    k = F_K0 + 4 * (1 - d)
    wr16(data, s, th + 4, fl[f, k + 3] if d == 0 else fl[f, k + 1])
    update_csum(data, s, th + 2, d, fl[f, F_UDPD])
    wr16(data, s, th + 2, update_zero_in_cksum(rd16(data, s, th + 2), data, s, th, end - th))
    change_expiry(st, f, now, prm[P_T1])
    emit[0] = fl[f, F_OUT0 + d]
    return 1


def table_text(st) -> str:
    """Click's `table`: '(SRC, DST, IDENT) => (SRC', DST', IDENT')' per entry, both ways."""
    fl = st[3]
    out = []
    for f in range(fl.shape[0]):
        if not fl[f, F_USED] or int(fl[f, F_PROTO]) != 1:
            continue
        for d in (0, 1):
            k, r = F_K0 + 4 * d, F_K0 + 4 * (1 - d)
            out.append(f"({_ip(fl[f, k])}, {_ip(fl[f, k + 2])}, {int(fl[f, k + 1])}) => "
                       f"({_ip(fl[f, r + 2])}, {_ip(fl[f, r])}, {int(fl[f, r + 3])})"
                       + unparse_ports(st, f, d) + "\n")
    return "".join(out)



class ICMPPingRewriter(IPRewriterBase):
    """Rewrites ICMP echo requests and replies: lets pings pass through a NAT.

    An echo request without a mapping gets one from the INPUTSPEC of its
    input port (as IPRewriter's: drop, pass OUTPUT, keep FOUTPUT ROUTPUT,
    `pattern SADDR SPORT DADDR DPORT FOUTPUT ROUTPUT`, where the SPORT range
    chooses the new echo identifier, or an IPMapper element's name), is
    rewritten and sent to FOUTPUT; its replies are rewritten back and sent to
    ROUTPUT.  Echo replies without a mapping, other ICMP, other protocols and
    later fragments go to a `pass` input's output, else are dropped.
    Mappings expire after TIMEOUT without packets.
    """

    args = rewriter_args(_KEYWORD_ARGS)
    handlers = IPRewriterBase.TABLE_HANDLERS + IPRewriterBase.BASE_HANDLERS
    drop_reasons = ICMPPING_REASONS
    push = icmppingrewriter_push

    @classmethod
    def state(cls, values, n_inputs, n_outputs):
        timeouts = {P_T0: _seconds(values.get("TIMEOUT"), 5 * 60),
                    P_T1: _seconds(values.get("GUARANTEE"), 5)}
        return build_state(values, n_inputs, n_outputs, KIND_ICMPPING, timeouts)

    @classmethod
    def read_handler(cls, name, values, st):
        if name in ("table", "mappings"):
            return table_text(st)
        return super().read_handler(name, values, st)
