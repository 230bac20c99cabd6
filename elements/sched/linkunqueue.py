"""LinkUnqueue: pulls packets as a serial link of LATENCY and BANDWIDTH would carry them.

A pull-to-push task asked before each pull whether the link has room
(Element.budget_each_pull): as in Click, room is measured by the latency --
the link takes another packet while the last one it took is due out within
LATENCY from now.  Each packet it takes is stamped with when it leaves: the
time its transmission ends (length / BANDWIDTH after the previous packet's,
when taken back to back, else after now) plus LATENCY; it is kept in the
element until then, and goes out with that time as its timestamp.
"""
import time

import numpy as np
from numba import njit

from clickpy.args import Arg, ArgError, ArgIssue, Bandwidth, ParseContext, Seconds
from clickpy.element import Element, Handler
from clickpy.packet import A_EXTRA_LENGTH, A_TSTAMP, C_NOW
from elements.standard.timedsource import interval_text, seconds_ns

# state words (st[0]); st[1] the packets on the link, a ring, and st[3] when each is due;
# st[2] packets a handler flushed, for host_flush to give back to the pool
(LATENCY, BW, BACK_TO_BACK, ASKED, LEN, HEAD, TAIL_DUE, NPEND) = range(8)
CAPACITY = 4096         # packets on the link at once (Click's is unbounded; pool slots are not)
MIN_BANDWIDTH = 100     # bytes per second


@njit(cache=True, _nrt=False)
def link_room(P, st):
    """Whether the link takes one more packet now (1) or not (0)."""
    c = st[0]
    if c[ASKED]:                    # the pull allowed last time found the input empty:
        c[BACK_TO_BACK] = 0         # Click's _back_to_back = false
    room = c[LEN] == 0 or c[TAIL_DUE] <= P[5][C_NOW] + c[LATENCY]
    room = room and c[LEN] < CAPACITY
    c[ASKED] = 1 if room else 0
    return 1 if room else 0


@njit(cache=True, _nrt=False)
def link_release(P, st, emit):
    """Emit, to output 0, every packet whose time to leave has come."""
    c, ring, dues = st[0], st[1], st[3]
    now = P[5][C_NOW]
    n = 0
    while c[LEN] > 0 and dues[c[HEAD]] <= now:
        emit[2 * n] = 0
        emit[2 * n + 1] = ring[c[HEAD]]
        n += 1
        c[HEAD] = c[HEAD] + 1 if c[HEAD] + 1 < CAPACITY else 0
        c[LEN] -= 1
    return n


@njit(cache=True, _nrt=False)
def link_take(P, port, s, st, emit):
    """Click's LinkUnqueue::run_task for one pulled packet: stamp it with when it leaves
    (delay_by_bandwidth), put it on the link, then send on what is due."""
    c, ring = st[0], st[1]
    c[ASKED] = 0
    now_delayed = P[5][C_NOW] + c[LATENCY]
    start = c[TAIL_DUE] if c[LEN] > 0 and c[BACK_TO_BACK] else now_delayed
    length = (P[2][s] + P[3][s, A_EXTRA_LENGTH]) & 0xFFFFFFFF
    usec = ((length * 10000) & 0xFFFFFFFF) // c[BW]      # Click's uint32 arithmetic
    due = start + usec * 1000
    P[3][s, A_TSTAMP] = due
    tail = c[HEAD] + c[LEN]
    tail = tail - CAPACITY if tail >= CAPACITY else tail
    ring[tail] = s
    st[3][tail] = due
    c[LEN] += 1
    c[TAIL_DUE] = due
    c[BACK_TO_BACK] = 1
    return link_release(P, st, emit)


def parse_bandwidth(text: str) -> int:
    """Click's bandwidth write handler: bytes per second, at least MIN_BANDWIDTH."""
    try:
        bw = int(round(Bandwidth().parse(text, ParseContext())))
    except ArgError:
        raise ValueError("invalid bandwidth") from None
    if bw < MIN_BANDWIDTH:
        raise ValueError("bandwidth too small, minimum 100Bps")
    return bw


class LinkUnqueue(Element):
    """Pulls packets and pushes them on as a serial link would deliver them.

    Models a link of LATENCY and BANDWIDTH (bytes per second, at least
    100): a packet of L bytes (its extra length annotation included) takes
    L / BANDWIDTH to transmit, after the packet before it when it was taken
    back to back, and arrives LATENCY after its transmission ends.  The
    link pulls while the last packet it took is due out within LATENCY, so
    upstream queues hold what the link cannot yet carry.  Packets leave
    stamped with their arrival time.  At most 4096 packets are on the link
    at once.  Handlers: latency and bandwidth (read and write), size (packets
    on the link) and reset; every write empties the link, dropping what was
    on it, as Click's does.
    """

    port_count = "1/1"
    processing = "l/h"
    args = (Arg("LATENCY", Seconds(), required=True, positional=True,
                doc="time from the end of a packet's transmission to its arrival"),
            Arg("BANDWIDTH", Bandwidth(), required=True, positional=True,
                doc="the link's rate (10Mbps, 1MBps; a bare number is bytes per second)"))
    handlers = (Handler("latency", write=True, doc="the LATENCY parameter"),
                Handler("bandwidth", write=True, doc="the BANDWIDTH parameter, bytes/s"),
                Handler("size", doc="packets on the link"),
                Handler("reset", read=False, write=True, doc="empty the link"))
    drop_reasons = ("flushed by a handler (reset, latency, bandwidth)",)
    storage = (0, LEN)
    max_emit = CAPACITY
    push = link_take
    task_budget = link_room
    budget_each_pull = True
    run_timer = link_release

    @classmethod
    def check_config(cls, values, ctx):
        if values.get("BANDWIDTH", MIN_BANDWIDTH) < MIN_BANDWIDTH:
            return [ArgIssue("bandwidth too small, minimum 100Bps", None,
                             "BANDWIDTH is in bytes per second (or bits: 1Mbps)")]
        return []

    @classmethod
    def state(cls, values, n_inputs, n_outputs):
        c = np.zeros(8, dtype=np.int64)
        c[LATENCY] = seconds_ns(values["LATENCY"])
        c[BW] = int(round(values["BANDWIDTH"])) // 100      # Click keeps bandwidth / 100
        return (c, np.full(CAPACITY, -1, dtype=np.int64), np.full(CAPACITY, -1, dtype=np.int64),
                np.zeros(CAPACITY, dtype=np.int64))

    @classmethod
    def wake_after(cls, values, st):
        """Until the first packet on the link is due or the link has room again (Click's
        timer expiry); None with nothing on the link (arriving packets wake it)."""
        c, dues = st[0], st[3]
        if c[LEN] == 0:
            return None
        expiry = min(int(dues[c[HEAD]]), int(c[TAIL_DUE] - c[LATENCY]))
        return max(0.0, (expiry - time.time_ns()) / 1e9)

    @classmethod
    def host_flush(cls, values, st, pool):
        n = pool.release_pending(st[2], st[0], NPEND)
        return {0: n} if n else None

    @classmethod
    def read_handler(cls, name, values, st):
        c = st[0]
        if name == "latency":
            return interval_text(int(c[LATENCY]))
        if name == "bandwidth":
            return str(int(c[BW]) * 100)
        if name == "size":
            return str(int(c[LEN]))
        raise KeyError(name)

    @classmethod
    def write_handler(cls, name, text, values, st):
        c, ring, pending = st[0], st[1], st[2]
        if name == "latency":
            try:
                latency = seconds_ns(Seconds().parse(text, ParseContext()))
            except ArgError:
                raise ValueError("latency must be a timestamp") from None
            c[LATENCY] = latency
        elif name == "bandwidth":
            c[BW] = parse_bandwidth(text) // 100
        elif name != "reset":
            raise KeyError(name)
        for k in range(int(c[LEN])):        # Click's full reset: what is on the link goes
            pending[c[NPEND]] = ring[(c[HEAD] + k) % CAPACITY]
            c[NPEND] += 1
        c[LEN] = c[HEAD] = 0
