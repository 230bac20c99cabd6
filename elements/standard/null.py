"""Null: passes packets through unchanged."""
from numba import njit

from clickpy.element import Element


@njit(cache=True, _nrt=False)
def null(P, s, st):
    return 0


class Null(Element):
    """Null element: passes packets unchanged.

    Emits every input packet, unchanged, on its output.  Useful as a
    placeholder join point and for benchmarking; PushNull and PullNull force
    an agnostic path to push or pull.
    """

    port_count = "1/1"
    processing = "a/a"
    simple_action = null
