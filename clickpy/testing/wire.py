"""The test's end of a real wire: raw frame sockets inside namespaces the toolkit made.

Network mode and image mode both hand frames to a configuration over a real
link (a veth pair, a tap) whose far end sits in a namespace of the test's
own.  A socket stays in the namespace it was made in, so the socket is made
by a short-lived thread that entered the namespace (setns moves only the
calling thread): the test's own thread never leaves its namespace, even when
something fails half-way.
"""
from __future__ import annotations

import ctypes
import os
import select
import socket
import threading
import time
from typing import Callable, TypeVar

CLONE_NEWNET = 0x40000000
ETH_P_ALL = 3
ETHER_HEADER = 14
RCVBUF = 8 << 20              # frames a burst may leave waiting before the test drains them
_libc = ctypes.CDLL(None, use_errno=True)
T = TypeVar("T")


def call_inside(ns: str, fn: Callable[[], T]) -> T:
    """fn() run by a thread inside network namespace `ns` (/run/netns/NS); its result
    or its exception.  What fn opens (sockets, packet rings) stays in that namespace."""
    out: dict = {}

    def body():
        try:
            fd = os.open(f"/run/netns/{ns}", os.O_RDONLY)
            try:
                if _libc.setns(fd, CLONE_NEWNET) != 0:
                    err = ctypes.get_errno()
                    raise OSError(err, f"setns into {ns}: {os.strerror(err)}")
            finally:
                os.close(fd)
            out["value"] = fn()
        except BaseException as e:   # handed to the caller's thread
            out["error"] = e
    t = threading.Thread(target=body, name=f"netns-{ns}")
    t.start()
    t.join()
    if "error" in out:
        raise out["error"]
    return out["value"]


class Peer:
    """A raw socket on one interface inside a namespace: send frames, collect arrivals.

    Frames the socket itself sends show up on it as outgoing and are not
    collected; everything else that arrives is, with its arrival time.
    """

    def __init__(self, ns: str, iface: str):
        def make():
            s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
            try:
                s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RCVBUF)
                s.bind((iface, ETH_P_ALL))
            except OSError:
                s.close()
                raise
            s.setblocking(False)
            return s
        self.ns, self.iface = ns, iface
        self.sock = call_inside(ns, make)
        self.arrived: list[tuple[int, bytes]] = []

    def send(self, frame: bytes) -> None:
        while True:
            try:
                self.sock.send(frame)
                return
            except BlockingIOError:      # the device queue is full: let it drain
                select.select([], [self.sock], [], 0.05)

    def drain(self) -> int:
        """Collect what has arrived so far; how many frames."""
        n = 0
        while True:
            try:
                data, addr = self.sock.recvfrom(65535)
            except (BlockingIOError, InterruptedError):
                return n
            if addr[2] != socket.PACKET_OUTGOING:
                self.arrived.append((time.time_ns(), data))
                n += 1

    def take(self) -> list[tuple[int, bytes]]:
        self.drain()
        got, self.arrived = self.arrived, []
        return got

    def close(self) -> None:
        self.sock.close()


def check_wire_frame(mode: str, frame: bytes) -> None:
    """A frame a real wire cannot carry is a mode limit, not a failure of the test."""
    from clickpy.testing.backend import ModeUnavailable
    if len(frame) < ETHER_HEADER:
        raise ModeUnavailable(f"{mode} mode: a {len(frame)}-byte frame is shorter than an "
                              "Ethernet header, and a real link (veth, tap) cannot carry it")


def wait_quiet(poll: Callable[[], int], quiet: float, limit: float, deadline: float | None = None
               ) -> None:
    """Call poll() (returns how much moved) until nothing moved for `quiet` seconds, or
    `limit` seconds passed, or until `deadline` (time.monotonic()) when one is given."""
    start = last = time.monotonic()
    while True:
        now = time.monotonic()
        if deadline is not None:
            if now >= deadline:
                return
        elif now - last >= quiet or now - start >= limit:
            return
        if poll():
            last = time.monotonic()
        else:
            time.sleep(0.0005)
