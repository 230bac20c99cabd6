"""FromTestPort and ToTestPort: a configuration's devices, as ports a test feeds and reads.

In memory mode every FromDevice becomes a FromTestPort and every ToDevice
(and ToHost) a ToTestPort.  They work like FromDump and ToDump without the
files: the host writes frames into a FromTestPort's staging arrays between
rounds, and collects what reached a ToTestPort after each round.  Their
arrays are allocated once, at configure time, and only ever written in
place, so the host and the compiled tasks share them however element state
reaches the tasks.

The two meet the host through a token (their one argument): state() files
the arrays of a FromTestPort under its token, and ToTestPort.host_flush
hands its packets to the Outbox filed under its token.  The memory backend
(clickpy.testing.memory) picks unique tokens, so several configurations can
run side by side in one process.
"""
from __future__ import annotations

import weakref

import numpy as np
from numba import njit

from clickpy.args import Arg, String
from clickpy.element import Element, Handler
from clickpy.kernel import STOLEN, drop
from clickpy.packet import A_TSTAMP, HEADROOM, SLOT_SIZE, alloc, release

MAX_FRAME = SLOT_SIZE - HEADROOM     # the longest frame a pool slot holds
FRAMES = 4096                        # frames staged per refill, at most
STAGE_BYTES = FRAMES * 1600          # their bytes, at most (a bigger frame is staged alone)
RING = 1 << 16                       # packets a ToTestPort keeps between two host flushes

# FromTestPort ctl words.
NEXT, NREC, COUNT = range(3)
# ToTestPort ctl words.
LEN, TOTAL, MISSED = range(3)


@njit(cache=True, _nrt=False)
def from_test_port(P, st):
    """The next staged frame in a fresh slot, stamped with its timestamp; -1 when none."""
    data, off, ts, c = st[0], st[1], st[2], st[3]
    i = c[NEXT]
    if i >= c[NREC]:
        return -1
    s = alloc(P)
    if s < 0:
        return -1                       # pool empty: the frame waits for the next round
    a, n = off[i], off[i + 1] - off[i]
    buf, head = P[0], P[1][s]
    for k in range(n):
        buf[s, head + k] = data[a + k]
    P[2][s] = n
    P[3][s, A_TSTAMP] = ts[i]
    c[NEXT] = i + 1
    c[COUNT] += 1
    return s


@njit(cache=True, _nrt=False)
def to_test_port(P, s, st):
    """Keep the packet for the host to collect after the round."""
    ring, c = st[0], st[1]
    if c[LEN] >= ring.shape[0]:
        c[MISSED] += 1
        return drop(0)
    ring[c[LEN]] = s
    c[LEN] += 1
    return STOLEN


@njit(cache=True, _nrt=False)
def _release_all(P, ring, n):
    for k in range(n):
        release(P, ring[k])


class Outbox:
    """What reached one ToTestPort: (timestamp ns, bytes) records, in order."""

    def __init__(self) -> None:
        self.records: list[tuple[int, bytes]] = []


_STAGES: dict[str, tuple] = {}                                   # token -> FromTestPort arrays
_OUTBOXES: "weakref.WeakValueDictionary[str, Outbox]" = weakref.WeakValueDictionary()


def take_stage(token: str) -> tuple:
    """The staging arrays of the FromTestPort configured with `token` (claimed once)."""
    return _STAGES.pop(token)


def open_outbox(token: str) -> Outbox:
    """The Outbox the ToTestPorts with `token` deliver to; kept while the caller holds it."""
    box = Outbox()
    _OUTBOXES[token] = box
    return box


# abstract=True keeps them out of the element registry: they are not for configurations
# (`clickpy elements`, the YAML schema and the checks' "did you mean" do not list them);
# the memory backend puts the classes on the graph nodes itself.
class FromTestPort(Element, abstract=True):
    """Emits the frames a test sends on a port (clickpy.testing's in-memory FromDevice).

    Frames arrive with the timestamp the test gave them and no other
    annotation, exactly as FromDump emits a file's records.
    """

    class_name = "FromTestPort"
    port_count = "0/1"
    processing = "h/h"
    args = (Arg("TOKEN", String(), required=True, positional=True,
                doc="the port's token, chosen by the memory backend"),)
    handlers = (Handler("count", doc="frames emitted so far"),)
    run_task = from_test_port
    new_packets = True

    @classmethod
    def state(cls, values, n_inputs, n_outputs):
        st = (np.zeros(STAGE_BYTES, dtype=np.uint8), np.zeros(FRAMES + 1, dtype=np.int64),
              np.zeros(FRAMES, dtype=np.int64), np.zeros(4, dtype=np.int64))
        _STAGES[values["TOKEN"]] = st
        return st

    @classmethod
    def read_handler(cls, name, values, st):
        if name == "count":
            return str(int(st[3][COUNT]))
        raise KeyError(name)


class ToTestPort(Element, abstract=True):
    """Hands every packet it receives to the test (clickpy.testing's in-memory ToDevice)."""

    class_name = "ToTestPort"
    port_count = "1/0"
    processing = "a/a"
    args = (Arg("TOKEN", String(), required=True, positional=True,
                doc="the port's token, chosen by the memory backend"),)
    handlers = (Handler("count", doc="packets handed to the test so far"),)
    drop_reasons = ("test port ring full",)
    simple_action = to_test_port
    sink = "forwarded"

    @classmethod
    def state(cls, values, n_inputs, n_outputs):
        return (np.zeros(RING, dtype=np.int32), np.zeros(4, dtype=np.int64))

    @classmethod
    def host_flush(cls, values, st, pool):
        ring, c = st
        n = int(c[LEN])
        if n == 0:
            return
        box = _OUTBOXES.get(values["TOKEN"])
        if box is not None:
            data, head, length, anno = pool.data, pool.head, pool.length, pool.anno
            for k in range(n):
                s = int(ring[k])
                h = int(head[s])
                box.records.append((int(anno[s, A_TSTAMP]), data[s, h:h + int(length[s])].tobytes()))
        c[TOTAL] += n
        _release_all(pool.arrays, ring, n)
        c[LEN] = 0

    @classmethod
    def host_close(cls, values, st, pool):
        cls.host_flush(values, st, pool)

    @classmethod
    def read_handler(cls, name, values, st):
        if name == "count":
            return str(int(st[1][TOTAL]))
        raise KeyError(name)


def stage(st: tuple, frames: list[tuple[int, bytes]]) -> int:
    """Copy as many (timestamp, frame) pairs as fit into empty staging arrays; how many."""
    data, off, ts, c = st
    if c[NEXT] < c[NREC]:
        return 0
    k, total = 0, 0
    for _, f in frames[:FRAMES]:
        if k and total + len(f) > STAGE_BYTES:
            break
        total += len(f)
        k += 1
    if k == 0:
        return 0
    chunk = frames[:k]
    lengths = np.fromiter((len(f) for _, f in chunk), dtype=np.int64, count=k)
    off[0] = 0
    np.cumsum(lengths, out=off[1:k + 1])
    data[:total] = np.frombuffer(b"".join(f for _, f in chunk), dtype=np.uint8)
    ts[:k] = [t for t, _ in chunk]
    c[NEXT], c[NREC] = 0, k
    return k


def pending(st: tuple) -> int:
    """Staged frames not emitted yet."""
    c = st[3]
    return int(c[NREC] - c[NEXT])
