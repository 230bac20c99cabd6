"""TimeFilter: passes packets whose timestamp annotation lies in a range."""
import dataclasses
import time

import numpy as np
from numba import njit

from clickpy.args import Arg, ArgError, ArgIssue, Bool, ParseContext, Seconds
from clickpy.argtypes.handler_calls import HandlerCallArg
from clickpy.element import Element, Handler
from clickpy.kernel import drop
from clickpy.packet import A_TSTAMP, C_STOP
from elements.standard.settimestamp import Timestamp

(FIRST, LAST, READY, FIRST_REL, LAST_REL, LAST_INTERVAL, H_READY, END_ACTION, CALLS, CALL_T,
 NOUT) = range(11)                     # state words
NO_ACTION, END_STOP, END_HANDLER = 0, 1, 2
NEVER = (1 << 63) - 1                  # Click's Timestamp::max_seconds: no END
SEC = 1_000_000_000


@njit(cache=True, _nrt=False)
def _first_packet(c, t):
    if c[FIRST_REL]:
        c[FIRST] += t
    if c[LAST_REL]:
        c[LAST] += t
    elif c[LAST_INTERVAL]:
        c[LAST] += c[FIRST]
    c[READY] = 1


@njit(cache=True, _nrt=False)
def timefilter(P, s, st):
    c = st[0]
    t = P[3][s, A_TSTAMP]
    if not c[READY]:
        _first_packet(c, t)
    if t < c[FIRST]:
        return 1 if c[NOUT] > 1 else drop(0)
    if t >= c[LAST] and c[H_READY]:
        # Click calls END_CALL here, at once, and passes the packet if the call moved
        # END past it; clickpy's host makes the call after this round.
        c[H_READY] = 0
        if c[END_ACTION] == END_STOP:
            P[5][C_STOP] += 1
        else:
            c[CALLS] += 1
            c[CALL_T] = t
    if t >= c[LAST]:
        return 1 if c[NOUT] > 1 else drop(1)
    return 0


@njit(cache=True, _nrt=False)
def timefilter_calls_pending(P, st):
    return st[0][CALLS] != 0


def timestamp_text(ns: int) -> str:
    """Click's Timestamp unparse (nanosecond precision)."""
    sign = "-" if ns < 0 else ""
    sec, sub = divmod(abs(int(ns)), SEC)
    return f"{sign}{sec}.{sub:09d}"


def _ns(seconds) -> int:
    return int(round(seconds * SEC))


class TimeFilter(Element):
    """Filter packets by timestamp.

    Passes packets whose timestamp annotation lies in a range, given
    absolutely (START, END: seconds since the epoch) or relative to the first
    packet seen (START_AFTER, END_AFTER) or to the time the router starts
    (START_DELAY, END_DELAY); INTERVAL ends the range that long after the
    start.  Give at most one start and one end.  Other packets are dropped,
    or sent to output 1 (push) when it is connected.  STOP true stops the
    driver at the first packet past the end; END_CALL calls a write handler
    then instead, with $t the packet's timestamp.  clickpy makes that call
    after the round, so it cannot save the packet that triggered it.
    """

    port_count = "1/1-2"
    processing = "a/ah"
    keeps_variables = True        # $t in END_CALL is the packet's timestamp
    args = (
        Arg("START", Timestamp(), positional=True, doc="absolute start time"),
        Arg("END", Timestamp(), positional=True, doc="absolute end time"),
        Arg("START_DELAY", Seconds(), doc="start, relative to the router's start"),
        Arg("END_DELAY", Seconds(), doc="end, relative to the router's start"),
        Arg("START_AFTER", Seconds(), doc="start, relative to the first packet"),
        Arg("END_AFTER", Seconds(), doc="end, relative to the first packet"),
        Arg("INTERVAL", Seconds(), doc="end, relative to the start"),
        Arg("STOP", Bool(), default=False, doc="stop the driver past the end"),
        Arg("END_CALL", HandlerCallArg(), doc="write handler to call past the end"),
    )
    handlers = (
        Handler("start", write=True, doc="the start time"),
        Handler("end", write=True, doc="the end time"),
        Handler("interval", write=True, doc="end minus start; writing it moves the end"),
        Handler("extend_interval", read=False, write=True, doc="moves the end by this much"),
    )
    drop_reasons = ("before the start time", "after the end time")
    simple_action = timefilter
    host_pending = timefilter_calls_pending

    @classmethod
    def check_config(cls, values, ctx):
        # Click tests each time for truth: a zero time counts as not given.
        starts = [k for k in ("START", "START_AFTER", "START_DELAY") if values.get(k)]
        ends = [k for k in ("END", "END_AFTER", "END_DELAY", "INTERVAL") if values.get(k)]
        if len(starts) > 1:
            return [ArgIssue("START, START_AFTER, and START_DELAY are mutually exclusive",
                             None, "give one start time")]
        if len(ends) > 1:
            return [ArgIssue("END, END_AFTER, END_DELAY, and INTERVAL are mutually exclusive",
                             None, "give one end time")]
        if values.get("STOP") and values.get("END_CALL") is not None:
            return [ArgIssue("END_CALL and STOP are mutually exclusive", None,
                             "STOP true is the same as END_CALL stop true; keep one")]
        return []

    @classmethod
    def state(cls, values, n_inputs, n_outputs):
        c = np.zeros(11, dtype=np.int64)
        now = time.time_ns()     # Click's initialize time, for the _DELAY times
        if values.get("START"):
            c[FIRST] = values["START"]
        elif values.get("START_DELAY"):
            c[FIRST] = now + _ns(values["START_DELAY"])
        else:
            c[FIRST] = _ns(values.get("START_AFTER") or 0)
            c[FIRST_REL] = 1
        if values.get("END"):
            c[LAST] = values["END"]
        elif values.get("END_AFTER"):
            c[LAST], c[LAST_REL] = _ns(values["END_AFTER"]), 1
        elif values.get("END_DELAY"):
            c[LAST] = now + _ns(values["END_DELAY"])
        elif values.get("INTERVAL"):
            c[LAST], c[LAST_INTERVAL] = _ns(values["INTERVAL"]), 1
        else:
            c[LAST] = NEVER
        call = values.get("END_CALL")
        if values.get("STOP") or (call is not None and call.element is None
                                  and call.handler == "stop"):
            c[END_ACTION] = END_STOP
        elif call is not None:
            c[END_ACTION] = END_HANDLER
        c[H_READY] = c[END_ACTION] != NO_ACTION
        c[NOUT] = n_outputs
        return (c,)

    @classmethod
    def take_handler_calls(cls, values, st):
        c = st[0]
        n, c[CALLS] = int(c[CALLS]), 0
        call = values.get("END_CALL")
        if not n or call is None:
            return []
        t = timestamp_text(int(c[CALL_T]))
        value = call.value.replace("${t}", t).replace("$t", t)
        return [dataclasses.replace(call, value=value)] * n

    @classmethod
    def read_handler(cls, name, values, st):
        c = st[0]
        if name == "start":
            return timestamp_text(c[FIRST])
        if name == "end":
            return timestamp_text(c[LAST])
        if name == "interval":
            return timestamp_text(c[LAST] - c[FIRST])
        raise KeyError(name)

    @classmethod
    def write_handler(cls, name, text, values, st):
        if name not in ("start", "end", "interval", "extend_interval"):
            raise KeyError(name)
        try:
            t = Timestamp().parse(text, ParseContext())
        except ArgError:
            raise ValueError(f"{name}: expected time, not {text.strip()!r}") from None
        c = st[0]
        if name == "start":
            if not c[READY]:
                _first_packet(c, t)
            c[FIRST] = t
            return
        if name == "end":
            c[LAST] = t
            c[LAST_REL] = c[LAST_INTERVAL] = 0
        elif name == "interval":
            c[LAST] = c[FIRST] + t
        else:
            c[LAST] += t
        c[H_READY] = c[END_ACTION] != NO_ACTION
