"""Taps in network namespaces for image tests, and raw sockets inside them.

QEMU opens each tap by name in the root namespace; once it holds the tap the
tap moves into a namespace of the test's own, so the test's frames never
meet the host's stack.  Sockets are opened inside a namespace by switching
a thread there (setns): a socket stays in the namespace it was
made in (clickpy.testing.wire.call_inside, which image mode uses too).
"""
from __future__ import annotations

import select
import socket
import subprocess
import uuid

from clickpy.testing.wire import call_inside


def ip(*args: str, check: bool = True) -> None:
    subprocess.run(["ip", *args], check=check, capture_output=True)


def unique(stem: str) -> str:
    return f"{stem}{uuid.uuid4().hex[:6]}"


class Port:
    """One tap, moved into its own namespace, with a raw socket on it."""

    def __init__(self, stem: str):
        self.tap, self.ns = unique(stem), unique("ckns")
        self.sock = None
        ip("tuntap", "add", "dev", self.tap, "mode", "tap")
        ip("netns", "add", self.ns)

    def move(self) -> None:
        """After QEMU opened the tap: into the namespace, up, socket bound."""
        ip("link", "set", self.tap, "netns", self.ns)
        # no IPv6 autoconfiguration frames: the test counts what it sends
        subprocess.run(["ip", "netns", "exec", self.ns, "sysctl", "-qw",
                        f"net.ipv6.conf.{self.tap}.disable_ipv6=1"], capture_output=True)
        ip("-n", self.ns, "link", "set", self.tap, "up")
        def bound():
            s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
            s.bind((self.tap, 0))
            return s
        self.sock = call_inside(self.ns, bound)

    def send(self, frame: bytes) -> None:
        self.sock.send(frame)

    def recv_all(self, timeout: float = 1.0, until=None) -> list[bytes]:
        """Frames received within `timeout`; stops early once until(frames) is true."""
        import time
        got, end = [], time.monotonic() + timeout
        while time.monotonic() < end:
            r, _, _ = select.select([self.sock], [], [], max(0.0, end - time.monotonic()))
            if r:
                data, addr = self.sock.recvfrom(65535)
                if addr[2] != socket.PACKET_OUTGOING:
                    got.append(data)
                if until is not None and until(got):
                    break
        return got

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
        ip("netns", "del", self.ns, check=False)
        ip("link", "del", self.tap, check=False)


def exists(link: str) -> bool:
    return subprocess.run(["ip", "link", "show", link], capture_output=True).returncode == 0
