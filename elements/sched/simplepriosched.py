"""SimplePrioSched: PrioSched without notification."""
from elements.sched.priosched import PrioSched


class SimplePrioSched(PrioSched):
    """Pulls from priority-scheduled inputs, without notification.

    Each pull on its output pulls from input 0, then input 1, and so on,
    returning the first packet found: a strict priority scheduler with input
    0 first.  Click's PrioSched differs only in skipping inputs whose
    notification says they are empty; the compiled loop asks every input in
    turn anyway, so the two behave the same here.
    """
