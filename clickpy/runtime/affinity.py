"""Pin a run's workers to CPUs: `clickpy run -a`, as Click's -a (--affinity).

Click pins thread t to CPU t.  Here worker w (the one process without
--workers is worker 0) goes to the w-th CPU this process may run on, which
is CPU w when every CPU is allowed; with more workers than CPUs they wrap
around.  A forwarder that stays on its CPU is not moved away from the
packets it has in cache, nor queued behind a process the scheduler put
there: on this project's 2-CPU machine, a forwarder left free waited 3-5% of
the time for a CPU (perf.netdev), pinned under 1%.

Workers are pinned once their code is compiled: compiling uses every CPU
(clickpy.compile.parallel) and happens before the first round.
"""
from __future__ import annotations

import logging
import os

log = logging.getLogger(__name__)


def cpu_for(worker: int, allowed: set[int]) -> int:
    """The CPU of worker `worker` among the CPUs `allowed`."""
    cpus = sorted(allowed)
    return cpus[worker % len(cpus)]


def pin(worker: int) -> int:
    """Pin this process to worker `worker`'s CPU; returns that CPU."""
    allowed = os.sched_getaffinity(0)
    cpu = cpu_for(worker, allowed)
    if worker >= len(allowed):
        log.info("worker %d shares CPU %d: %d CPUs for this run", worker, cpu, len(allowed))
    os.sched_setaffinity(0, {cpu})
    return cpu
