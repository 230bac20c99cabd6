"""IPRewriter: network address and port translation (NAPT) for TCP and UDP.

Also home of the flow table every rewriter shares (Click's IPRewriterBase,
IPRewriterFlow and IPRewriterPattern): IPAddrRewriter imports it from here.
"""
import ipaddress
import time

import numpy as np
from numba import njit

from clickpy.args import Arg, ArgError, Bool, Integer, ParseContext, Seconds, split_words
from clickpy.argtypes.ip_names import Port
from clickpy.argtypes.packet_annotations import Annotation
from clickpy.argtypes.rewriter_specs import (AddressRange, DropSpec, InputSpecArg, KeepSpec,
                                             MapperSpec, MappingCapacity, PassSpec, PatternSpec,
                                             PortRange, SharedCapacity, StrayKeyword,
                                             check_address_only, check_rewriter_specs,
                                             parse_input_spec, resolve_pattern,
                                             rewriter_port_counts, spec_outputs)
from clickpy.datapath import minheap
from clickpy.datapath.inet import IP_OFFMASK, transport_offset, update_in_cksum
from clickpy.datapath.xorshift import xorshift32
from clickpy.element import IP_HEADER, Element, Handler
from clickpy.kernel import drop
from clickpy.packet import A_DST_IP, A_NH, C_NOW, rd16, rd32, wr16, wr32
from elements.standard.paint import anno_byte

# Keywords every rewriter takes (Click's IPRewriterBase::configure reads them for all).
SHARED_KEYWORDS = (
    Arg("REAP_INTERVAL", Seconds(), default=15 * 60.0, doc="how often to drop expired mappings"),
    Arg("REAP_TIME", Seconds(), doc="deprecated name of REAP_INTERVAL"),
    Arg("MAPPING_CAPACITY", MappingCapacity(),
        doc="maximum mappings, or a rewriter whose capacity to share"),
    Arg("CAPACITY", MappingCapacity(), doc="same as MAPPING_CAPACITY"),
    Arg("REPLY_ANNO", Annotation(1), doc="1-byte annotation copied onto reply packets"),
)
DST_ANNO = Arg("DST_ANNO", Bool(), default=True,
               doc="set the destination IP annotation to the rewritten destination")


def rewriter_args(keywords, address_only=False):
    """A rewriter's arguments: one INPUTSPEC per input, then its keywords (Click reads
    keywords anywhere among the specs: check_rewriter_specs moves them out)."""
    keywords = tuple(keywords) + SHARED_KEYWORDS
    spec = "pattern SADDR - FOUT ROUT" if address_only else "pattern ... FOUT ROUT"
    return (Arg("INPUTSPEC", InputSpecArg([a.keyword for a in keywords], address_only),
                positional=True, repeat=True,
                doc=f"drop | pass OUTPUT | keep FOUT ROUT | {spec} | MAPPER"),) + keywords


_KEYWORD_ARGS = (
    Arg("TCP_TIMEOUT", Seconds(), default=24 * 60 * 60.0,
        doc="lifetime of TCP mappings with data seen both ways"),
    Arg("TIMEOUT", Seconds(), doc="same as TCP_TIMEOUT"),
    Arg("TCP_DONE_TIMEOUT", Seconds(), default=4 * 60.0,
        doc="lifetime of TCP mappings after FIN or RST"),
    Arg("TCP_NODATA_TIMEOUT", Seconds(), default=5 * 60.0,
        doc="lifetime of TCP mappings without data both ways"),
    Arg("TCP_GUARANTEE", Seconds(), default=5.0,
        doc="minimum TCP mapping lifetime after a packet"),
    Arg("UDP_TIMEOUT", Seconds(), default=5 * 60.0, doc="lifetime of UDP mappings"),
    Arg("UDP_STREAMING_TIMEOUT", Seconds(),
        doc="lifetime of streaming UDP mappings (default: UDP_TIMEOUT)"),
    Arg("UDP_GUARANTEE", Seconds(), default=5.0,
        doc="minimum UDP mapping lifetime after a packet"),
    Arg("GUARANTEE", Seconds(), doc="same as TCP_GUARANTEE"),
    DST_ANNO,
)


# ==== the flow table (Click's IPRewriterBase), shared with IPAddrRewriter ==============
#
# State tuple: (prm, inp, pat, fl, ht, free, hk, hr, hs)
#   prm   int64 words below (configuration, counters, the clock, a random generator)
#   inp   one row per input: its spec (kind, outputs, pattern rows) and counters
#   pat   one row per pattern (an input's pattern, or a mapper's patterns)
#   fl    one row per flow: both directions' keys, outputs, checksum deltas, expiry
#   ht    open-addressing hash table (linear probing), entries 2*flow + direction
#   free  stack of free flow rows (prm[P_NFREE] of them)
#   hk, hr, hs   the expiry heaps (Click's IPRewriterHeap; clickpy.datapath.minheap):
#         heap 0 holds best-effort flows, heap 1 guaranteed ones, as (expiry, flow row)
# A flow's two entries are Click's IPRewriterEntry pair: direction 0 is keyed by the
# flow as it arrived, direction 1 by the reverse of the rewritten flow (its replies).
# Keys are (protocol, saddr, sport, daddr, dport); IPAddrRewriter uses protocol 0 and
# zero ports, as its flow IDs do.  Time is Click's jiffies: milliseconds of C_NOW.

(P_KIND, P_CAP, P_NOUT, P_DST_ANNO, P_REPLY_COL, P_REPLY_SHIFT, P_T0, P_T1, P_TCP_DATA,
 P_TCP_DONE, P_UDP_T0, P_UDP_T1, P_UDP_STREAM, P_GC_INTERVAL, P_NEXT_GC, P_NFLOWS, P_NFREE,
 P_NOW, P_RNG) = range(19)
NPRM = 19
KIND_IPREWRITER, KIND_IPADDRREWRITER, KIND_ICMPPING = 0, 1, 2
# UDPRewriter: UDPFlow timeouts (P_UDP_*) for every flow, TCP ones too.  TCPRewriter's
# flows are all TCP, which KIND_IPREWRITER already times as Click's TCPRewriter does.
KIND_UDPREWRITER = 3

K_DROP, K_NOCHANGE, K_KEEP, K_PATTERN, K_MAPPER = range(5)          # Click's i_drop ...
I_KIND, I_FOUT, I_ROUT, I_COUNT, I_FAIL, I_PAT, I_NPAT = range(7)
NINP = 7
(Q_SADDR, Q_SPORT, Q_DADDR, Q_DPORT, Q_TOP, Q_NEXT, Q_NAPT, Q_SEQ, Q_SAME, Q_FOUT, Q_ROUT,
 Q_RR) = range(12)
NPAT = 12
(F_USED, F_PROTO, F_K0, F_K1, F_OUT0, F_OUT1, F_INPUT, F_IPD, F_UDPD, F_EXP, F_GUAR, F_TFLAGS,
 F_REPLY) = (0, 1, 2, 6, 10, 11, 12, 13, 14, 15, 16, 17, 18)
NFL = 19

RW_DROP, RW_ADDMAP = -1, -2          # IPRewriterBase::rw_drop, rw_addmap
TCP_FORWARD_DONE, TCP_BOTH_DONE, TCP_FORWARD_DATA, TCP_BOTH_DATA = 1, 3, 4, 12

# Drop reasons (both rewriters; IPAddrRewriter never uses NOT_TCP_UDP).
NO_HEADER, NOT_TCP_UDP, SPEC_DROPS, NO_MAPPING, TABLE_FULL = range(5)
REWRITER_REASONS = (
    "missing or truncated IP header",
    "not TCP or UDP, or a later fragment (input is not `pass`)",
    "no mapping, and the input spec drops new flows",
    "no mapping: no free address or port in the pattern",
    "no mapping: flow table full of guaranteed flows (or bad output)",
)
DEFAULT_CAPACITY = 16384   # Click's default is unlimited; arrays need a size


@njit(cache=True, _nrt=False)
def _hash(proto, sa, sp, da, dp):
    h = 0x811C9DC5
    for w in (np.int64(proto), np.int64(sa), np.int64(sp), np.int64(da), np.int64(dp)):
        x = (h ^ w) & 0xFFFFFFFF      # x * 0x9E3779B1 mod 2^32, without int64 overflow
        h = (x * 0x79B1 + (((x * 0x9E37) & 0xFFFF) << 16)) & 0xFFFFFFFF
        h ^= h >> 15
    return h


@njit(cache=True, _nrt=False)
def _entry_hash(fl, e):
    f, d = e >> 1, e & 1
    k = F_K0 + 4 * d
    return _hash(fl[f, F_PROTO], fl[f, k], fl[f, k + 1], fl[f, k + 2], fl[f, k + 3])


@njit(cache=True, _nrt=False)
def _entry_is(fl, e, proto, sa, sp, da, dp):
    f, d = e >> 1, e & 1
    k = F_K0 + 4 * d
    return (fl[f, F_PROTO] == proto and fl[f, k] == sa and fl[f, k + 1] == sp
            and fl[f, k + 2] == da and fl[f, k + 3] == dp)


@njit(cache=True, _nrt=False)
def _find_slot(ht, fl, proto, sa, sp, da, dp):
    """The table slot holding this key, or the empty slot where it would go (as -1 - slot)."""
    mask = ht.shape[0] - 1
    i = _hash(proto, sa, sp, da, dp) & mask
    while ht[i] >= 0:
        if _entry_is(fl, ht[i], proto, sa, sp, da, dp):
            return i
        i = (i + 1) & mask
    return -1 - i


@njit(cache=True, _nrt=False)
def find_in(fl, ht, proto, sa, sp, da, dp):
    """The entry (2 * flow + direction) for a flow ID in a flow table, or -1."""
    i = _find_slot(ht, fl, proto, sa, sp, da, dp)
    return ht[i] if i >= 0 else -1


@njit(cache=True, _nrt=False)
def find_entry(st, proto, sa, sp, da, dp):
    """The entry (2 * flow + direction) for a flow ID, or -1 (Click's Map::get)."""
    return find_in(st[3], st[4], proto, sa, sp, da, dp)


@njit(cache=True, _nrt=False)
def _remove_slot(ht, fl, i):
    # Backward-shift deletion keeps linear probing correct without tombstones.
    mask = ht.shape[0] - 1
    j = i
    while True:
        j = (j + 1) & mask
        if ht[j] < 0:
            break
        k = _entry_hash(fl, ht[j]) & mask
        if i <= j:
            if i < k <= j:
                continue
        elif k > i or k <= j:
            continue
        ht[i] = ht[j]
        i = j
    ht[i] = -1


@njit(cache=True, _nrt=False)
def _unmap(ht, fl, e):
    """Remove entry e from the table if the table still holds it under its key."""
    f, d = e >> 1, e & 1
    k = F_K0 + 4 * d
    i = _find_slot(ht, fl, fl[f, F_PROTO], fl[f, k], fl[f, k + 1], fl[f, k + 2], fl[f, k + 3])
    if i >= 0 and ht[i] == e:
        _remove_slot(ht, fl, i)


@njit(cache=True, _nrt=False)
def _flow_timeout(prm, fl, f):
    """Best-effort lifetime after a packet: Click's tcp/udp_flow_timeout or _timeouts[0]."""
    if prm[P_KIND] == KIND_UDPREWRITER:
        return prm[P_UDP_STREAM] if fl[f, F_TFLAGS] > 6 else prm[P_UDP_T0]
    if prm[P_KIND] != KIND_IPREWRITER:
        return prm[P_T0]
    t = fl[f, F_TFLAGS]
    if fl[f, F_PROTO] == 6:
        if (t & TCP_BOTH_DONE) == TCP_BOTH_DONE:
            return prm[P_TCP_DONE]
        if (t & TCP_BOTH_DATA) == TCP_BOTH_DATA:
            return prm[P_TCP_DATA]
        return prm[P_T0]
    return prm[P_UDP_STREAM] if t > 6 else prm[P_UDP_T0]


@njit(cache=True, _nrt=False)
def _guarantee(prm, fl, f):
    if prm[P_KIND] == KIND_IPREWRITER and fl[f, F_PROTO] != 6:
        return prm[P_UDP_T1]
    return prm[P_T1]


@njit(cache=True, _nrt=False)
def _best_effort_expiry(prm, fl, f):
    return fl[f, F_EXP] + _flow_timeout(prm, fl, f) - _guarantee(prm, fl, f)


# The expiry heaps find the first flow to expire without scanning the table (a full
# table evicts one for each new flow: scanning 16,384 rows twice held the NAT to 0.07
# Mpps).  Entries go stale as flows change; what holds is that every flow in use has,
# in the heap of its kind (F_GUAR), an entry whose expiry is at most its own.  So a
# packet that moves its flow's expiry later (nearly every packet) touches no heap; a
# flow that changes kind, or whose expiry moves earlier, is filed again; and a stale
# entry is dropped, or filed again with its flow's expiry, when it reaches the top.

@njit(cache=True, _nrt=False)
def _refile_all(st):
    """Rebuild both heaps from the flows in use, without stale entries."""
    fl, hk, hr, hs = st[3], st[6], st[7], st[8]
    hs[0] = hs[1] = 0
    for f in range(fl.shape[0]):
        if fl[f, F_USED]:
            minheap.push(hk, hr, hs, fl[f, F_GUAR], fl[f, F_EXP], f)


@njit(cache=True, _nrt=False)
def _file(st, f):
    """Give flow f an entry for its expiry in the heap of its kind."""
    fl = st[3]
    if not minheap.push(st[6], st[7], st[8], fl[f, F_GUAR], fl[f, F_EXP], f):
        _refile_all(st)      # full of stale entries (a heap holds 1.5 times the flows)


@njit(cache=True, _nrt=False)
def _first_to_expire(st, guaranteed):
    """The flow of that kind (0 best effort, 1 guaranteed) expiring first, the lowest row
    among equals, or -1; its entry stays at the top of its heap."""
    fl, hk, hr, hs = st[3], st[6], st[7], st[8]
    g = guaranteed
    while hs[g] > 0:
        exp, f = hk[g, 0], hr[g, 0]
        if fl[f, F_USED] and fl[f, F_GUAR] == g and fl[f, F_EXP] >= exp:
            if fl[f, F_EXP] == exp:
                return f
            minheap.pop(hk, hr, hs, g)              # expires later now: filed again
            minheap.push(hk, hr, hs, g, fl[f, F_EXP], f)
        else:
            minheap.pop(hk, hr, hs, g)              # freed, other kind, or filed again
    return -1


@njit(cache=True, _nrt=False)
def change_expiry(st, f, now, guarantee):
    """IPRewriterFlow::change_expiry_by_timeout after a packet: guaranteed for `guarantee`
    ms when the rewriter has one, else best effort for the flow's timeout."""
    prm, fl = st[0], st[3]
    was, kind = fl[f, F_EXP], fl[f, F_GUAR]
    if guarantee:
        fl[f, F_EXP], fl[f, F_GUAR] = now + guarantee, 1
    else:
        fl[f, F_EXP], fl[f, F_GUAR] = now + _flow_timeout(prm, fl, f), 0
    if fl[f, F_GUAR] != kind or fl[f, F_EXP] < was:
        _file(st, f)


@njit(cache=True, _nrt=False)
def destroy_flow(st, f):
    """IPRewriterFlow::destroy: unmap both entries, uncount, free the row."""
    prm, inp, fl, ht, free = st[0], st[1], st[3], st[4], st[5]
    _unmap(ht, fl, 2 * f)
    _unmap(ht, fl, 2 * f + 1)
    inp[fl[f, F_INPUT], I_COUNT] -= 1
    fl[f, F_USED] = 0
    prm[P_NFLOWS] -= 1
    free[prm[P_NFREE]] = f
    prm[P_NFREE] += 1


@njit(cache=True, _nrt=False)
def _shift_best_effort(st, now):
    # Flows whose guarantee ran out become best-effort, expiring a flow timeout
    # after their last packet.
    prm, fl = st[0], st[3]
    while True:
        f = _first_to_expire(st, 1)
        if f < 0 or fl[f, F_EXP] > now:
            return
        minheap.pop(st[6], st[7], st[8], 1)          # its entry, at the top
        fl[f, F_EXP] = _best_effort_expiry(prm, fl, f)
        fl[f, F_GUAR] = 0
        _file(st, f)


@njit(cache=True, _nrt=False)
def shrink(st, now, clear_all):
    """IPRewriterBase::shrink_heap: drop expired flows, then flows past the capacity."""
    prm, fl = st[0], st[3]
    _shift_best_effort(st, now)
    for f in range(fl.shape[0]):
        if fl[f, F_USED] and not fl[f, F_GUAR] and fl[f, F_EXP] <= now:
            destroy_flow(st, f)
    cap = 0 if clear_all else prm[P_CAP]
    while prm[P_NFLOWS] > cap:
        f = _first_to_expire(st, 0)
        if f < 0:
            f = _first_to_expire(st, 1)
        destroy_flow(st, f)
    _refile_all(st)          # the entries of the flows destroyed go too


@njit(cache=True, _nrt=False)
def _random(prm, top):
    return xorshift32(prm, P_RNG) % (top + 1)


@njit(cache=True, _nrt=False)
def _reply_taken(st, proto, sa, sp, da, dp):
    """Whether a new flow's reply key is in use.  An echo reply's key pairs the rewritten
    identifier (dp here) with its echo_pair; Click looks up the original one's instead,
    misses the clash and evicts the flow holding that identifier."""
    if st[0][P_KIND] == KIND_ICMPPING:
        sp = echo_pair(dp)
    return find_entry(st, proto, sa, sp, da, dp) >= 0


@njit(cache=True, _nrt=False)
def _pattern_rewrite(st, q, proto, sa, sp, da, dp):
    """IPRewriterPattern::rewrite_flowid: (result, rewritten flow ID)."""
    pat = st[2]
    own_sport = sp
    if pat[q, Q_SADDR]:
        sa = pat[q, Q_SADDR]
    if pat[q, Q_SPORT]:
        sp = pat[q, Q_SPORT]
    if pat[q, Q_DADDR]:
        da = pat[q, Q_DADDR]
    if pat[q, Q_DPORT]:
        dp = pat[q, Q_DPORT]
    top = pat[q, Q_TOP]
    if top == 0:
        return RW_ADDMAP, sa, sp, da, dp
    napt = pat[q, Q_NAPT]
    base = pat[q, Q_SPORT] if napt else pat[q, Q_SADDR]
    # Replies would arrive as the reverse of the rewritten flow: that key must be free.
    l_sa, l_sp, l_da, l_dp = da, dp, sa, sp
    val = -1
    if pat[q, Q_SAME]:
        v = (own_sport - base) & 0xFFFFFFFF   # the packet's own port first (Click uses it
        if v <= top:                          # even for address ranges: unsigned arithmetic)
            if not _reply_taken(st, proto, l_sa, l_sp, l_da, own_sport):
                val = v
                l_dp = own_sport
    if val < 0:
        if pat[q, Q_SEQ]:
            v = 0 if pat[q, Q_NEXT] > top else pat[q, Q_NEXT]
        else:
            v = _random(st[0], top)
        for _ in range(top + 1):
            if napt:
                l_dp = (base + v) & 0xFFFF
            else:
                l_da = (base + v) & 0xFFFFFFFF
            if not _reply_taken(st, proto, l_sa, l_sp, l_da, l_dp):
                val = v
                break
            v = 0 if v == top else v + 1
        if val < 0:
            return RW_DROP, sa, sp, da, dp
    if napt:
        sp = l_dp
    else:
        sa = l_da
    pat[q, Q_NEXT] = val + 1
    return RW_ADDMAP, sa, sp, da, dp


@njit(cache=True, _nrt=False)
def _rewrite_flowid(st, port, proto, sa, sp, da, dp):
    """IPRewriterInput::rewrite_flowid for input `port` (a mapper's patterns round robin)."""
    inp, pat = st[1], st[2]
    kind = inp[port, I_KIND]
    if kind == K_NOCHANGE:
        return inp[port, I_FOUT], sa, sp, da, dp
    if kind == K_KEEP:
        return RW_ADDMAP, sa, sp, da, dp
    if kind == K_PATTERN:
        r, a, b, c, d = _pattern_rewrite(st, inp[port, I_PAT], proto, sa, sp, da, dp)
        if r == RW_DROP:
            inp[port, I_FAIL] += 1
        return r, a, b, c, d
    if kind == K_MAPPER:           # RoundRobinIPMapper::rewrite_flowid
        first, n = inp[port, I_PAT], inp[port, I_NPAT]
        for _ in range(n):
            q = first + pat[first, Q_RR]
            pat[first, Q_RR] = (pat[first, Q_RR] + 1) % n
            r, a, b, c, d = _pattern_rewrite(st, q, proto, sa, sp, da, dp)
            if r != RW_DROP:
                inp[port, I_FOUT] = pat[q, Q_FOUT]
                inp[port, I_ROUT] = pat[q, Q_ROUT]
                return r, a, b, c, d
        inp[port, I_FAIL] += 1
        return RW_DROP, sa, sp, da, dp
    return RW_DROP, sa, sp, da, dp


@njit(cache=True, _nrt=False)
def add_flow(st, port, now, proto, sa, sp, da, dp, ra, rp, rda, rdp, guaranteed, expiry):
    """Make a flow (Click's add_flow + store_flow); its row, or -1 (-2: capacity failure)."""
    prm, inp, fl, ht, free = st[0], st[1], st[3], st[4], st[5]
    if prm[P_NFREE] == 0:
        return -1
    fout, rout = inp[port, I_FOUT], inp[port, I_ROUT]
    if fout < 0 or fout >= prm[P_NOUT] or rout < 0 or rout >= prm[P_NOUT]:
        return -1
    prm[P_NFREE] -= 1
    f = free[prm[P_NFREE]]
    fl[f, F_USED] = 1
    fl[f, F_PROTO] = proto
    fl[f, F_K0], fl[f, F_K0 + 1], fl[f, F_K0 + 2], fl[f, F_K0 + 3] = sa, sp, da, dp
    fl[f, F_K1], fl[f, F_K1 + 1], fl[f, F_K1 + 2], fl[f, F_K1 + 3] = rda, rdp, ra, rp
    fl[f, F_OUT0], fl[f, F_OUT1] = fout, rout
    fl[f, F_INPUT] = port
    # Checksum deltas from the flow ID's halfwords to the rewritten ones (Click's
    # _ip_csum_delta over the addresses, _udp_csum_delta adding the ports).
    d = 0
    d = update_in_cksum(d, sa >> 16, ra >> 16)
    d = update_in_cksum(d, sa & 0xFFFF, ra & 0xFFFF)
    d = update_in_cksum(d, da >> 16, rda >> 16)
    d = update_in_cksum(d, da & 0xFFFF, rda & 0xFFFF)
    fl[f, F_IPD] = d
    d = update_in_cksum(d, sp, rp)
    d = update_in_cksum(d, dp, rdp)
    fl[f, F_UDPD] = d
    fl[f, F_EXP] = expiry
    fl[f, F_GUAR] = guaranteed
    fl[f, F_TFLAGS] = 0
    fl[f, F_REPLY] = 0
    _file(st, f)
    # Forward entry (its key was not in the table), then the reply entry, which
    # replaces (and destroys) any other flow holding that key.
    i = _find_slot(ht, fl, proto, sa, sp, da, dp)
    if i < 0:
        ht[-1 - i] = 2 * f
    else:
        ht[i] = 2 * f
    i = _find_slot(ht, fl, proto, rda, rdp, ra, rp)
    old = -1
    if i < 0:
        ht[-1 - i] = 2 * f + 1
    else:
        old = ht[i] >> 1
        ht[i] = 2 * f + 1
    if old >= 0 and old != f:
        destroy_flow(st, old)
    prm[P_NFLOWS] += 1
    inp[port, I_COUNT] += 1
    if prm[P_NFLOWS] > prm[P_CAP]:
        # shrink_heap_for_new_flow: evict the first best-effort flow to expire,
        # or refuse this one when every flow is guaranteed (admission control).
        _shift_best_effort(st, now)
        dead = _first_to_expire(st, 0)
        if dead < 0:
            dead = f
        destroy_flow(st, dead)
        if dead == f:
            inp[port, I_FAIL] += 1
            return -2
    return f


@njit(cache=True, _nrt=False)
def update_csum(data, s, at, direction, delta):
    """IPRewriterFlow::update_csum on the checksum at `at`."""
    if delta:
        wr16(data, s, at, update_in_cksum(rd16(data, s, at), 0,
                                          delta if direction else (~delta) & 0xFFFF))


@njit(cache=True, _nrt=False)
def set_reply_anno(P, s, prm, value):
    col, shift = prm[P_REPLY_COL], prm[P_REPLY_SHIFT]
    anno = P[3]
    anno[s, col] = (anno[s, col] & ~(0xFF << shift)) | ((value & 0xFF) << shift)


@njit(cache=True, _nrt=False)
def get_reply_anno(P, s, prm):
    return (P[3][s, prm[P_REPLY_COL]] >> prm[P_REPLY_SHIFT]) & 0xFF


@njit(cache=True, _nrt=False)
def collect_garbage(st, now):
    """Click's gc timer, run from the data path: every REAP_INTERVAL, shrink the table."""
    prm = st[0]
    prm[P_NOW] = now
    if prm[P_GC_INTERVAL] <= 0:
        return
    if prm[P_NEXT_GC] == 0:
        prm[P_NEXT_GC] = now + prm[P_GC_INTERVAL]
    elif now >= prm[P_NEXT_GC]:
        shrink(st, now, False)
        prm[P_NEXT_GC] = now + prm[P_GC_INTERVAL]


@njit(cache=True, _nrt=False)
def rewriter_start(P, s, st):
    """What every rewriter's push does first: (the IP header's offset, or -1 when the
    packet does not hold a whole one; the clock in ms), and, for a packet with a header,
    Click's garbage collection of the flow table at that clock."""
    nh = P[3][s, A_NH]
    if nh < 0 or nh + 20 > P[1][s] + P[2][s]:
        return -1, 0
    now = P[5][C_NOW] // 1000000
    collect_garbage(st, now)
    return nh, now


@njit(cache=True, _nrt=False)
def rewriter_timer(P, st, emit):
    """Click's gc timer, due or not, when no packet arrives: expired mappings go."""
    collect_garbage(st, P[5][C_NOW] // 1000000)
    return 0


def gc_wake_after(st):
    """Seconds until the gc timer is due (None when it is off): the idle driver's deadline."""
    prm = st[0]
    if prm[P_GC_INTERVAL] <= 0 or prm[P_NEXT_GC] == 0:
        return None
    return max(0.0, (int(prm[P_NEXT_GC]) - time.time_ns() // 1000000) / 1e3)


@njit(cache=True, _nrt=False)
def echo_pair(ident):
    """ICMPPingRewriter's flow ID pairs an echo identifier with `identifier + 1`, added as
    Click adds it: to the network-order halfword on a little-endian host (x86)."""
    raw = (((ident & 0xFF) << 8) | ((ident >> 8) & 0xFF)) + 1
    return ((raw & 0xFF) << 8) | ((raw >> 8) & 0xFF)


@njit(cache=True, _nrt=False)
def new_flow(P, port, s, st, now, proto, sa, sp, da, dp, guaranteed, expiry):
    """No mapping: ask the input's spec.  (entry, drop code or output when no entry)."""
    prm = st[0]
    r, ra, rp, rda, rdp = _rewrite_flowid(st, port, proto, sa, sp, da, dp)
    if r >= 0:
        return -1, r
    if r == RW_DROP:
        return -1, drop(SPEC_DROPS if st[1][port, I_KIND] == K_DROP else NO_MAPPING)
    if prm[P_KIND] == KIND_IPADDRREWRITER and (rp != 0 or rdp != 0 or rda != 0):
        return -1, drop(TABLE_FULL)   # Click's IPAddrRewriter::add_flow refuses these
    if prm[P_KIND] == KIND_ICMPPING:
        rdp = echo_pair(rp)           # ICMPPingRewriter::get_entry: the reply's "port"
    f = add_flow(st, port, now, proto, sa, sp, da, dp, ra, rp, rda, rdp, guaranteed, expiry)
    if f < 0:
        return -1, drop(TABLE_FULL)
    if prm[P_KIND] == KIND_ICMPPING:  # ICMPPingFlow: the ICMP checksum covers the identifier
        st[3][f, F_UDPD] = update_in_cksum(0, sp, rp)
    if prm[P_REPLY_SHIFT] >= 0:
        st[3][f, F_REPLY] = get_reply_anno(P, s, prm)
    return 2 * f, 0


# ---- IPRewriter's data path ----------------------------------------------------------

@njit(cache=True, _nrt=False)
def _apply_ip(P, s, nh, st, f, d):
    """The IP part of Click's TCPFlow/UDPFlow::apply: addresses, annotations, checksum."""
    data, anno = P[0], P[3]
    prm, fl = st[0], st[3]
    k = F_K0 + 4 * (1 - d)          # the other direction's key: Click's revflow
    wr32(data, s, nh + 12, fl[f, k + 2])
    wr32(data, s, nh + 16, fl[f, k])
    if prm[P_DST_ANNO]:
        anno[s, A_DST_IP] = fl[f, k]
    if d and prm[P_REPLY_SHIFT] >= 0:
        set_reply_anno(P, s, prm, fl[f, F_REPLY])
    update_csum(data, s, nh + 10, d, fl[f, F_IPD])


@njit(cache=True, _nrt=False)
def iprewriter_push(P, port, s, st, emit):
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
    if (proto != 6 and proto != 17) or (rd16(data, s, nh + 6) & IP_OFFMASK) or th < 0 or tlen < 8:
        emit[0] = inp[port, I_FOUT] if inp[port, I_KIND] == K_NOCHANGE else drop(NOT_TCP_UDP)
        return 1
    sa, da = rd32(data, s, nh + 12), rd32(data, s, nh + 16)
    sp, dp = rd16(data, s, th), rd16(data, s, th + 2)
    e = find_entry(st, proto, sa, sp, da, dp)
    if e < 0:
        if proto == 6:
            g = prm[P_T1]
            expiry = now + (g if g else prm[P_T0])
        else:
            g = prm[P_UDP_T1]
            expiry = now + (g if g else prm[P_UDP_T0])
        e, code = new_flow(P, port, s, st, now, proto, sa, sp, da, dp, 1 if g else 0, expiry)
        if e < 0:
            emit[0] = code
            return 1
    f, d = e >> 1, e & 1
    _apply_ip(P, s, nh, st, f, d)
    k = F_K0 + 4 * (1 - d)
    if proto == 6:                  # TCPFlow::apply, then TCPRewriter's expiry
        if tlen >= 18:
            wr16(data, s, th, fl[f, k + 3])
            wr16(data, s, th + 2, fl[f, k + 1])
            update_csum(data, s, th + 16, d, fl[f, F_UDPD])
            flags = data[s, th + 13]
            payload = (((data[s, nh] & 0xF) + (data[s, th + 12] >> 4)) << 2) < rd16(data, s, nh + 2)
            t = fl[f, F_TFLAGS]
            if flags & 0x04:                       # RST
                t |= TCP_BOTH_DONE
            elif flags & 0x01:                     # FIN
                t |= TCP_FORWARD_DONE << d
            elif (flags & 0x02) or payload:        # SYN
                t &= ~(TCP_FORWARD_DONE << d)
            if payload:
                t |= TCP_FORWARD_DATA << d
            fl[f, F_TFLAGS] = t
        change_expiry(st, f, now, prm[P_T1])
    else:                           # UDPFlow::apply, then the UDP expiry
        wr16(data, s, th, fl[f, k + 3])
        wr16(data, s, th + 2, fl[f, k + 1])
        if rd16(data, s, th + 6) != 0:
            update_csum(data, s, th + 6, d, fl[f, F_UDPD])
        if d:
            fl[f, F_TFLAGS] |= 1
        if fl[f, F_TFLAGS] < 6:
            fl[f, F_TFLAGS] += 2
        change_expiry(st, f, now, prm[P_UDP_T1])
    emit[0] = fl[f, F_OUT0 + d]
    return 1


# ---- host side: building the state, and Click's handler texts ------------------------------

def _seconds(value, default):
    return int(round(default if value is None else value)) * 1000   # jiffies


def _pattern_row(row, pattern, foutput, routput):
    """Fill a pattern row from a rewriter_specs.Pattern, as IPRewriterPattern holds it."""
    row[:] = 0
    row[Q_FOUT], row[Q_ROUT] = foutput, routput
    row[Q_NAPT] = pattern.napt
    row[Q_SEQ] = pattern.sequential
    row[Q_SAME] = pattern.same_first
    top = 0
    if isinstance(pattern.saddr, AddressRange):
        row[Q_SADDR] = int(pattern.saddr.first)
        top = int(pattern.saddr.last) - int(pattern.saddr.first)
    elif pattern.saddr is not None:
        row[Q_SADDR] = int(pattern.saddr)
    if isinstance(pattern.sport, PortRange):      # parsed after SADDR: its range wins
        row[Q_SPORT] = pattern.sport.first
        top = pattern.sport.last - pattern.sport.first
    elif pattern.sport is not None:
        row[Q_SPORT] = pattern.sport
    row[Q_DADDR] = int(pattern.daddr) if pattern.daddr is not None else 0
    row[Q_DPORT] = pattern.dport or 0
    row[Q_TOP] = top


def _mapper_patterns(values, name):
    mappers = values.get("_mappers") or {}
    if name not in mappers:
        raise ValueError(f"input spec names the mapper {name!r}, whose patterns the rewriter's "
                         f"state needs: pass them as values['_mappers'][{name!r}] (the mapper "
                         "element's PATTERN list)")
    return list(mappers[name])


def build_state(values, n_inputs, n_outputs, kind, timeouts):
    """The state tuple for IPRewriter and TCPRewriter (kind 0), IPAddrRewriter (kind 1),
    ICMPPingRewriter (KIND_ICMPPING) or UDPRewriter (KIND_UDPREWRITER); `timeouts` sets the
    kind's own timeout words.

    A pattern named by an IPRewriterPatterns element (values["_patterns"], as
    the router passes them) is copied into this rewriter's pattern rows: Click
    shares one pattern object between rewriters, so its sequential (`#`)
    allocation continues across them; here each rewriter allocates on its own.
    """
    specs = [sp for sp in values.get("INPUTSPEC") or [] if not isinstance(sp, StrayKeyword)]
    cap = values.get("MAPPING_CAPACITY")
    if cap is None:
        cap = values.get("CAPACITY")
    if cap is None or isinstance(cap, SharedCapacity):
        cap = DEFAULT_CAPACITY
    cap = max(int(cap), 0)
    # Pattern rows: one per input (its own pattern), then each mapper's patterns once.
    mapper_rows: dict[str, int] = {}
    rows = len(specs)
    for spec in specs:
        if isinstance(spec, MapperSpec) and spec.element not in mapper_rows:
            mapper_rows[spec.element] = rows
            rows += len(_mapper_patterns(values, spec.element))
    pat = np.zeros((max(rows, 1), NPAT), dtype=np.int64)
    inp = np.zeros((max(len(specs), n_inputs, 1), NINP), dtype=np.int64)
    inp[:, I_FOUT] = inp[:, I_ROUT] = -1
    for i, spec in enumerate(specs):
        _set_input(inp, pat, i, spec, values, mapper_rows, kind == KIND_IPADDRREWRITER)
    prm = np.zeros(NPRM, dtype=np.int64)
    prm[P_KIND], prm[P_CAP], prm[P_NOUT] = kind, cap, n_outputs
    # The shared keywords (SHARED_KEYWORDS, DST_ANNO): Click reads REAP_TIME after
    # REAP_INTERVAL; IPAddrRewriter, without DST_ANNO, always sets the annotation.
    prm[P_GC_INTERVAL] = _seconds(last_given(values, "REAP_INTERVAL", "REAP_TIME"), 15 * 60)
    prm[P_DST_ANNO] = values.get("DST_ANNO") is not False
    for word, value in timeouts.items():
        prm[word] = value
    prm[P_RNG] = 0x6C078965
    prm[P_REPLY_COL], prm[P_REPLY_SHIFT] = 0, -1
    ref = values.get("REPLY_ANNO")
    if ref is not None:
        prm[P_REPLY_COL], prm[P_REPLY_SHIFT] = anno_byte(ref, "REPLY_ANNO")
    nflows = cap + 1            # a new flow is made before one is evicted
    fl = np.zeros((nflows, NFL), dtype=np.int64)
    # Two entries per flow: cap flows fill at most half the slots, and cap + 1 (for a
    # moment) leave some empty, as probing needs (4 * nflows doubled the table of the
    # default 16,384 flows to 128 Ki slots, for that one row).
    size = 4
    while size < 4 * cap or size <= 2 * nflows:
        size *= 2
    ht = np.full(size, -1, dtype=np.int64)
    free = np.arange(nflows - 1, -1, -1, dtype=np.int64)
    prm[P_NFREE] = nflows
    entries = nflows + nflows // 2 + 16     # room for stale ones: _file rebuilds when full
    hk = np.zeros((2, entries), dtype=np.int64)
    hr = np.zeros((2, entries), dtype=np.int32)
    return (prm, inp, pat, fl, ht, free, hk, hr, np.zeros(2, dtype=np.int64))


def _named(pattern, values, where, address_only):
    """A spec's Pattern, a named one looked up in values["_patterns"] (IPRewriterPatterns)."""
    named = resolve_pattern(pattern, values.get("_patterns"), where)
    if address_only and named is not pattern:
        try:
            check_address_only(named, f"{where}: pattern {pattern.name}")
        except ArgError as e:
            raise ValueError(f"{e.message} ({e.hint})") from None
    return named


def _set_input(inp, pat, i, spec, values, mapper_rows, address_only=False):
    inp[i, :] = 0
    inp[i, I_FOUT] = inp[i, I_ROUT] = -1
    if isinstance(spec, DropSpec):
        inp[i, I_KIND] = K_DROP
    elif isinstance(spec, PassSpec):
        inp[i, I_KIND], inp[i, I_FOUT] = K_NOCHANGE, spec.output
    elif isinstance(spec, KeepSpec):
        inp[i, I_KIND], inp[i, I_FOUT], inp[i, I_ROUT] = K_KEEP, spec.foutput, spec.routput
    elif isinstance(spec, PatternSpec):
        pattern = _named(spec.pattern, values, f"input spec {i}", address_only)
        inp[i, I_KIND], inp[i, I_FOUT], inp[i, I_ROUT] = K_PATTERN, spec.foutput, spec.routput
        inp[i, I_PAT], inp[i, I_NPAT] = i, 1
        _pattern_row(pat[i], pattern, spec.foutput, spec.routput)
    elif isinstance(spec, MapperSpec):
        patterns = _mapper_patterns(values, spec.element)
        first = mapper_rows[spec.element]
        inp[i, I_KIND], inp[i, I_PAT], inp[i, I_NPAT] = K_MAPPER, first, len(patterns)
        for k, p in enumerate(patterns):
            pattern = _named(p.pattern, values, f"mapper {spec.element!r}", address_only)
            _pattern_row(pat[first + k], pattern, p.foutput, p.routput)
    else:
        raise ValueError(f"input spec {i}: {spec!r} is not an input spec")


def _ip(v) -> str:
    return str(ipaddress.IPv4Address(int(v) & 0xFFFFFFFF))


def unparse_pattern(row) -> str:
    """IPRewriterPattern::unparse."""
    napt, top = row[Q_NAPT], row[Q_TOP]
    if not napt and top:
        out = f"{_ip(row[Q_SADDR])}-{_ip(row[Q_SADDR] + top)}"
    elif row[Q_SADDR]:
        out = _ip(row[Q_SADDR])
    else:
        out = "-"
    if napt:
        if not row[Q_SPORT]:
            out += " -"
        elif top:
            out += f" {int(row[Q_SPORT])}-{int(row[Q_SPORT] + top)}"
        else:
            out += f" {int(row[Q_SPORT])}"
    out += f" {_ip(row[Q_DADDR])}" if row[Q_DADDR] else " -"
    if napt:
        out += f" {int(row[Q_DPORT])}" if row[Q_DPORT] else " -"
    return out


def unparse_input(st, i) -> str:
    inp, pat = st[1], st[2]
    kind = inp[i, I_KIND]
    text = {K_DROP: "<drop>", K_NOCHANGE: "<nochange>", K_KEEP: "<keep>",
            K_MAPPER: "<mapper>"}.get(int(kind))
    if text is None:
        text = unparse_pattern(pat[inp[i, I_PAT]])
    if inp[i, I_COUNT]:
        text += f" [{int(inp[i, I_COUNT])}]"
    return text + "\n"


def _flowid(fl, f, d) -> str:
    k = F_K0 + 4 * d
    return f"({_ip(fl[f, k])}, {int(fl[f, k + 1])}, {_ip(fl[f, k + 2])}, {int(fl[f, k + 3])})"


def _rewritten(fl, f, d) -> str:
    k = F_K0 + 4 * (1 - d)          # the reverse of the other entry's flow ID
    return f"({_ip(fl[f, k + 2])}, {int(fl[f, k + 3])}, {_ip(fl[f, k])}, {int(fl[f, k + 1])})"


def unparse_ports(st, f, d) -> str:
    """IPRewriterFlow::unparse_ports: ' [*FOUT ROUT] iINPUT expSECONDS'."""
    prm, fl = st[0], st[3]
    expiry = int(fl[f, F_EXP])
    if fl[f, F_GUAR]:
        expiry = int(_best_effort_expiry(prm, fl, f))
    seconds = ((expiry + 500 - int(prm[P_NOW])) & 0xFFFFFFFF) // 1000   # unsigned jiffies
    return (f" [{'*' if d == 0 else ''}{int(fl[f, F_OUT0])} {'*' if d == 1 else ''}"
            f"{int(fl[f, F_OUT1])}] i{int(fl[f, F_INPUT])} exp{seconds}")


def table_lines(st, protocols, addr_only=False) -> str:
    """Both entries of every flow of these protocols, one line each (Click's *_table)."""
    fl = st[3]
    out = []
    for f in range(fl.shape[0]):
        if not fl[f, F_USED] or int(fl[f, F_PROTO]) not in protocols:
            continue
        for d in (0, 1):
            if addr_only:
                k, k2 = F_K0 + 4 * d, F_K0 + 4 * (1 - d)
                line = f"{_ip(fl[f, k])} => {_ip(fl[f, k2 + 2])}"
            else:
                line = f"{_flowid(fl, f, d)} => {_rewritten(fl, f, d)}"
            out.append(line + unparse_ports(st, f, d) + "\n")
    return "".join(out)


def rewriter_read(name, values, st, n_inputs):
    """The handlers every rewriter shares (IPRewriterBase::read_handler)."""
    prm, inp = st[0], st[1]
    n = min(n_inputs, inp.shape[0])
    if name == "nmappings":
        return str(int(inp[:n, I_COUNT].sum()))
    if name == "mapping_failures":
        return str(int(inp[:n, I_FAIL].sum()))
    if name == "size":
        return str(int(prm[P_NFLOWS]))
    if name == "capacity":
        return str(int(prm[P_CAP]))
    if name == "patterns":
        return "".join(unparse_input(st, i) for i in range(n))
    if name.startswith("pattern") and name[7:].isdigit() and int(name[7:]) < n:
        return unparse_input(st, int(name[7:]))
    raise KeyError(name)


def rewriter_write(cls, name, text, values, st, address_only):
    """capacity, clear and patternN (IPRewriterBase's write handlers)."""
    prm, inp, pat = st[0], st[1], st[2]
    if name == "capacity":
        words = text.split()
        try:
            cap = Integer().parse(words[0], ParseContext()) if len(words) == 1 else None
        except ArgError:
            cap = None
        if cap is None or cap < 0:
            raise ValueError(f"capacity: expected a number of flows, not {text.strip()!r}")
        if cap > st[3].shape[0] - 1:
            raise ValueError(f"capacity: at most {st[3].shape[0] - 1} flows (the "
                             "MAPPING_CAPACITY this rewriter was configured with)")
        prm[P_CAP] = cap
        shrink(st, prm[P_NOW], False)
        return
    if name == "clear":
        shrink(st, prm[P_NOW], True)
        return
    if name.startswith("pattern") and name[7:].isdigit() and int(name[7:]) < inp.shape[0]:
        i = int(name[7:])
        named = {k: [("", None, p)] for k, p in (values.get("_patterns") or {}).items()}
        try:
            spec = parse_input_spec(text, ParseContext(patterns=named), address_only)
        except ArgError as e:
            raise ValueError(f"{name}: {e.message}" + (f" ({e.hint})" if e.hint else "")) from None
        if isinstance(spec, MapperSpec):
            raise ValueError(f"{name}: a mapper element cannot be set at run time")
        if isinstance(spec, PatternSpec):
            resolve_pattern(spec.pattern, values.get("_patterns"), name)
        for port in spec_outputs(spec):
            if port >= prm[P_NOUT]:
                raise ValueError(f"{name}: output port {port} out of range")
        fl = st[3]
        for f in range(fl.shape[0]):       # flows made by this input go
            if fl[f, F_USED] and fl[f, F_INPUT] == i:
                destroy_flow(st, f)
        _set_input(inp, pat, i, spec, values, {}, address_only)   # fresh: counts restart at 0
        return
    raise KeyError(name)


def last_given(values, *keywords):
    """The value of the last of these keywords that has one (None: none): Click reads a
    rewriter's alternative keywords in turn, the later overriding the earlier."""
    found = [values.get(k) for k in keywords if values.get(k) is not None]
    return found[-1] if found else None


class IPRewriterBase(Element, abstract=True):
    """What every rewriter shares (Click's IPRewriterBase): one input per INPUTSPEC, the
    flow table's handlers (patternN per input among them) and its garbage collection
    (rewriter_start, first in each push kernel).  A rewriter adds its arguments, its push
    kernel, its state (build_state with its KIND and timeouts) and its table handlers
    (TABLE_HANDLERS for one table), put before BASE_HANDLERS."""

    port_count = "1-/1-"
    processing = "h/h"
    requires = {IP_HEADER: None}
    run_timer = rewriter_timer
    address_only = False               # IPAddrRewriter: patterns change source addresses only
    TABLE_HANDLERS = (      # those of the rewriters with one flow table
        Handler("table", doc="the current mappings"),
        Handler("mappings", doc="deprecated name of table"),
    )
    BASE_HANDLERS = (
        Handler("nmappings", doc="number of mappings"),
        Handler("mapping_failures", doc="flows that could not be mapped"),
        Handler("patterns", doc="the input specs, with their mapping counts"),
        Handler("size", doc="flows in the shared flow set"),
        Handler("capacity", write=True, doc="flow capacity"),
        Handler("clear", read=False, write=True, doc="remove every mapping"),
    )

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
    def port_handlers(cls, n_inputs, n_outputs):
        """Click's pattern0, pattern1, ...: each input's spec, read or replaced."""
        return tuple(Handler(f"pattern{i}", write=True, doc=f"input {i}'s spec")
                     for i in range(n_inputs))

    @classmethod
    def read_handler(cls, name, values, st):
        n = len([s for s in values.get("INPUTSPEC") or [] if not isinstance(s, StrayKeyword)])
        return rewriter_read(name, values, st, n or st[1].shape[0])

    @classmethod
    def write_handler(cls, name, text, values, st):
        rewriter_write(cls, name, text, values, st, address_only=cls.address_only)


class IPRewriter(IPRewriterBase):
    """Rewrites TCP/UDP packets' addresses and ports (a network address/port translator).

    Packets of a flow with a mapping are rewritten and sent to the mapping's
    output.  Others are handled by the INPUTSPEC of their input port (one
    input per INPUTSPEC): `drop`, `pass OUTPUT`, `keep FOUTPUT ROUTPUT`,
    `pattern SADDR SPORT DADDR DPORT FOUTPUT ROUTPUT` (fields `-` unchanged,
    SPORT may be a range like 1024-65535#) or an IPMapper element's name.
    New mappings send the flow to FOUTPUT and its replies, rewritten back, to
    ROUTPUT.  Non-TCP/UDP packets and later fragments are dropped unless their
    input is a `pass` input.  Handlers pattern0, pattern1, ... read or change
    each input's spec.
    """

    port_count = "1-/1-"
    processing = "h/h"
    args = rewriter_args(_KEYWORD_ARGS)
    handlers = (
        Handler("tcp_table", doc="the TCP mappings"),
        Handler("udp_table", doc="the UDP mappings"),
        Handler("tcp_mappings", doc="deprecated name of tcp_table"),
        Handler("udp_mappings", doc="deprecated name of udp_table"),
        Handler("tcp_lookup", doc="read with 'SADDR SPORT DADDR DPORT': the rewritten flow"),
    ) + IPRewriterBase.BASE_HANDLERS
    drop_reasons = REWRITER_REASONS
    push = iprewriter_push

    @classmethod
    def state(cls, values, n_inputs, n_outputs):
        v = values
        timeout = v.get("TCP_TIMEOUT")
        if v.get("TIMEOUT") is not None and (timeout is None or timeout == 24 * 60 * 60.0):
            timeout = v["TIMEOUT"]      # Click reads TIMEOUT, then TCP_TIMEOUT over it
        guarantee = v.get("GUARANTEE")
        if guarantee is None:
            guarantee = v.get("TCP_GUARANTEE")
        udp = v.get("UDP_TIMEOUT")
        stream = v.get("UDP_STREAMING_TIMEOUT")
        timeouts = {
            P_T0: _seconds(v.get("TCP_NODATA_TIMEOUT"), 300),
            P_T1: _seconds(guarantee, 5),
            P_TCP_DATA: _seconds(timeout, 24 * 60 * 60),
            P_TCP_DONE: _seconds(v.get("TCP_DONE_TIMEOUT"), 240),
            P_UDP_T0: _seconds(udp, 300),
            P_UDP_T1: _seconds(v.get("UDP_GUARANTEE"), 5),
            P_UDP_STREAM: _seconds(udp if stream is None else stream, 300),
        }
        return build_state(values, n_inputs, n_outputs, KIND_IPREWRITER, timeouts)

    @classmethod
    def read_handler(cls, name, values, st):
        if name in ("tcp_table", "tcp_mappings"):
            return table_lines(st, (6,))
        if name in ("udp_table", "udp_mappings"):
            return table_lines(st, (17,))
        if name == "tcp_lookup" or name.startswith("tcp_lookup "):
            return cls.tcp_lookup(st, name[len("tcp_lookup"):])
        return super().read_handler(name, values, st)

    @classmethod
    def tcp_lookup(cls, st, text, handler="tcp_lookup"):
        """Click's tcp_lookup read handler with parameter 'SADDR SPORT DADDR DPORT'.

        The handler interface has no parameters, so read `tcp_lookup` as
        `read_handler("tcp_lookup SADDR SPORT DADDR DPORT", ...)` or call this.
        Returns the rewritten flow, or "" when there is no mapping.
        """
        words = split_words(text.strip())
        if len(words) != 4:
            raise ValueError(f"{handler}: expected 'SADDR SPORT DADDR DPORT'")
        try:
            ctx = ParseContext()
            sa = int(ipaddress.IPv4Address(words[0]))
            da = int(ipaddress.IPv4Address(words[2]))
            sp, dp = Port("tcp").parse(words[1], ctx), Port("tcp").parse(words[3], ctx)
        except (ValueError, ArgError) as e:
            raise ValueError(f"{handler}: {getattr(e, 'message', e)}") from None
        e = find_entry(st, 6, sa, sp, da, dp)
        if e < 0:
            return ""
        f, d = e >> 1, e & 1
        fl, k = st[3], F_K0 + 4 * (1 - d)
        return f"{_ip(fl[f, k + 2])} {int(fl[f, k + 3])} {_ip(fl[f, k])} {int(fl[f, k + 1])}"

