"""RatedSplitter: sends packets to output 0 up to a packet rate, the rest to output 1.

Click's token bucket, configured as RatedUnqueue's (RatedUnqueue::configure_helper), so
the bucket code and the RATE/BURST arguments are RatedUnqueue's own.
"""
import numpy as np
from numba import njit

from clickpy.datapath import tokenbucket as tb
from clickpy.element import Handler
from clickpy.kernel import drop
from clickpy.packet import C_NOW
from elements.sched.ratedunqueue import RatedUnqueue

NOUT = 0  # state word


@njit(cache=True, _nrt=False)
def ratedsplitter(P, s, st):
    bucket = st[1]
    tb.refill(bucket, P[5][C_NOW])
    if tb.remove_if(bucket, 1):
        return 0
    # Click's checked_output_push(1): dropped when output 1 is not connected.
    return 1 if st[0][NOUT] > 1 else drop(0)


class RatedSplitter(RatedUnqueue):
    """Splits flow of packets at specified rate.

    Packets up to RATE packets per second leave on output 0, the rest on
    output 1 (dropped when output 1 is not connected).  Unlike Meter, RATE
    packets per second still leave on output 0 when the input rate is
    higher.  A token bucket of 20 ms worth of tokens, unless BURST_DURATION
    or BURST_SIZE says otherwise (at most one of them).
    """

    port_count = "1/1-2"
    processing = "h/h"
    handlers = (
        Handler("rate", write=True, doc="the RATE parameter"),
        Handler("config", doc="the RATE parameter"),
    )
    drop_reasons = ("over RATE, no output 1",)
    simple_action = ratedsplitter
    task_budget = None

    @classmethod
    def state(cls, values, n_inputs, n_outputs):
        rate = cls.rate_value(values)
        return (np.array([n_outputs], dtype=np.int64),
                tb.bucket(rate, cls.bucket_size(values, rate)))

    @classmethod
    def read_handler(cls, name, values, st):
        if name in ("rate", "config"):
            return cls.unparse_rate(tb.rate(st[1]))
        raise KeyError(name)

    @classmethod
    def write_handler(cls, name, text, values, st):
        if name != "rate":
            raise KeyError(name)
        # Click: reconfigure with the new RATE and the other arguments kept.
        rate = cls.parse_rate(text)
        tb.assign(st[1], rate, cls.bucket_size(values, rate))
