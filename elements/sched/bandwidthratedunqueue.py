"""BandwidthRatedUnqueue: pulls packets at a fixed bandwidth and pushes them on."""
from numba import njit

from clickpy.args import Arg, ArgError, Bandwidth, Integer, ParseContext, Seconds
from clickpy.datapath import tokenbucket as tb
from clickpy.packet import C_NOW
from elements.sched.ratedunqueue import (ACTIVE, BANDWIDTH_THRESH, EMPTY_RUNS, PUSHES, RUNS,
                                         UINT_MAX, RatedUnqueue)


@njit(cache=True, _nrt=False)
def bandwidth_budget(P, st):
    # Click pulls one packet whenever the bucket holds tb_bandwidth_thresh bytes;
    # the driver asks again after each packet.
    c, bucket = st[0], st[1]
    c[RUNS] += 1
    if not c[ACTIVE]:
        return 0
    tb.refill(bucket, P[5][C_NOW])
    if tb.contains(bucket, BANDWIDTH_THRESH):
        return 1
    c[EMPTY_RUNS] += 1
    return 0


@njit(cache=True, _nrt=False)
def bandwidth_unqueue(P, s, st):
    tb.remove(st[1], P[2][s])
    st[0][PUSHES] += 1
    return 0


def _unparse_real10(x: int, digits: int) -> str:
    """Click's cp_unparse_real10: x / 10^digits without trailing zeros."""
    whole, frac = divmod(x, 10 ** digits)
    if not frac:
        return str(whole)
    return f"{whole}." + f"{frac:0{digits}d}".rstrip("0")


def unparse_bandwidth(x: int) -> str:
    """Click's BandwidthArg::unparse (x in bytes per second)."""
    if x >= 0x20000000:
        return _unparse_real10(x, 6) + "MBps"
    if x >= 125000000:
        return _unparse_real10(x * 8, 9) + "Gbps"
    if x >= 125000:
        return _unparse_real10(x * 8, 6) + "Mbps"
    return _unparse_real10(x * 8, 3) + "kbps"


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
    simple_action = bandwidth_unqueue
    task_budget = bandwidth_budget

    @classmethod
    def rate_value(cls, values) -> int:
        return min(int(values["RATE"]), UINT_MAX)

    @classmethod
    def unparse_rate(cls, rate: int) -> str:
        return unparse_bandwidth(rate)

    @classmethod
    def parse_rate(cls, text: str) -> int:
        try:
            return min(int(Bandwidth().parse(text.strip(), ParseContext())), UINT_MAX)
        except ArgError:
            raise ValueError(f"rate: expected a bandwidth such as 10Mbps, "
                             f"not {text.strip()!r}") from None
