"""Unqueue: pulls packets as they become available and pushes them on.

A pull-to-push task: the compiled pull task pulls from upstream and pushes
each packet through `simple_action` (which counts it) to output 0.  How many
packets one scheduling may move (BURST, LIMIT, ACTIVE) is `task_budget`.
"""
import numpy as np
from numba import njit

from clickpy.args import Arg, ArgError, Bool, Integer, ParseContext
from clickpy.datapath.ipheader import parse_bool, unparse_bool
from clickpy.element import Element, Handler

BURST, ACTIVE, LIMIT, COUNT = range(4)  # state words
ALL = 0x7FFFFFFF                         # Click: a negative BURST pulls until empty


@njit(cache=True, _nrt=False)
def unqueue(P, s, st):
    st[0][COUNT] += 1
    return 0


@njit(cache=True, _nrt=False)
def unqueue_budget(P, st):
    """Packets this scheduling may move: Click's Unqueue::run_task limit."""
    c = st[0]
    if not c[ACTIVE]:
        return 0
    n = c[BURST]
    if c[LIMIT] >= 0 and c[COUNT] + n >= c[LIMIT]:
        n = c[LIMIT] - c[COUNT]
        if n <= 0:
            return 0
    return n


def _int(text: str, handler: str) -> int:
    try:
        return Integer().parse(text.strip(), ParseContext())
    except ArgError:
        raise ValueError(f"{handler}: expected an integer, not {text.strip()!r}") from None


class Unqueue(Element):
    """Pull-to-push converter.

    Pulls packets from its input whenever they are available and pushes them
    out its single output, at most BURST (default 1) per scheduling; a
    negative BURST pulls until the input is empty.  With ACTIVE false it does
    nothing.  A non-negative LIMIT stops it after that many packets.
    """

    port_count = "1/1"
    processing = "l/h"
    args = (
        Arg("BURST", Integer(name="burst size"), positional=True, default=1,
            doc="packets per scheduling; negative: until empty"),
        Arg("ACTIVE", Bool(), default=True, doc="pull packets at all"),
        Arg("LIMIT", Integer(name="packet count"), default=-1,
            doc="packets to move in total; negative means no limit"),
    )
    handlers = (
        Handler("count", doc="packets moved so far"),
        Handler("reset", read=False, write=True, doc="reset count (may pull LIMIT more)"),
        Handler("reset_counts", read=False, write=True, doc="same as reset"),
        Handler("active", write=True, doc="the ACTIVE parameter"),
        Handler("limit", write=True, doc="the LIMIT parameter"),
        Handler("burst", write=True, doc="the BURST parameter"),
    )
    simple_action = unqueue
    # Proposed optional kernel: packets the pull task may move now.
    task_budget = unqueue_budget

    @classmethod
    def state(cls, values, n_inputs, n_outputs):
        burst = values.get("BURST", 1)
        limit = values.get("LIMIT", -1)
        return (np.array([ALL if burst < 0 else burst, bool(values.get("ACTIVE", True)),
                          -1 if limit is None else limit, 0], dtype=np.int64),)

    @classmethod
    def wake_after(cls, values, st):
        """Pulls only what upstream holds: packets arriving wake the driver, not the clock."""
        return None

    @classmethod
    def read_handler(cls, name, values, st):
        c = st[0]
        if name == "active":
            return unparse_bool(c[ACTIVE])
        words = {"count": COUNT, "burst": BURST, "limit": LIMIT}
        if name not in words:
            raise KeyError(name)
        return str(int(c[words[name]]))

    @classmethod
    def write_handler(cls, name, text, values, st):
        c = st[0]
        if name in ("reset", "reset_counts"):
            c[COUNT] = 0
        elif name == "active":
            c[ACTIVE] = parse_bool(text, "active")
        elif name == "limit":
            c[LIMIT] = _int(text, "limit")
        elif name == "burst":
            burst = _int(text, "burst")
            c[BURST] = ALL if burst < 0 else burst
        else:
            raise KeyError(name)
