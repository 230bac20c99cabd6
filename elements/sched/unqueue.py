"""Unqueue: pulls packets as they become available and pushes them on."""
from clickpy.args import Arg, Bool, Integer
from clickpy.element import Element, Handler


class Unqueue(Element):
    """Pull-to-push converter.

    Pulls packets from its input whenever they are available and pushes them
    out its single output, at most BURST (default 1) per scheduling; a
    negative BURST pulls until the input is empty.  With ACTIVE false it does
    nothing.  A non-negative LIMIT stops it after that many packets.
    """

    port_count = "1/1"
    processing = "l/h"
    args = (
        Arg("BURST", Integer(name="burst size"), positional=True, default=1,
            doc="packets per scheduling; negative: until empty"),
        Arg("ACTIVE", Bool(), default=True, doc="pull packets at all"),
        Arg("LIMIT", Integer(name="packet count"), default=-1,
            doc="packets to move in total; negative means no limit"),
    )
    handlers = (
        Handler("count", doc="packets moved so far"),
        Handler("reset", read=False, write=True, doc="reset count (may pull LIMIT more)"),
        Handler("reset_counts", read=False, write=True, doc="same as reset"),
        Handler("active", write=True, doc="the ACTIVE parameter"),
        Handler("limit", write=True, doc="the LIMIT parameter"),
        Handler("burst", write=True, doc="the BURST parameter"),
    )
