"""Keep the host's own stack from seeing an interface's input (FromDevice SNIFFER false).

Click's user-level FromDevice installs firewall rules for this.  Here a
two-instruction BPF program (return TCX_DROP) is attached to the interface's
tcx ingress hook with the bpf() system call alone: no C toolchain, no tc
modules.  Packet sockets (the receive ring) see frames before tc ingress, so
the configuration still gets them; the namespace's IP stack does not answer,
forward or reject them.  The attachment is a BPF link owned by this process:
it goes away with close(), or with the process if it dies.
"""
from __future__ import annotations

import ctypes
import os
import platform
import socket
import struct

_SYS_BPF = {"x86_64": 321, "aarch64": 280}.get(platform.machine())
BPF_PROG_LOAD, BPF_LINK_CREATE = 5, 28
BPF_PROG_TYPE_SCHED_CLS = 3
BPF_TCX_INGRESS = 46
TCX_DROP = 2
ATTR_SIZE = 128
# r0 = TCX_DROP; exit
_DROP_ALL = struct.pack("<BBhi", 0xB7, 0, 0, TCX_DROP) + struct.pack("<BBhi", 0x95, 0, 0, 0)

_libc = ctypes.CDLL(None, use_errno=True)


def bpf_call(cmd: int, attr: bytes) -> int:
    """bpf(2) with a zero-padded attribute block: its result (an fd, or 0), else OSError."""
    if _SYS_BPF is None:
        raise OSError(38, "bpf() is wired here for x86_64 and aarch64 only")
    buf = ctypes.create_string_buffer(attr.ljust(ATTR_SIZE, b"\0"), ATTR_SIZE)
    fd = _libc.syscall(_SYS_BPF, cmd, buf, ATTR_SIZE)
    if fd < 0:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e))
    return fd


class IngressDrop:
    """Drop everything at dev's ingress, after packet sockets have seen it."""

    def __init__(self, dev: str):
        if _SYS_BPF is None:
            raise OSError(f"{dev}: SNIFFER false needs bpf() on x86_64 or aarch64")
        try:
            ifindex = socket.if_nametoindex(dev)
        except OSError:
            raise OSError(f"no network interface {dev!r} here") from None
        insns = ctypes.create_string_buffer(_DROP_ALL, len(_DROP_ALL))
        lic = ctypes.create_string_buffer(b"GPL")
        try:
            self.prog = bpf_call(BPF_PROG_LOAD, struct.pack(
                "<IIQQ", BPF_PROG_TYPE_SCHED_CLS, 2, ctypes.addressof(insns),
                ctypes.addressof(lic)))
        except OSError as e:
            raise OSError(f"{dev}: SNIFFER false: cannot load the drop program: "
                          f"{e.strerror}") from None
        try:
            self.link = bpf_call(BPF_LINK_CREATE, struct.pack("<IIII", self.prog, ifindex,
                                                          BPF_TCX_INGRESS, 0))
        except OSError as e:
            os.close(self.prog)
            raise OSError(f"{dev}: SNIFFER false: cannot attach to tcx ingress "
                          f"(Linux 6.6 or later): {e.strerror}") from None

    def close(self) -> None:
        for fd in (self.link, self.prog):
            try:
                os.close(fd)
            except OSError:
                pass
        self.link = self.prog = -1
