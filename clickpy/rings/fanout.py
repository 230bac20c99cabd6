"""Spreading one interface's input over `--workers` processes: a PACKET_FANOUT group.

Each worker's receive ring joins one fanout group per interface.  The kernel
hands each frame to one member, chosen by a classic BPF program (mode
PACKET_FANOUT_CBPF) that hashes the IPv4 addresses and TCP/UDP ports with
XOR, so a packet and its reply -- same addresses and ports, swapped -- pick
the same member, on every interface.  The kernel's own PACKET_FANOUT_HASH
is not used because it takes skb->hash, which a sending socket may set at
random (sk_txhash) and which then differs between the two directions.
Workers join in order (the Router of worker i is built before worker i+1
starts), so member i of every group is worker i.

Fragments are reassembled for the choice (PACKET_FANOUT_FLAG_DEFRAG).  A
frame that is not IPv4 goes to worker 0.  Frames the host sends out of the
interface (ToDevice's) are not input unless OUTBOUND asks for them
(PACKET_FANOUT_FLAG_IGNORE_OUTGOING).

What this does not do: a NAT (IPRewriter, IPAddrRewriter) changes the
addresses, so replies hash as a different flow and may reach a worker that
has no mapping for them.  `clickpy run --workers` refuses those
configurations; Click has no answer for it either (its flow tables are
shared between threads, behind locks).

ARP: each worker keeps its own ARP table (ARPQuerier), so every worker must
see every ARP frame.  The ring socket of a worker filters ARP out, and a
second packet socket per worker and interface receives only ARP
(`arp_socket`), a copy of each to every worker.  ARP queries are answered
once per worker: the asker gets N identical replies.
"""
from __future__ import annotations

import socket
import struct
import zlib

SOL_PACKET = 263
PACKET_FANOUT = 18
PACKET_FANOUT_DATA = 22
PACKET_IGNORE_OUTGOING = 23
PACKET_FANOUT_CBPF = 6
PACKET_FANOUT_FLAG_DEFRAG = 0x8000
PACKET_FANOUT_FLAG_IGNORE_OUTGOING = 0x4000
SO_ATTACH_FILTER = 26
ETH_P_ARP = 0x0806
ETH_P_ALL = 3

# Symmetric flow hash (classic BPF).  The fanout program sees the frame from its network
# header on (the link header already pulled), so offsets are into the IP header and the
# ethertype comes from skb->protocol (an ancillary load).
SKF_AD_PROTOCOL = 0xFFFFF000        # SKF_AD_OFF + SKF_AD_PROTOCOL
_J_OTHER, _J_PORTS_TCP, _J_NOT_UDP, _J_FRAG = 29, 1, 13, 11
SYMMETRIC_HASH = [
    (0x28, 0, 0, SKF_AD_PROTOCOL),  # 0  ldh proto          ethertype
    (0x15, 0, _J_OTHER, 0x0800),  # 1  jeq IPv4 else -> 31
    (0x20, 0, 0, 12),             # 2  ld [12]            source address
    (0x07, 0, 0, 0),              # 3  tax
    (0x20, 0, 0, 16),             # 4  ld [16]            destination address
    (0xAC, 0, 0, 0),              # 5  xor x
    (0x02, 0, 0, 0),              # 6  st M[0]
    (0x30, 0, 0, 9),              # 7  ldb [9]            protocol
    (0x15, _J_PORTS_TCP, 0, 6),   # 8  jeq TCP -> 10
    (0x15, 0, _J_NOT_UDP, 17),    # 9  jeq UDP else -> 23
    (0x28, 0, 0, 6),              # 10 ldh [6]            flags, fragment offset
    (0x45, _J_FRAG, 0, 0x1FFF),   # 11 jset offset -> 23  (no ports in a later fragment)
    (0xB1, 0, 0, 0),              # 12 ldxb 4*([0]&0xf)   IP header length
    (0x48, 0, 0, 0),              # 13 ldh [x+0]          source port
    (0x02, 0, 0, 1),              # 14 st M[1]
    (0x48, 0, 0, 2),              # 15 ldh [x+2]          destination port
    (0x07, 0, 0, 0),              # 16 tax
    (0x60, 0, 0, 1),              # 17 ld M[1]
    (0xAC, 0, 0, 0),              # 18 xor x
    (0x07, 0, 0, 0),              # 19 tax
    (0x60, 0, 0, 0),              # 20 ld M[0]
    (0xAC, 0, 0, 0),              # 21 xor x
    (0x02, 0, 0, 0),              # 22 st M[0]
    (0x60, 0, 0, 0),              # 23 ld M[0]
    (0x07, 0, 0, 0),              # 24 tax
    (0x74, 0, 0, 16),             # 25 rsh 16
    (0xAC, 0, 0, 0),              # 26 xor x
    (0x07, 0, 0, 0),              # 27 tax
    (0x74, 0, 0, 8),              # 28 rsh 8
    (0xAC, 0, 0, 0),              # 29 xor x
    (0x16, 0, 0, 0),              # 30 ret a              (the kernel takes it modulo N)
    (0x06, 0, 0, 0),              # 31 ret 0              not IPv4: worker 0
]
NOT_ARP = [(0x28, 0, 0, 12), (0x15, 0, 1, ETH_P_ARP), (0x06, 0, 0, 0), (0x06, 0, 0, 0x40000)]
ONLY_ARP = [(0x28, 0, 0, 12), (0x15, 0, 1, ETH_P_ARP), (0x06, 0, 0, 0x40000), (0x06, 0, 0, 0)]

_group: int | None = None      # set in each worker process: the run's fanout id base


def configure(run_id: int | None) -> None:
    """Make this process's receive rings join the run's fanout groups (None: do not)."""
    global _group
    _group = run_id


def _fprog(insns):
    """struct sock_fprog for setsockopt; keep the returned buffer alive while it is used."""
    import ctypes
    code = b"".join(struct.pack("HBBI", *i) for i in insns)
    buf = ctypes.create_string_buffer(code, len(code))
    return buf, struct.pack("HxxxxxxQ", len(insns), ctypes.addressof(buf))


def attach_filter(sock: socket.socket, insns) -> None:
    buf, prog = _fprog(insns)
    sock.setsockopt(socket.SOL_SOCKET, SO_ATTACH_FILTER, prog)
    del buf


def group_id(dev: str) -> int:
    """The fanout id of `dev` for this run: the same in every worker, distinct per device."""
    return (zlib.crc32(f"{_group}:{dev}".encode()) & 0xFFFF) or 1


def join(sock: socket.socket, dev: str, outgoing: bool = False) -> None:
    """Join dev's group with the symmetric hash (the socket must be bound); no-op outside
    a multi-worker run.  The group, not the socket, decides whether frames this host
    sends are input (PACKET_IGNORE_OUTGOING on a member has no effect)."""
    if _group is None:
        return
    attach_filter(sock, NOT_ARP)
    mode = PACKET_FANOUT_CBPF | PACKET_FANOUT_FLAG_DEFRAG
    if not outgoing:
        mode |= PACKET_FANOUT_FLAG_IGNORE_OUTGOING
    sock.setsockopt(SOL_PACKET, PACKET_FANOUT, struct.pack("I", group_id(dev) | (mode << 16)))
    buf, prog = _fprog(SYMMETRIC_HASH)
    sock.setsockopt(SOL_PACKET, PACKET_FANOUT_DATA, prog)
    del buf


def arp_socket(dev: str) -> socket.socket | None:
    """A non-blocking packet socket that receives a copy of every ARP frame on dev (None
    outside a multi-worker run)."""
    if _group is None:
        return None
    # Bound to every protocol, not ETH_P_ARP: those sockets see frames before tc ingress,
    # where SNIFFER false drops them; the filter keeps only ARP.
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
    try:
        attach_filter(s, ONLY_ARP)
        s.setsockopt(SOL_PACKET, PACKET_IGNORE_OUTGOING, 1)   # not our own ARP frames
        s.bind((dev, ETH_P_ALL))
        s.setblocking(False)
    except OSError:
        s.close()
        raise
    return s
