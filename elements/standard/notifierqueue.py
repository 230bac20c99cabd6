"""NotifierQueue: a FIFO queue that notifies downstream schedulers when it empties."""
from elements.standard.simplequeue import SimpleQueue


class NotifierQueue(SimpleQueue):
    """Stores packets in a FIFO queue.

    Pushed packets are stored until pulled from output 0.  When the queue
    already holds CAPACITY packets (default 1000) new packets are dropped
    (counted in `drops`), or pushed out output 1 when it is connected.

    In Click, NotifierQueue is a SimpleQueue that also tells downstream
    schedulers when it becomes empty or non-empty (Queue adds full and
    non-full notification too); the compiled loop asks every queue on each
    pull, so here it behaves exactly as SimpleQueue, with the same handlers.
    """
