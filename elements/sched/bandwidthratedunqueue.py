"""BandwidthRatedUnqueue: pulls packets at a fixed bandwidth and pushes them on."""
from clickpy.args import Arg, Bandwidth, Integer, Seconds
from elements.sched.ratedunqueue import RatedUnqueue


class BandwidthRatedUnqueue(RatedUnqueue):
    """Pull-to-push converter limited to a bandwidth.

    Pulls packets at RATE (a bandwidth, e.g. 10Mbps) and pushes them out its
    single output, using a token bucket counted in bytes.  The bucket holds
    20 ms worth of tokens unless BURST_DURATION (a time) or BURST_BYTES says
    otherwise; give at most one of them.
    """

    burst_keyword = "BURST_BYTES"
    args = (
        Arg("RATE", Bandwidth(), required=True, positional=True,
            doc="token bucket fill rate, e.g. 10Mbps"),
        Arg("BURST_DURATION", Seconds(), doc="bucket capacity as time at RATE (default 20ms)"),
        Arg("BURST_BYTES", Integer(0, name="byte count"), doc="bucket capacity in bytes"),
    )
