"""BandwidthMeter: sends each packet to the output for the current arrival rate (bytes/s).

The rate is Click's RateEWMA (clickpy.datapath.ewma); Counter's rate here is a plain
average between the first and last packet, not this EWMA.
"""
import time

import numpy as np
from numba import njit

from clickpy.args import Arg, ArgIssue, Bandwidth
from clickpy.datapath import ewma
from clickpy.element import Element, Handler
from clickpy.packet import C_NOW
from clickpy.fixedpoint import unparse_real2

NOW, NMETERS = ewma.WORDS, ewma.WORDS + 1        # state words after the rate's
MAX_RATE = ewma.M32 >> ewma.SCALE
rate_update = ewma.update


@njit(cache=True, _nrt=False)
def meter_output(c, meters):
    """The first output whose meter the scaled average is below, else the last."""
    r = c[ewma.AVG]
    n = c[NMETERS]
    for i in range(n):
        if r < meters[i]:
            return i
    return n


@njit(cache=True, _nrt=False)
def bandwidthmeter(P, s, st):
    c = st[0]
    now = P[5][C_NOW]
    c[NOW] = now
    rate_update(c, now, P[2][s])
    return meter_output(c, st[1])


@njit(cache=True, _nrt=False)
def meter_clock(P, st):
    """Keeps the rate handler's clock at the round's: Click's handler closes the epochs
    passed since the last packet, so the rate decays when traffic stops."""
    c = st[0]
    if P[5][C_NOW] > c[NOW]:
        c[NOW] = P[5][C_NOW]
    return False


class BandwidthMeter(Element):
    """Classifies packet stream by arrival rate.

    The rate is measured in bytes per second with an exponentially weighted
    moving average (Click's RateEWMA: 1 ms epochs, alpha 1/16).  Each RATE is
    a bandwidth such as 384kbps, each greater than the one before; with n
    RATEs there are n+1 outputs.  A packet leaves on output 0 while the rate
    is below RATE1, on output i while it is >= RATEi and < RATEi+1, and on
    output n when it is >= RATEn.
    """

    port_count = "1/2-"
    processing = "h/h"
    args = (
        Arg("RATE", Bandwidth(), required=True, positional=True, repeat=True,
            doc="rate thresholds, increasing: RATE1, RATE2, ..."),
    )
    handlers = (
        Handler("rate", doc="the current arrival rate"),
        Handler("meters", doc="the RATE thresholds, as Click unparses them"),
    )
    simple_action = bandwidthmeter
    host_pending = meter_clock

    @classmethod
    def rates(cls, values) -> list[int]:
        return [int(v) for v in values.get("RATE") or []]

    @classmethod
    def check_config(cls, values, ctx):
        rates = cls.rates(values)
        for i, v in enumerate(rates):
            if i > 0 and v <= rates[i - 1]:
                return [ArgIssue(f"rate {i + 1} must be > rate {i}", None,
                                 "give the rates in increasing order")]
        for i, v in enumerate(rates):
            if v > MAX_RATE:
                return [ArgIssue(f"rate {i + 1} too large (max {MAX_RATE})", None,
                                 "Click keeps rates in 32 bits with 10 bits of fraction")]
        return []

    @classmethod
    def port_counts_for(cls, values):
        rates = values.get("RATE") or []
        return None, (len(rates) + 1 if rates else None)

    @classmethod
    def state(cls, values, n_inputs, n_outputs):
        rates = cls.rates(values)
        c = ewma.words(ewma.WORDS + 2)
        c[NMETERS] = len(rates)
        meters = np.array([(min(v, MAX_RATE) << ewma.SCALE) // ewma.HZ for v in rates] or [0],
                          dtype=np.int64)
        return (c, meters)

    @classmethod
    def read_handler(cls, name, values, st):
        c, meters = st
        if name == "meters":
            # Click concatenates several thresholds with no separator between them.
            return "".join(unparse_real2((int(m) * ewma.HZ) & ewma.M32, ewma.SCALE)
                           for m in meters[:int(c[NMETERS])])
        if name == "rate":
            # Click's handler updates the rate with 0 first, closing the epochs passed.
            rate_update(c, int(c[NOW]) if c[NOW] > 0 else time.time_ns(), 0)
            return unparse_real2(ewma.scaled_rate(c), ewma.SCALE)
        raise KeyError(name)
