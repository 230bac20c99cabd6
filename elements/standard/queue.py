"""Queue: stores packets pushed in until they are pulled out."""
from clickpy.args import Arg, Integer
from clickpy.element import Element, Handler


class Queue(Element):
    """Stores packets in a FIFO queue.

    Pushed packets are stored; pull requests take them from the head.  When
    the queue already holds CAPACITY packets, new ones are dropped (counted
    in `drops`), or pushed out of output 1 if it is connected.  Default
    CAPACITY is 1000.
    """

    port_count = "1/1-2"
    processing = "h/lh"
    args = (Arg("CAPACITY", Integer(0), positional=True, default=1000,
                doc="maximum packets stored"),)
    handlers = (
        Handler("length", doc="packets currently queued"),
        Handler("highwater_length", doc="most packets ever queued"),
        Handler("drops", doc="packets dropped because the queue was full"),
        Handler("capacity", write=True, doc="the queue's capacity"),
        Handler("reset_counts", read=False, write=True, doc="reset drops and highwater_length"),
        Handler("reset", read=False, write=True, doc="drop all queued packets"),
    )
