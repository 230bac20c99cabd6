"""A cold start compiles the tasks in two processes (clickpy.compile.parallel): same results."""
import os
import random
import time

import numba
import pytest

from clickpy.check import check_graph
from clickpy.compile import callees, parallel
from clickpy.graph import build_graph
from clickpy.lang import parse_text
from clickpy.runtime.router import Router
from clickpy.traffic import mac, udp_frame

FRAME = udp_frame(mac("02:00:00:00:01:02"), mac("00:00:0a:00:01:01"), "10.0.1.2", "10.0.2.2", 64)


@pytest.mark.skipif(numba.config.DISABLE_JIT, reason="nothing to compile when interpreted")
def test_two_tasks_compile_in_two_processes_and_run(monkeypatch, tmp_path):
    monkeypatch.setenv("CLICKPY_CACHE_DIR", str(tmp_path))   # the tasks' module and its cache
    a = f"a{random.randrange(1 << 40)}"   # a name in the generated source: a module not loaded yet
    text = (f"InfiniteSource(DATA \\<{FRAME.hex()}>, LIMIT 5, BURST 5) -> Paint(7)"
            f" -> {a} :: Counter -> Discard;"
            f" InfiniteSource(DATA \\<{FRAME.hex()}>, LIMIT 3, BURST 3) -> Strip(14) -> CheckIPHeader"
            " -> b :: Counter -> Discard;")
    result = check_graph(build_graph(parse_text(text, "t.click", yaml=False)))
    assert result.ok, [str(d) for d in result.errors]
    r = Router(result.graph)
    missing = [f for f, sig in parallel.functions(r.module, r.T) if not parallel._cached(f, sig)]
    assert len(missing) == 4                          # the tasks, host_work and run_round
    assert parallel.compile_tasks(r.module, r.T, n_jobs=2) == 1   # one child
    assert all(parallel._cached(f, sig) for f, sig in parallel.functions(r.module, r.T))
    assert parallel.compile_tasks(r.module, r.T, n_jobs=2) == 0   # nothing left to compile
    # The kernels' argument types read from the generated code (what a child compiles
    # ahead of the parent) are those numba compiled the kernels for.
    calls = parallel._kernel_calls(r.module, [f for f, _ in parallel.functions(r.module, r.T)])
    assert len(calls) >= 5
    assert all(parallel._cached(callees.callee(kernel), sig) for kernel, sig in calls)
    r.run(idle_rounds=3)
    assert (r.read(a, "count"), r.read("b", "count")) == ("5", "3")


def test_jobs_follow_the_environment(monkeypatch):
    monkeypatch.setenv("CLICKPY_COMPILE_JOBS", "1")
    assert parallel.jobs() == 1
    monkeypatch.delenv("CLICKPY_COMPILE_JOBS")
    assert 1 <= parallel.jobs() <= min(2, len(os.sched_getaffinity(0)))


def test_a_claim_is_taken_by_one_process_only():
    claims = parallel._Claims()
    try:
        pid = os.fork()
        if pid == 0:
            os._exit(0 if claims.take("0.0") else 1)
        assert os.waitpid(pid, 0)[1] == 0      # the child took it
        assert not claims.take("0.0")
        assert claims.take("0.1")
    finally:
        claims.close()
    assert not os.path.exists(claims.dir)


@pytest.mark.skipif(numba.config.DISABLE_JIT, reason="nothing to compile when interpreted")
def test_the_parent_takes_up_what_a_late_child_has_not_started(monkeypatch, tmp_path):
    monkeypatch.setenv("CLICKPY_CACHE_DIR", str(tmp_path))
    a = f"a{random.randrange(1 << 40)}"
    source = f"InfiniteSource(DATA \\<{FRAME.hex()}>"
    text = (f"{source}, LIMIT 5, BURST 5) -> {a} :: Counter -> Discard;"
            f" {source}, LIMIT 3, BURST 3) -> b :: Counter -> Discard;")
    result = check_graph(build_graph(parse_text(text, "t.click", yaml=False)))
    r = Router(result.graph)
    missing = [f for f, sig in parallel.functions(r.module, r.T) if not parallel._cached(f, sig)]
    here = []   # what this process compiled (a child's list is its own copy)
    timed = parallel._timed
    monkeypatch.setattr(parallel, "_timed", lambda f, sig: (here.append(f), timed(f, sig)))
    monkeypatch.setattr(parallel, "_help", lambda calls, claims: time.sleep(3))   # starts late
    assert parallel.compile_tasks(r.module, r.T, n_jobs=2) == 1
    assert sorted(f.__name__ for f in here) == sorted(f.__name__ for f in missing)
    r.run(idle_rounds=3)
    assert (r.read(a, "count"), r.read("b", "count")) == ("5", "3")


KERNEL = '''
from numba import njit


@njit(cache=True, _nrt=False)
def {name}(a, n):
    return a[n] + 1
'''


def _fresh_kernel(tmp_path, monkeypatch):
    """A kernel no process has compiled yet, in a module of its own (numba caches beside it)."""
    import importlib
    name = f"k{random.randrange(1 << 40)}"
    (tmp_path / f"{name}.py").write_text(KERNEL.format(name=name))
    monkeypatch.syspath_prepend(str(tmp_path))
    kernel = getattr(importlib.import_module(name), name)
    return kernel, (numba.types.Array(numba.types.int64, 1, "C"), numba.types.int64)


def _compiles(shadow):
    """A list that grows by one each time this process compiles (not loads) shadow."""
    from numba.core import event
    seen = []

    class Listener(event.Listener):
        def on_start(self, e):
            if e.data["dispatcher"] is shadow:
                seen.append(1)

        def on_end(self, e):
            pass
    event.register("numba:compile", Listener())
    return seen


@pytest.mark.skipif(numba.config.DISABLE_JIT, reason="nothing to compile when interpreted")
@pytest.mark.parametrize("child_compiles", [True, False])
def test_the_parent_waits_for_a_kernel_the_child_claimed(tmp_path, monkeypatch, child_compiles):
    """A kernel the child claimed is loaded from the cache once the child compiled it, not
    compiled twice; when the child gives up on it, the parent compiles it."""
    kernel, sig = _fresh_kernel(tmp_path, monkeypatch)
    shadow = callees.callee(kernel)
    claims = parallel._Claims()
    try:
        assert claims.take(parallel._kernel_claim(kernel, sig))   # as the child does
        pid = os.fork()
        if pid == 0:
            time.sleep(1)
            if child_compiles:
                shadow.compile(sig)
            claims.take(parallel.HELPED)
            os._exit(0)
        seen = _compiles(shadow)
        helper = parallel._Helper(pid, claims)
        t = time.perf_counter()
        with parallel._claiming([(kernel, sig)], helper):
            shadow.compile(sig)             # as typing a task's call of the kernel does
        assert time.perf_counter() - t >= 0.9
        assert tuple(sig) in shadow.overloads and "compile" not in shadow.__dict__
        assert len(seen) == (0 if child_compiles else 1)
        assert helper.wait() == 0
    finally:
        claims.close()
