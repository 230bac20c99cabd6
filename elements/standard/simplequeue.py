"""SimpleQueue: a FIFO packet queue without notification."""
from clickpy.args import Arg, Integer
from clickpy.element import Element, Handler


class SimpleQueue(Element):
    """Stores packets in a FIFO queue.

    Pushed packets are stored until pulled from output 0.  When the queue
    already holds CAPACITY packets (default 1000) new packets are dropped, or
    pushed out output 1 when it is connected.  Unlike Queue, it does not tell
    downstream schedulers when it becomes empty or non-empty.
    """

    port_count = "1/1-2"
    processing = "h/lh"
    args = (Arg("CAPACITY", Integer(0, name="packet count"), positional=True, default=1000,
                doc="maximum packets stored"),)
    handlers = (
        Handler("length", doc="packets currently queued"),
        Handler("highwater_length", doc="most packets ever queued at once"),
        Handler("capacity", write=True, doc="the queue's capacity"),
        Handler("drops", doc="packets dropped (or sent to output 1) so far"),
        Handler("reset_counts", read=False, write=True, doc="reset drops and highwater_length"),
        Handler("reset", read=False, write=True, doc="drop every queued packet"),
    )
