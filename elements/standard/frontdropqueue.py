"""FrontDropQueue: a FIFO queue that drops its oldest packet when full."""
from elements.standard.simplequeue import SimpleQueue


class FrontDropQueue(SimpleQueue):
    """Stores packets in a drop-from-front FIFO queue.

    Like Queue, except that when the queue already holds CAPACITY packets
    (default 1000) the packet at the head is dropped to make room for the
    incoming one.  Dropped packets are pushed out output 1 when it is
    connected.
    """
