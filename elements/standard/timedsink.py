"""TimedSink: pulls one packet every INTERVAL and discards it.

Click's TimedSink is a Timer: initialize schedules it INTERVAL from the start, each
expiry pulls one packet (if upstream has one), kills it and reschedules the timer
INTERVAL after that expiry.  A timer kernel cannot pull, so here the pull task's
task_budget counts the expiries due since the last round (one pull each, caught up
when late) and simple_action discards what they pull.
"""
import time

import numpy as np
from numba import njit

from clickpy.args import Arg, ArgError, ParseContext, Seconds
from clickpy.element import Element, Handler
from clickpy.kernel import drop
from clickpy.packet import C_NOW
from elements.standard.timedsource import interval_text, seconds_ns

INTERVAL, EXPIRY = range(2)   # state words: INTERVAL in ns, the next expiry in ns
AT_START = -1                 # EXPIRY before the first round: initialize() schedules it
MAX_DUE = 16                  # expiries caught up in one round, at most


@njit(cache=True, _nrt=False)
def timedsink_due(P, st):
    """How many timer expiries are due now: one pull each."""
    c = st[0]
    now = P[5][C_NOW]
    if c[EXPIRY] == AT_START:            # initialize(): schedule_after(INTERVAL)
        c[EXPIRY] = now + c[INTERVAL]
    n = 0
    while n < MAX_DUE and c[EXPIRY] <= now:
        c[EXPIRY] += c[INTERVAL]         # reschedule_after: from the expiry, not now
        n += 1
    return n


@njit(cache=True, _nrt=False)
def timedsink_kill(P, s, st):
    return drop(0)


def parse_interval(text: str) -> int:
    """A written interval in ns; Click's write handler refuses a zero or bad time."""
    try:
        ns = seconds_ns(Seconds().parse(text, ParseContext()))
    except ArgError:
        ns = 0
    if ns == 0:
        raise ValueError(f"bad interval: expected a nonzero time (1.5s or 100ms), "
                         f"not {text.strip()!r}")
    return ns


class TimedSink(Element):
    """Periodically pulls and drops a packet.

    Pulls one packet every INTERVAL seconds from its input.  Discards the
    packet.  Default INTERVAL is 500 milliseconds.  The interval handler
    (read/write) returns or sets the INTERVAL parameter.
    """

    port_count = "1/0"
    processing = "l"
    args = (Arg("INTERVAL", Seconds(), positional=True, default=0.5,
                doc="time between pulls"),)
    handlers = (Handler("interval", write=True, doc="the INTERVAL parameter"),)
    drop_reasons = ("discarded",)
    sink = "discarded"
    simple_action = timedsink_kill
    task_budget = timedsink_due

    @classmethod
    def state(cls, values, n_inputs, n_outputs):
        interval = values.get("INTERVAL")
        return (np.array([seconds_ns(0.5 if interval is None else interval), AT_START],
                         dtype=np.int64),)

    @classmethod
    def wake_after(cls, values, st):
        """Seconds until the next expiry (now, before the first round)."""
        expiry = int(st[0][EXPIRY])
        if expiry == AT_START:
            return 0.0
        return max(0.0, (expiry - time.time_ns()) / 1e9)

    @classmethod
    def read_handler(cls, name, values, st):
        if name != "interval":
            raise KeyError(name)
        return interval_text(int(st[0][INTERVAL]))

    @classmethod
    def write_handler(cls, name, text, values, st):
        """A new interval applies from the next expiry on, as in Click."""
        if name != "interval":
            raise KeyError(name)
        st[0][INTERVAL] = parse_interval(text)
