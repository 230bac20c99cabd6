"""Idle: a placeholder that never moves a packet."""
from clickpy.element import Element


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
