"""CheckCRC32: checks and removes the CRC-32 that SetCRC32 appended."""
import sys

import numpy as np
from numba import njit

from clickpy.element import Element
from clickpy.kernel import drop
from clickpy.packet import take_back
from elements.standard.setcrc32 import crc32

FAILS, REPORTED, LAST_LEN = range(3)  # state words


@njit(cache=True, _nrt=False)
def checkcrc32(P, s, st):
    data, head, length = P[0], P[1], P[2]
    c = st[0]
    n = length[s]
    if n < 4:
        c[FAILS] += 1
        c[LAST_LEN] = n
        return drop(0)
    at = head[s] + n - 4
    stored = (np.int64(data[s, at]) | (np.int64(data[s, at + 1]) << 8)
              | (np.int64(data[s, at + 2]) << 16) | (np.int64(data[s, at + 3]) << 24))
    if stored != crc32(data, s, head[s], n - 4):
        c[FAILS] += 1
        c[LAST_LEN] = n
        return drop(1)
    take_back(P, s, 4)
    return 0


@njit(cache=True, _nrt=False)
def checkcrc32_pending(P, st):
    """A failure is still to be reported."""
    return st[0][FAILS] != st[0][REPORTED]


class CheckCRC32(Element):
    """Checks packet CRC32s.

    Checks the CRC-32 that SetCRC32 appended: if it is right, the 4 CRC bytes
    are removed and the packet passes; otherwise, and for packets shorter
    than 4 bytes, the packet is dropped with the message "CRC32 failed, len
    N" (Click prints one per packet; clickpy one per round, counting the
    others).
    """

    port_count = "1/1"
    processing = "a/a"
    drop_reasons = ("shorter than a CRC32", "bad CRC32")
    simple_action = checkcrc32
    host_pending = checkcrc32_pending

    @classmethod
    def state(cls, values, n_inputs, n_outputs):
        return (np.zeros(3, dtype=np.int64),)

    @classmethod
    def host_flush(cls, values, st, pool):
        c = st[0]
        new = int(c[FAILS] - c[REPORTED])
        if new > 0:
            more = f" (and {new - 1} more)" if new > 1 else ""
            print(f"CheckCRC32: CRC32 failed, len {int(c[LAST_LEN])}{more}", file=sys.stderr)
            c[REPORTED] = c[FAILS]
