"""InfiniteSource: generates copies of one packet as fast as it is scheduled."""
from clickpy.args import Arg, ArgIssue, Bool, Data, Integer
from clickpy.argtypes.handler_calls import HandlerCallArg
from clickpy.element import Element, Handler

DEFAULT_DATA = b"Random bullshit in a packet, at least 64 bytes long. Well, now it is."


class InfiniteSource(Element):
    """Generates packets whenever scheduled.

    Creates packets consisting of DATA and pushes BURST of them out its
    single output each time it runs (or returns one per pull), until LIMIT
    packets have been sent; a negative LIMIT (the default) never stops.
    LENGTH pads or cuts DATA to that length.  Once LIMIT is reached, STOP
    stops the driver, or END_CALL calls a write handler (not both).
    """

    port_count = "0/1"
    processing = "a/a"
    args = (
        Arg("DATA", Data(), positional=True, default=DEFAULT_DATA, doc="packet contents"),
        Arg("LIMIT", Integer(name="packet count"), positional=True, default=-1,
            doc="packets to send; negative means forever"),
        Arg("BURST", Integer(1, name="burst size"), positional=True, default=1,
            doc="packets sent per scheduling (>= 1)"),
        Arg("ACTIVE", Bool(), positional=True, default=True, doc="send packets at all"),
        Arg("LENGTH", Integer(name="packet length"), doc="length of each packet (repeats DATA)"),
        Arg("DATASIZE", Integer(name="packet length"), doc="deprecated synonym for LENGTH"),
        Arg("STOP", Bool(), default=False, doc="stop the driver after LIMIT packets"),
        Arg("END_CALL", HandlerCallArg(), doc="write handler called after LIMIT packets"),
        Arg("TIMESTAMP", Bool(), default=True, doc="set the timestamp annotation"),
    )
    handlers = (
        Handler("count", doc="packets generated so far"),
        Handler("reset", read=False, write=True, doc="reset count; send LIMIT more packets"),
        Handler("data", write=True, doc="the DATA parameter"),
        Handler("length", write=True, doc="the LENGTH parameter"),
        Handler("limit", write=True, doc="the LIMIT parameter"),
        Handler("burst", write=True, doc="the BURST parameter"),
        Handler("active", write=True, doc="whether packets are generated"),
    )
    new_packets = True

    @classmethod
    def check_config(cls, values, ctx):
        if values.get("STOP") and values.get("END_CALL") is not None:
            return [ArgIssue("END_CALL and STOP are mutually exclusive", None,
                             "STOP true is the same as END_CALL stop; keep one")]
        return []
