"""Meter: sends each packet to the output for the current arrival rate (packets/s)."""
from numba import njit

from clickpy.args import Arg, Bandwidth
from clickpy.packet import C_NOW
from elements.standard.bandwidthmeter import NOW, BandwidthMeter, meter_output, rate_update


class PacketRate(Bandwidth):
    """Click's Meter parses its rates as BandwidthMeter does (BandwidthArg): a bare number,
    the usual form here, is taken as is, in packets per second."""

    name = "packet rate"
    example = "10000"


@njit(cache=True, _nrt=False)
def meter(P, s, st):
    c = st[0]
    now = P[5][C_NOW]
    c[NOW] = now
    rate_update(c, now, 1)          # packets, not bytes
    return meter_output(c, st[1])


class Meter(BandwidthMeter):
    """Classifies packet stream by rate (pkt/s).

    The rate is measured in packets per second with an exponentially
    weighted moving average (Click's RateEWMA: 1 ms epochs, alpha 1/16).
    RATE1, RATE2, ... must increase; with n RATEs there are n+1 outputs.  A
    packet leaves on output 0 while the rate is below RATE1, on output i
    while it is >= RATEi and < RATEi+1, and on output n when it is >= RATEn.
    The whole stream goes to one output; RatedSplitter splits it instead.
    """

    args = (
        Arg("RATE", PacketRate(), required=True, positional=True, repeat=True,
            doc="rate thresholds in packets/s, increasing: RATE1, RATE2, ..."),
    )
    simple_action = meter
