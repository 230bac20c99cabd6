"""Queue: stores packets pushed in until they are pulled out."""
from elements.standard.simplequeue import SimpleQueue


class Queue(SimpleQueue):
    """Stores packets in a FIFO queue.

    Pushed packets are stored; pull requests take them from the head.  When
    the queue already holds CAPACITY packets, new ones are dropped (counted
    in `drops`), or pushed out of output 1 if it is connected.  Default
    CAPACITY is 1000.

    In Click, Queue is a SimpleQueue that also tells downstream schedulers
    when it becomes empty or non-empty; the compiled loop asks every queue on
    each pull, so the two behave the same here.
    """
