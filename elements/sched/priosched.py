"""PrioSched: strict-priority pull scheduler."""
import numpy as np
from numba import njit

from clickpy.element import Element


@njit(cache=True, _nrt=False)
def by_priority(P, st, attempt):
    return attempt if attempt < st[0][0] else -1


class PrioSched(Element):
    """Pulls from priority-scheduled inputs.

    Each pull on its output pulls from input 0, then input 1, and so on,
    returning the first packet found: a strict priority scheduler with input
    0 first.  Inputs are usually Queues or other pull schedulers; empty ones
    are skipped thanks to their notification.
    """

    port_count = "-/1"
    processing = "l/l"

    pull_choice = by_priority

    @classmethod
    def state(cls, values, n_inputs, n_outputs):
        return (np.array([max(n_inputs, 1)], dtype=np.int64),)
