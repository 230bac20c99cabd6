"""IPReassembler: rebuilds IP packets from their fragments."""
import ipaddress

import numpy as np
from numba import njit

from clickpy.args import Arg, Integer
from clickpy.argtypes.packet_annotations import Annotation
from clickpy.datapath.inet import IP_MF, IP_OFFMASK, in_cksum, transport_offset
from clickpy.element import IP_HEADER, Element, Handler
from clickpy.kernel import drop
from clickpy.packet import (A_NH, A_TH, A_TSTAMP, C_NOW, NANNO, SLOT_SIZE, create, rd16, take_back,
                            wr16)
from elements.standard.paint import anno_byte

# Click's constants: 256 buckets by IP ID, 30 s dormancy, reaping every 10 s, and
# 40 bytes of bookkeeping counted per held packet.
NMAP, REAP_TIMEOUT, REAP_INTERVAL, IPH_MEM_USED = 256, 30, 10, 40
# Counters and settings (st[0]).
(R_MEM, R_HIGH, R_LOW, R_REAP_TIME, R_SEEN, R_GOOD, R_FAILED, R_BAD, R_NOUT, R_MTU_COL0,
 R_MTU_SHIFT0, R_MTU_COL1, R_MTU_SHIFT1, R_NOMEM) = range(14)
# One row per packet being rebuilt (st[1]): its slot, the next in its bucket, and the
# first chunk (Click keeps it in the packet's IPREASSEMBLER annotation).
M_USED, M_SLOT, M_NEXT, M_OFF, M_LAST = range(5)
ANNO_CHUNK = -1         # "chunk pointer" meaning the first chunk; others are offsets
(NO_HEADER, BAD_FRAGMENT, MERGED, PAST_END, TOO_LARGE, NO_ROOM, TIMED_OUT,
 EVICTED) = range(8)
_REASONS = (
    "missing or truncated IP header",
    "bad fragment (length or offset)",
    "fragment copied into its reassembly",
    "fragment past the end of a complete packet",
    "reassembled packet too large for a pool slot",
    "no room for another reassembly",
    "incomplete reassembly timed out (output 1 not connected)",
    "incomplete reassembly dropped for memory (output 1 not connected)",
)


# ---- chunk links: Click's ChunkLink {uint16 off, lastoff}, stored in the holes -------

@njit(cache=True, _nrt=False)
def _tlen(P, q):
    return P[1][q] + P[2][q] - P[3][q, A_TH]


@njit(cache=True, _nrt=False)
def _chunk(P, m, r, c):
    """(off, lastoff) of chunk pointer c of reassembly r (native little-endian in data)."""
    if c == ANNO_CHUNK:
        return m[r, M_OFF], m[r, M_LAST]
    data, q = P[0], m[r, M_SLOT]
    at = P[3][q, A_TH] + c
    return (np.int64(data[q, at]) | (np.int64(data[q, at + 1]) << 8),
            np.int64(data[q, at + 2]) | (np.int64(data[q, at + 3]) << 8))


@njit(cache=True, _nrt=False)
def _set_chunk(P, m, r, c, off, lastoff):
    if c == ANNO_CHUNK:
        m[r, M_OFF], m[r, M_LAST] = off, lastoff
        return
    data, q = P[0], m[r, M_SLOT]
    at = P[3][q, A_TH] + c
    data[q, at], data[q, at + 1] = off & 0xFF, (off >> 8) & 0xFF
    data[q, at + 2], data[q, at + 3] = lastoff & 0xFF, (lastoff >> 8) & 0xFF


@njit(cache=True, _nrt=False)
def _next_chunk(P, m, r, c):
    off, lastoff = _chunk(P, m, r, c)
    if lastoff >= _tlen(P, m[r, M_SLOT]):
        return -2
    return lastoff


@njit(cache=True, _nrt=False)
def _set_u16_anno(anno, q, c, value):
    """Packet::set_anno_u16 at MAX_MTU_ANNO (two annotation bytes, little-endian)."""
    for k in range(2):
        col, shift = c[R_MTU_COL0 + 2 * k], c[R_MTU_SHIFT0 + 2 * k]
        byte = (value >> (8 * k)) & 0xFF
        anno[q, col] = (anno[q, col] & ~(0xFF << shift)) | (byte << shift)


@njit(cache=True, _nrt=False)
def _get_u16_anno(anno, q, c):
    v = 0
    for k in range(2):
        v |= ((anno[q, c[R_MTU_COL0 + 2 * k]] >> c[R_MTU_SHIFT0 + 2 * k]) & 0xFF) << (8 * k)
    return v


# ---- the held packets ------------------------------------------------------------------

@njit(cache=True, _nrt=False)
def _unlink(P, st, r):
    """Take reassembly r off its bucket list; its slot is returned, the row freed."""
    c, m, heads = st[0], st[1], st[2]
    data, q = P[0], m[r, M_SLOT]
    nh = P[3][q, A_NH]
    b = data[q, nh + 4]                  # Click: ip_id % 256 of the host-order (LE) ID
    prev = -1
    i = heads[b]
    while i >= 0 and i != r:
        prev = i
        i = m[i, M_NEXT]
    if prev < 0:
        heads[b] = m[r, M_NEXT]
    else:
        m[prev, M_NEXT] = m[r, M_NEXT]
    m[r, M_USED] = 0
    c[R_MEM] -= IPH_MEM_USED + _tlen(P, q)
    return q


@njit(cache=True, _nrt=False)
def _out_failed(c, emit, n, q, reason):
    """checked_output_push(1, q): output 1 when connected, else dropped."""
    emit[2 * n] = 1 if c[R_NOUT] > 1 else drop(reason)
    emit[2 * n + 1] = q
    return n + 1


@njit(cache=True, _nrt=False)
def _reap(P, st, now, emit, n):
    c, m, heads = st[0], st[1], st[2]
    kill_time = now - REAP_TIMEOUT
    for b in range(NMAP):
        r = heads[b]
        while r >= 0:
            nxt = m[r, M_NEXT]
            q = m[r, M_SLOT]
            if P[3][q, A_TSTAMP] // 1000000000 < kill_time and n < emit.shape[0] // 2:
                _unlink(P, st, r)
                n = _out_failed(c, emit, n, q, TIMED_OUT)
            r = nxt
    c[R_REAP_TIME] = now + REAP_INTERVAL
    return n


@njit(cache=True, _nrt=False)
def _reap_overfull(P, st, now, emit, n):
    # Throw away fragments at least 10 seconds old, then 5, then any.
    c, m, heads = st[0], st[1], st[2]
    for delta in (10, 5, 0):
        for b in range(NMAP):
            r = heads[b]
            while r >= 0:
                nxt = m[r, M_NEXT]
                q = m[r, M_SLOT]
                if (delta == 0 or P[3][q, A_TSTAMP] // 1000000000 < now - delta) \
                        and n < emit.shape[0] // 2:
                    _unlink(P, st, r)
                    n = _out_failed(c, emit, n, q, EVICTED)
                    c[R_FAILED] += 1
                    if c[R_MEM] <= c[R_LOW]:
                        return n
                r = nxt
    c[R_NOMEM] += 1          # Click: "IPReassembler: cannot free enough memory!"
    return n


@njit(cache=True, _nrt=False)
def _same_segment(data, s, nh, q, qnh):
    for k in (4, 5, 9, 12, 13, 14, 15, 16, 17, 18, 19):    # ID, protocol, addresses
        if data[s, nh + k] != data[q, qnh + k]:
            return False
    return True


@njit(cache=True, _nrt=False)
def _find_queue(P, st, s, nh):
    data, anno = P[0], P[3]
    m, heads = st[1], st[2]
    r = heads[data[s, nh + 4]]
    while r >= 0:
        q = m[r, M_SLOT]
        if _same_segment(data, s, nh, q, anno[q, A_NH]):
            return r
        r = m[r, M_NEXT]
    return -1


@njit(cache=True, _nrt=False)
def _make_queue(P, st, s, nh, th, p_off, p_lastoff):
    """Click's make_queue: the first fragment is kept as the buffer, later ones are
    copied into a new one (a 20-byte IP header, then the data at its offset).
    Returns the drop reason for s, or -1 when s is kept."""
    data, head, length, anno = P[0], P[1], P[2], P[3]
    c, m, heads = st[0], st[1], st[2]
    r = -1
    for i in range(m.shape[0]):
        if not m[i, M_USED]:
            r = i
            break
    if r < 0:
        return NO_ROOM
    reason = -1
    if p_off == 0:
        q = s
    else:
        if nh + 20 + p_lastoff + 8 > SLOT_SIZE:
            return TOO_LARGE
        q = create(P)
        if q < 0:
            return NO_ROOM
        head[q] = nh                      # headroom: the fragment's, plus its link header
        length[q] = 20 + p_lastoff
        for k in range(nh, nh + 20 + p_lastoff):
            data[q, k] = 0
        for k in range(20):
            data[q, nh + k] = data[s, nh + k]
        anno[q, A_NH] = nh
        anno[q, A_TH] = nh + 20
        for k in range(p_lastoff - p_off):
            data[q, nh + 20 + p_off + k] = data[s, th + k]
        reason = MERGED
    c[R_MEM] += IPH_MEM_USED + p_lastoff
    qnh = anno[q, A_NH]
    wr16(data, q, qnh + 6, rd16(data, q, qnh + 6) & ~IP_OFFMASK)
    if c[R_MTU_SHIFT0] >= 0:
        _set_u16_anno(anno, q, c, head[q] + length[q] - qnh)
    m[r, M_USED], m[r, M_SLOT] = 1, q
    m[r, M_OFF], m[r, M_LAST] = p_off, p_lastoff
    b = data[q, qnh + 4]
    m[r, M_NEXT] = heads[b]
    heads[b] = r
    return reason


@njit(cache=True, _nrt=False)
def ip_reassemble(P, port, s, st, emit):
    data, head, length, anno, ctl = P[0], P[1], P[2], P[3], P[5]
    c, m = st[0], st[1]
    end = head[s] + length[s]
    nh = anno[s, A_NH]
    if nh < 0 or nh + 20 > end:
        emit[0], emit[1] = drop(NO_HEADER), s
        return 1
    ip_off = rd16(data, s, nh + 6)
    if (ip_off & (IP_MF | IP_OFFMASK)) == 0:          # not a fragment: the common case
        emit[0], emit[1] = 0, s
        return 1
    c[R_SEEN] += 1
    if anno[s, A_TSTAMP] == 0:
        anno[s, A_TSTAMP] = ctl[C_NOW]
    now = anno[s, A_TSTAMP] // 1000000000
    n = 0
    if now >= c[R_REAP_TIME]:
        n = _reap(P, st, now, emit, n)
    hlen = (np.int64(data[s, nh]) & 0xF) << 2
    p_off = (ip_off & IP_OFFMASK) << 3
    p_lastoff = p_off + rd16(data, s, nh + 2) - hlen
    th = transport_offset(P, s)
    dlen = end - th
    if (th < 0 or p_lastoff > 0xFFFF or p_lastoff <= p_off
            or ((p_lastoff & 7) != 0 and (ip_off & IP_MF) != 0) or dlen < p_lastoff - p_off):
        c[R_BAD] += 1
        emit[2 * n], emit[2 * n + 1] = drop(BAD_FRAGMENT), s
        return n + 1
    take_back(P, s, dlen - (p_lastoff - p_off))
    end = head[s] + length[s]
    if c[R_MEM] > c[R_HIGH]:
        n = _reap_overfull(P, st, now, emit, n)
    r = _find_queue(P, st, s, nh)
    if r < 0:
        why = _make_queue(P, st, s, nh, th, p_off, p_lastoff)
        if why >= 0:
            emit[2 * n], emit[2 * n + 1] = drop(why), s
            n += 1
        return n
    q = m[r, M_SLOT]
    if _get_u16_anno(anno, q, c) < end - nh and c[R_MTU_SHIFT0] >= 0:
        _set_u16_anno(anno, q, c, end - nh)
    qnh = anno[q, A_NH]
    delta = (nh - head[s]) - (qnh - head[q])     # header moves for a first fragment
    if p_off == 0 and head[q] < delta:
        emit[2 * n], emit[2 * n + 1] = drop(TOO_LARGE), s
        return n + 1
    # Extend the buffer if this fragment ends past it.
    old_tl = _tlen(P, q)
    if p_lastoff > old_tl:
        if not (rd16(data, q, qnh + 6) & IP_MF):
            emit[2 * n], emit[2 * n + 1] = drop(PAST_END), s
            return n + 1
        if anno[q, A_TH] + p_lastoff + 8 > SLOT_SIZE:
            emit[2 * n], emit[2 * n + 1] = drop(TOO_LARGE), s
            return n + 1
        qend = head[q] + length[q]
        for k in range(qend, anno[q, A_TH] + p_lastoff + 8):
            data[q, k] = 0
        length[q] += p_lastoff - old_tl
        _set_chunk(P, m, r, old_tl, p_lastoff, p_lastoff)
        c[R_MEM] += p_lastoff - old_tl
    # Find the chunks before and after the fragment, and patch them.
    tl = _tlen(P, q)
    chunk = ANNO_CHUNK
    guard = tl // 8 + 4
    while _chunk(P, m, r, chunk)[1] < p_off and guard > 0:
        chunk = _next_chunk(P, m, r, chunk)
        guard -= 1
        if chunk == -2:
            break
    last = chunk
    while last != -2 and _chunk(P, m, r, last)[1] < p_lastoff and guard > 0:
        last = _next_chunk(P, m, r, last)
        guard -= 1
    if chunk == -2 or last == -2 or guard <= 0:       # cannot happen with Click's invariants
        c[R_BAD] += 1
        emit[2 * n], emit[2 * n + 1] = drop(BAD_FRAGMENT), s
        return n + 1
    l_off, l_last = _chunk(P, m, r, last)
    c_off, c_last = _chunk(P, m, r, chunk)
    if p_lastoff < l_off:
        _set_chunk(P, m, r, p_lastoff, l_off, l_last)
        _set_chunk(P, m, r, chunk, c_off, p_lastoff)
    else:
        _set_chunk(P, m, r, chunk, c_off, l_last)
    c_off, c_last = _chunk(P, m, r, chunk)
    if p_off < c_off:
        _set_chunk(P, m, r, chunk, p_off, c_last)
    qth = anno[q, A_TH]
    for k in range(p_lastoff - p_off):
        data[q, qth + p_off + k] = data[s, th + k]
    if p_off == 0:
        # The first fragment brings the IP header (with options) and what precedes it.
        old_ip_off = rd16(data, q, qnh + 6)
        head[q] -= delta
        length[q] += delta
        qnh = head[q] + (nh - head[s])
        anno[q, A_NH] = qnh
        anno[q, A_TH] = qnh + (th - nh)
        for k in range(th - head[s]):
            data[q, head[q] + k] = data[s, head[s] + k]
        wr16(data, q, qnh + 6, old_ip_off)
        mtu = _get_u16_anno(anno, q, c)
        for k in range(NANNO):
            if k != A_NH and k != A_TH:
                anno[q, k] = anno[s, k]
        if c[R_MTU_SHIFT0] >= 0:
            _set_u16_anno(anno, q, c, mtu)
    if not (ip_off & IP_MF):
        wr16(data, q, qnh + 6, rd16(data, q, qnh + 6) & ~IP_MF)
    off0, last0 = m[r, M_OFF], m[r, M_LAST]
    if (rd16(data, q, qnh + 6) & IP_MF) == 0 and off0 == 0 and last0 == _tlen(P, q):
        # emit_whole_packet
        c[R_GOOD] += 1
        _unlink(P, st, r)
        wr16(data, q, qnh + 2, head[q] + length[q] - qnh)
        wr16(data, q, qnh + 10, 0)
        wr16(data, q, qnh + 10, in_cksum(data, q, qnh, (np.int64(data[q, qnh]) & 0xF) << 2))
        anno[q, A_TSTAMP] = anno[s, A_TSTAMP]
        emit[2 * n], emit[2 * n + 1] = drop(MERGED), s
        emit[2 * n + 2], emit[2 * n + 3] = 0, q
        return n + 2
    emit[2 * n], emit[2 * n + 1] = drop(MERGED), s
    return n + 1


class IPReassembler(Element):
    """Reassembles fragmented IP packets.

    Unfragmented packets pass straight to output 0.  Fragments are held until
    the whole packet can be rebuilt, which then leaves on output 0.  Fragment
    sets left incomplete for 30 seconds, or thrown out when memory use passes
    HIMEM bytes, go to output 1 as one packet holding what arrived (usually
    an ICMPError(..., timeexceeded, reassembly)), or are dropped when output 1
    is not connected.
    """

    port_count = "1/1-2"
    processing = "a/ah"
    args = (
        Arg("HIMEM", Integer(0), default=256 * 1024, doc="memory bound in bytes"),
        Arg("MAX_MTU_ANNO", Annotation(2),
            doc="2-byte annotation set to the largest fragment's size"),
    )
    handlers = (Handler("dump", doc="statistics and the fragments held"),)
    requires = {IP_HEADER: (0,)}
    sets = {IP_HEADER: (0, 1)}
    drop_reasons = _REASONS
    push = ip_reassemble

    @classmethod
    def _rows(cls, values):
        himem = values.get("HIMEM")
        himem = 256 * 1024 if himem is None else himem
        return max(1, min(1024, himem // (IPH_MEM_USED + 8) + 1))

    @classmethod
    def state(cls, values, n_inputs, n_outputs):
        c = np.zeros(14, dtype=np.int64)
        himem = values.get("HIMEM")
        c[R_HIGH] = 256 * 1024 if himem is None else himem
        c[R_LOW] = (c[R_HIGH] >> 2) * 3
        c[R_NOUT] = n_outputs
        c[R_MTU_SHIFT0] = c[R_MTU_SHIFT1] = -1
        ref = values.get("MAX_MTU_ANNO")
        if ref is not None:
            for k in range(2):
                byte = type(ref)(ref.name, ref.offset + k, 1)
                c[R_MTU_COL0 + 2 * k], c[R_MTU_SHIFT0 + 2 * k] = anno_byte(byte, "MAX_MTU_ANNO")
        m = np.zeros((cls._rows(values), 5), dtype=np.int64)
        heads = np.full(NMAP, -1, dtype=np.int64)
        return (c, m, heads)

    @classmethod
    def emits(cls, values, n_outputs):
        return cls._rows(values) + 2

    @classmethod
    def held(cls, st) -> list[int]:
        """Slots held (packets being rebuilt)."""
        m = st[1]
        return [int(m[r, M_SLOT]) for r in range(m.shape[0]) if m[r, M_USED]]

    @classmethod
    def read_handler(cls, name, values, st, pool=None):
        """`dump`: Click's statistics; its list of held chunks needs the packet bytes,
        which handlers cannot reach (pass `pool` to include them)."""
        if name != "dump":
            raise KeyError(name)
        c, m, heads = st
        out = (f"frags seen total:    {int(c[R_SEEN])}\n"
               f"good reassemblies:   {int(c[R_GOOD])}\n"
               f"failed reassemblies: {int(c[R_FAILED])}\n"
               f"bad fragments seen:  {int(c[R_BAD])}\n"
               "cached chunk data:\n")
        if pool is None:
            return out
        P = pool.arrays
        for b in range(NMAP):
            r = int(heads[b])
            while r >= 0:
                q = int(m[r, M_SLOT])
                nh = int(pool.anno[q, A_NH])
                th = int(pool.anno[q, A_TH])
                d = pool.data[q]
                src = ipaddress.IPv4Address(bytes(d[nh + 12:nh + 16]))
                dst = ipaddress.IPv4Address(bytes(d[nh + 16:nh + 20]))
                sport = int.from_bytes(bytes(d[th:th + 2]), "big")
                dport = int.from_bytes(bytes(d[th + 2:th + 4]), "big")
                ip_id = int.from_bytes(bytes(d[nh + 4:nh + 6]), "big")
                line = f" ({src}, {sport}, {dst}, {dport}) {ip_id}"
                tl = int(_tlen(P, q))
                chunk = ANNO_CHUNK
                while chunk != -2:
                    off, last = (int(x) for x in _chunk(P, m, r, chunk))
                    if not (last > off and last <= tl):
                        break
                    line += f" ({off},{last})"
                    chunk = int(_next_chunk(P, m, r, chunk))
                out += line + "\n"
                r = int(m[r, M_NEXT])
        return out
