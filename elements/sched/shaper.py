"""Shaper: lets at most RATE packets per second be pulled through."""
import numpy as np
from numba import njit

from clickpy.args import Arg, Integer
from clickpy.packet import C_NOW

CREDIT, LAST, RATE, BYTES = range(4)  # state words; credit is in unit-nanoseconds
NS = 1_000_000_000
MAX_BURST_BYTES = 1514


@njit(cache=True, _nrt=False)
def refill(P, st):
    c = st[0]
    now = P[5][C_NOW]
    if c[LAST] == 0:
        c[LAST] = now
    dt = min(now - c[LAST], NS)
    c[LAST] = now
    cap = NS * (MAX_BURST_BYTES if c[BYTES] else 1)
    c[CREDIT] = min(c[CREDIT] + dt * c[RATE], cap)
    # A packet may go when a whole unit (one packet, or any bytes) is paid for.
    return 1 if c[CREDIT] >= (1 if c[BYTES] else NS) else 0


@njit(cache=True, _nrt=False)
def spend(P, s, st):
    c = st[0]
    c[CREDIT] -= NS * (P[2][s] if c[BYTES] else 1)
    return 0
from clickpy.element import Element, Handler


class Shaper(Element):
    """Shapes traffic to a maximum rate (packets per second).

    A pull element that lets at most RATE packets per second through: a
    pull fails when it comes too soon after the previous packet.  With
    evenly spaced pulls it emits packets at RATE with little burstiness.
    """

    port_count = "1/1"
    processing = "l/l"
    args = (Arg("RATE", Integer(0, 0xFFFFFFFF, name="packet rate"), required=True,
                positional=True, doc="maximum packets per second"),)
    handlers = (
        Handler("rate", write=True, doc="the RATE parameter"),
        Handler("config", doc="the RATE parameter"),
    )

    task_budget = refill
    simple_action = spend

    @classmethod
    def state(cls, values, n_inputs, n_outputs):
        c = np.zeros(4, dtype=np.int64)
        c[RATE] = int(values["RATE"])
        c[BYTES] = int(cls.class_name == "BandwidthShaper")
        return (c,)

    @classmethod
    def read_handler(cls, name, values, st):
        if name not in ("rate", "config"):
            raise KeyError(name)
        return str(int(st[0][RATE]))

    @classmethod
    def write_handler(cls, name, text, values, st):
        if name != "rate":
            raise KeyError(name)
        from clickpy.args import ArgError, ParseContext
        try:
            rate = cls.args[0].type.parse(text.strip(), ParseContext())
        except ArgError as e:
            raise ValueError(e.message) from None
        st[0][RATE] = int(rate)
