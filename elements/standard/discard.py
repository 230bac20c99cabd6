"""Discard: drops every packet."""
from clickpy.args import Arg, Bool, Integer
from clickpy.element import Element, Handler


class Discard(Element):
    """Drops all packets.

    Pulls packets when its input is pull (ACTIVE true, the default) and drops
    them; accepts pushed packets and drops them.
    """

    port_count = "1/0"
    processing = "a/a"
    args = (
        Arg("ACTIVE", Bool(), default=True, doc="pull packets when upstream is pull"),
        Arg("BURST", Integer(1), default=1,
            doc="packets pulled per scheduling"),
    )
    handlers = (
        Handler("count", doc="packets discarded"),
        Handler("reset_counts", read=False, write=True, doc="reset the count"),
        Handler("active", write=True, doc="whether to pull packets"),
    )
