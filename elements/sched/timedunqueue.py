"""TimedUnqueue: pulls at most BURST packets per INTERVAL and pushes them on.

Click's TimedUnqueue is a task woken by a timer: a run that pulls something
(re)schedules the timer INTERVAL later (after the last expiry, when there was
one, so a busy stream keeps a steady pace), and the task does nothing while
the timer is pending; a run whose first pull finds its input empty clears the
timer, so the next packet to arrive goes out at once.  Here `task_budget`
says whether the timer has expired (BURST, or 0) and notes the run,
`simple_action` schedules the timer on a run's first packet, and the next
budget clears it when the run moved none.
"""
import numpy as np
from numba import njit

from clickpy.args import Arg, ArgIssue, Integer, Seconds
from clickpy.element import Element
from clickpy.packet import C_NOW

BURST, INTERVAL, EXPIRY, RUN, MOVED = range(5)   # state words; EXPIRY 0: no timer
NO_RUN = -1                                      # RUN: no run to account for yet


@njit(cache=True, _nrt=False)
def timed_budget(P, st):
    c = st[0]
    now = P[5][C_NOW]
    if c[RUN] != NO_RUN and c[MOVED] == 0:       # the last run found its input empty
        c[EXPIRY] = 0
    if c[EXPIRY] != 0 and now < c[EXPIRY]:       # the timer is pending: do nothing
        c[RUN] = NO_RUN
        return 0
    c[RUN] = now
    c[MOVED] = 0
    return c[BURST]


@njit(cache=True, _nrt=False)
def timed_unqueue(P, s, st):
    c = st[0]
    if c[MOVED] == 0:                            # a run's first packet: (re)set the timer
        c[EXPIRY] = c[EXPIRY] + c[INTERVAL] if c[EXPIRY] != 0 else c[RUN] + c[INTERVAL]
    c[MOVED] += 1
    return 0


def timed_args(burst: int) -> tuple[Arg, ...]:
    """The arguments, with BURST's default."""
    return (Arg("INTERVAL", Seconds(), required=True, positional=True,
                doc="time between bursts (millisecond precision, as Click)"),
            Arg("BURST", Integer(name="burst size"), positional=True, default=burst,
                doc="packets pulled per INTERVAL at most"))


class TimedUnqueue(Element):
    """Pull-to-push converter that pulls at most BURST packets per INTERVAL.

    Pulls at most BURST (default 1) packets each INTERVAL seconds from its
    input and pushes them out its single output.  It looks for packets at
    most once per INTERVAL, except that after finding its input empty it
    takes the next packet as soon as it arrives: with BURST 1 and a stream
    slower than one packet per INTERVAL it adds little delay; otherwise a
    packet may wait up to INTERVAL.  There is usually a Queue upstream.
    """

    port_count = "1/1"
    processing = "l/h"
    args = timed_args(1)
    simple_action = timed_unqueue
    task_budget = timed_budget

    @classmethod
    def check_config(cls, values, ctx):
        if values["BURST"] <= 0:
            return [ArgIssue("bad BURST", None, "BURST is a number of packets, at least 1")]
        return []

    @classmethod
    def state(cls, values, n_inputs, n_outputs):
        c = np.zeros(5, dtype=np.int64)
        c[BURST] = values["BURST"]
        c[INTERVAL] = round(values["INTERVAL"] * 1000) * 1_000_000   # Click keeps msec
        c[RUN] = NO_RUN
        return (c,)
