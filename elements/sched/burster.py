"""Burster: TimedUnqueue pulling eight packets per INTERVAL unless told otherwise."""
from elements.sched.timedunqueue import TimedUnqueue, timed_args


class Burster(TimedUnqueue):
    """Pull-to-push converter that pulls packets in bursts.

    Pulls at most BURST (default 8) packets each INTERVAL seconds from its
    input and pushes them out its single output: Click's TimedUnqueue with a
    larger default burst.  There are usually Queues upstream and downstream.
    """

    args = timed_args(8)
