"""The packet pool: every packet lives in a preallocated slot; nothing allocates.

Bytes are in a (slots, SLOT_SIZE) uint8 array; a packet occupies
data[s, head[s] : head[s] + length[s]], with HEADROOM bytes in front so that
encapsulation moves `head` instead of copying.  Click's packet annotations
are columns of one int64 array.  Free slots are a stack.

The pool travels through compiled code as the tuple P = (data, head, length,
anno, free, ctl); the helpers here are what kernels use to touch packets.
They are numba functions that also run as plain Python under
NUMBA_DISABLE_JIT=1, so the same kernels can be debugged interpreted.

Byte offsets here are cast to unsigned (U) before indexing: numba wraps a
signed index around (a negative one counts from the end), a test and an add
on every byte that also stops LLVM from vectorizing a copy loop.  A 64-byte
copy costs 6 ns with unsigned offsets against 32 ns with signed ones, a
32-bit load 1 ns against 2.3 (measured here).  Offsets are never negative
in the data path: kernels check lengths before they read.
"""
from __future__ import annotations

import numpy as np
from numba import njit

SLOT_SIZE = 2048
U = np.uint64    # the index type of byte offsets (see above)
HEADROOM = 128

# Annotation columns (Click's names in comments).
A_DST_IP = 0       # destination IP address annotation, as int(IPv4Address)
A_PAINT = 1        # paint
A_NH = 2           # network (IP) header: absolute offset in the slot, -1 when unset
A_TH = 3           # transport header offset, -1 when unset
A_TSTAMP = 4       # timestamp, nanoseconds since the epoch
A_DEV = 5          # input device index
A_VLAN = 6         # VLAN TCI annotation
A_HASH = 7         # flow hash
A_PKTTYPE = 8      # packet type: HOST, BROADCAST, MULTICAST, OTHERHOST, OUTGOING
A_AGG = 9          # aggregate annotation (AggregateIPFlows)
A_FIX_IP_SRC = 10  # "fix IP source" flag (ICMPError -> FixIPSrc)
A_ICMP_PARAM = 11  # ICMP parameter problem pointer
A_GATEWAY = 12     # next-hop chosen by a routing table (kept beside DST_IP)
A_EXTRA_LENGTH = 13  # bytes the packet had beyond what was captured (FromDump, Truncate)
A_USER = 14        # first of two user annotations
# Click's FIRST_TIMESTAMP_ANNO (ns; SetTimestamp FIRST) shares the second user annotation's
# word, as Click's annotations share bytes: a 17th column would make every slot's row of
# annotations 136 bytes, no longer two whole cache lines, for an annotation seldom used.
A_FIRST_TSTAMP = 15
NANNO = 16

PKTTYPE_HOST, PKTTYPE_BROADCAST, PKTTYPE_MULTICAST, PKTTYPE_OTHERHOST, PKTTYPE_OUTGOING = 0, 1, 2, 3, 4

# Control words shared by everything in one compiled configuration.
C_NFREE = 0        # free slots on the stack
C_NOW = 1          # current time, ns (the driver updates it each round)
C_STOP = 2         # driver stop requests (Click's please_stop_driver), one per request:
                   # InfiniteSource STOP true adds 1; the Router ends the run, or gives
                   # them to a DriverManager's script (Router._give_stops)
C_CREATED = 3      # packets created by elements (copies, new packets)
C_NOSLOT = 4       # packets that could not be created: pool exhausted
NCTL = 8


class Pool:
    """Host-side owner of the pool arrays."""

    def __init__(self, nslots: int = 4096):
        self.nslots = nslots
        self.data = np.zeros((nslots, SLOT_SIZE), dtype=np.uint8)
        self.head = np.full(nslots, HEADROOM, dtype=np.int32)
        self.length = np.zeros(nslots, dtype=np.int32)
        self.anno = np.zeros((nslots, NANNO), dtype=np.int64)
        self.free = np.arange(nslots - 1, -1, -1, dtype=np.int32)
        self.ctl = np.zeros(NCTL, dtype=np.int64)
        self.ctl[C_NFREE] = nslots

    @property
    def arrays(self) -> tuple:
        return (self.data, self.head, self.length, self.anno, self.free, self.ctl)

    def in_use(self) -> int:
        return self.nslots - int(self.ctl[C_NFREE])

    def load(self, frame: bytes, dev: int = 0, tstamp_ns: int = 0) -> int:
        """Put one frame in a fresh slot (host side: sources and tests); -1 if full or too big."""
        if len(frame) > SLOT_SIZE - HEADROOM:
            return -1
        s = alloc(self.arrays)
        if s < 0:
            return -1
        self.data[s, HEADROOM:HEADROOM + len(frame)] = np.frombuffer(frame, dtype=np.uint8)
        self.length[s] = len(frame)
        self.anno[s, A_DEV] = dev
        self.anno[s, A_TSTAMP] = tstamp_ns
        return s

    def bytes(self, s: int) -> bytes:
        h = int(self.head[s])
        return self.data[s, h:h + int(self.length[s])].tobytes()

    def release_pending(self, pending: np.ndarray, c: np.ndarray, word: int) -> int:
        """Give back the slots a handler took out of an element (pending[:c[word]]), which
        its host_flush then counts as dropped; returns how many."""
        n = int(c[word])
        for k in range(n):
            release(self.arrays, int(pending[k]))
        c[word] = 0
        return n


@njit(cache=True, _nrt=False)
def alloc(P) -> int:
    """A fresh slot with default annotations, or -1 when the pool is empty."""
    head, length, anno, free, ctl = P[1], P[2], P[3], P[4], P[5]
    n = ctl[C_NFREE]
    if n <= 0:
        ctl[C_NOSLOT] += 1
        return -1
    n -= 1
    ctl[C_NFREE] = n
    s = free[n]
    head[s] = HEADROOM
    length[s] = 0
    for k in range(NANNO):
        anno[s, k] = 0
    anno[s, A_NH] = -1
    anno[s, A_TH] = -1
    return s


@njit(cache=True, _nrt=False)
def create(P) -> int:
    """A fresh slot for a packet an element makes (ICMPError, ARP queries): counted."""
    s = alloc(P)
    if s >= 0:
        P[5][C_CREATED] += 1
    return s


@njit(cache=True, _nrt=False)
def release(P, s: int) -> None:
    """Give a slot back to the pool."""
    free, ctl = P[4], P[5]
    n = ctl[C_NFREE]
    if n < free.shape[0]:  # a double release must not write past the stack
        free[n] = s
        ctl[C_NFREE] = n + 1


@njit(cache=True, _nrt=False)
def clone(P, s: int) -> int:
    """A copy of packet s (bytes and annotations) in a new slot, or -1."""
    data, head, length, anno = P[0], P[1], P[2], P[3]
    c = create(P)
    if c < 0:
        return -1
    h = head[s]
    head[c] = h
    length[c] = length[s]
    copy_bytes(data[c], h, data[s], h, length[s])
    for k in range(NANNO):
        anno[c, k] = anno[s, k]
    return c


@njit(cache=True, _nrt=False)
def pull_front(P, s: int, n: int) -> bool:
    """Remove n bytes from the front (Click's Packet::pull); False if too short."""
    head, length = P[1], P[2]
    if n > length[s]:
        return False
    head[s] += n
    length[s] -= n
    return True


@njit(cache=True, _nrt=False)
def push_front(P, s: int, n: int) -> bool:
    """Add n bytes of room at the front (Click's Packet::push); False if no headroom."""
    head, length = P[1], P[2]
    if n > head[s]:
        return False
    head[s] -= n
    length[s] += n
    return True


@njit(cache=True, _nrt=False)
def take_back(P, s: int, n: int) -> None:
    """Remove n bytes from the end (Click's Packet::take)."""
    length = P[2]
    length[s] -= min(n, length[s])


@njit(cache=True, _nrt=False)
def put_back(P, s: int, n: int) -> bool:
    """Add n zero bytes at the end (Click's Packet::put); False if the slot is full."""
    data, head, length = P[0], P[1], P[2]
    end = head[s] + length[s]
    if end + n > SLOT_SIZE:
        return False
    fill_bytes(data[s], end, 0, n)
    length[s] += n
    return True


@njit(cache=True, _nrt=False)
def copy_bytes(dst, at, src, frm, n: int) -> None:
    """dst[at:at+n] = src[frm:frm+n] for 1-D byte arrays (rows of the pool, rings,
    templates) that do not overlap: a loop LLVM vectorizes, with no slice objects."""
    a, f = U(at), U(frm)
    for i in range(U(max(n, 0))):    # a negative count copies nothing, as range(n) did
        dst[a + i] = src[f + i]


@njit(cache=True, _nrt=False)
def fill_bytes(dst, at, v: int, n: int) -> None:
    """dst[at:at+n] = v for a 1-D byte array."""
    a = U(at)
    for i in range(U(max(n, 0))):
        dst[a + i] = v


@njit(cache=True, _nrt=False)
def rd16(data, s: int, at: int) -> int:
    """Big-endian 16-bit load at absolute slot offset `at`."""
    r, a = U(s), U(at)
    return (np.int64(data[r, a]) << 8) | np.int64(data[r, a + U(1)])


@njit(cache=True, _nrt=False)
def rd32(data, s: int, at: int) -> int:
    r, a = U(s), U(at)
    return ((np.int64(data[r, a]) << 24) | (np.int64(data[r, a + U(1)]) << 16)
            | (np.int64(data[r, a + U(2)]) << 8) | np.int64(data[r, a + U(3)]))


@njit(cache=True, _nrt=False)
def wr16(data, s: int, at: int, v: int) -> None:
    r, a = U(s), U(at)
    data[r, a] = (v >> 8) & 0xFF
    data[r, a + U(1)] = v & 0xFF


@njit(cache=True, _nrt=False)
def wr32(data, s: int, at: int, v: int) -> None:
    r, a = U(s), U(at)
    data[r, a] = (v >> 24) & 0xFF
    data[r, a + U(1)] = (v >> 16) & 0xFF
    data[r, a + U(2)] = (v >> 8) & 0xFF
    data[r, a + U(3)] = v & 0xFF


@njit(cache=True, _nrt=False)
def ones_sum(data, s: int, at: int, n: int, acc: int) -> int:
    """Ones'-complement sum of n bytes from `at`, added to acc (not folded)."""
    r, a, m = U(s), U(at), U(max(n, 0))
    i = U(0)
    while i + U(1) < m:
        acc += (np.int64(data[r, a + i]) << 8) | np.int64(data[r, a + i + U(1)])
        i += U(2)
    if i < m:
        acc += np.int64(data[r, a + i]) << 8
    return acc


@njit(cache=True, _nrt=False)
def fold(acc: int) -> int:
    """Fold a ones'-complement sum to 16 bits and complement it: the checksum."""
    while acc >> 16:
        acc = (acc & 0xFFFF) + (acc >> 16)
    return (~acc) & 0xFFFF
