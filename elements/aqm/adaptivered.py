"""AdaptiveRED: RED whose thresholds follow a target length and whose MAX_P adapts."""
from numba import njit

from clickpy.args import Arg, Integer, Real
from clickpy.element import Handler
from clickpy.fixedpoint import to_fixed
from clickpy.packet import C_NOW
from elements.aqm.red import (AVG, EXPIRY, MAX, MAXP, MIN, P_BITS, QUEUE_SCALE, RED, STAB,
                              queue_size, set_slopes)

INTERVAL_NS = 500_000_000       # Click's ADAPTIVE_INTERVAL, 500 ms
ONE_HUNDREDTH = 655             # 0.01 and 0.9 with 16 bits of fraction
NINE_TENTHS = 58982
MIN_TARGET = 10
CATCH_UP = 16                   # intervals made up in one round, at most


@njit(cache=True, _nrt=False)
def adaptivered_timer(P, st, emit):
    """Every 500 ms: MAX_P times 0.9 while the average is in the lower half of the
    thresholds' range, plus 0.01 (at most a quarter of it) in the upper half."""
    c = st[0]
    now = P[5][C_NOW]
    if c[EXPIRY] < 0:                                  # initialize(): schedule_after_msec
        c[EXPIRY] = now + INTERVAL_NS
        return 0
    n = 0
    while c[EXPIRY] <= now and n < CATCH_UP:
        if c[STAB] == 0:
            avg = queue_size(st)                       # the instantaneous length
        else:
            avg = (c[AVG] + (1 << (QUEUE_SCALE - 1))) >> QUEUE_SCALE
        part = (c[MAX] - c[MIN]) // 2
        if avg < c[MIN] + part and c[MAXP] > ONE_HUNDREDTH:
            c[MAXP] = (c[MAXP] * NINE_TENTHS) >> 16
        elif avg > c[MAX] - part and c[MAXP] < 0x8000:
            c[MAXP] += min(ONE_HUNDREDTH, c[MAXP] // 4)
        set_slopes(c)
        c[EXPIRY] += INTERVAL_NS                       # reschedule_after: from the expiry
        n += 1
    return 0


class AdaptiveRED(RED):
    """Drops packets according to Adaptive RED.

    RED with MIN_THRESH TARGET/2 and MAX_THRESH 3*TARGET/2 (TARGET at least
    10), always gentle, whose MAX_P adapts every half second: times 0.9 while
    the average queue length is in the lower half of that range and MAX_P is
    over 0.01, plus 0.01 (or a quarter of MAX_P, if less) while it is in the
    upper half and MAX_P is under 0.5.  MAX_P, QUEUES and STABILITY are as for
    RED.
    """

    args = (
        Arg("TARGET", Integer(0, name="queue length"), required=True, positional=True,
            doc="the average queue length to keep"),
        Arg("MAX_P", Real(0.0, 1.0), required=True, positional=True,
            doc="initial drop probability at MAX_THRESH, between 0 and 1"),
        *(a for a in RED.args if a.keyword in ("QUEUES", "STABILITY")),
    )
    # as in Click, only MAX_P is a keyword of the configuration to write
    handlers = tuple(Handler(h.name, h.read, h.name == "max_p", h.doc) if h.write else h
                     for h in RED.handlers)
    run_timer = adaptivered_timer

    @classmethod
    def parameters(cls, values):
        target = max(values["TARGET"], MIN_TARGET)
        return target // 2, target + target // 2, to_fixed(values["MAX_P"], P_BITS), True
