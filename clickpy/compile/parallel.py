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

The parent's share holds the largest function (the router's drain) and its
kernels: alone, they took as long as everything else together.  So the first
child starts by compiling the kernels the parent's functions call, from the
last call back (their argument types read from the generated prologues),
until it meets one already in the cache: the parent, going from the first
call on, has got that far, and loads the rest from the cache when it
reaches them.  Then the child compiles its own share.  The parent, done
with its own, takes up the functions of the children's shares that they have
not started (_Claims): once the drain's LLVM work shrank
(clickpy.compile.inline) it finished 2.6 s before the child, which still had
five functions to go.

Measured on configs/router.click (perf.first_packet, fresh caches, 2 cores,
a day when the machine ran at about half its usual speed, alternating with
the code before): 31.0 and 25.6 s against 38.6 and 36.8 s; the parent's drain
took 22-26 s instead of 30.  With the kernels already cached nothing
changes (the child meets a cached kernel first).
Also tried: (a) compiling the kernels first, shared between the processes
(their argument types follow from the arrays), then the tasks: slower (35 s
against 25 s), because the drain task, the largest, then starts last; (b) the
child compiling the parent's kernels after its own share rather than
before: 30.7 s (one run; an earlier session measured no gain), as it then
starts when the parent is half done;
(c) cutting the drain into several functions, one per process, called
through their addresses (branch `split`): no faster from empty caches, as
both processes then compile the two output paths' kernels.
Where the two meet, both used to compile the same kernel (the router's
ARPQuerier, with its twenty helpers, 0.3-1.3 s in each process).  Now each
claims a kernel before compiling it (_Claims): the child stops helping at
the first kernel the parent has claimed, and the parent, reaching a kernel
the child is compiling, waits for it to reach the disk cache (or for the
child to give up on it) and loads it.
CLICKPY_COMPILE_JOBS=1 turns it off.
"""
from __future__ import annotations

import contextlib
import hashlib
import inspect
import logging
import os
import re
import shutil
import tempfile
import time

import numba
from numba.core import types
from numba.core.dispatcher import Dispatcher

from clickpy.compile import callees, stamps

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
    found.append((module.run_rounds, (table, types.int64, types.int64, types.int64)))
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


def _kernel_claim(kernel: Dispatcher, sig: tuple) -> str:
    """The claim name of compiling `kernel` for `sig`, the same in every process."""
    key = f"{kernel.py_func.__module__}.{kernel.py_func.__qualname__}{tuple(sig)}"
    return "kernel." + hashlib.sha1(key.encode()).hexdigest()


HELPED = "helped"   # the claim the child takes when it stops compiling ahead


def _help(calls: list, claims: _Claims) -> None:
    """Compile kernels the parent's share calls, into the disk cache, until one is there
    already or claimed: the parent, typing its functions from the first call on, has
    reached it (and loads from the cache those compiled here)."""
    t, n = time.perf_counter(), 0
    try:
        for kernel, sig in calls:
            shadow = callees.callee(kernel)
            if _cached(shadow, sig) or not claims.take(_kernel_claim(kernel, sig)):
                break
            shadow.compile(sig)
            n += 1
    except Exception as e:   # the parent meets the same error and reports it
        log.debug("compiling ahead stopped: %s", e)
    finally:
        claims.take(HELPED)
    log.debug("process %d compiled %d kernels ahead in %.1f s", os.getpid(), n,
              time.perf_counter() - t)


class _Helper:
    """The child compiling ahead, as the parent sees it."""

    def __init__(self, pid: int, claims: _Claims):
        self.pid, self.claims, self.status = pid, claims, None

    def helping(self) -> bool:
        """Whether the child may still put a kernel it claimed into the cache."""
        if self.claims.taken(HELPED):
            return False
        if self.status is None:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.status = status
        return self.status is None

    def wait(self) -> int:
        if self.status is None:
            self.status = os.waitpid(self.pid, 0)[1]
        return self.status


@contextlib.contextmanager
def _claiming(calls: list, helper: _Helper):
    """While the parent compiles its share: it claims each kernel the child may compile
    ahead before compiling it, and waits for the child's when the child claimed it."""
    wanted = {}
    for kernel, sig in calls:
        wanted.setdefault(callees.callee(kernel), {})[tuple(sig)] = _kernel_claim(kernel, sig)
    for shadow, sigs in wanted.items():
        original = shadow.compile

        def compile(sig, _shadow=shadow, _sigs=sigs, _original=original):
            key = tuple(sig) if isinstance(sig, (tuple, list)) else None
            name = _sigs.get(key) if key not in _shadow.overloads else None
            if name is not None and not helper.claims.take(name):
                t = time.perf_counter()
                while not _cached(_shadow, sig) and helper.helping():
                    time.sleep(0.005)
                log.debug("process %d waited %.2f s for %s", os.getpid(),
                          time.perf_counter() - t, _shadow.__name__)
            return _original(sig)   # from the cache when the child compiled it
        shadow.compile = compile
    try:
        yield
    finally:
        for shadow in wanted:
            del shadow.compile


def _timed(f: Dispatcher, sig: tuple) -> None:
    t = time.perf_counter()
    f.compile(sig)
    log.debug("process %d compiled %s in %.1f s", os.getpid(), f.__name__, time.perf_counter() - t)


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
    ahead = _kernel_calls(module, [f for f, _ in shares[0]])[::-1]   # the parent's, last first
    claims = _Claims()
    children: list[_Helper] = []
    try:
        for k, share in enumerate(shares[1:]):
            pid = os.fork()
            if pid == 0:   # child: compile into the disk cache, then leave without cleanup
                status = 0
                try:
                    if k == 0:
                        _help(ahead, claims)
                    for j, (f, sig) in enumerate(share):
                        if claims.take(f"{k}.{j}"):
                            _timed(f, sig)
                except BaseException:   # the parent compiles it again and reports
                    status = 1
                os._exit(status)
            children.append(_Helper(pid, claims))
        with _claiming(ahead, children[0]):
            for f, sig in shares[0]:
                _timed(f, sig)
        for k, share in enumerate(shares[1:]):   # done first: what a child has not started
            for j in reversed(range(len(share))):        # (from the end of its share)
                if claims.take(f"{k}.{j}"):
                    _timed(*share[j])
        for child in children:
            status = child.wait()
            if status:
                log.info("compile process %d failed (%d); compiling its share here",
                         child.pid, status)
    finally:
        claims.close()
    for share in shares[1:]:
        for f, sig in share:
            f.compile(sig)   # from the disk cache (or here, if the child failed)
    return len(children)


class _Claims:
    """Which process compiles which function of the children's shares, and which kernel
    the parent's share calls: each takes one before compiling it (creating a file, which
    only one process can do), so that the parent, when done with its own share first,
    takes up what a child has not started, and neither compiles a kernel the other has."""

    def __init__(self) -> None:
        self.dir = tempfile.mkdtemp(prefix="clickpy-compile-")

    def taken(self, name: str) -> bool:
        return os.path.exists(os.path.join(self.dir, name))

    def take(self, name: str) -> bool:
        """Whether this process may compile `name` (no process took it before)."""
        try:
            os.close(os.open(os.path.join(self.dir, name), os.O_CREAT | os.O_EXCL | os.O_WRONLY))
            return True
        except FileExistsError:
            return False

    def close(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)


_VIEW = re.compile(r"view\(T, \d+, (\d), np\.(\w+)\)")


def _kernel_calls(module, functions) -> list[tuple[Dispatcher, tuple]]:
    """The element kernels the functions call, each with its argument types, in the order
    of the calls: the prologue says each array's type (view(T, k, ndim, dtype)); other
    arguments are int64 (numba code calls kernels with plain types: callees)."""
    calls, seen = [], set()
    for f in functions:
        try:
            text = inspect.getsource(f.py_func)
        except (OSError, TypeError):
            continue
        typed = {}
        for name, expr in re.findall(r"^    ([PARSX]\d*) = (.+)$", text, re.M):
            arrays = [types.Array(getattr(types, dtype), int(ndim), "C")
                      for ndim, dtype in _VIEW.findall(expr)]
            if expr.startswith("("):
                typed[name] = types.BaseTuple.from_types(arrays)
            elif arrays:
                typed[name] = arrays[0]
        for name, args in re.findall(r"\b([A-Z][A-Z_]*_\w+)\(([^()]*)\)", text):
            kernel = getattr(module, name, None)
            sig = tuple(typed.get(a.strip(), types.int64) for a in args.split(","))
            if isinstance(kernel, Dispatcher) and (name, sig) not in seen:
                seen.add((name, sig))
                calls.append((kernel, sig))
    return calls
