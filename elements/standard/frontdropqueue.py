"""FrontDropQueue: a FIFO queue that drops its oldest packet when full."""
from numba import njit

from clickpy.kernel import drop
from elements.standard.simplequeue import CAP, DROPS, HEAD, HIGH, LEN, NOUT, SimpleQueue


@njit(cache=True, _nrt=False)
def frontdrop_enqueue(P, port, s, st, emit):
    ring, c = st[0], st[1]
    size = ring.shape[0]
    k = 0
    if c[LEN] >= c[CAP]:
        # Click: the packet at the head is pushed out output 1 (dropped without
        # it) to make room.  A dropped packet is emitted with port drop(0).
        c[DROPS] += 1
        out = 1 if c[NOUT] > 1 else drop(0)
        if c[CAP] == 0:
            emit[0] = out
            emit[1] = s
            return 1
        emit[0] = out
        emit[1] = ring[c[HEAD]]
        c[HEAD] = (c[HEAD] + 1) % size
        c[LEN] -= 1
        k = 1
    ring[(c[HEAD] + c[LEN]) % size] = s
    c[LEN] += 1
    if c[LEN] > c[HIGH]:
        c[HIGH] = c[LEN]
    return k


class FrontDropQueue(SimpleQueue):
    """Stores packets in a drop-from-front FIFO queue.

    Like Queue, except that when the queue already holds CAPACITY packets
    (default 1000) the packet at the head is dropped to make room for the
    incoming one.  Dropped packets are pushed out output 1 when it is
    connected.
    """

    simple_action = None
    push = frontdrop_enqueue

    @classmethod
    def set_capacity(cls, st, cap: int) -> None:
        """Click's FrontDropQueue::live_reconfigure: the newest packets stay."""
        slots = cls.queued(st)
        keep = slots[len(slots) - cap:] if cap else []
        cls._keep(st, keep)
        cls._discard(st, slots[:len(slots) - len(keep)])
        st[1][CAP] = cap
