"""BandwidthShaper: lets at most RATE bytes per second be pulled through."""
from clickpy.args import Arg, Bandwidth
from elements.sched.shaper import Shaper


class BandwidthShaper(Shaper):
    """Shapes traffic to a maximum bandwidth (bytes per second).

    A pull element that lets at most RATE (a bandwidth, e.g. 10Mbps or
    1MBps) pass through; with evenly spaced pulls it emits packets at RATE
    with little burstiness.
    """

    args = (Arg("RATE", Bandwidth(), required=True, positional=True,
                doc="maximum bandwidth, e.g. 10Mbps"),)
