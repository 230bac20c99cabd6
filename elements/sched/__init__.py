"""Click's sched elements."""
