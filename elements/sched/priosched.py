"""PrioSched: strict-priority pull scheduler."""
from clickpy.element import Element


class PrioSched(Element):
    """Pulls from priority-scheduled inputs.

    Each pull on its output pulls from input 0, then input 1, and so on,
    returning the first packet found: a strict priority scheduler with input
    0 first.  Inputs are usually Queues or other pull schedulers; empty ones
    are skipped thanks to their notification.
    """

    port_count = "-/1"
    processing = "l/l"
