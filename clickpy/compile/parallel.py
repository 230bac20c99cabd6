"""Compile a configuration's task functions in two processes at once.

The tasks of a generated module (clickpy.compile.codegen) are independent
numba functions, each compiled on its first call (with the kernels it calls:
clickpy.compile.callees).  compile_tasks() compiles, before the first round,
those that numba's disk cache does not hold yet: it shares them out, largest
first to the least loaded process, forks one child per extra job; each child
compiles its share into numba's disk cache (cache=True) and exits; the parent
compiles its own share, waits, then loads the children's from the cache.
Kernels that two shares both call are compiled in both processes (whichever
caches one first saves the other some of that work).

Measured on configs/router.click (perf.first_packet, fresh caches, 2 cores
shared with other work): see clickpy.runtime.router, where it is called.
Also tried: (a) compiling the kernels first, shared between the processes
(their argument types follow from the arrays), then the tasks: slower (35 s
against 25 s), because the drain task, the largest, then starts last; (b) a
child done with its share going on with the kernels the parent's share
calls, from the last call back: 32.2 and 38.7 s against 32.3 and 33.2 s
without (pairs back to back, the machine's other core busy): no gain shown.
CLICKPY_COMPILE_JOBS=1 turns it off.
"""
from __future__ import annotations

import inspect
import logging
import os

import numba
from numba.core import types
from numba.core.dispatcher import Dispatcher

from clickpy.compile import stamps

log = logging.getLogger(__name__)


def jobs() -> int:
    value = os.environ.get("CLICKPY_COMPILE_JOBS")
    if value:
        return max(1, int(value))
    return max(1, min(2, len(os.sched_getaffinity(0))))


def functions(module, T) -> list[tuple[Dispatcher, tuple]]:
    """The module's compiled functions that a round calls, with their signatures."""
    table = numba.typeof(T)
    found = [(f, (table, types.int64)) for f in module.TASKS]
    if module.HAS_TIMERS:
        found.append((module.timers, (table,)))
    if module.HAS_LOOPS:
        found.append((module.drain, (table,)))
    if module.HOST_WORK:
        found.append((module.host_work, (table,)))
    return [(f, sig) for f, sig in found if isinstance(f, Dispatcher)]


def _cached(f: Dispatcher, sig: tuple) -> bool:
    """Whether f has code for sig in memory or in numba's disk cache (without loading it)."""
    if tuple(sig) in f.overloads:
        return True
    try:
        stamps.stamp(f._cache)   # as a load would, before reading the index itself
        return f._cache._index_key(sig, f.targetctx.codegen()) in f._cache._cache_file._load_index()
    except (AttributeError, OSError, EOFError):   # no disk cache (NullCache): compile in process
        return True


def _cost(f: Dispatcher) -> int:
    try:
        return len(inspect.getsourcelines(f.py_func)[0])
    except (OSError, TypeError):
        return 1


def compile_tasks(module, T, n_jobs: int | None = None) -> int:
    """Compile what the module's round needs, in up to n_jobs processes; returns how many
    processes were forked."""
    n_jobs = jobs() if n_jobs is None else n_jobs
    missing = [(f, sig) for f, sig in functions(module, T) if not _cached(f, sig)]
    if n_jobs < 2 or len(missing) < 2:
        return 0
    shares: list[list] = [[] for _ in range(min(n_jobs, len(missing)))]
    load = [0] * len(shares)
    for f, sig in sorted(missing, key=lambda fs: -_cost(fs[0])):   # largest first, to the lightest
        k = load.index(min(load))
        shares[k].append((f, sig))
        load[k] += _cost(f)
    children = []
    for share in shares[1:]:
        pid = os.fork()
        if pid == 0:   # child: compile into the disk cache, then leave without cleanup
            status = 0
            try:
                for f, sig in share:
                    f.compile(sig)
            except BaseException:   # the parent compiles it again and reports
                status = 1
            os._exit(status)
        children.append(pid)
    for f, sig in shares[0]:
        f.compile(sig)
    for pid in children:
        _, status = os.waitpid(pid, 0)
        if status:
            log.info("compile process %d failed (%d); compiling its share here", pid, status)
    for share in shares[1:]:
        for f, sig in share:
            f.compile(sig)   # from the disk cache (or here, if the child failed)
    return len(children)
