"""TAP and TUN devices for ToHost and FromHost: the host's own stack as a device.

Linux's universal TUN/TAP driver (/dev/net/tun): each frame written to the
descriptor arrives in the host's stack as if received on the interface, and
each frame the host sends through the interface can be read from it.  TYPE
ETHER opens a tap (Ethernet frames), TYPE IP a tun (bare IP packets); both
without the packet-information prefix (IFF_NO_PI).

Devices are multi-queue (IFF_MULTI_QUEUE): every open of the same name adds
a queue, so each `--workers` process has its own descriptor and the kernel
spreads what the host sends over them by flow.  Within one process, ToHost
and FromHost of the same device share one descriptor (Click's ToHost writes
through its FromHost's), whichever element opens it first.  The interface
goes away when its last descriptor is closed.
"""
from __future__ import annotations

import fcntl
import ipaddress
import logging
import os
import socket
import struct
import subprocess

log = logging.getLogger(__name__)

TUNSETIFF = 0x400454CA
IFF_TUN, IFF_TAP, IFF_NO_PI, IFF_MULTI_QUEUE = 0x0001, 0x0002, 0x1000, 0x0100
IFF_UP = 0x1
SIOCGIFFLAGS, SIOCSIFFLAGS = 0x8913, 0x8914
SIOCSIFADDR, SIOCSIFNETMASK, SIOCSIFMTU, SIOCSIFHWADDR = 0x8916, 0x891C, 0x8922, 0x8924
ARPHRD_ETHER = 1
IFNAMSIZ = 16


class TapError(ValueError):
    """A tap that cannot be made or set up; the message is for users."""


class Tap:
    """One open queue of a tap (or tun) device; .fd is non-blocking."""

    def __init__(self, name: str, ip: bool = False):
        self.name, self.ip, self.users = name, ip, 0
        if len(name.encode()) > IFNAMSIZ - 1:
            raise TapError(f"device name {name!r} is longer than {IFNAMSIZ - 1} characters")
        try:
            self.fd = os.open("/dev/net/tun", os.O_RDWR | os.O_NONBLOCK | os.O_CLOEXEC)
        except OSError as e:
            raise TapError(f"{name}: cannot open /dev/net/tun: {e.strerror} (needs root or "
                           "CAP_NET_ADMIN, and the tun driver)") from None
        flags = (IFF_TUN if ip else IFF_TAP) | IFF_NO_PI | IFF_MULTI_QUEUE
        try:
            fcntl.ioctl(self.fd, TUNSETIFF, struct.pack("16sH22x", name.encode(), flags))
        except OSError as e:
            os.close(self.fd)
            hint = (" (an interface of that name exists and is not a multi-queue "
                    f"{'tun' if ip else 'tap'}: name a new one)" if e.errno in (16, 22) else "")
            raise TapError(f"{name}: cannot create the {'tun' if ip else 'tap'} device: "
                           f"{e.strerror}{hint}") from None

    def configure(self, ether: bytes | None = None, mtu: int | None = None,
                  prefix: ipaddress.IPv4Interface | None = None,
                  gateway: ipaddress.IPv4Address | None = None) -> None:
        """Set the interface's Ethernet address, MTU and address/mask, bring it up, and
        add a default route through `gateway` (Click's FromHost initialization)."""
        name = self.name.encode()
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            def ioctl(req, fmt, *values, what):
                try:
                    return fcntl.ioctl(s.fileno(), req, struct.pack(fmt, name, *values))
                except OSError as e:
                    raise TapError(f"{self.name}: cannot set the {what}: {e.strerror}") from None
            if ether is not None and not self.ip:
                ioctl(SIOCSIFHWADDR, "16sH6s16x", ARPHRD_ETHER, bytes(ether),
                      what="Ethernet address")
            if mtu is not None:
                ioctl(SIOCSIFMTU, "16si20x", mtu, what="MTU")
            if prefix is not None:
                ioctl(SIOCSIFADDR, "16sH2x4s16x", socket.AF_INET, prefix.ip.packed,
                      what="address")
                ioctl(SIOCSIFNETMASK, "16sH2x4s16x", socket.AF_INET,
                      prefix.network.netmask.packed, what="netmask")
            flags = struct.unpack("16sh22x", ioctl(SIOCGIFFLAGS, "16sh22x", 0,
                                                   what="flags"))[1]
            ioctl(SIOCSIFFLAGS, "16sh22x", flags | IFF_UP, what="flags (up)")
        if gateway is not None and int(gateway):
            r = subprocess.run(["ip", "route", "replace", "default", "via", str(gateway), "dev",
                                self.name], capture_output=True, text=True)
            if r.returncode != 0:
                raise TapError(f"{self.name}: cannot add the default route via {gateway}: "
                               f"{r.stderr.strip()}")

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1


_OPEN: dict[str, Tap] = {}


def attach(name: str, ip: bool = False) -> Tap:
    """This process's queue of device `name`, opened on first use; detach() when done."""
    tap = _OPEN.get(name)
    if tap is None:
        tap = _OPEN[name] = Tap(name, ip)
        log.info("%s: %s device open (fd %d)", name, "tun" if ip else "tap", tap.fd)
    elif tap.ip != ip:
        raise TapError(f"{name} is used both as a tap (TYPE ETHER) and a tun (TYPE IP)")
    tap.users += 1
    return tap


def detach(tap: Tap) -> None:
    tap.users -= 1
    if tap.users <= 0:
        tap.close()
        if _OPEN.get(tap.name) is tap:
            del _OPEN[tap.name]

