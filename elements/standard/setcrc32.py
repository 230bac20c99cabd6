"""SetCRC32: appends a CRC-32 of the packet's bytes (Click's lib/crc32.c flavour).

Also home of that CRC, shared with CheckCRC32: polynomial 0x04C11DB7 taken
high bit first, starting from 0xFFFFFFFF, not reflected and not inverted at
the end (the parameters some tools call CRC-32/MPEG-2).  Click copies the
32-bit result into the packet in host byte order; clickpy does as Click on
x86, least significant byte first.
"""
import numpy as np
from numba import njit

from clickpy.element import Element
from clickpy.kernel import drop
from clickpy.packet import put_back


def _table() -> np.ndarray:
    t = np.zeros(256, dtype=np.int64)
    for i in range(256):
        acc = i << 24
        for _ in range(8):
            acc = ((acc << 1) ^ 0x04C11DB7) if acc & 0x80000000 else acc << 1
            acc &= 0xFFFFFFFF
        t[i] = acc
    return t


CRC_TABLE = _table()


@njit(cache=True, _nrt=False)
def crc32(data, s, at, n):
    """Click's update_crc(0xffffffff, data + at, n)."""
    crc = np.int64(0xFFFFFFFF)
    for j in range(n):
        i = ((crc >> 24) ^ np.int64(data[s, at + j])) & 0xFF
        crc = ((crc << 8) & 0xFFFFFFFF) ^ CRC_TABLE[i]
    return crc


def crc32_bytes(b: bytes) -> int:
    """The same CRC on the host (tests, tools)."""
    crc = 0xFFFFFFFF
    for byte in b:
        crc = ((crc << 8) & 0xFFFFFFFF) ^ int(CRC_TABLE[((crc >> 24) ^ byte) & 0xFF])
    return crc


@njit(cache=True, _nrt=False)
def setcrc32(P, s, st):
    data, head, length = P[0], P[1], P[2]
    n = length[s]
    crc = crc32(data, s, head[s], n)
    if not put_back(P, s, 4):
        return drop(0)
    at = head[s] + n
    for k in range(4):
        data[s, at + k] = (crc >> (8 * k)) & 0xFF
    return 0


class SetCRC32(Element):
    """Calculates CRC32 and appends it to the packet.

    Computes a CRC-32 over each packet and appends the 4 CRC bytes, least
    significant first (Click's host order on x86).  CheckCRC32 checks and
    removes them.  A packet whose slot has no room for 4 more bytes is dropped.
    """

    port_count = "1/1"
    processing = "a/a"
    drop_reasons = ("no room for the CRC",)
    simple_action = setcrc32
