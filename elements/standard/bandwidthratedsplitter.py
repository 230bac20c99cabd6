"""BandwidthRatedSplitter: sends packets to output 0 up to a bandwidth, the rest to output 1."""
from numba import njit

from clickpy.datapath import tokenbucket as tb
from clickpy.kernel import drop
from clickpy.packet import C_NOW
from elements.sched.bandwidthratedunqueue import BandwidthRatedUnqueue
from elements.sched.ratedunqueue import BANDWIDTH_THRESH
from elements.standard.ratedsplitter import NOUT, RatedSplitter


@njit(cache=True, _nrt=False)
def bandwidthratedsplitter(P, s, st):
    # Click: a packet passes while the bucket holds tb_bandwidth_thresh bytes, and then
    # costs its whole length (an overdraft empties the bucket).
    bucket = st[1]
    tb.refill(bucket, P[5][C_NOW])
    if tb.contains(bucket, BANDWIDTH_THRESH):
        tb.remove(bucket, P[2][s])
        return 0
    return 1 if st[0][NOUT] > 1 else drop(0)


class BandwidthRatedSplitter(RatedSplitter):
    """Splits flow of packets at specified bandwidth rate.

    Packets up to RATE (a bandwidth, e.g. 384kbps) leave on output 0, the
    rest on output 1 (dropped when output 1 is not connected).  Unlike
    BandwidthMeter, RATE still leaves on output 0 when the input rate is
    higher.  A token bucket counted in bytes, of 20 ms worth of tokens unless
    BURST_DURATION or BURST_BYTES says otherwise (at most one of them).
    """

    burst_keyword = BandwidthRatedUnqueue.burst_keyword
    args = BandwidthRatedUnqueue.args
    simple_action = bandwidthratedsplitter
    rate_value = BandwidthRatedUnqueue.__dict__["rate_value"]
    unparse_rate = BandwidthRatedUnqueue.__dict__["unparse_rate"]
    parse_rate = BandwidthRatedUnqueue.__dict__["parse_rate"]
