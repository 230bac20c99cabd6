"""BandwidthMeter: sends each packet to the output for the current arrival rate (bytes/s).

The rate is Click's RateEWMA (include/click/ewma.hh: RateEWMAX<RateEWMAXParameters<4,
10>>), to the bit: 32-bit unsigned words, epochs of one jiffy (1 ms), alpha 1/16 and 10
bits of fraction.  Counter's rate is a plain average, not this EWMA, so it is here.
"""
import time

import numpy as np
from numba import njit

from clickpy.args import Arg, ArgIssue, Bandwidth
from clickpy.element import Element, Handler
from clickpy.packet import C_NOW
from elements.devices.fromdump import unparse_real2

EPOCH, CURRENT, AVG, NOW, NMETERS = range(5)   # state words; EPOCH -1: not yet started
M32 = 0xFFFFFFFF
SCALE, STABILITY, COMPENSATION, HZ = 10, 4, 8, 1000
MAX_RATE = M32 >> SCALE


@njit(cache=True, _nrt=False)
def _ewma(avg, x):
    """DirectEWMAX::update(x): avg += (int)((x << scale) + compensation - avg) >> stability."""
    d = (((x << SCALE) + COMPENSATION) - avg) & M32
    if d >= 0x80000000:
        d -= 0x100000000
    return (avg + (d >> STABILITY)) & M32


@njit(cache=True, _nrt=False)
def rate_update(c, now_ns, delta):
    """RateEWMAX::update(delta): close the epochs passed since the last update, then count.

    Click's epoch starts when the element is made; starting it at the first update is the
    same, since epochs of no samples leave an average of 0 at 0.
    """
    now = (now_ns // 1000000) & M32            # click_jiffies()
    jj = c[EPOCH]
    if jj < 0:
        c[EPOCH] = now
    elif now != jj:
        avg = _ewma(c[AVG], c[CURRENT])
        if ((jj + 1) & M32) != now:             # update_n(0, now - jj - 1)
            n = (now - jj - 1) & M32
            if n >= 100:
                avg = 0
            else:
                for _ in range(n):
                    avg = _ewma(avg, 0)
        c[AVG] = avg
        c[CURRENT] = 0
        c[EPOCH] = now
    c[CURRENT] = (c[CURRENT] + delta) & M32


@njit(cache=True, _nrt=False)
def meter_output(c, meters):
    """The first output whose meter the scaled average is below, else the last."""
    r = c[AVG]
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
        c = np.zeros(5, dtype=np.int64)
        c[EPOCH] = -1
        c[NMETERS] = len(rates)
        meters = np.array([(min(v, MAX_RATE) << SCALE) // HZ for v in rates] or [0],
                          dtype=np.int64)
        return (c, meters)

    @classmethod
    def read_handler(cls, name, values, st):
        c, meters = st
        if name == "meters":
            # Click concatenates several thresholds with no separator between them.
            return "".join(unparse_real2((int(m) * HZ) & M32, SCALE)
                           for m in meters[:int(c[NMETERS])])
        if name == "rate":
            # Click's handler updates the rate with 0 first, closing the epochs passed.
            rate_update(c, int(c[NOW]) if c[NOW] > 0 else time.time_ns(), 0)
            return unparse_real2((int(c[AVG]) * HZ) & M32, SCALE)
        raise KeyError(name)
