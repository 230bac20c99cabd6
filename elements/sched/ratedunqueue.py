"""RatedUnqueue: pulls packets at a fixed packet rate and pushes them on."""
from clickpy.args import Arg, ArgIssue, Integer, Seconds
from clickpy.element import Element, Handler


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

    @classmethod
    def check_config(cls, values, ctx):
        if values.get("BURST_DURATION") is not None and values.get(cls.burst_keyword) is not None:
            return [ArgIssue(f"cannot specify both BURST_DURATION and {cls.burst_keyword}", None,
                             "the bucket size comes from one of them; keep one")]
        return []
