"""SimpleRoundRobinSched: RoundRobinSched without notification."""
from elements.sched.roundrobinsched import RoundRobinSched


class SimpleRoundRobinSched(RoundRobinSched):
    """Pulls from round-robin inputs, without notification.

    Each pull on its output pulls from the inputs in turn until one yields a
    packet; the next pull starts with the input after that one.  Click's
    RoundRobinSched differs only in skipping inputs whose notification says
    they are empty; the compiled loop asks every input in turn anyway, so
    the two behave the same here.
    """
