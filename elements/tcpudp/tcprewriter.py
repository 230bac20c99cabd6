"""TCPRewriter: IPRewriter's address and port translation, for TCP only."""
from numba import njit

from clickpy.args import Arg, Seconds
from clickpy.element import Handler
from clickpy.kernel import drop
from clickpy.packet import A_NH
from elements.tcpudp.iprewriter import (DST_ANNO, I_FOUT, I_KIND, KIND_IPREWRITER, K_NOCHANGE,
                                        NOT_TCP_UDP, NO_HEADER, P_T0, P_T1, P_TCP_DATA, P_TCP_DONE,
                                        REWRITER_REASONS, IPRewriter, IPRewriterBase, build_state,
                                        iprewriter_push, last_given, rewriter_args, _seconds,
                                        table_lines)

_KEYWORD_ARGS = (
    DST_ANNO,
    Arg("TCP_NODATA_TIMEOUT", Seconds(),
        doc="lifetime of mappings without data both ways (default 5 minutes)"),
    Arg("TCP_GUARANTEE", Seconds(), doc="minimum mapping lifetime after a packet (default 5 s)"),
    Arg("GUARANTEE", Seconds(), doc="same as TCP_GUARANTEE (wins over it)"),
    Arg("TIMEOUT", Seconds(), doc="same as TCP_TIMEOUT"),
    Arg("TCP_TIMEOUT", Seconds(),
        doc="lifetime of mappings with data seen both ways (default 24 hours)"),
    Arg("TCP_DONE_TIMEOUT", Seconds(),
        doc="lifetime of mappings after FIN or RST (default 4 minutes)"),
)

TCP_REASONS = tuple(
    "not TCP, a later fragment or under 8 transport bytes (input is not `pass`)"
    if i == NOT_TCP_UDP else r for i, r in enumerate(REWRITER_REASONS))


@njit(cache=True, _nrt=False)
def tcprewriter_push(P, port, s, st, emit):
    # Click's TCPRewriter::push: TCP only, then IPRewriter's TCP path (TCPFlow::apply,
    # the TCP timeouts).  Sequence number deltas are always zero here (FTPPortMapper,
    # which sets them in Click, is not available), so seq/ack/SACK are never changed.
    data, head, length, anno = P[0], P[1], P[2], P[3]
    emit[1] = s
    nh = anno[s, A_NH]
    if nh < 0 or nh + 20 > head[s] + length[s]:
        emit[0] = drop(NO_HEADER)
        return 1
    if data[s, nh + 9] != 6:
        inp = st[1]
        emit[0] = inp[port, I_FOUT] if inp[port, I_KIND] == K_NOCHANGE else drop(NOT_TCP_UDP)
        return 1
    return iprewriter_push(P, port, s, st, emit)



class TCPRewriter(IPRewriterBase):
    """Rewrites TCP packets' addresses and ports (NAPT for TCP).

    Like IPRewriter (same INPUTSPECs: drop, pass OUTPUT, keep FOUTPUT ROUTPUT,
    pattern SADDR SPORT DADDR DPORT FOUTPUT ROUTPUT, pattern NAME FOUTPUT
    ROUTPUT for an IPRewriterPatterns pattern, or an IPMapper's name), for
    TCP only: other protocols, later fragments and packets under 8 transport
    bytes go to the `pass` output of a pass input, else are dropped.  Flows
    time out after TCP_NODATA_TIMEOUT, TCP_TIMEOUT once data went both ways,
    TCP_DONE_TIMEOUT after FIN both ways or RST.  Click's TCPRewriter can also
    shift sequence and acknowledgement numbers (SACK blocks too) for
    FTPPortMapper; FTPPortMapper is not available here, so every mapping's
    deltas stay zero and those numbers pass unchanged, as in Click without it.
    """

    args = rewriter_args(_KEYWORD_ARGS)
    handlers = IPRewriterBase.TABLE_HANDLERS + (
        Handler("lookup", doc="read with 'SADDR SPORT DADDR DPORT': the rewritten flow"),
    ) + IPRewriterBase.BASE_HANDLERS
    drop_reasons = TCP_REASONS
    push = tcprewriter_push

    @classmethod
    def state(cls, values, n_inputs, n_outputs):
        timeouts = {
            P_T0: _seconds(values.get("TCP_NODATA_TIMEOUT"), 300),
            P_T1: _seconds(last_given(values, "TCP_GUARANTEE", "GUARANTEE"), 5),
            P_TCP_DATA: _seconds(last_given(values, "TIMEOUT", "TCP_TIMEOUT"), 24 * 60 * 60),
            P_TCP_DONE: _seconds(values.get("TCP_DONE_TIMEOUT"), 240),
        }
        # IPRewriter's kind: every flow here is TCP, timed out as Click's TCPRewriter does.
        return build_state(values, n_inputs, n_outputs, KIND_IPREWRITER, timeouts)

    @classmethod
    def read_handler(cls, name, values, st):
        if name in ("table", "mappings"):
            return table_lines(st, (6,))
        if name == "lookup" or name.startswith("lookup "):
            return IPRewriter.tcp_lookup(st, name[len("lookup"):], "lookup")
        return super().read_handler(name, values, st)
