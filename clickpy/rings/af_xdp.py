"""Linux AF_XDP rings: one socket per receive queue of an interface, UMEM and rings.

An AF_XDP socket shares with the kernel a UMEM (frames of packet memory)
and four single-producer rings of descriptors: fill (frames we give the
kernel to receive into), rx (frames it filled), tx (frames we ask it to
send) and completion (frames it has sent).  A socket receives from one
queue of the interface only, so an interface gets one socket per receive
queue (a veth has one per CPU by default); the XDP program that redirects
each queue to its socket is clickpy.rings.xdp_redirect (bpf(2) through
ctypes, no C toolchain).  Frames the program redirects never reach the host
stack.

Memory: the sockets' UMEMs are consecutive slices of one anonymous
mapping, and their rx rings (and fill rings) are mapped side by side
(MAP_FIXED) into one reserved region, so the compiled kernels get one
uint8 UMEM array and one uint32 array per ring kind, whatever the number
of queues.  The kernels here walk them with acquire loads and release
stores of the ring indices (clickpy.rings.shared_words).

Per queue the UMEM is split: the first RX_RING chunks circulate between fill
and rx (a received frame is copied into a pool slot and its chunk goes
straight back to the fill ring); the first socket's TX_RING chunks after
them are the transmit side's, on a free stack kept in the control array
and refilled from the completion ring.  Only the first socket (queue 0, or
a worker's lowest queue) transmits.  The kernel writes a received frame
after XDP's 256 bytes of headroom in its chunk, so frames longer than 1792
bytes (jumbo MTUs) do not fit: it drops them and counts them (kernel_drops).

Several workers (`clickpy run --workers N`): an XDP program per interface,
attached once by the parent before it forks (`share`), its XSKMAP shared by
every worker; worker w opens sockets on the queues q with q % N == w only,
each worker with its own UMEM, and puts them in the map.  Its lowest queue
(w) is the one it transmits on.  The program sends ARP frames to the stack
instead, where each worker's packet socket gets a copy (as with
PACKET_FANOUT, clickpy.rings.fanout).  An interface needs at least N
queues; the parent refuses the run otherwise.  The parent detaches the
program (`unshare`) when the workers have ended.

Modes: bind asks for zero-copy first (the driver's own DMA into the UMEM)
and falls back to copy mode (XDP_COPY: any driver, veth included), always
with XDP_USE_NEED_WAKEUP.  In copy mode the kernel transmits only inside
sendto(): ToDevice kicks once per round.  FromDevice and ToDevice of one
interface share its sockets (`acquire`, reference counted); only a receiver
attaches the XDP program, so a ToDevice alone leaves the host's input alone.
"""
from __future__ import annotations

import ctypes
import errno
import fcntl
import logging
import mmap
import os
import socket
import struct

import numpy as np
from numba import njit

from clickpy.compile import libc
from clickpy.packet import (A_EXTRA_LENGTH, A_PKTTYPE, A_TSTAMP, C_NOW, HEADROOM,
                            PKTTYPE_BROADCAST, PKTTYPE_HOST, PKTTYPE_MULTICAST,
                            PKTTYPE_OTHERHOST, SLOT_SIZE, alloc, copy_bytes)
from clickpy.rings.packet_mmap import RingError, ifindex
from clickpy.rings.shared_words import load_acquire, store_release
from clickpy.rings.xdp_redirect import XdpError, XdpRedirect

log = logging.getLogger(__name__)

AF_XDP, SOL_XDP = 44, 283
XDP_MMAP_OFFSETS, XDP_RX_RING, XDP_TX_RING, XDP_UMEM_REG = 1, 2, 3, 4
XDP_UMEM_FILL_RING, XDP_UMEM_COMPLETION_RING, XDP_STATISTICS = 5, 6, 7
XDP_MAX_TX_SKB_BUDGET = 9          # Linux 6.17: frames one copy-mode sendto() may send
XDP_COPY, XDP_ZEROCOPY, XDP_USE_NEED_WAKEUP = 1 << 1, 1 << 2, 1 << 3
XDP_RING_NEED_WAKEUP = 1
PGOFF = {"rx": 0, "tx": 0x80000000, "fill": 0x100000000, "completion": 0x180000000}
DESC_SIZE = {"rx": 16, "tx": 16, "fill": 8, "completion": 8}
SIOCGIFHWADDR = 0x8927
CHUNK = 2048                       # UMEM frame size
# Receive side: about 90 ms of frames at 380 kpps.  A forwarding round sometimes waits
# 20-40 ms for a CPU while the sender, the sink and the harness share the machine's two,
# and a frame that finds the ring full is lost (kernel_drops).  Measured with
# perf.netdev AFXDP w1 (sender ~380 kpps), alternating: 1024 entries (2.7 ms) lost 4.1%,
# 4096 2.0%; 8192 lost 0.8, 1.07, 0, 0.58, 0, 0.06% in six runs, 16384 nothing in three,
# 32768 nothing in six (a sender that offers more than the forwarder can take loses
# frames whatever the size).  Pinned memory per queue: (RX_RING + TX_RING) * CHUNK, 69 MB.
RX_RING = 32768                    # fill and rx entries (a power of two)
TX_RING = 1024                     # tx and completion entries (a power of two)
RING_SIZE = {"rx": RX_RING, "fill": RX_RING, "tx": TX_RING, "completion": TX_RING}
QUEUE_UMEM = (RX_RING + TX_RING) * CHUNK   # one queue's UMEM: receive frames, then transmit
MAX_QUEUES = 16                    # sockets per interface at most
MAX_CAPTURE = SLOT_SIZE - HEADROOM
U32 = 0xFFFFFFFF
PAGE = mmap.PAGESIZE

# Control words (int64) shared by an interface's FromDevice and ToDevice.  Ring words are
# uint32 indices into that ring kind's array; *_NEXT are our own cursors.
(NQ, RR, MAC, CORRUPT, TX_PENDING, TX_NFREE, TX_BASE,            # RR: next queue to read
 TX_PROD, TX_CONS, TX_DESC, TX_FLAGS, TX_NEXT,                   # queue 0's tx ring
 CR_PROD, CR_CONS, CR_DESC, CR_NEXT,                             # and its completion ring
 TX_FD, SENDTO, ERRNO_LOCATION) = range(19)                      # tx_kick's send (compile.libc)
GLOBAL = 19
(RX_PROD, RX_CONS, RX_DESC, RX_NEXT, FR_PROD, FR_CONS, FR_DESC, FR_FLAGS, FR_NEXT,
 UMEM_BASE) = range(10)                                          # per queue, at queue_words(q)
QW = 10
TX_FREE = GLOBAL + MAX_QUEUES * QW                               # the transmit free stack
NWORDS = TX_FREE + TX_RING
_libc = ctypes.CDLL(None, use_errno=True)
_libc.mmap.restype = ctypes.c_void_p
_libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int,
                       ctypes.c_int, ctypes.c_long]


def queue_words(q: int) -> int:
    return GLOBAL + q * QW


def _strerror(err: int) -> str:
    return f"{os.strerror(err)} ({errno.errorcode.get(err, err)})"


class _Side:
    """Rings of one kind from every queue, mapped side by side: .words (uint32)."""

    def __init__(self, kind: str, nq: int, desc_offset: int):
        self.kind = kind
        self.stride = -(-(desc_offset + RING_SIZE[kind] * DESC_SIZE[kind]) // PAGE) * PAGE
        self.region = mmap.mmap(-1, nq * self.stride, mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
        self.base = ctypes.addressof(ctypes.c_char.from_buffer(self.region))
        self.words = np.frombuffer(self.region, dtype=np.uint32)

    def map(self, q: int, fd: int) -> None:
        """Map queue q's ring of this kind over its place in the region."""
        got = _libc.mmap(self.base + q * self.stride, self.stride,
                         mmap.PROT_READ | mmap.PROT_WRITE, mmap.MAP_SHARED | 0x10,  # MAP_FIXED
                         fd, PGOFF[self.kind])
        if got is None or got == ctypes.c_void_p(-1).value:
            raise OSError(ctypes.get_errno(), f"cannot map the {self.kind} ring")

    def index(self, q: int, offset: int) -> int:
        return (q * self.stride + offset) // 4


class XskPort:
    """AF_XDP sockets on every receive queue of dev (at most MAX_QUEUES), with their
    UMEMs and rings mapped.

    .umem (uint8), .rx .fill .tx .completion (uint32) and .ctl (int64 control
    words) are what the kernels get.  zerocopy: True demands it, False
    refuses it, None tries it and falls back to copy mode.
    """

    def __init__(self, dev: str, zerocopy: bool | None = None):
        self.dev = dev
        self.ifindex = ifindex(dev)
        self.redirect: XdpRedirect | None = None
        self.socks: list[socket.socket] = []
        self.qids: list[int] = []          # the interface queue of each socket
        try:
            self._open(zerocopy)
        except OSError as e:
            self.close()
            if isinstance(e, (RingError, XdpError)):
                raise
            if e.errno in (errno.EPERM, errno.EACCES, errno.EAFNOSUPPORT):
                raise RingError(f"{dev}: cannot open an AF_XDP socket: {e.strerror} (needs "
                                "root and a kernel with CONFIG_XDP_SOCKETS)") from None
            raise RingError(f"{dev}: AF_XDP setup failed: {e.strerror or e}") from None

    def _socket(self, umem_at: int) -> tuple[socket.socket, tuple]:
        s = socket.socket(AF_XDP, socket.SOCK_RAW, 0)
        try:
            s.setsockopt(SOL_XDP, XDP_UMEM_REG, struct.pack("QQIII4x", umem_at, QUEUE_UMEM,
                                                            CHUNK, 0, 0))
            for opt, n in ((XDP_UMEM_FILL_RING, RX_RING), (XDP_UMEM_COMPLETION_RING, TX_RING),
                           (XDP_RX_RING, RX_RING), (XDP_TX_RING, TX_RING)):
                s.setsockopt(SOL_XDP, opt, n)
            try:        # one sendto() per round sends the whole ring, not 32 frames
                s.setsockopt(SOL_XDP, XDP_MAX_TX_SKB_BUDGET, TX_RING)
            except OSError:
                pass    # older kernels: kick() calls sendto() until the ring is drained
            off = struct.unpack("16Q", s.getsockopt(SOL_XDP, XDP_MMAP_OFFSETS, 128))
        except OSError:
            s.close()
            raise
        return s, off

    def _open(self, zerocopy: bool | None) -> None:
        self.umem_map = mmap.mmap(-1, MAX_QUEUES * QUEUE_UMEM,
                                  mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
        self.umem = np.frombuffer(self.umem_map, dtype=np.uint8)
        base = self.umem.ctypes.data
        # This process's queues: all of them, or in worker w of N those q with q % N == w.
        w, n = _worker or (0, 1)
        queues = range(w, w + n * MAX_QUEUES, n)
        # The first queue first: its bind says whether the device takes AF_XDP at all,
        # and the ring offsets (the same for every socket) size the regions.
        s, off = self._socket(base)
        self.zerocopy = self._bind(s, queues[0], zerocopy)
        self.socks.append(s)
        self.qids.append(queues[0])
        offsets = []
        for k, q in enumerate(queues[1:], 1):   # then one socket per further queue, while any
            s, _ = self._socket(base + k * QUEUE_UMEM)
            try:
                self._bind(s, q, self.zerocopy)
            except RingError:
                s.close()
                break
            self.socks.append(s)
            self.qids.append(q)
        nq = len(self.socks)
        sides = {}
        for k, kind in enumerate(("rx", "tx", "fill", "completion")):
            offsets.append(off[4 * k:4 * k + 4])
            sides[kind] = _Side(kind, nq if kind in ("rx", "fill") else 1, off[4 * k + 2])
            for q, sock in enumerate(self.socks if kind in ("rx", "fill") else self.socks[:1]):
                sides[kind].map(q, sock.fileno())
        self.sides = sides
        self.rx, self.fill = sides["rx"].words, sides["fill"].words
        self.tx, self.completion = sides["tx"].words, sides["completion"].words
        c = self.ctl = np.zeros(NWORDS, dtype=np.int64)
        (rx_o, tx_o, fr_o, cr_o) = offsets
        c[NQ], c[MAC] = nq, _mac(self.dev)
        tx, cr = sides["tx"], sides["completion"]
        c[TX_PROD], c[TX_CONS], c[TX_DESC], c[TX_FLAGS] = (tx.index(0, o) for o in tx_o)
        c[CR_PROD], c[CR_CONS], c[CR_DESC] = (cr.index(0, o) for o in cr_o[:3])
        rx, fr = sides["rx"], sides["fill"]
        for q in range(nq):
            w = queue_words(q)
            c[w + RX_PROD], c[w + RX_CONS], c[w + RX_DESC] = (rx.index(q, o) for o in rx_o[:3])
            (c[w + FR_PROD], c[w + FR_CONS], c[w + FR_DESC],
             c[w + FR_FLAGS]) = (fr.index(q, o) for o in fr_o)
            c[w + UMEM_BASE] = q * QUEUE_UMEM
            fill_all(self.fill, c, q)
        c[TX_BASE] = RX_RING * CHUNK              # queue 0's transmit frames
        c[TX_FREE:TX_FREE + TX_RING] = np.arange(RX_RING, RX_RING + TX_RING,
                                                 dtype=np.int64) * CHUNK
        c[TX_NFREE] = TX_RING
        c[TX_FD], c[SENDTO], c[ERRNO_LOCATION] = (self.socks[0].fileno(), libc.SENDTO,
                                                  libc.ERRNO_LOCATION)
        log.info("%s: %d AF_XDP socket(s) on queue(s) %s, %s mode", self.dev, nq,
                 ",".join(map(str, self.qids)), "zero-copy" if self.zerocopy else "copy")

    def _bind(self, s: socket.socket, queue: int, zerocopy: bool | None) -> bool:
        """Bind s to (dev, queue): zero-copy if asked or possible, else copy mode."""
        tries = {True: [XDP_ZEROCOPY], False: [XDP_COPY], None: [XDP_ZEROCOPY, XDP_COPY]}
        err = 0
        for mode in tries[zerocopy]:
            sa = ctypes.create_string_buffer(struct.pack(
                "HHIII", AF_XDP, mode | XDP_USE_NEED_WAKEUP, self.ifindex, queue, 0))
            if _libc.bind(s.fileno(), sa, 16) == 0:
                return mode == XDP_ZEROCOPY
            err = ctypes.get_errno()
        if zerocopy and err in (errno.EOPNOTSUPP, errno.EINVAL) and not self.socks:
            raise RingError(f"{self.dev}: its driver cannot do AF_XDP zero-copy")
        if err == errno.EBUSY:
            raise RingError(f"queue {queue} of {self.dev} already has an AF_XDP socket "
                            "(another clickpy run or AF_XDP program on it?)")
        raise RingError(f"{self.dev}: cannot bind an AF_XDP socket to queue {queue}: "
                        f"{_strerror(err)}")

    @property
    def queues(self) -> int:
        return len(self.socks)

    def receive(self) -> None:
        """Attach the XDP program so that every queue's frames come here (idempotent); in a
        worker, route this worker's queues in the program the parent attached."""
        if self.redirect is None:
            shared = _shared.get(self.dev)
            redirect = shared or XdpRedirect(self.dev, self.ifindex)
            try:
                for q, s in zip(self.qids, self.socks):
                    redirect.put(q, s.fileno())
            except XdpError:
                if shared is None:
                    redirect.close()
                raise
            self.redirect = redirect

    def filenos(self) -> tuple[int, ...]:
        """The sockets: readable when their rx ring has frames.  Waiting on them in
        select() also wakes a zero-copy driver that asked to be (XDP_RING_NEED_WAKEUP on
        a fill ring): the kernel's poll does it."""
        return tuple(s.fileno() for s in self.socks)

    def statistics(self) -> np.ndarray:
        """The kernel's counts since the sockets opened, summed over queues: rx_dropped,
        rx_invalid, tx_invalid, rx_ring_full, rx_fill_ring_empty, tx_ring_empty."""
        total = np.zeros(6, dtype=np.int64)
        for s in self.socks:
            total += struct.unpack("6Q", s.getsockopt(SOL_XDP, XDP_STATISTICS, 48))
        return total

    def kernel_drops(self) -> int:
        """Received frames the kernel dropped: no room in rx, no frame in fill, or other.

        Not rx_fill_ring_empty_descs: Linux counts each frame an empty fill ring drops
        in rx_dropped too (seen in copy mode; tests/netdev/test_af_xdp.py), and in
        zero-copy mode it counts a driver's failed buffer allocations, not frames.
        """
        dropped, invalid, _, full, _, _ = (int(v) for v in self.statistics())
        return dropped + invalid + full

    def kick(self) -> OSError | None:
        """Make the kernel send what the kernels queued on the tx ring (tx_kick)."""
        err = tx_kick(self.tx, self.ctl)
        return OSError(err, os.strerror(err)) if err else None

    def close(self) -> None:
        """Detach the XDP program and close the sockets (the mappings go with the arrays)."""
        if self.redirect is not None:
            if self.redirect is not _shared.get(self.dev):     # the parent's, in a worker
                self.redirect.close()
            self.redirect = None
        if hasattr(self, "ctl"):
            self.ctl[TX_FD] = -1                    # tx_kick sends nothing from now on
        for s in self.socks:
            s.close()
        self.socks = []


def _mac(dev: str) -> int:
    """The interface's Ethernet address as an integer (to classify received frames)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            req = fcntl.ioctl(s.fileno(), SIOCGIFHWADDR, struct.pack("16s16x", dev.encode()))
        except OSError:
            return 0
    return int.from_bytes(req[18:24], "big")


# ---- several workers: one program per interface, queues split between the workers ----

_worker: tuple[int, int] | None = None          # (w, N) in worker w of a --workers N run
_shared: dict[str, XdpRedirect] = {}            # programs the parent attached, by interface


SIOCETHTOOL, ETHTOOL_GCHANNELS = 0x8946, 0x3C


def queue_count(dev: str) -> int | None:
    """How many queues an AF_XDP socket can bind to on dev (it needs both an rx and a tx
    queue of that number): the driver's channel counts (ETHTOOL_GCHANNELS, asked in this
    process's network namespace), else sysfs when it shows this namespace's dev; None
    when neither says."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        chan = ctypes.create_string_buffer(struct.pack("9I", ETHTOOL_GCHANNELS, *[0] * 8), 36)
        req = struct.pack("16sQ", dev.encode(), ctypes.addressof(chan)).ljust(40, b"\0")
        try:
            fcntl.ioctl(s.fileno(), SIOCETHTOOL, req)
        except OSError:
            pass
        else:
            rx, tx, _, combined = struct.unpack("9I", chan.raw)[5:]
            if rx + combined and tx + combined:
                return min(rx + combined, tx + combined)
    try:                     # sysfs: only if it is this namespace's view (ip netns exec)
        with open(f"/sys/class/net/{dev}/ifindex") as f:
            if int(f.read()) != socket.if_nametoindex(dev):
                return None
        names = os.listdir(f"/sys/class/net/{dev}/queues")
    except (OSError, ValueError):
        return None
    return min(sum(n.startswith("rx-") for n in names), sum(n.startswith("tx-") for n in names))


def check_queues(devices, n: int) -> None:
    """RingError unless every one of the AF_XDP interfaces has n queues at least (checked
    by the parent of a --workers n run before anything is opened)."""
    for dev in devices:
        nq = queue_count(dev)
        if nq is not None and nq < n:
            raise RingError(
                f"--workers {n}: {dev} has {nq} queue{'s' if nq != 1 else ''}, and METHOD "
                f"AFXDP needs one per worker at least (each worker reads and sends on queues "
                f"of its own); give {dev} {n} queues or more (a NIC: ethtool -L {dev} combined "
                f"{n}; a veth pair is made with them: ip link add {dev} numtxqueues {n} "
                f"numrxqueues {n} type veth peer name PEER numtxqueues {n} numrxqueues {n}), "
                "or run fewer workers or METHOD AFPACKET")


def share(devices: dict[str, bool]) -> None:
    """In the parent of a --workers run, before it forks: attach one redirect program (ARP
    to the stack) to each AF_XDP interface that is read (devices: name -> read), whose
    XSKMAP the workers fill.  XdpError if one cannot be attached."""
    try:
        for dev, read in devices.items():
            if read:
                _shared[dev] = XdpRedirect(dev, ifindex(dev), pass_arp=True)
    except OSError:
        unshare()
        raise


def unshare() -> None:
    """The parent, once the workers have ended: detach the programs share() attached."""
    while _shared:
        _shared.popitem()[1].close()


def configure(w: int, n: int) -> None:
    """In worker w of n: this process's sockets take the queues q with q % n == w."""
    global _worker
    _worker = (w, n)
    for redirect in _shared.values():       # the parent keeps the program attached
        redirect.keep_map_only()


# ---- sharing: one XskPort per interface in a process ----------------------------------

_SHARED: dict[str, list] = {}


def acquire(dev: str, receive: bool) -> XskPort:
    """The process's sockets on dev, opened on first use; receive=True also attaches the
    XDP program.  Each acquire needs a release."""
    entry = _SHARED.get(dev)
    if entry is None:
        entry = _SHARED[dev] = [XskPort(dev), 0]
    try:
        if receive:
            entry[0].receive()
    except OSError:
        if entry[1] == 0:
            del _SHARED[dev]
            entry[0].close()
        raise
    entry[1] += 1
    return entry[0]


def release(port: XskPort) -> None:
    """Done with an acquired port: the last release closes it."""
    entry = _SHARED.get(port.dev)
    if entry is None or entry[0] is not port:
        return
    entry[1] -= 1
    if entry[1] <= 0:
        del _SHARED[port.dev]
        port.close()


# ---- kernels ---------------------------------------------------------------------------

@njit(cache=True, _nrt=False)
def fill_all(fill, c, q):
    """Give the kernel every receive frame of queue q (at open: its fill ring has room)."""
    w = GLOBAL + q * QW
    n = RX_RING
    for k in range(n):
        d = c[w + FR_DESC] + 2 * k
        fill[d] = k * CHUNK
        fill[d + 1] = 0
    c[w + FR_NEXT] = n & U32
    store_release(fill, c[w + FR_PROD], c[w + FR_NEXT])


@njit(cache=True, _nrt=False)
def _refill(fill, c, w, addr):
    """Hand a receive frame back to the kernel (the fill ring always has room for it:
    it holds every receive frame of its queue that the kernel does not)."""
    f = c[w + FR_NEXT]
    d = c[w + FR_DESC] + 2 * (f & (RX_RING - 1))
    fill[d] = addr
    fill[d + 1] = 0
    c[w + FR_NEXT] = (f + 1) & U32
    store_release(fill, c[w + FR_PROD], c[w + FR_NEXT])


@njit(cache=True, _nrt=False)
def packet_type(data, s, h, n, mac):
    """Click's packet type annotation from the destination address (the kernel's
    eth_type_trans rule): broadcast, multicast, this host's, another host's."""
    if n < 6:
        return PKTTYPE_OTHERHOST
    dst = np.int64(0)
    for k in range(6):
        dst = (dst << 8) | data[s, h + k]
    if dst == 0xFFFFFFFFFFFF:
        return PKTTYPE_BROADCAST
    if data[s, h] & 1:
        return PKTTYPE_MULTICAST
    return PKTTYPE_HOST if dst == mac else PKTTYPE_OTHERHOST


@njit(cache=True, _nrt=False)
def rx_take(rx, fill, umem, c, P, snaplen):
    """The next received frame of any queue (round robin), copied into a fresh pool
    slot; -1 when none is ready.

    The frame's chunk goes back to its fill ring at once.  Copies at most
    snaplen bytes, the rest counted in the extra-length annotation.  Sets the
    packet type and (AF_XDP carries no time) the round's timestamp
    annotations.  A descriptor outside its receive frames is skipped and
    counted (CORRUPT).  A frame stays in its ring when the pool is empty.
    """
    nq = c[NQ]
    for _ in range(nq + 4):             # each queue once, and a few corrupt descriptors
        q = c[RR]
        c[RR] = q + 1 if q + 1 < nq else 0
        w = GLOBAL + q * QW
        k = c[w + RX_NEXT]
        if (load_acquire(rx, c[w + RX_PROD]) - k) & U32 == 0:
            continue
        d = c[w + RX_DESC] + 4 * (k & (RX_RING - 1))
        addr = np.int64(rx[d]) | (np.int64(rx[d + 1]) << 32)
        n = np.int64(rx[d + 2])
        if addr < 0 or addr >= RX_RING * CHUNK or addr % CHUNK + n > CHUNK or n <= 0:
            c[CORRUPT] += 1
            if 0 <= addr < RX_RING * CHUNK:
                _refill(fill, c, w, addr - addr % CHUNK)
            c[w + RX_NEXT] = (k + 1) & U32
            store_release(rx, c[w + RX_CONS], c[w + RX_NEXT])
            continue
        s = alloc(P)
        if s < 0:
            c[RR] = q
            return -1
        data, head, length, anno = P[0], P[1], P[2], P[3]
        m = min(n, snaplen, MAX_CAPTURE)
        h = head[s]
        at = c[w + UMEM_BASE] + addr
        copy_bytes(data[s], h, umem, at, m)
        length[s] = m
        anno[s, A_EXTRA_LENGTH] = n - m
        anno[s, A_TSTAMP] = P[5][C_NOW]
        anno[s, A_PKTTYPE] = packet_type(data, s, h, m, c[MAC])
        _refill(fill, c, w, addr - addr % CHUNK)
        c[w + RX_NEXT] = (k + 1) & U32
        store_release(rx, c[w + RX_CONS], c[w + RX_NEXT])
        return s
    return -1


@njit(cache=True, _nrt=False)
def reap(completion, c):
    """Take the frames the kernel has sent back onto the transmit side's free stack."""
    k = c[CR_NEXT]
    p = load_acquire(completion, c[CR_PROD])
    while (p - k) & U32 != 0:
        d = c[CR_DESC] + 2 * (k & (TX_RING - 1))
        addr = np.int64(completion[d]) | (np.int64(completion[d + 1]) << 32)
        if (c[TX_BASE] <= addr < QUEUE_UMEM and addr % CHUNK == 0
                and c[TX_NFREE] < TX_RING):
            c[TX_FREE + c[TX_NFREE]] = addr
            c[TX_NFREE] += 1
        else:
            c[CORRUPT] += 1
        k = (k + 1) & U32
    c[CR_NEXT] = k
    store_release(completion, c[CR_CONS], k)


@njit(cache=True, _nrt=False)
def tx_room(tx, completion, c, want):
    """How many packets tx_put can take now, at most `want`."""
    reap(completion, c)
    ring_free = TX_RING - ((c[TX_NEXT] - load_acquire(tx, c[TX_CONS])) & U32)
    return max(0, min(want, c[TX_NFREE], ring_free))


@njit(cache=True, _nrt=False)
def tx_put(tx, completion, umem, c, P, s):
    """Queue packet s on the tx ring (sent at the next kick); False when there is no
    frame or ring entry free, or it does not fit a frame."""
    n = P[2][s]
    if n > CHUNK or n <= 0:
        return False
    if c[TX_NFREE] == 0:
        reap(completion, c)
        if c[TX_NFREE] == 0:
            return False
    k = c[TX_NEXT]
    if (k - load_acquire(tx, c[TX_CONS])) & U32 >= TX_RING:
        return False
    c[TX_NFREE] -= 1
    addr = c[TX_FREE + c[TX_NFREE]]
    copy_bytes(umem, addr, P[0][s], P[1][s], n)
    d = c[TX_DESC] + 4 * (k & (TX_RING - 1))
    tx[d] = addr & U32
    tx[d + 1] = addr >> 32
    tx[d + 2] = n
    tx[d + 3] = 0
    c[TX_NEXT] = (k + 1) & U32
    store_release(tx, c[TX_PROD], c[TX_NEXT])
    c[TX_PENDING] += 1
    return True


@njit(cache=True, _nrt=False)
def tx_kick(tx, c):
    """Make the kernel send the frames tx_put queued since the last kick: 0, or the
    errno of a send that failed (interface down...; the frames stay queued).

    In copy mode the kernel sends only inside sendto(), and each call at most a
    budget of frames (the whole ring since Linux 6.17, XDP_MAX_TX_SKB_BUDGET; 32
    before), saying EAGAIN while more wait: call it until the ring is drained.
    EBUSY (busy-polling elsewhere) and a ring not drained leave the kick for the
    next round.
    """
    if c[TX_PENDING] == 0:
        return 0
    c[TX_PENDING] = 0
    if c[TX_FD] < 0 or not tx[c[TX_FLAGS]] & XDP_RING_NEED_WAKEUP:
        return 0
    for _ in range(TX_RING // 32 + 2):
        err = libc.send_nowait(c[SENDTO], c[ERRNO_LOCATION], c[TX_FD])
        if err == errno.EBUSY:
            c[TX_PENDING] = 1
            return 0
        if err != 0 and err != errno.EAGAIN and err != errno.EINTR:
            return err
        if (load_acquire(tx, c[TX_CONS]) - c[TX_NEXT]) & U32 == 0:
            return 0
    c[TX_PENDING] = 1
    return 0


def unused_state() -> tuple:
    """Arrays standing for the AF_XDP state of an element that uses another ring (the
    compiled kernels take the same kinds of arrays whatever the ring)."""
    return (np.zeros(1, dtype=np.uint32), np.zeros(1, dtype=np.uint32),
            np.zeros(1, dtype=np.uint8), np.zeros(NWORDS, dtype=np.int64))
