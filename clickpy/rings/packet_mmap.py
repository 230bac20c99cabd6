"""Linux PACKET_MMAP rings: TPACKET_V2 receive and transmit rings.

The kernel and the compiled data path share the ring memory: the host opens
the socket and maps the ring once (RxRing, TxRing), the numba kernels here
walk it through a numpy uint8 view, and the only system call on the data
path is one send() per round to kick the transmit ring.  Kernels follow the
data-path rules (no allocation, no exceptions); every offset read from the
ring is checked against the ring's bounds, so a corrupt header cannot make
them read or write outside it.

Layout (<linux/if_packet.h>), little-endian, one frame per packet:
  tpacket2_hdr: +0 tp_status, +4 tp_len, +8 tp_snaplen, +12 tp_mac (u16),
      +16 tp_sec, +20 tp_nsec, +24 tp_vlan_tci (u16); sockaddr_ll at +32,
      its sll_pkttype at +42.  Transmit frames carry their data at +32
      (TPACKET2_HDRLEN - sizeof(sockaddr_ll)): a 10-byte virtio_net_hdr,
      then the frame; tp_len counts both (TxRing says why).

Why V2 and not V3 for receiving: a V3 ring hands whole blocks to user space,
when one is full or when its retire timer fires (at least 1 ms), and only
then wakes a poll()ing reader -- a lone packet waited 1-1.5 ms in the ring
(measured with perf.netdev).  A V2 ring hands over each frame as it is
written and wakes the reader at once, so an idle driver can sleep in poll()
and still forward a lone packet in well under a millisecond.
"""
from __future__ import annotations

import errno
import fcntl
import mmap
import os
import socket
import struct

import numpy as np
from numba import njit

from clickpy.compile import libc
from clickpy.packet import (A_EXTRA_LENGTH, A_PKTTYPE, A_TSTAMP, A_VLAN, HEADROOM, SLOT_SIZE,
                            alloc, copy_bytes)

SOL_PACKET = 263
PACKET_ADD_MEMBERSHIP = 1
PACKET_RX_RING = 5
PACKET_STATISTICS = 6
PACKET_VERSION = 10
PACKET_TX_RING = 13
PACKET_LOSS = 14
PACKET_QDISC_BYPASS = 20
PACKET_IGNORE_OUTGOING = 23
PACKET_VNET_HDR = 15
PACKET_MR_PROMISC = 1
TPACKET_V2 = 1
ETH_P_ALL = 3
TP_STATUS_KERNEL = 0
TP_STATUS_USER = 1
TP_STATUS_AVAILABLE = 0
TP_STATUS_SEND_REQUEST = 1
TP_STATUS_WRONG_FORMAT = 4
TP_STATUS_VLAN_VALID = 0x10
TX_DATA = 32
VNET_HDR = 10             # struct virtio_net_hdr, before each transmit frame's data
SIOCGIFMTU = 0x8921
MAX_CAPTURE = SLOT_SIZE - HEADROOM

# Control words of a ring (an int64 array the kernels and the host share).  Word 4 is
# unused and word 3 is T_FREE (tx_room's), where the V3 receive cursor was: the other
# words keep their indices, which numba froze into the cached code of modules that
# import them.
(R_FRAME_SIZE, R_FRAME_NR, R_FRAME, T_FREE, _,               # receive ring geometry, cursor
 T_FRAME_SIZE, T_FRAME_NR, T_FRAME, T_PENDING,               # transmit ring geometry, cursor
 R_CORRUPT,
 T_FD, T_SENDTO, T_ERRNO_LOCATION) = range(13)                # tx_kick's send (compile.libc)
NRING = 13
RX_MAC_MIN = 44           # a frame's data cannot start inside its header


class RingError(ValueError):
    """A ring that cannot be set up (no such interface, no permission); message for users."""


def _explain(dev: str, e: OSError) -> RingError:
    if e.errno in (19, 6):      # ENODEV, ENXIO
        return RingError(f"no network interface {dev!r} here (in this network namespace)")
    if e.errno in (1, 13):      # EPERM, EACCES
        return RingError(f"{dev}: packet sockets need root or CAP_NET_RAW")
    return RingError(f"{dev}: {e.strerror or e}")


def ifindex(dev: str) -> int:
    try:
        return socket.if_nametoindex(dev)
    except OSError:
        raise RingError(f"no network interface {dev!r} here (in this network namespace)") from None


def mtu(dev: str) -> int:
    """The interface's MTU, asked of the kernel in this process's namespace."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            req = fcntl.ioctl(s.fileno(), SIOCGIFMTU, struct.pack("16si12x", dev.encode(), 0))
        except OSError as e:
            raise _explain(dev, e) from None
    return struct.unpack("16si12x", req)[1]


class RxRing:
    """A TPACKET_V2 receive ring on one interface; .ring is the shared memory as uint8."""

    def __init__(self, dev: str, ctl: np.ndarray, block_size: int = 1 << 16, block_nr: int = 64,
                 promisc: bool = False, outgoing: bool = False):
        self.dev = dev
        idx = ifindex(dev)
        self.sock = s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
        try:
            s.setsockopt(SOL_PACKET, PACKET_VERSION, TPACKET_V2)
            if not outgoing:   # our own ToDevice's frames are not input
                s.setsockopt(SOL_PACKET, PACKET_IGNORE_OUTGOING, 1)
            frame_size = 2048          # a whole slot's worth after the header
            frame_nr = block_size * block_nr // frame_size
            s.setsockopt(SOL_PACKET, PACKET_RX_RING, struct.pack(
                "4I", block_size, block_nr, frame_size, frame_nr))
            self.size = block_size * block_nr
            self.mm = mmap.mmap(s.fileno(), self.size, mmap.MAP_SHARED,
                                mmap.PROT_READ | mmap.PROT_WRITE)
            s.bind((dev, ETH_P_ALL))
            if promisc:
                s.setsockopt(SOL_PACKET, PACKET_ADD_MEMBERSHIP,
                             struct.pack("iHH8s", idx, PACKET_MR_PROMISC, 0, b""))
        except OSError as e:
            s.close()
            raise _explain(dev, e) from None
        self.ring = np.frombuffer(self.mm, dtype=np.uint8)
        ctl[R_FRAME_SIZE], ctl[R_FRAME_NR] = frame_size, frame_nr
        ctl[R_FRAME] = 0

    def statistics(self) -> tuple[int, int]:
        """(packets, drops) since the last call: the kernel resets them when read."""
        p, d = struct.unpack("2I", self.sock.getsockopt(SOL_PACKET, PACKET_STATISTICS, 8))
        return p, d

    def close(self) -> None:
        # The mapping stays until the numpy view goes; closing the socket stops the ring.
        self.sock.close()


class TxRing:
    """A TPACKET_V2 transmit ring with qdisc bypass; kick() sends what the kernels queued.

    Each frame's data is preceded by a virtio_net_hdr (PACKET_VNET_HDR) whose
    hdr_len is the whole frame: the kernel then copies the frame into the
    socket buffer.  Without it, only the Ethernet header is copied and the
    rest stays in the ring as zero-copy page fragments, which veth (or a
    tap) must copy again, into a newly allocated page, as the frame enters
    the peer's namespace (skb_copy_ubufs: 12% of a forwarder's CPU in a perf
    profile).  perf.netdev, router, 64 B, the sender's ring too, alternating:
    AFPACKET w1 forwarded 525 and 502 kpps against 361 and 352, 1.8-1.9 us of
    CPU a frame against 2.65.  Still so on Linux 6.18 (a one-core blaster into a
    veth, one-off test: 955-970 kpps with the header, 688-713 without), where
    sendmmsg() of 64 frames without a ring reached 803-828 kpps.
    """

    def __init__(self, dev: str, ctl: np.ndarray, frame_nr: int = 1024, frame_size: int = 2048,
                 qdisc_bypass: bool = True):
        self.dev = dev
        ifindex(dev)
        self.sock = s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)  # never receives
        try:
            s.setsockopt(SOL_PACKET, PACKET_VERSION, TPACKET_V2)
            if qdisc_bypass:
                s.setsockopt(SOL_PACKET, PACKET_QDISC_BYPASS, 1)
            s.setsockopt(SOL_PACKET, PACKET_LOSS, 1)   # a frame the kernel refuses is skipped
            s.setsockopt(SOL_PACKET, PACKET_VNET_HDR, 1)   # before the ring (vnet_header)
            block_size = 1 << 16
            s.setsockopt(SOL_PACKET, PACKET_TX_RING, struct.pack(
                "4I", block_size, frame_size * frame_nr // block_size, frame_size, frame_nr))
            self.size = frame_size * frame_nr
            self.mm = mmap.mmap(s.fileno(), self.size, mmap.MAP_SHARED,
                                mmap.PROT_READ | mmap.PROT_WRITE)
            s.bind((dev, 0))
        except OSError as e:
            s.close()
            raise _explain(dev, e) from None
        self.ring = np.frombuffer(self.mm, dtype=np.uint8)
        ctl[T_FRAME_SIZE], ctl[T_FRAME_NR] = frame_size, frame_nr
        ctl[T_FRAME] = ctl[T_PENDING] = ctl[T_FREE] = 0
        ctl[T_FD], ctl[T_SENDTO] = s.fileno(), libc.SENDTO
        ctl[T_ERRNO_LOCATION] = libc.ERRNO_LOCATION
        self.ctl = ctl

    def kick(self, ctl: np.ndarray) -> OSError | None:
        """Ask the kernel to send the frames queued since the last kick (tx_kick)."""
        err = tx_kick(ctl)
        return OSError(err, os.strerror(err)) if err else None

    def close(self) -> None:
        self.ctl[T_FD] = -1        # tx_kick sends nothing from now on
        self.sock.close()


# ---- kernels ---------------------------------------------------------------------------

@njit(cache=True, _nrt=False)
def rd_u32(ring, at):
    """Little-endian 32-bit word of the ring (the kernel's byte order on x86 and arm64)."""
    return (np.int64(ring[at]) | (np.int64(ring[at + 1]) << 8) | (np.int64(ring[at + 2]) << 16)
            | (np.int64(ring[at + 3]) << 24))


@njit(cache=True, _nrt=False)
def wr_u32(ring, at, v):
    ring[at] = v & 0xFF
    ring[at + 1] = (v >> 8) & 0xFF
    ring[at + 2] = (v >> 16) & 0xFF
    ring[at + 3] = (v >> 24) & 0xFF


@njit(cache=True, _nrt=False)
def _next_frame(ring, c, base):
    """Hand the current frame back to the kernel and move to the next."""
    wr_u32(ring, base, TP_STATUS_KERNEL)
    f = c[R_FRAME] + 1
    c[R_FRAME] = 0 if f >= c[R_FRAME_NR] else f


@njit(cache=True, _nrt=False)
def rx_take(ring, c, P, snaplen):
    """The next received frame, copied into a fresh pool slot; -1 when none is ready.

    Copies at most snaplen bytes (and never more than a slot holds); the rest
    of a longer frame is recorded in the extra-length annotation, as Click's
    FromDevice does with SNAPLEN.  Sets the timestamp, packet type and VLAN
    annotations.  A frame stays in the ring when the pool is empty.
    """
    fs = c[R_FRAME_SIZE]
    for _ in range(4):                   # skip at most a few corrupt frames per call
        base = c[R_FRAME] * fs
        status = rd_u32(ring, base)
        if (status & TP_STATUS_USER) == 0:
            return -1
        mac = rd_u32(ring, base + 12) & 0xFFFF
        snap = rd_u32(ring, base + 8)
        if mac < RX_MAC_MIN or mac + snap > fs:    # a header that does not fit its frame
            c[R_CORRUPT] += 1
            _next_frame(ring, c, base)
            continue
        s = alloc(P)
        if s < 0:
            return -1
        data, head, length, anno = P[0], P[1], P[2], P[3]
        n = min(snap, snaplen, MAX_CAPTURE)
        h = head[s]
        src = base + mac
        copy_bytes(data[s], h, ring, src, n)
        length[s] = n
        anno[s, A_EXTRA_LENGTH] = rd_u32(ring, base + 4) - n
        anno[s, A_TSTAMP] = rd_u32(ring, base + 16) * 1000000000 + rd_u32(ring, base + 20)
        anno[s, A_PKTTYPE] = ring[base + 42]
        if status & TP_STATUS_VLAN_VALID:
            anno[s, A_VLAN] = rd_u32(ring, base + 24) & 0xFFFF
        _next_frame(ring, c, base)
        return s
    return -1


@njit(cache=True, _nrt=False)
def tx_kick(c):
    """Ask the kernel to send the frames queued since the last kick (never blocks): 0,
    or the errno of a send that failed (interface down...)."""
    if c[T_PENDING] == 0 or c[T_FD] < 0 or c[T_SENDTO] == 0:   # nothing queued, no socket
        return 0
    c[T_PENDING] = 0
    err = libc.send_nowait(c[T_SENDTO], c[T_ERRNO_LOCATION], c[T_FD])
    if err == errno.EAGAIN or err == errno.EINTR or err == errno.ENOBUFS:
        # Frames stay queued: the next round kicks again.  ENOBUFS: the device's queue
        # is full (a veth whose peer runs XDP pushes back); the kernel gave the frame
        # back to the ring, still to send, and stopped.  Left alone, the frames would
        # wait for the next packet.
        c[T_PENDING] = 1
        return 0
    return err


@njit(cache=True, _nrt=False)
def tx_room(ring, c, want):
    """How many of the next `want` transmit frames are free (the kernel has sent them).

    T_FREE remembers how many frames from T_FRAME on were seen free: the kernel
    never takes back a frame it has sent, so only the frames after those are
    read again.  Reading every status word up to `want` each round (a ToDevice's
    BURST is the whole ring), two ToDevices read 2,048 words, each on its own
    cache line, every round: 6% of a busy forwarder's CPU in a perf profile.
    """
    fs, nr = c[T_FRAME_SIZE], c[T_FRAME_NR]
    n = min(max(c[T_FREE], 0), nr)
    f = c[T_FRAME] + n
    if f >= nr:
        f -= nr
    while n < want and n < nr:
        st = rd_u32(ring, f * fs)
        if st != TP_STATUS_AVAILABLE and st != TP_STATUS_WRONG_FORMAT:
            break
        n += 1
        f = f + 1 if f + 1 < nr else 0
    c[T_FREE] = n
    return min(n, want)


@njit(cache=True, _nrt=False)
def vnet_header(ring, at, n):
    """The virtio_net_hdr before an n-byte transmit frame: no offloads, and hdr_len n, so
    that the kernel copies all of it (TxRing)."""
    for k in range(VNET_HDR):
        ring[at + k] = 0
    ring[at + 2] = n & 0xFF            # hdr_len, little-endian (virtio 1.0)
    ring[at + 3] = (n >> 8) & 0xFF


@njit(cache=True, _nrt=False)
def tx_put(ring, c, P, s):
    """Queue packet s in the next transmit frame; False when the ring is full or it is too big."""
    fs = c[T_FRAME_SIZE]
    f = c[T_FRAME]
    base = f * fs
    st = rd_u32(ring, base)
    if st != TP_STATUS_AVAILABLE and st != TP_STATUS_WRONG_FORMAT:
        return False
    data, head, length = P[0], P[1], P[2]
    n = length[s]
    if n > fs - TX_DATA - VNET_HDR:
        return False
    d = base + TX_DATA
    vnet_header(ring, d, n)
    copy_bytes(ring, d + VNET_HDR, data[s], head[s], n)
    wr_u32(ring, base + 4, VNET_HDR + n)
    wr_u32(ring, base, TP_STATUS_SEND_REQUEST)
    c[T_FRAME] = f + 1 if f + 1 < c[T_FRAME_NR] else 0
    c[T_FREE] = max(c[T_FREE] - 1, 0)
    c[T_PENDING] += 1
    return True
