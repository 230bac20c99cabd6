"""AverageCounter: counts packets and bytes and averages their rate since the first packet."""
import numpy as np
from numba import njit

from clickpy.args import Arg, Integer
from clickpy.element import Element, Handler
from clickpy.packet import C_NOW

COUNT, BYTES, FIRST, LAST, IGNORE = range(5)   # state words; times in Click's jiffies
HZ = 1000                                      # CLICK_HZ at user level: jiffies are ms
M32 = 0xFFFFFFFF                               # Click keeps every word as a uint32


@njit(cache=True, _nrt=False)
def averagecounter(P, s, st):
    c = st[0]
    j = (P[5][C_NOW] // 1000000) & M32          # click_jiffies()
    if c[FIRST] == 0:                          # _first.compare_swap(0, jpart)
        c[FIRST] = j
    if ((j - c[FIRST]) & M32) >= c[IGNORE]:
        c[COUNT] = (c[COUNT] + 1) & M32
        c[BYTES] = (c[BYTES] + P[2][s]) & M32
    c[LAST] = j
    return 0


def rate_text(count: int, first: int, last: int, ignore: int) -> str:
    """Click's rate handler at user level: count * CLICK_HZ / d in uint32 jiffies, as %.12g."""
    d = (((last - first) & M32) - ignore) & M32
    if d < 1:
        d = 1
    return "%.12g" % ((count * HZ) / d)


class AverageCounter(Element):
    """Measures historical packet count and rate.

    Passes packets unchanged, counting packets and bytes; the rates are a
    strict average over the time between the first and the most recent
    packet, in Click's millisecond jiffies.  Packets in the first IGNORE
    seconds are not counted.
    """

    port_count = "1/1"
    processing = "a/a"
    args = (
        Arg("IGNORE", Integer(0, M32 // HZ, name="unsigned integer"), positional=True,
            default=0, doc="seconds at the start not counted"),
    )
    handlers = (
        Handler("count", doc="packets counted since the last reset"),
        Handler("byte_count", doc="bytes counted since the last reset"),
        Handler("rate", doc="packet arrival rate, packets/s"),
        Handler("byte_rate", doc="arrival rate in bytes/s"),
        Handler("reset", read=False, write=True, doc="reset the counts and rates to zero"),
    )
    simple_action = averagecounter

    @classmethod
    def state(cls, values, n_inputs, n_outputs):
        c = np.zeros(5, dtype=np.int64)
        c[IGNORE] = (values.get("IGNORE") or 0) * HZ
        return (c,)

    @classmethod
    def read_handler(cls, name, values, st):
        c = st[0]
        counts = {"count": COUNT, "byte_count": BYTES, "rate": COUNT, "byte_rate": BYTES}
        if name not in counts:
            raise KeyError(name)
        n = int(c[counts[name]])
        if name in ("count", "byte_count"):
            return str(n)
        return rate_text(n, int(c[FIRST]), int(c[LAST]), int(c[IGNORE]))

    @classmethod
    def write_handler(cls, name, text, values, st):
        if name != "reset":
            raise KeyError(name)
        c = st[0]
        c[COUNT] = c[BYTES] = c[FIRST] = c[LAST] = 0
