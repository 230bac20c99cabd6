"""SimplePullSwitch: PullSwitch without notification."""
from elements.sched.pullswitch import PullSwitch


class SimplePullSwitch(PullSwitch):
    """Forwards pull requests to settable input, without notification.

    On every pull, SimplePullSwitch returns the packet pulled from input
    INPUT (default 0); a negative INPUT, or one with no such input, means
    always returning no packet.  The `switch` write handler changes INPUT
    while running.  It has an unlimited number of inputs.

    Click's PullSwitch differs only in telling downstream schedulers whether
    its active input is empty; the compiled loop asks on every pull anyway,
    so the two behave the same here.
    """
