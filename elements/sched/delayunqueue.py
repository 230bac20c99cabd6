"""DelayUnqueue: pulls packets and pushes each on once its timestamp plus DELAY has passed.

A pull-to-push task that holds at most one packet, as Click's does: `task_budget`
lets the task pull only when nothing is held; the push kernel stamps the packet
(timestamp annotation, or now when it has none, plus DELAY) and sends it on at
once when that time has passed, else keeps it; `run_timer` sends the kept packet
on in the first round at or after its time, and `wake_after` tells an idle driver
when that is, so it sleeps until then rather than spinning.
"""
import time

import numpy as np
from numba import njit

from clickpy.args import Arg, ArgError, ParseContext, Seconds
from clickpy.element import Element, Handler
from clickpy.packet import A_TSTAMP, C_NOW
from elements.standard.timedsource import interval_text, seconds_ns

DELAY, HELD, DUE = range(3)       # state words: DELAY in ns, the held slot (-1: none), its time
NS = 1_000_000_000


@njit(cache=True, _nrt=False)
def delay_budget(P, st):
    """Click pulls only when it holds no packet."""
    return 1 if st[0][HELD] < 0 else 0


@njit(cache=True, _nrt=False)
def delay_hold(P, port, s, st, emit):
    """Stamp packet s with when it is due (its timestamp, or now when it has none, plus
    DELAY) and keep it."""
    c = st[0]
    t = P[3][s, A_TSTAMP]
    if t < NS:                    # Click: a timestamp whose seconds are 0 is "not set"
        t = P[5][C_NOW]
    t += c[DELAY]
    P[3][s, A_TSTAMP] = t
    c[HELD], c[DUE] = s, t
    return 0


@njit(cache=True, _nrt=False)
def delay_release(P, st, emit):
    """Emit the kept packet to output 0 when it is due."""
    c = st[0]
    if c[HELD] < 0 or c[DUE] > P[5][C_NOW]:
        return 0
    emit[0] = 0
    emit[1] = c[HELD]
    c[HELD] = -1
    return 1


@njit(cache=True, _nrt=False)
def delay_take(P, port, s, st, emit):
    delay_hold(P, port, s, st, emit)
    return delay_release(P, st, emit)


def parse_delay(text: str) -> int:
    try:
        return seconds_ns(Seconds().parse(text, ParseContext()))
    except ArgError:
        raise ValueError(f"delay: expected a time (1.5s or 100ms), not {text.strip()!r}") from None


def held_wake_after(st) -> float | None:
    """Seconds until the held packet is due; None when none is held (arriving packets,
    not the clock, give the element work then)."""
    c = st[0]
    if c[HELD] < 0:
        return None
    return max(0.0, (int(c[DUE]) - time.time_ns()) / 1e9)


class DelayUnqueue(Element):
    """Delay-inducing pull-to-push converter.

    Pulls packets from its input and pushes each out its output no earlier
    than its timestamp annotation plus DELAY (a packet with no timestamp is
    stamped with the time it is pulled); the packet leaves with that delayed
    time as its timestamp.  At most one packet is held: the next is pulled
    once it has gone.  The `delay` handler reads and sets DELAY.
    """

    port_count = "1/1"
    processing = "l/h"
    args = (Arg("DELAY", Seconds(), required=True, positional=True,
                doc="how long each packet is held after its timestamp"),)
    handlers = (Handler("delay", write=True, doc="the DELAY parameter"),)
    push = delay_take
    task_budget = delay_budget
    run_timer = delay_release

    @classmethod
    def state(cls, values, n_inputs, n_outputs):
        return (np.array([seconds_ns(values["DELAY"]), -1, 0], dtype=np.int64),)

    @classmethod
    def wake_after(cls, values, st):
        return held_wake_after(st)

    @classmethod
    def read_handler(cls, name, values, st):
        if name != "delay":
            raise KeyError(name)
        return interval_text(int(st[0][DELAY]))

    @classmethod
    def write_handler(cls, name, text, values, st):
        if name != "delay":
            raise KeyError(name)
        st[0][DELAY] = parse_delay(text)
