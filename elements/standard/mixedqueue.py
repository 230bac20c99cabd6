"""MixedQueue: a queue whose input 0 is FIFO and input 1 LIFO."""
from numba import njit

from clickpy.kernel import drop
from elements.standard.notifierqueue import NotifierQueue
from elements.standard.simplequeue import CAP, DROPS, HEAD, HIGH, LEN, NOUT


@njit(cache=True, _nrt=False)
def mixed_enqueue(P, port, s, st, emit):
    ring, c = st[0], st[1]
    size = ring.shape[0]
    out = 1 if c[NOUT] > 1 else drop(0)   # Click's checked_output_push(1, p)
    k = 0
    if port == 0:                         # FIFO: at the tail; the new packet goes when full
        if c[LEN] >= c[CAP]:
            c[DROPS] += 1
            emit[0] = out
            emit[1] = s
            return 1
        ring[(c[HEAD] + c[LEN]) % size] = s
    else:                                 # LIFO: at the head; the tail packet goes when full
        if c[LEN] >= c[CAP]:
            c[DROPS] += 1
            if c[CAP] == 0:               # nothing to make room from: the new packet goes
                emit[0] = out
                emit[1] = s
                return 1
            c[LEN] -= 1
            emit[0] = out
            emit[1] = ring[(c[HEAD] + c[LEN]) % size]
            k = 1
        c[HEAD] = (c[HEAD] + size - 1) % size
        ring[c[HEAD]] = s
    c[LEN] += 1
    if c[LEN] > c[HIGH]:
        c[HIGH] = c[LEN]
    return k


class MixedQueue(NotifierQueue):
    """Stores packets in a FIFO/LIFO queue.

    Packets pushed on input 0 join the tail of the queue (FIFO); packets
    pushed on input 1 join its head (LIFO), so they are pulled first.  The
    queue is full when it holds CAPACITY packets (default 1000): then a
    packet arriving on input 0 is dropped, while one arriving on input 1
    makes room by dropping the packet at the tail (the one that would be
    pulled last).  Either way `drops` counts it, and the dropped packet is
    pushed out output 1 when that is connected.

    With CAPACITY 0 a packet arriving on input 1 is itself dropped (Click
    would emit a stale pointer there).
    """

    port_count = "2/1-2"
    processing = "h/lh"
    simple_action = None
    push = mixed_enqueue
