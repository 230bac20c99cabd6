"""Idle: a placeholder that never moves a packet."""
from numba import njit

from clickpy.element import Element
from clickpy.kernel import drop


@njit(cache=True, _nrt=False)
def idle_push(P, s, st):
    return drop(0)


@njit(cache=True, _nrt=False)
def idle_pull(P, port, st):
    return -1


@njit(cache=True, _nrt=False)
def idle_budget(P, st):
    # Idle never pulls from its inputs, even when they are pull.
    return 0


class Idle(Element):
    """Discards packets; never pushes to an output or pulls from an input.

    Has zero or more agnostic inputs and outputs.  It never emits a packet
    and never pulls one; any packet pushed to it is discarded.  Used to give
    otherwise unconnected ports a partner ("input not connected" errors).
    """

    port_count = "-/-"
    processing = "a/a"
    flow_code = "x/y"  # nothing that enters leaves
    source = False
    drop_reasons = ("pushed to Idle",)
    simple_action = idle_push
    pull = idle_pull
    task_budget = idle_budget

    @classmethod
    def wake_after(cls, values, st):
        """Never has work."""
        return None
