"""Handlers of a running image, from the host: the same names as in a process.

The guest only moves bytes (runtime/control.c).  Here the image's Router is
rebuilt from its description, unconfigured parts untouched, as a mirror:
before a handler runs, the element's state arrays are read from the guest
into the mirror's arrays; the element's own read_handler/write_handler runs
on them; after a write the arrays go back.  The guest's data path is locked
for the whole exchange, so a write cannot lose a concurrent update.
"""
from __future__ import annotations

import os
import socket
import struct

import numpy as np

from clickpy.unikernel.manifest import ImageSpec
from clickpy.unikernel.vm import VM

CHUNK = 4096


class ControlError(Exception):
    """The guest did not answer as expected."""


class Channel:
    def __init__(self, path: str, timeout: float = 10.0):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.settimeout(timeout)
        try:
            self.s.connect(path)
        except OSError as e:
            raise ControlError(f"cannot connect to the image's control port: {e}") from None

    def _read(self, n: int) -> bytes:
        buf = bytearray()
        while len(buf) < n:
            try:
                got = self.s.recv(n - len(buf))
            except socket.timeout:
                raise ControlError("the image does not answer on its control port") from None
            if not got:
                raise ControlError("the image closed its control port")
            buf += got
        return bytes(buf)

    def _ok(self) -> None:
        c = self._read(1)
        if c != b"K":
            raise ControlError(f"the image refused the request ({c!r})")

    def lock(self) -> int:
        self.s.sendall(b"L")
        self._ok()
        return struct.unpack("<I", self._read(4))[0]

    def where(self, k: int) -> tuple[int, int]:
        """Guest address and size in bytes of array k."""
        self.s.sendall(b"A" + struct.pack("<I", k))
        self._ok()
        return struct.unpack("<QQ", self._read(16))

    def go(self) -> None:
        self.s.sendall(b"G")
        self._ok()

    def read(self, k: int, n: int) -> bytes:
        out = bytearray()
        for off in range(0, n, CHUNK):
            m = min(CHUNK, n - off)
            self.s.sendall(b"R" + struct.pack("<III", k, off, m))
            self._ok()
            out += self._read(m)
        return bytes(out)

    def write(self, k: int, data: bytes) -> None:
        for off in range(0, len(data), CHUNK):
            part = data[off:off + CHUNK]
            self.s.sendall(b"W" + struct.pack("<III", k, off, len(part)) + part)
            self._ok()

    def close(self) -> None:
        self.s.close()


class Mirror:
    """The image's Router on the host, its arrays filled from the guest on demand."""

    def __init__(self, vm: VM):
        from clickpy.unikernel.build import image_router
        meta = vm.meta()
        spec = ImageSpec(**meta["spec"])
        self.router = image_router(spec)
        if list(self.router.names) != meta["names"]:
            raise ControlError("the configuration changed since the image was built: rebuild it")
        self.arrays = meta["arrays"]
        self.vm = vm

    def _ram(self):
        """The guest's RAM as a byte array, when QEMU shares it in a file."""
        if not os.path.exists(self.vm.memory):
            return None
        return np.memmap(self.vm.memory, dtype=np.uint8, mode="r+")

    def _state(self, i: int) -> list[tuple[int, np.ndarray]]:
        found = [(a["index"], a["part"]) for a in self.arrays
                 if a["owner"] == "state" and a["element"] == i]
        return [(k, self.router.S[i][part]) for k, part in found]

    def _pool(self) -> list[tuple[int, np.ndarray]]:
        """The pool's free stack and control words (a write's host_flush may release slots)."""
        found = [(a["index"], a["part"]) for a in self.arrays
                 if a["owner"] == "pool" and a["part"] in (4, 5)]
        return [(k, self.router.pool.arrays[part]) for k, part in found]

    def _fetch(self, ch: Channel, ram, arrays) -> None:
        for k, arr in arrays:
            flat = arr.reshape(-1).view(np.uint8)
            if ram is not None:
                addr, n = ch.where(k)
                flat[:] = ram[addr:addr + n]
            else:
                flat[:] = np.frombuffer(ch.read(k, arr.nbytes), dtype=np.uint8)

    def _store(self, ch: Channel, ram, arrays) -> None:
        for k, arr in arrays:
            if ram is not None:
                addr, n = ch.where(k)
                ram[addr:addr + n] = arr.reshape(-1).view(np.uint8)
            else:
                ch.write(k, np.ascontiguousarray(arr).tobytes())

    def handler(self, element: str, handler: str, value: str | None) -> str:
        """Run a read (value None) or write handler of `element` on the guest's state."""
        i = self.router.element(element)
        ch = Channel(self.vm.control)
        try:
            n = ch.lock()
            if n != len(self.arrays):
                raise ControlError(f"the image has {n} arrays, its description {len(self.arrays)}")
            try:
                ram = self._ram()
                state = self._state(i)
                self._fetch(ch, ram, state)
                if value is None:
                    return self.router.read(element, handler)
                pool = self._pool()
                self._fetch(ch, ram, pool)
                self.router.write(element, handler, value)
                # what the process's driver does after a round: a Queue whose
                # capacity shrank gives its packets back to the pool here
                cls = self.router.classes[i]
                cls.host_flush(self.router.values[i], self.router.S[i], self.router.pool)
                self._store(ch, ram, state + pool)
                return ""
            finally:
                ch.go()
        finally:
            ch.close()

    def account(self):
        """The image's packet account (clickpy.runtime.account.Account): its account array
        and the pool's control words, read from the guest while its data path is locked."""
        ch = Channel(self.vm.control)
        try:
            n = ch.lock()
            if n != len(self.arrays):
                raise ControlError(f"the image has {n} arrays, its description {len(self.arrays)}")
            try:
                arrays = [(a["index"], self.router.A) for a in self.arrays
                          if a["owner"] == "account"]
                arrays += [(a["index"], self.router.pool.arrays[a["part"]]) for a in self.arrays
                           if a["owner"] == "pool" and a["part"] == 5]
                self._fetch(ch, self._ram(), arrays)
            finally:
                ch.go()
        finally:
            ch.close()
        return self.router.account()
