"""TimedSource: pushes one packet of DATA every INTERVAL, from a timer.

Click's TimedSource is a Timer, not a task: each expiry pushes one packet and
reschedules the timer INTERVAL after that expiry; an inactive source or one
past LIMIT is not rescheduled, and only the `active` and `reset` handlers
schedule it again (for now: the next round).
"""
from numba import njit

from clickpy.args import Arg, ArgIssue, Bool, Data, Integer, Seconds
from clickpy.datapath.ipheader import parse_bool, unparse_bool
from clickpy.element import Element, Handler
from clickpy.packet import HEADROOM as POOL_HEADROOM
from clickpy.packet import A_TSTAMP, C_NOW, C_STOP, SLOT_SIZE, copy_bytes, create
from elements.standard.infinitesource import (DEFAULT_DATA, MAX_PACKET, T_LEN, get_data,
                                              handler_text, parse_int, set_data, set_template,
                                              template_state)

ACTIVE, LIMIT, COUNT, STOP, INTERVAL, EXPIRY, HEADROOM = range(3, 10)  # after the template's
UNSCHEDULED, AT_START, NOW = -1, -2, -3   # EXPIRY when not a time: no timer, initialize, now
MAX_EMIT = 16                             # expiries caught up in one round, at most
INT_MAX = 2**31 - 1


@njit(cache=True, _nrt=False)
def timedsource_timer(P, st, emit):
    c, tpl = st[0], st[1]
    now = P[5][C_NOW]
    if c[EXPIRY] == AT_START:                # initialize(): schedule_after(INTERVAL)
        c[EXPIRY] = now + c[INTERVAL] if c[ACTIVE] else UNSCHEDULED
    elif c[EXPIRY] == NOW:                   # a handler's schedule_now()
        c[EXPIRY] = now
    n = 0
    while n < MAX_EMIT and c[EXPIRY] >= 0 and c[EXPIRY] <= now:
        if not c[ACTIVE]:
            c[EXPIRY] = UNSCHEDULED
        elif c[LIMIT] < 0 or c[COUNT] < c[LIMIT]:
            s = create(P)                    # counted: a timer is no task
            if s < 0:                        # no slot: try again next round
                break
            h, m = c[HEADROOM], c[T_LEN]
            P[1][s] = h
            copy_bytes(P[0][s], h, tpl, 0, m)
            P[2][s] = m
            P[3][s, A_TSTAMP] = now
            emit[2 * n] = 0
            emit[2 * n + 1] = s
            n += 1
            c[COUNT] += 1
            c[EXPIRY] += c[INTERVAL]         # reschedule_after: from the expiry, not now
        else:
            if c[STOP]:
                P[5][C_STOP] += 1
            c[EXPIRY] = UNSCHEDULED
    return n


def interval_text(ns: int) -> str:
    """Click's Timestamp::unparse_interval (nanosecond timestamps)."""
    sec, sub = divmod(ns, 10**9)
    if sec == 0:
        if sub % 10**6 == 0:
            return f"{sub // 10**6}ms"
        if sub % 1000 == 0:
            return f"{sub // 1000}us"
        return f"{sub}ns"
    frac = f"{sub // 1000:06d}" if sub % 1000 == 0 else f"{sub:09d}"
    return f"{sec}.{frac}s"


def seconds_ns(seconds: float) -> int:
    return int(round(seconds * 1e9))


class TimedSource(Element):
    """Periodically generates a packet.

    Pushes a packet of DATA out its single output about once every INTERVAL
    (default 500 milliseconds), setting its timestamp annotation, until
    LIMIT packets have been sent (negative, the default: forever).  STOP
    stops the driver once LIMIT packets are sent.  HEADROOM sets the
    packets' headroom.
    """

    port_count = "0/1"
    processing = "h/h"
    args = (
        Arg("INTERVAL", Seconds(), positional=True, default=0.5, doc="time between packets"),
        Arg("DATA", Data(), positional=True, default=DEFAULT_DATA, doc="packet contents"),
        Arg("LIMIT", Integer(-2**31, INT_MAX, name="integer"), default=-1,
            doc="packets to send; negative means forever"),
        Arg("ACTIVE", Bool(), default=True, doc="send packets at all"),
        Arg("STOP", Bool(), default=False, doc="stop the driver after LIMIT packets"),
        Arg("HEADROOM", Integer(0, name="unsigned integer"),
            doc="bytes of headroom in front of each packet"),
    )
    handlers = (
        Handler("data", write=True, doc="the DATA parameter"),
        Handler("limit", write=True, doc="the LIMIT parameter"),
        Handler("interval", write=True, doc="the INTERVAL parameter"),
        Handler("active", write=True, doc="whether packets are generated"),
        Handler("count", doc="packets generated so far"),
        Handler("headroom", write=True, doc="the HEADROOM parameter"),
        Handler("reset", read=False, write=True, doc="reset count; send LIMIT more packets"),
    )
    new_packets = True
    max_emit = MAX_EMIT
    run_timer = timedsource_timer

    @classmethod
    def check_config(cls, values, ctx):
        data = values.get("DATA")
        n = len(DEFAULT_DATA if data is None else data)
        room = values.get("HEADROOM")
        room = POOL_HEADROOM if room is None else room
        if n > MAX_PACKET or room + n > SLOT_SIZE:
            return [ArgIssue(f"HEADROOM {room} and {n} bytes of DATA do not fit clickpy's "
                             f"packet slots ({SLOT_SIZE} bytes)", None)]
        return []

    @classmethod
    def state(cls, values, n_inputs, n_outputs):
        st = template_state({"DATA": values.get("DATA")}, DEFAULT_DATA, 10)
        c = st[0]
        room = values.get("HEADROOM")
        c[ACTIVE] = bool(values.get("ACTIVE", True))
        c[LIMIT] = values.get("LIMIT", -1)
        c[STOP] = bool(values.get("STOP"))
        c[INTERVAL] = seconds_ns(values.get("INTERVAL", 0.5))
        c[EXPIRY] = AT_START
        c[HEADROOM] = POOL_HEADROOM if room is None else room
        return st

    @classmethod
    def read_handler(cls, name, values, st):
        c = st[0]
        if name == "data":
            return get_data(st).decode("latin-1")
        if name == "interval":
            return interval_text(int(c[INTERVAL]))
        if name == "active":
            return unparse_bool(c[ACTIVE])
        words = {"count": COUNT, "limit": LIMIT, "headroom": HEADROOM}
        if name not in words:
            raise KeyError(name)
        return str(int(c[words[name]]))

    @classmethod
    def write_handler(cls, name, text, values, st):
        c = st[0]
        if name == "data":
            data = handler_text(text, "data")
            if c[HEADROOM] + len(data) > SLOT_SIZE:
                raise ValueError("data: the packet does not fit clickpy's packet slots")
            set_template(st, data)
            set_data(st, data)
        elif name == "headroom":
            try:
                room = Integer(0).parse(text.strip(), None)
            except Exception:
                raise ValueError("bad headroom") from None
            if room + int(c[T_LEN]) > SLOT_SIZE:
                raise ValueError("headroom: the packet does not fit clickpy's packet slots")
            c[HEADROOM] = room
        elif name == "limit":
            c[LIMIT] = parse_int(text, "limit: expected integer")
        elif name == "interval":
            try:
                ns = seconds_ns(Seconds().parse(text, None))
            except Exception:
                raise ValueError("bad interval") from None
            if ns == 0:
                raise ValueError("bad interval")
            c[INTERVAL] = ns
        elif name in ("active", "reset"):
            if name == "active":
                try:
                    c[ACTIVE] = parse_bool(text, "active")
                except ValueError:
                    raise ValueError("bad active") from None
            else:
                c[COUNT] = 0
            if c[EXPIRY] == UNSCHEDULED and c[ACTIVE]:
                c[EXPIRY] = NOW
        else:
            raise KeyError(name)
