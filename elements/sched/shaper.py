"""Shaper: lets at most RATE packets per second be pulled through."""
from clickpy.args import Arg, Integer
from clickpy.element import Element, Handler


class Shaper(Element):
    """Shapes traffic to a maximum rate (packets per second).

    A pull element that lets at most RATE packets per second through: a
    pull fails when it comes too soon after the previous packet.  With
    evenly spaced pulls it emits packets at RATE with little burstiness.
    """

    port_count = "1/1"
    processing = "l/l"
    args = (Arg("RATE", Integer(0, 0xFFFFFFFF, name="packet rate"), required=True,
                positional=True, doc="maximum packets per second"),)
    handlers = (
        Handler("rate", write=True, doc="the RATE parameter"),
        Handler("config", doc="the RATE parameter"),
    )
