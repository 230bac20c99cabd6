"""Traffic for perf.netdev, run inside a namespace: a ring-driven blaster and latency probes.

    python3 -m perf.netpeer blast IFACE SECONDS FRAMEHEX...   64-byte frames as fast as one
                                                core sends them (PACKET_MMAP TX ring); several
                                                frames (flows) take the ring's frames in turn;
                                                says "ready", starts on a line from stdin
    python3 -m perf.netpeer probe IFACE SECONDS PPS FRAMEHEX [--wait]   timestamped frames at
                                                a low rate (--wait: from a line on stdin)
    python3 -m perf.netpeer catch IFACE SECONDS           one-way latency of the probes (JSON)
    python3 -m perf.netpeer hold-drop IFACE               drop IFACE's ingress until stdin closes

Probes carry time.time_ns() at PROBE_AT; sender and catcher share the host clock.  The
catcher takes the arrival time from the kernel (SO_TIMESTAMPNS: when the frame entered the
sink's interface), not from its own wake-up: under load both CPUs are busy and the
catcher, a Python process, can wait milliseconds for one, which is not the forwarder's
latency (Linux's forwarding leaves a CPU idle, so it was measured with less of that delay).
"""
from __future__ import annotations

import errno
import json
import socket
import struct
import sys
import time

import numpy as np
from numba import njit

from clickpy.rings.packet_mmap import (T_FRAME, T_FRAME_NR, T_FRAME_SIZE, T_PENDING, TX_DATA,
                                       VNET_HDR, NRING, TxRing, rd_u32, vnet_header, wr_u32)

PROBE_PORT = 7777
PROBE_AT = 14 + 20 + 8           # after Ethernet, IPv4, UDP headers


@njit(cache=True, _nrt=False)
def resubmit(ring, c, length):
    """Mark every frame the kernel has sent as ready again (contents are written once)."""
    fs, nr = c[T_FRAME_SIZE], c[T_FRAME_NR]
    f = c[T_FRAME]
    k = 0
    while k < nr:
        st = rd_u32(ring, f * fs)
        if st != 0 and st != 4:
            break
        wr_u32(ring, f * fs + 4, length)
        wr_u32(ring, f * fs, 1)
        f = f + 1 if f + 1 < nr else 0
        k += 1
    c[T_FRAME] = f
    c[T_PENDING] += k
    return k


def blast(iface: str, seconds: float, frames: list[bytes]) -> None:
    c = np.zeros(NRING, dtype=np.int64)
    tx = TxRing(iface, c, frame_nr=2048)
    fs = int(c[T_FRAME_SIZE])
    frame = frames[0]
    assert all(len(x) == len(frame) for x in frames), "blast frames must have one length"
    for f in range(int(c[T_FRAME_NR])):
        x = frames[f % len(frames)]
        at = f * fs + TX_DATA
        vnet_header(tx.ring, at, len(x))
        tx.ring[at + VNET_HDR:at + VNET_HDR + len(x)] = np.frombuffer(x, np.uint8)
    busy = np.zeros(NRING, dtype=np.int64)
    busy[T_FRAME_SIZE], busy[T_FRAME_NR] = 8, 1
    resubmit(np.ones(8, np.uint8), busy, 0)        # compiles (a busy frame: nothing marked)
    import os
    queued = 0
    print("ready", flush=True)      # counters can be read now: nothing is in flight
    sys.stdin.readline()
    t0 = os.times()
    start = time.monotonic()
    end = start + seconds
    while time.monotonic() < end:
        queued += resubmit(tx.ring, c, VNET_HDR + len(frame))
        tx.kick(c)      # a full a0 queue (ENOBUFS) leaves the frames pending: kicked again
    t1 = os.times()
    # CPU time includes the softirq work the kernel does in the sender's send() calls.
    print(json.dumps({"queued": queued, "cpu_s": (t1.user - t0.user) + (t1.system - t0.system),
                      "seconds": time.monotonic() - start}), flush=True)


def probe(iface: str, seconds: float, pps: float, frame: bytes, wait: bool = False) -> None:
    """wait: say "ready" once set up (this module's imports cost a CPU second, which must
    not be taken from a forwarder under measurement), then start on a line from stdin."""
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((iface, 0))
    if wait:
        print("ready", flush=True)
        sys.stdin.readline()
    buf = bytearray(frame)
    gap = 1.0 / pps
    nxt = time.monotonic()
    end = nxt + seconds
    n = 0
    not_sent = 0
    while nxt < end:
        struct.pack_into("!q", buf, PROBE_AT, time.time_ns())
        try:
            s.send(buf)
            n += 1
        except OSError as e:    # the interface's queue full under a blast: no probe this time
            if e.errno != errno.ENOBUFS:
                raise
            not_sent += 1
        nxt += gap
        time.sleep(max(0.0, nxt - time.monotonic()))
    print(json.dumps({"sent": n, "not_sent": not_sent}), flush=True)


# Classic BPF on the catcher's socket: only IPv4/UDP to PROBE_PORT (IHL 5) reaches Python,
# so a blast on the same interface does not queue in front of the probes.
_PROBES_ONLY = [(0x28, 0, 0, 12), (0x15, 0, 5, 0x0800), (0x30, 0, 0, 23), (0x15, 0, 3, 17),
                (0x28, 0, 0, 36), (0x15, 0, 1, PROBE_PORT), (0x06, 0, 0, 0xFFFF), (0x06, 0, 0, 0)]
SO_ATTACH_FILTER = 26


def _attach_probe_filter(s: socket.socket) -> None:
    import ctypes
    code = b"".join(struct.pack("HBBI", *ins) for ins in _PROBES_ONLY)
    buf = ctypes.create_string_buffer(code, len(code))
    s.setsockopt(socket.SOL_SOCKET, SO_ATTACH_FILTER,
                 struct.pack("HxxxxxxQ", len(_PROBES_ONLY), ctypes.addressof(buf)))


SO_TIMESTAMPNS = 35               # SO_TIMESTAMPNS_OLD: a 64-bit struct timespec on 64-bit Linux
TIMESPEC = struct.Struct("qq")


def _arrival_ns(ancdata) -> int:
    """The kernel's receive time of a frame (its SCM_TIMESTAMPNS), else now."""
    for level, kind, data in ancdata:
        if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS and len(data) >= TIMESPEC.size:
            sec, nsec = TIMESPEC.unpack_from(data)
            return sec * 1_000_000_000 + nsec
    return time.time_ns()


def catch(iface: str, seconds: float) -> None:
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
    _attach_probe_filter(s)
    s.bind((iface, 3))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
    s.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
    s.settimeout(0.1)
    print("ready", flush=True)
    lat = []
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            b, ancdata, _, addr = s.recvmsg(2048, socket.CMSG_SPACE(TIMESPEC.size))
        except socket.timeout:
            continue
        if addr[2] != 4 and len(b) >= PROBE_AT + 8 and b[12:14] == b"\x08\x00" \
                and b[23] == 17 and struct.unpack_from("!H", b, 36)[0] == PROBE_PORT:
            lat.append(_arrival_ns(ancdata) - struct.unpack_from("!q", b, PROBE_AT)[0])
    print(json.dumps(lat), flush=True)


def hold_drop(iface: str) -> None:
    from clickpy.rings.kernel_filter import IngressDrop
    d = IngressDrop(iface)
    print("ready", flush=True)
    sys.stdin.read()
    d.close()


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "blast":
        blast(args[0], float(args[1]), [bytes.fromhex(h) for h in args[2:]])
    elif cmd == "probe":
        probe(args[0], float(args[1]), float(args[2]), bytes.fromhex(args[3]), "--wait" in args)
    elif cmd == "catch":
        catch(args[0], float(args[1]))
    elif cmd == "hold-drop":
        hold_drop(args[0])
    else:
        raise SystemExit(f"unknown command {cmd}")
