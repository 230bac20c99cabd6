"""Queue: stores packets pushed in until they are pulled out."""
import numpy as np
from numba import njit

from clickpy.args import Arg, Integer
from clickpy.element import Element, Handler
from clickpy.kernel import STOLEN, drop

HEAD, TAIL, LEN, HIGH, DROPS, CAP, NOUT = range(7)  # control words


@njit(cache=True, _nrt=False)
def enqueue(P, s, st):
    ring, c = st[0], st[1]
    if c[LEN] >= c[CAP]:
        c[DROPS] += 1
        return 1 if c[NOUT] > 1 else drop(0)
    ring[c[TAIL]] = s
    c[TAIL] = (c[TAIL] + 1) % ring.shape[0]
    c[LEN] += 1
    if c[LEN] > c[HIGH]:
        c[HIGH] = c[LEN]
    return STOLEN


@njit(cache=True, _nrt=False)
def dequeue(P, port, st):
    ring, c = st[0], st[1]
    if c[LEN] == 0:
        return -1
    s = ring[c[HEAD]]
    c[HEAD] = (c[HEAD] + 1) % ring.shape[0]
    c[LEN] -= 1
    return s


class Queue(Element):
    """Stores packets in a FIFO queue.

    Pushed packets are stored; pull requests take them from the head.  When
    the queue already holds CAPACITY packets, new ones are dropped (counted
    in `drops`), or pushed out of output 1 if it is connected.  Default
    CAPACITY is 1000.
    """

    port_count = "1/1-2"
    processing = "h/lh"
    args = (Arg("CAPACITY", Integer(0), positional=True, default=1000,
                doc="maximum packets stored"),)
    handlers = (
        Handler("length", doc="packets currently queued"),
        Handler("highwater_length", doc="most packets ever queued"),
        Handler("drops", doc="packets dropped because the queue was full"),
        Handler("capacity", write=True, doc="the queue's capacity"),
        Handler("reset_counts", read=False, write=True, doc="reset drops and highwater_length"),
    )
    drop_reasons = ("queue full",)
    simple_action = enqueue
    pull = dequeue

    @classmethod
    def state(cls, values, n_inputs, n_outputs):
        cap = values["CAPACITY"]
        c = np.zeros(7, dtype=np.int64)
        c[CAP], c[NOUT] = cap, n_outputs
        return (np.zeros(max(cap, 1), dtype=np.int32), c)

    @classmethod
    def queued(cls, st) -> list[int]:
        """Slots held, head first (for the packet account and `reset`)."""
        ring, c = st
        return [int(ring[(c[HEAD] + i) % ring.shape[0]]) for i in range(int(c[LEN]))]

    @classmethod
    def read_handler(cls, name, values, st):
        c = st[1]
        words = {"length": LEN, "highwater_length": HIGH, "drops": DROPS, "capacity": CAP}
        if name not in words:
            raise KeyError(name)
        return str(int(c[words[name]]))

    @classmethod
    def write_handler(cls, name, text, values, st):
        c = st[1]
        if name == "reset_counts":
            c[DROPS] = 0
            c[HIGH] = c[LEN]
        elif name == "capacity":
            try:
                cap = int(text.strip(), 0)
            except ValueError:
                raise ValueError(f"capacity must be an integer, not {text.strip()!r}") from None
            if not 0 <= cap <= st[0].shape[0]:
                raise ValueError(f"capacity must be in [0, {st[0].shape[0]}] "
                                 "(the size this queue was configured with)")
            c[CAP] = cap
        else:
            raise KeyError(name)
