"""DropBroadcasts: drops packets that arrived as link-level broadcasts or multicasts."""
import numpy as np
from numba import njit

from clickpy.element import Element, Handler
from clickpy.kernel import drop
from clickpy.packet import A_PKTTYPE, PKTTYPE_BROADCAST, PKTTYPE_MULTICAST

DROPS, NOUT = 0, 1  # state words


@njit(cache=True, _nrt=False)
def dropbroadcasts(P, s, st):
    c = st[0]
    t = P[3][s, A_PKTTYPE]
    if t == PKTTYPE_BROADCAST or t == PKTTYPE_MULTICAST:
        c[DROPS] += 1
        return 1 if c[NOUT] > 1 else drop(0)
    return 0


class DropBroadcasts(Element):
    """Drops link-level broadcast and multicast packets.

    Looks at the packet type annotation that FromDevice (or HostEtherFilter)
    sets; broadcast and multicast packets go to output 1 if it is connected,
    else are dropped, and the rest leave on output 0.  IP routers must not
    forward link-level broadcasts.  Either way they count in `drops`.
    """

    port_count = "1/1-2"
    processing = "a/ah"
    handlers = (Handler("drops", doc="packets dropped"),)
    drop_reasons = ("link-level broadcast or multicast",)
    simple_action = dropbroadcasts

    @classmethod
    def state(cls, values, n_inputs, n_outputs):
        c = np.zeros(2, dtype=np.int64)
        c[NOUT] = n_outputs
        return (c,)

    @classmethod
    def read_handler(cls, name, values, st):
        if name != "drops":
            raise KeyError(name)
        return str(int(st[0][DROPS]))
