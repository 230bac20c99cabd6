"""RatedSource: generates copies of one packet at a fixed rate."""
from clickpy.args import Arg, Bandwidth, Bool, Data, Integer
from clickpy.element import Element, Handler
from elements.standard.infinitesource import DEFAULT_DATA


class RatedSource(Element):
    """Generates packets at a specified rate.

    Creates packets consisting of DATA and emits them out its single output
    at RATE packets per second (default 10), at most LIMIT of them (negative,
    the default: forever), and only while ACTIVE.  BANDWIDTH sets RATE from
    the packet length instead.  In push mode at most one packet leaves per
    scheduling.  STOP stops the driver once LIMIT packets are sent.
    """

    port_count = "0/1"
    processing = "a/a"
    args = (
        Arg("DATA", Data(), positional=True, default=DEFAULT_DATA, doc="packet contents"),
        Arg("RATE", Integer(0, name="packet rate"), positional=True, default=10,
            doc="packets per second"),
        Arg("LIMIT", Integer(name="packet count"), positional=True, default=-1,
            doc="packets to send; negative means forever"),
        Arg("ACTIVE", Bool(), positional=True, default=True, doc="send packets at all"),
        Arg("LENGTH", Integer(name="packet length"), doc="length of each packet (repeats DATA)"),
        Arg("DATASIZE", Integer(name="packet length"), doc="deprecated synonym for LENGTH"),
        Arg("STOP", Bool(), default=False, doc="stop the driver after LIMIT packets"),
        Arg("BANDWIDTH", Bandwidth(), doc="target bandwidth; sets RATE from the packet length"),
    )
    handlers = (
        Handler("count", doc="packets generated so far"),
        Handler("reset", read=False, write=True, doc="reset count; send LIMIT more packets"),
        Handler("data", write=True, doc="the DATA parameter"),
        Handler("length", write=True, doc="the LENGTH parameter"),
        Handler("rate", write=True, doc="the RATE parameter"),
        Handler("limit", write=True, doc="the LIMIT parameter; negative means no limit"),
        Handler("active", write=True, doc="whether packets are generated"),
    )
    new_packets = True
