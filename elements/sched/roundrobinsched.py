"""RoundRobinSched: pulls from its inputs in turn."""
import numpy as np
from numba import njit

from clickpy.element import Element


@njit(cache=True, _nrt=False)
def next_input(P, st, attempt):
    # Start after the input that last gave a packet, like Click's _next.
    c = st[0]
    n = c[1]
    if attempt >= n:
        return -1
    j = c[0]
    c[0] = (j + 1) % n
    return j


class RoundRobinSched(Element):
    """Pulls from round-robin inputs.

    Each pull on its output pulls from the inputs in turn until one yields a
    packet; the next pull starts with the input after that one.  Inputs are
    usually Queues or other pull schedulers; empty ones are skipped thanks to
    their notification.
    """

    port_count = "-/1"
    processing = "l/l"

    pull_choice = next_input

    @classmethod
    def state(cls, values, n_inputs, n_outputs):
        return (np.array([0, max(n_inputs, 1)], dtype=np.int64),)
