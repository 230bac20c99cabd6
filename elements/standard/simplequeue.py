"""SimpleQueue: a FIFO packet queue without notification."""
import numpy as np
from numba import njit

from clickpy.args import Arg, ArgError, Integer, ParseContext
from clickpy.element import Element, Handler
from clickpy.kernel import STOLEN, drop

HEAD, LEN, HIGH, DROPS, CAP, NOUT, NPEND = range(7)  # control words


@njit(cache=True, _nrt=False)
def enqueue(P, s, st):
    ring, c = st[0], st[1]
    n = c[LEN]
    if n >= c[CAP]:
        # Click: _drops++ and checked_output_push(1, p).
        c[DROPS] += 1
        return 1 if c[NOUT] > 1 else drop(0)
    ring[(c[HEAD] + n) % ring.shape[0]] = s
    c[LEN] = n + 1
    if n + 1 > c[HIGH]:
        c[HIGH] = n + 1
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


def parse_capacity(text: str, ring_size: int) -> int:
    try:
        cap = Integer(0).parse(text.strip(), ParseContext())
    except ArgError:
        raise ValueError(f"capacity: expected a packet count, not {text.strip()!r}") from None
    if cap > ring_size:
        raise ValueError(f"capacity: at most {ring_size} (the CAPACITY this queue was "
                         "configured with: its storage is sized then)")
    return cap


@njit(cache=True, _nrt=False)
def queue_pending(P, st):
    """Packets a handler took out of the queue wait for host_flush to release them."""
    return st[1][NPEND] != 0


class SimpleQueue(Element):
    """Stores packets in a FIFO queue.

    Pushed packets are stored until pulled from output 0.  When the queue
    already holds CAPACITY packets (default 1000) new packets are dropped, or
    pushed out output 1 when it is connected.  Unlike Queue, it does not tell
    downstream schedulers when it becomes empty or non-empty.
    """

    port_count = "1/1-2"
    processing = "h/lh"
    args = (Arg("CAPACITY", Integer(0, name="packet count"), positional=True, default=1000,
                doc="maximum packets stored"),)
    handlers = (
        Handler("length", doc="packets currently queued"),
        Handler("highwater_length", doc="most packets ever queued at once"),
        Handler("capacity", write=True, doc="the queue's capacity"),
        Handler("drops", doc="packets dropped (or sent to output 1) so far"),
        Handler("reset_counts", read=False, write=True, doc="reset drops and highwater_length"),
        Handler("reset", read=False, write=True, doc="drop every queued packet"),
    )
    drop_reasons = ("queue full", "flushed by a handler (reset, capacity)")
    simple_action = enqueue
    pull = dequeue
    host_pending = queue_pending
    storage = (1, LEN)

    @classmethod
    def state(cls, values, n_inputs, n_outputs):
        cap = values.get("CAPACITY", 1000)
        c = np.zeros(7, dtype=np.int64)
        c[CAP], c[NOUT] = cap, n_outputs
        size = max(cap, 1)
        # ring of queued slots; slots taken out by handlers, released by host_flush
        return (np.zeros(size, dtype=np.int32), c, np.zeros(size, dtype=np.int32))

    @classmethod
    def queued(cls, st) -> list[int]:
        """Slots held, head first."""
        ring, c = st[0], st[1]
        return [int(ring[(c[HEAD] + i) % ring.shape[0]]) for i in range(int(c[LEN]))]

    @classmethod
    def _discard(cls, st, slots) -> None:
        """Take slots out of the queue for host_flush to give back to the pool."""
        pending, c = st[2], st[1]
        for s in slots:
            pending[c[NPEND]] = s
            c[NPEND] += 1

    @classmethod
    def _keep(cls, st, slots) -> None:
        ring, c = st[0], st[1]
        ring[:len(slots)] = slots
        c[HEAD], c[LEN] = 0, len(slots)

    @classmethod
    def set_capacity(cls, st, cap: int) -> None:
        """Click's live reconfiguration of CAPACITY: packets past the new capacity are dropped."""
        slots = cls.queued(st)
        cls._keep(st, slots[:cap])
        cls._discard(st, slots[cap:])
        st[1][CAP] = cap

    @classmethod
    def host_flush(cls, values, st, pool):
        n = pool.release_pending(st[2], st[1], NPEND)
        return {1: n} if n else None

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
        elif name == "reset":
            slots = cls.queued(st)
            cls._keep(st, [])
            cls._discard(st, slots)
        elif name == "capacity":
            cls.set_capacity(st, parse_capacity(text, st[0].shape[0]))
        else:
            raise KeyError(name)
