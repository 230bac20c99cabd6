"""EtherMirror: swaps the Ethernet source and destination."""
from numba import njit

from clickpy.element import Element
from clickpy.kernel import drop


@njit(cache=True, _nrt=False)
def ethermirror(P, s, st):
    if P[2][s] < 12:
        return drop(0)
    data, h = P[0], P[1][s]
    for i in range(h, h + 6):
        t = data[s, i]
        data[s, i] = data[s, i + 6]
        data[s, i + 6] = t
    return 0


class EtherMirror(Element):
    """Swaps Ethernet source and destination addresses.

    Input packets are Ethernet frames; each leaves with its two addresses
    exchanged.  A packet shorter than the two addresses is dropped.
    """

    port_count = "1/1"
    processing = "a/a"
    drop_reasons = ("packet shorter than the Ethernet addresses (12 bytes)",)
    simple_action = ethermirror
