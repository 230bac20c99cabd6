"""Discard: drops every packet."""
import numpy as np
from numba import njit

from clickpy.args import Arg, Bool, Integer
from clickpy.datapath.ipheader import parse_bool, unparse_bool
from clickpy.element import Element, Handler
from clickpy.kernel import drop

COUNT, ACTIVE, BURST = range(3)  # state words


@njit(cache=True, _nrt=False)
def discard(P, s, st):
    st[0][COUNT] += 1
    return drop(0)


@njit(cache=True, _nrt=False)
def discard_budget(P, st):
    # Pull context: how many packets Discard pulls in one scheduling (none when inactive).
    c = st[0]
    return c[BURST] if c[ACTIVE] else 0


class Discard(Element):
    """Drops all packets.

    Pulls packets when its input is pull (ACTIVE true, the default) and drops
    them; accepts pushed packets and drops them.
    """

    port_count = "1/0"
    processing = "a/a"
    args = (
        Arg("ACTIVE", Bool(), default=True, doc="pull packets when upstream is pull"),
        Arg("BURST", Integer(1), default=1,
            doc="packets pulled per scheduling"),
    )
    handlers = (
        Handler("count", doc="packets discarded"),
        Handler("reset_counts", read=False, write=True, doc="reset the count"),
        Handler("active", write=True, doc="whether to pull packets"),
    )
    drop_reasons = ("discarded",)
    sink = "discarded"
    simple_action = discard
    # Proposed optional kernel: packets the pull task may move now (Click's BURST/ACTIVE).
    task_budget = discard_budget

    @classmethod
    def state(cls, values, n_inputs, n_outputs):
        burst = values.get("BURST") or 0
        if burst == 0:  # Click: BURST 0 means no limit
            burst = 0xFFFFFFFF
        return (np.array([0, bool(values.get("ACTIVE", True)), burst], dtype=np.int64),)

    @classmethod
    def wake_after(cls, values, st):
        """Pulls only what upstream holds: packets arriving wake the driver, not the clock."""
        return None

    @classmethod
    def read_handler(cls, name, values, st):
        c = st[0]
        if name == "count":
            return str(int(c[COUNT]))
        if name == "active":
            return unparse_bool(c[ACTIVE])
        raise KeyError(name)

    @classmethod
    def write_handler(cls, name, text, values, st):
        c = st[0]
        if name == "reset_counts":
            c[COUNT] = 0
        elif name == "active":
            c[ACTIVE] = parse_bool(text, "active")
        else:
            raise KeyError(name)
