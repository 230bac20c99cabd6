"""RoundRobinSched: pulls from its inputs in turn."""
from clickpy.element import Element


class RoundRobinSched(Element):
    """Pulls from round-robin inputs.

    Each pull on its output pulls from the inputs in turn until one yields a
    packet; the next pull starts with the input after that one.  Inputs are
    usually Queues or other pull schedulers; empty ones are skipped thanks to
    their notification.
    """

    port_count = "-/1"
    processing = "l/l"
