"""ThreadSafeQueue: Queue for several concurrent pushers and pullers."""
from elements.standard.queue import Queue


class ThreadSafeQueue(Queue):
    """Stores packets in a FIFO queue.

    Pushed packets are stored until pulled from output 0.  When the queue
    already holds CAPACITY packets (default 1000) new packets are dropped
    (counted in `drops`), or pushed out output 1 when it is connected.

    In Click, ThreadSafeQueue is a Queue whose head and tail are updated
    atomically, so that several threads may push and pull at once; in all
    other respects it behaves as Queue.  A clickpy configuration runs on one
    thread (`--workers` runs whole copies in separate processes), so here it
    is Queue, with the same handlers.
    """
