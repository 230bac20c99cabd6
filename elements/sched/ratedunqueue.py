"""RatedUnqueue: pulls packets at a fixed packet rate and pushes them on.

A pull-to-push task limited by Click's token bucket (clickpy.datapath.tokenbucket):
`task_budget` refills the bucket from the driver's clock and says how many
packets may be pulled now (0: wait); `simple_action` spends a token on each
packet pulled and sends it to output 0.
"""
import numpy as np
from numba import njit

from clickpy.args import Arg, ArgError, ArgIssue, Integer, ParseContext, Seconds
from clickpy.datapath import tokenbucket as tb
from clickpy.datapath.ipheader import parse_bool, unparse_bool
from clickpy.element import Element, Handler
from clickpy.packet import C_NOW

RUNS, EMPTY_RUNS, PUSHES, FAILED_PULLS, ACTIVE = range(5)  # state words
BANDWIDTH_THRESH = 131072     # Click's tb_bandwidth_thresh, in bytes
UINT_MAX = 0xFFFFFFFF


@njit(cache=True, _nrt=False)
def rated_budget(P, st):
    c, bucket = st[0], st[1]
    c[RUNS] += 1
    if not c[ACTIVE]:
        return 0
    tb.refill(bucket, P[5][C_NOW])
    n = tb.size(bucket)
    if n == 0:
        c[EMPTY_RUNS] += 1
    return n


@njit(cache=True, _nrt=False)
def rated_unqueue(P, s, st):
    c = st[0]
    tb.remove(st[1], 1)
    c[PUSHES] += 1
    return 0


class RatedUnqueue(Element):
    """Pull-to-push converter limited to RATE packets per second.

    Pulls packets at RATE packets per second and pushes them out its single
    output, using a token bucket.  The bucket holds 20 ms worth of tokens
    unless BURST_DURATION (a time) or BURST_SIZE (tokens) says otherwise;
    give at most one of them.
    """

    port_count = "1/1"
    processing = "l/h"
    burst_keyword = "BURST_SIZE"
    args = (
        Arg("RATE", Integer(0, name="packet rate"), required=True, positional=True,
            doc="token bucket fill rate, packets per second"),
        Arg("BURST_DURATION", Seconds(), doc="bucket capacity as time at RATE (default 20ms)"),
        Arg("BURST_SIZE", Integer(0, name="token count"), doc="bucket capacity in packets"),
    )
    handlers = (
        Handler("rate", write=True, doc="the RATE parameter"),
        Handler("active", write=True, doc="whether packets are moved"),
        Handler("calls", doc="task statistics"),
        Handler("config", doc="the RATE parameter"),
    )
    simple_action = rated_unqueue
    # Proposed optional kernel: packets the pull task may move now (0: wait).
    task_budget = rated_budget

    @classmethod
    def check_config(cls, values, ctx):
        if values.get("BURST_DURATION") is not None and values.get(cls.burst_keyword) is not None:
            return [ArgIssue(f"cannot specify both BURST_DURATION and {cls.burst_keyword}", None,
                             "the bucket size comes from one of them; keep one")]
        return []

    # ---- configuration --------------------------------------------------------
    @classmethod
    def is_bandwidth(cls) -> bool:
        return cls.burst_keyword == "BURST_BYTES"

    @classmethod
    def bucket_size(cls, values, rate: int) -> int:
        """Click's RatedUnqueue::configure_helper: the bucket capacity in tokens."""
        tokens = values.get(cls.burst_keyword)
        if tokens is None:
            duration = values.get("BURST_DURATION")
            dur_msec = 20 if duration is None else int(round(duration * 1000))
            tokens = min(rate * dur_msec // 1000, UINT_MAX)
        if cls.is_bandwidth():
            tokens = min(tokens + BANDWIDTH_THRESH, UINT_MAX)
        return tokens or 1

    @classmethod
    def rate_value(cls, values) -> int:
        return min(int(values["RATE"]), UINT_MAX)

    @classmethod
    def state(cls, values, n_inputs, n_outputs):
        rate = cls.rate_value(values)
        c = np.zeros(5, dtype=np.int64)
        c[ACTIVE] = 1
        return (c, tb.bucket(rate, cls.bucket_size(values, rate)))

    # ---- handlers -------------------------------------------------------------
    @classmethod
    def unparse_rate(cls, rate: int) -> str:
        return str(rate)

    @classmethod
    def parse_rate(cls, text: str) -> int:
        try:
            return Integer(0, UINT_MAX).parse(text.strip(), ParseContext())
        except ArgError:
            raise ValueError(f"rate: expected a packet rate (unsigned integer), "
                             f"not {text.strip()!r}") from None

    @classmethod
    def read_handler(cls, name, values, st):
        c, bucket = st
        if name in ("rate", "config"):
            return cls.unparse_rate(tb.rate(bucket))
        if name == "active":
            return unparse_bool(c[ACTIVE])
        if name == "calls":
            return (f"{int(c[RUNS])} calls to run_task()\n{int(c[EMPTY_RUNS])} empty runs\n"
                    f"{int(c[PUSHES])} pushes\n{int(c[FAILED_PULLS])} failed pulls\n")
        raise KeyError(name)

    @classmethod
    def write_handler(cls, name, text, values, st):
        c, bucket = st
        if name == "active":
            c[ACTIVE] = parse_bool(text, "active")
        elif name == "rate":
            # Click: reconfigure with the new RATE and the other arguments kept.
            rate = cls.parse_rate(text)
            tb.assign(bucket, rate, cls.bucket_size(values, rate))
        else:
            raise KeyError(name)
