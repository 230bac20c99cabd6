"""AggregateIPFlows: numbers TCP and UDP flows in the aggregate annotation."""
import sys

import numpy as np
from numba import njit

from clickpy.args import Arg, Bool, ElementRef, Integer, Seconds, String
from clickpy.datapath.inet import IP_MF, IP_OFFMASK, transport_offset
from clickpy.element import IP_HEADER, PAINT, Element, Handler
from clickpy.kernel import STOLEN, drop
from clickpy.packet import A_AGG, A_NH, A_PAINT, A_TSTAMP, C_NOW, rd16

# Settings and counters (st[0]).
(G_NEXT, G_ACTIVE, G_GC, G_TCP, G_TCP_DONE, G_UDP, G_FRAG, G_INTERVAL, G_SMALLEST, G_ICMP,
 G_FRAGMENTS, G_NOUT, G_WARN, G_NHP, G_NFREE, G_NFRFREE, G_CLEAR) = range(17)
# Host pairs (st[1]): an open-addressing table that is also their storage, as Click
# never frees host pairs.  Key (protocol map, a, b); flows list; held fragments.
H_USED, H_MAP, H_A, H_B, H_FLOWS, H_FHEAD, H_FTAIL = range(7)
# Flows (st[2]) and their free stack (st[3]); held fragments (st[4]) and theirs (st[5]).
F_USED, F_PORTS, F_AGG, F_LAST, F_OVER, F_REVERSE, F_NEXT = range(7)
R_SLOT, R_NEXT = range(2)
FLOW_CAPACITY, HOSTPAIR_SLOTS, FRAGMENT_CAPACITY = 16384, 32768, 1024

ACT_EMIT, ACT_DROP, ACT_NONE = range(3)
NOT_TCP_UDP, NO_ROOM, NO_FLOW_FOR_FRAGMENT = range(3)
_REASONS = (
    "not a TCP or UDP packet, too short, or a fragment (output 1 not connected)",
    "flow or fragment table full (output 1 not connected)",
    "held fragment whose flow never showed up",
)


@njit(cache=True, _nrt=False)
def _bswap32(x):
    return (((x & 0xFF) << 24) | ((x & 0xFF00) << 8) | ((x >> 8) & 0xFF00)
            | ((x >> 24) & 0xFF))


@njit(cache=True, _nrt=False)
def _le32(data, s, at):
    """A 32-bit word as Click reads it from packet memory on a little-endian host."""
    return (np.int64(data[s, at]) | (np.int64(data[s, at + 1]) << 8)
            | (np.int64(data[s, at + 2]) << 16) | (np.int64(data[s, at + 3]) << 24))


@njit(cache=True, _nrt=False)
def _good_ip_header(P, s):
    """good_ip_header: an ICMP error's quoted header, else the packet's own."""
    data, anno = P[0], P[3]
    nh = anno[s, A_NH]
    if data[s, nh + 9] == 1:
        return transport_offset(P, s) + 8
    return nh


@njit(cache=True, _nrt=False)
def _icmp_embedded(P, s):
    """icmp_encapsulated_header: the IP header an ICMP error quotes, or -1."""
    data, head, length = P[0], P[1], P[2]
    th = transport_offset(P, s)
    end = head[s] + length[s]
    if th < 0 or th + 9 > end:
        return -1
    t = data[s, th]
    if t == 3 or t == 11 or t == 12 or t == 4 or t == 5:
        hl = (np.int64(data[s, th + 8]) & 0xF) << 2
        if end - th >= 8 + hl and hl >= 20:
            return th + 8
    return -1


@njit(cache=True, _nrt=False)
def _mix32(x):
    """murmur3's finalizer: every bit of x moves every bit of the result."""
    x &= 0xFFFFFFFF
    x ^= x >> 16
    x = (x * 0x85EBCA6B) & 0xFFFFFFFF
    x ^= x >> 13
    x = (x * 0xC2B2AE35) & 0xFFFFFFFF
    return x ^ (x >> 16)


@njit(cache=True, _nrt=False)
def _hostpair(st, m, a, b):
    """The host pair row for (map, a, b), made if new; -1 when the table is full.

    The table is one flat open-addressing array, so the home slot must mix
    every bit of both addresses: Click's HostPair hashcode, (a << 12) + b +
    ..., keeps only a few low bits of each here and put 2,047 host pairs of
    the monitor benchmark on 4 home slots (~1,000 probes a packet).
    """
    g, hp = st[0], st[1]
    mask = hp.shape[0] - 1
    i = _mix32(_mix32(a) ^ b ^ (m << 31)) & mask
    while hp[i, H_USED]:
        if hp[i, H_MAP] == m and hp[i, H_A] == a and hp[i, H_B] == b:
            return i
        i = (i + 1) & mask
    if g[G_NHP] * 4 >= hp.shape[0] * 3:
        return -1
    g[G_NHP] += 1
    hp[i, H_USED], hp[i, H_MAP], hp[i, H_A], hp[i, H_B] = 1, m, a, b
    hp[i, H_FLOWS] = hp[i, H_FHEAD] = hp[i, H_FTAIL] = -1
    return i


@njit(cache=True, _nrt=False)
def _delete_flow(st, f):
    g, fl, free = st[0], st[2], st[3]
    fl[f, F_USED] = 0
    free[g[G_NFREE]] = f
    g[G_NFREE] += 1


@njit(cache=True, _nrt=False)
def _relevant_timeout(g, m, fl, f):
    if m == 1:
        return g[G_UDP]
    return g[G_TCP_DONE] if fl[f, F_OVER] == 3 else g[G_TCP]


@njit(cache=True, _nrt=False)
def _find_flow_info(P, s, st, m, h, ports, flipped):
    data, anno = P[0], P[3]
    g, hp, fl = st[0], st[1], st[2]
    prev = -1
    f = hp[h, H_FLOWS]
    while f >= 0:
        if fl[f, F_PORTS] == ports:
            age = anno[s, A_TSTAMP] // 1000000000 - fl[f, F_LAST]
            syn = False
            nh = anno[s, A_NH]
            if data[s, nh + 9] == 6:
                th = transport_offset(P, s)
                if th >= 0 and th + 14 <= P[1][s] + P[2][s]:
                    syn = (data[s, th + 13] & 0x02) != 0
            if ((age > g[G_SMALLEST] and age > _relevant_timeout(g, m, fl, f))
                    or (fl[f, F_OVER] == 3 and syn)):
                fl[f, F_AGG] = g[G_NEXT]        # the old aggregate died: a new one
                g[G_NEXT] += 1
                fl[f, F_REVERSE] = flipped
                fl[f, F_OVER] = 0
            if prev >= 0:                       # move to the front
                fl[prev, F_NEXT] = fl[f, F_NEXT]
                fl[f, F_NEXT] = hp[h, H_FLOWS]
                hp[h, H_FLOWS] = f
            return f
        prev = f
        f = fl[f, F_NEXT]
    if g[G_NFREE] == 0:
        return -1
    g[G_NFREE] -= 1
    f = st[3][g[G_NFREE]]
    fl[f, F_USED], fl[f, F_PORTS], fl[f, F_AGG] = 1, ports, g[G_NEXT]
    fl[f, F_LAST], fl[f, F_OVER], fl[f, F_REVERSE] = 0, 0, flipped
    fl[f, F_NEXT] = hp[h, H_FLOWS]
    hp[h, H_FLOWS] = f
    g[G_NEXT] += 1
    return f


@njit(cache=True, _nrt=False)
def _emit_hook(P, s, ip, st, f):
    """packet_emit_hook: the flow's last time, and whether TCP says it is over."""
    data, head, length, anno = P[0], P[1], P[2], P[3]
    fl = st[2]
    fl[f, F_LAST] = anno[s, A_TSTAMP] // 1000000000
    paint = anno[s, A_PAINT] & 0xFF
    th = transport_offset(P, s)
    if (data[s, ip + 9] == 6 and (rd16(data, s, ip + 6) & IP_OFFMASK) == 0 and th >= 0
            and head[s] + length[s] - th >= 14 and paint < 2):
        flags = data[s, th + 13]
        if flags & 0x04:
            fl[f, F_OVER] = 3
        elif flags & 0x01:
            fl[f, F_OVER] |= 1 << paint
        elif flags & 0x02:
            fl[f, F_OVER] = 0


@njit(cache=True, _nrt=False)
def _emit_fragment_head(P, st, h, emit, n):
    """Click's emit_fragment_head: the oldest held packet of a host pair leaves."""
    data, anno = P[0], P[3]
    hp, fl, fr, frfree, g = st[1], st[2], st[4], st[5], st[0]
    r = hp[h, H_FHEAD]
    s = fr[r, R_SLOT]
    hp[h, H_FHEAD] = fr[r, R_NEXT]
    if hp[h, H_FHEAD] < 0:
        hp[h, H_FTAIL] = -1
    frfree[g[G_NFRFREE]] = r
    g[G_NFRFREE] += 1
    ip = _good_ip_header(P, s)
    ip_id = rd16(data, s, ip + 4)
    if anno[s, A_AGG]:
        x = hp[h, H_FHEAD]
        while x >= 0:
            t = fr[x, R_SLOT]
            if rd16(data, t, _good_ip_header(P, t) + 4) == ip_id:
                anno[t, A_AGG] = anno[s, A_AGG]
                anno[t, A_PAINT] = anno[s, A_PAINT]
            x = fr[x, R_NEXT]
    else:
        x = hp[h, H_FHEAD]
        found = False
        while x >= 0:
            t = fr[x, R_SLOT]
            if rd16(data, t, _good_ip_header(P, t) + 4) == ip_id and anno[t, A_AGG]:
                anno[s, A_AGG] = anno[t, A_AGG]
                anno[s, A_PAINT] = anno[t, A_PAINT]
                found = True
                break
            x = fr[x, R_NEXT]
        if not found:
            emit[2 * n], emit[2 * n + 1] = drop(NO_FLOW_FOR_FRAGMENT), s
            return n + 1
    prev = -1
    f = hp[h, H_FLOWS]
    while f >= 0:
        if fl[f, F_AGG] == anno[s, A_AGG]:
            if prev >= 0:
                fl[prev, F_NEXT] = fl[f, F_NEXT]
                fl[f, F_NEXT] = hp[h, H_FLOWS]
                hp[h, H_FLOWS] = f
            _emit_hook(P, s, ip, st, f)
            break
        prev = f
        f = fl[f, F_NEXT]
    emit[2 * n], emit[2 * n + 1] = 0, s
    return n + 1


@njit(cache=True, _nrt=False)
def _drain_fragments(P, st, h, frag_timeout, emit, n):
    data, anno = P[0], P[3]
    hp, fr = st[1], st[4]
    while hp[h, H_FHEAD] >= 0 and n < emit.shape[0] // 2:
        s = fr[hp[h, H_FHEAD], R_SLOT]
        ip = _good_ip_header(P, s)
        if (anno[s, A_TSTAMP] // 1000000000 < frag_timeout
                or (rd16(data, s, ip + 6) & (IP_MF | IP_OFFMASK)) == 0):
            n = _emit_fragment_head(P, st, h, emit, n)
        else:
            break
    return n


@njit(cache=True, _nrt=False)
def reap(P, st, emit, n):
    """Click's reap: every REAP seconds of packet time, old fragments and flows go."""
    g, hp, fl = st[0], st[1], st[2]
    if g[G_GC]:
        active = g[G_ACTIVE]
        frag_timeout = active - g[G_FRAG]
        for h in range(hp.shape[0]):
            if not hp[h, H_USED]:
                continue
            n = _drain_fragments(P, st, h, frag_timeout, emit, n)
            if hp[h, H_FHEAD] >= 0:
                continue
            m = hp[h, H_MAP]
            timeout = active - (g[G_UDP] if m == 1 else g[G_TCP])
            done = active - (g[G_UDP] if m == 1 else g[G_TCP_DONE])
            prev = -1
            f = hp[h, H_FLOWS]
            while f >= 0:
                nxt = fl[f, F_NEXT]
                if fl[f, F_LAST] < (done if fl[f, F_OVER] == 3 else timeout):
                    if prev >= 0:
                        fl[prev, F_NEXT] = nxt
                    else:
                        hp[h, H_FLOWS] = nxt
                    _delete_flow(st, f)
                else:
                    prev = f
                f = nxt
    g[G_GC] = g[G_ACTIVE] + g[G_INTERVAL]
    return n


@njit(cache=True, _nrt=False)
def _handle(P, s, st, fragments, emit, n):
    """Click's handle_packet: (action, packets emitted meanwhile)."""
    data, head, length, anno, ctl = P[0], P[1], P[2], P[3], P[5]
    g, hp, fr, frfree = st[0], st[1], st[4], st[5]
    if anno[s, A_TSTAMP] == 0:
        if g[G_WARN] == 0:
            g[G_WARN] = 1            # "warning: packet received without timestamp"
        anno[s, A_TSTAMP] = ctl[C_NOW]
    end = head[s] + length[s]
    nh = anno[s, A_NH]
    if nh < 0 or nh + 20 > end:
        return ACT_DROP, n
    ip = nh
    paint = 0
    if data[s, nh + 9] == 1 and (rd16(data, s, nh + 6) & IP_OFFMASK) == 0 and g[G_ICMP]:
        ip = _icmp_embedded(P, s)
        paint = 2
        if ip < 0:
            return ACT_DROP, n
    proto = data[s, ip + 9]
    src, dst = _le32(data, s, ip + 12), _le32(data, s, ip + 16)
    if (proto != 6 and proto != 17) or (src == 0 and dst == 0):
        return ACT_DROP, n
    m = 0 if proto == 6 else 1
    a, b = (dst, src) if src > dst else (src, dst)
    if a != src:
        paint ^= 1
    h = _hostpair(st, m, a, b)
    if h < 0:
        return ACT_DROP, n
    ip_off = rd16(data, s, ip + 6)
    f = -1
    if (ip_off & IP_OFFMASK) == 0:
        up = ip + ((np.int64(data[s, ip]) & 0xF) << 2)
        if up + 4 > end:
            return ACT_DROP, n
        ports = _le32(data, s, up)
        if a == b and (((ports << 16) - ports) & 0x80000000):
            paint ^= 1
        if paint & 1:
            ports = ((ports >> 16) & 0xFFFF) | ((ports << 16) & 0xFFFF0000)
        f = _find_flow_info(P, s, st, m, h, ports, paint & 1)
        if f < 0:
            return ACT_DROP, n
        if st[2][f, F_REVERSE]:
            paint ^= 1
        anno[s, A_AGG] = st[2][f, F_AGG]
    else:
        anno[s, A_AGG] = 0
    anno[s, A_PAINT] = (anno[s, A_PAINT] & ~0xFF) | paint
    if (fragments and (ip_off & (IP_MF | IP_OFFMASK))) or hp[h, H_FHEAD] >= 0:
        # handle_fragment: hold it behind its host pair's earlier fragments.
        if g[G_NFRFREE] == 0:
            return ACT_DROP, n
        g[G_NFRFREE] -= 1
        r = frfree[g[G_NFRFREE]]
        fr[r, R_SLOT], fr[r, R_NEXT] = s, -1
        if hp[h, H_FHEAD] >= 0:
            fr[hp[h, H_FTAIL], R_NEXT] = r
        else:
            hp[h, H_FHEAD] = r
        hp[h, H_FTAIL] = r
        g[G_ACTIVE] = anno[s, A_TSTAMP] // 1000000000
        n = _drain_fragments(P, st, h, g[G_ACTIVE] - g[G_FRAG], emit, n)
        return ACT_NONE, n
    if f < 0:
        return ACT_DROP, n
    g[G_ACTIVE] = anno[s, A_TSTAMP] // 1000000000
    _emit_hook(P, s, ip, st, f)
    return ACT_EMIT, n


@njit(cache=True, _nrt=False)
def _clear_pending(P, st, emit, n):
    # The `clear` handler asked for a reap of everything; held fragments can only
    # leave from the data path, so it happens with the next packet.
    g = st[0]
    if g[G_CLEAR]:
        g[G_CLEAR] = 0
        active, gc = g[G_ACTIVE], g[G_GC]
        g[G_ACTIVE] = g[G_GC] = 0x7FFFFFFF
        n = reap(P, st, emit, n)
        g[G_ACTIVE], g[G_GC] = active, gc
    return n


@njit(cache=True, _nrt=False)
def aggregate_push(P, port, s, st, emit):
    g = st[0]
    n = _clear_pending(P, st, emit, 0)
    action, n = _handle(P, s, st, g[G_FRAGMENTS], emit, n)
    if g[G_ACTIVE] >= g[G_GC]:
        n = reap(P, st, emit, n)
    if action == ACT_EMIT:
        emit[2 * n], emit[2 * n + 1] = 0, s
        n += 1
    elif action == ACT_DROP:
        emit[2 * n] = 1 if g[G_NOUT] > 1 else drop(NOT_TCP_UDP)
        emit[2 * n + 1] = s
        n += 1
    return n


@njit(cache=True, _nrt=False)
def aggregate_action(P, s, st):
    # Pull context: Click's FRAGMENTS default is false there, so nothing is held.
    g = st[0]
    action, n = _handle(P, s, st, False, st[6], 0)
    if g[G_ACTIVE] >= g[G_GC]:
        reap(P, st, st[6], 0)
    if action == ACT_EMIT:
        return 0
    if action == ACT_DROP:
        return 1 if g[G_NOUT] > 1 else drop(NOT_TCP_UDP)
    return STOLEN


@njit(cache=True, _nrt=False)
def aggregate_pending(P, st):
    """The one-time warning (a packet without timestamp) is due."""
    return st[0][G_WARN] == 1


class AggregateIPFlows(Element):
    """Sets the aggregate annotation to a flow number and the paint annotation to a direction.

    TCP and UDP flows are told apart by addresses and ports; each new flow
    gets the next number (from 1), its packets paint 0 and reply packets
    paint 1 (2 and 3 for ICMP errors, with ICMP true).  Flows expire after
    their timeout.  Non-TCP/UDP packets, short packets and fragments that
    cannot be matched go to output 1, or are dropped if it is not connected.
    With FRAGMENTS (the default in push context) later fragments are held
    until their flow is known, which can reorder packets.
    """

    port_count = "1/1-2"
    processing = "a/ah"
    args = (
        Arg("TCP_TIMEOUT", Integer(0), default=24 * 60 * 60,
            doc="seconds before an active TCP flow expires"),
        Arg("TCP_DONE_TIMEOUT", Integer(0), default=30,
            doc="seconds before a completed TCP flow expires"),
        Arg("UDP_TIMEOUT", Seconds(), default=60.0, doc="UDP flow timeout"),
        Arg("FRAGMENT_TIMEOUT", Seconds(), default=30.0, doc="how long to hold fragments"),
        Arg("REAP", Seconds(), default=20 * 60.0, doc="garbage collection interval"),
        Arg("ICMP", Bool(), default=False, doc="aggregate ICMP errors with their flow"),
        Arg("TRACEINFO", String(), doc="file to write per-flow XML information to"),
        Arg("SOURCE", ElementRef(), doc="element whose filename and packet_filepos to record"),
        Arg("FRAGMENTS", Bool(), doc="hold fragments to number them (push context only)"),
    )
    handlers = (Handler("clear", read=False, write=True,
                        doc="forget all flows (emits held fragments)"),)
    requires = {IP_HEADER: (0,)}
    sets = {PAINT: (0,)}
    drop_reasons = _REASONS
    push = aggregate_push
    simple_action = aggregate_action
    host_pending = aggregate_pending

    @classmethod
    def state(cls, values, n_inputs, n_outputs):
        if values.get("TRACEINFO") or values.get("SOURCE"):
            raise ValueError("AggregateIPFlows: TRACEINFO and SOURCE (per-flow XML files) are "
                             "not supported by the data path")
        g = np.zeros(17, dtype=np.int64)
        g[G_NEXT] = 1
        tcp, done = values.get("TCP_TIMEOUT"), values.get("TCP_DONE_TIMEOUT")
        g[G_TCP] = 24 * 60 * 60 if tcp is None else tcp
        g[G_TCP_DONE] = 30 if done is None else done
        for word, name, default in ((G_UDP, "UDP_TIMEOUT", 60), (G_FRAG, "FRAGMENT_TIMEOUT", 30),
                                    (G_INTERVAL, "REAP", 20 * 60)):
            v = values.get(name)
            g[word] = default if v is None else int(round(v))
        g[G_SMALLEST] = min(g[G_TCP], g[G_TCP_DONE], g[G_UDP])
        g[G_ICMP] = bool(values.get("ICMP"))
        g[G_FRAGMENTS] = values.get("FRAGMENTS") is not False   # push context: default true
        g[G_NOUT] = n_outputs
        hp = np.zeros((HOSTPAIR_SLOTS, 7), dtype=np.int64)
        fl = np.zeros((FLOW_CAPACITY, 7), dtype=np.int64)
        free = np.arange(FLOW_CAPACITY - 1, -1, -1, dtype=np.int64)
        g[G_NFREE] = FLOW_CAPACITY
        fr = np.zeros((FRAGMENT_CAPACITY, 2), dtype=np.int64)
        frfree = np.arange(FRAGMENT_CAPACITY - 1, -1, -1, dtype=np.int64)
        g[G_NFRFREE] = FRAGMENT_CAPACITY
        return (g, hp, fl, free, fr, frfree, np.zeros(2, dtype=np.int64))

    @classmethod
    def emits(cls, values, n_outputs):
        return FRAGMENT_CAPACITY + 2

    @classmethod
    def held(cls, st) -> list[int]:
        """Slots of the fragments held."""
        hp, fr = st[1], st[4]
        out = []
        for h in np.nonzero(hp[:, H_USED])[0]:
            r = hp[h, H_FHEAD]
            while r >= 0:
                out.append(int(fr[r, R_SLOT]))
                r = fr[r, R_NEXT]
        return out

    @classmethod
    def write_handler(cls, name, text, values, st):
        if name != "clear":
            raise KeyError(name)
        g = st[0]
        if cls.held(st):
            g[G_CLEAR] = 1      # held fragments leave with the next packet
            return
        # No fragments: Click's reap at the end of time deletes every flow (host
        # pairs stay, as Click never frees them).
        hp, fl, free = st[1], st[2], st[3]
        fl[:, F_USED] = 0
        hp[:, H_FLOWS] = -1
        free[:] = np.arange(fl.shape[0] - 1, -1, -1)
        g[G_NFREE] = fl.shape[0]

    @classmethod
    def host_flush(cls, values, st, pool):
        g = st[0]
        if g[G_WARN] == 1:
            g[G_WARN] = 2
            print(f"{cls.class_name}: warning: packet received without timestamp",
                  file=sys.stderr)
