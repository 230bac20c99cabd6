"""DelayShaper: a pull element that lets each packet through once its timestamp plus DELAY
has passed.

DelayUnqueue's state and kernels in a pull path: on each pull, when it holds no
packet, it pulls one from upstream (task_budget says when) into `delay_hold`,
which stamps and keeps it; its pull kernel then gives the kept packet out once
due.  The compiler's pull_through_keeper generates that sequence.
"""
from numba import njit

from clickpy.packet import A_TSTAMP, C_NOW
from elements.sched.delayunqueue import DUE, HELD, DelayUnqueue, delay_hold


@njit(cache=True, _nrt=False)
def delay_shaper_pull(P, port, st):
    c = st[0]
    s = c[HELD]
    now = P[5][C_NOW]
    if s < 0 or c[DUE] > now:
        return -1
    P[3][s, A_TSTAMP] = now       # Click: the packet leaves stamped with the time it leaves
    c[HELD] = -1
    return s


class DelayShaper(DelayUnqueue):
    """Shapes traffic to meet delay requirements.

    A pull element: each pull returns a packet only once its timestamp
    annotation plus DELAY has passed (a packet with no timestamp is stamped
    with the time it is pulled from upstream); until then pulls return no
    packet.  At most one packet is held.  The packet leaves with its
    timestamp set to the time it leaves.  The `delay` handler reads and sets
    DELAY.
    """

    processing = "l/l"
    push = delay_hold
    pull = delay_shaper_pull
    run_timer = None
