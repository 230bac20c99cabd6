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
    monkeypatch.setattr(parallel, "_help", lambda calls: time.sleep(3))   # the child starts late
    assert parallel.compile_tasks(r.module, r.T, n_jobs=2) == 1
    assert sorted(f.__name__ for f in here) == sorted(f.__name__ for f in missing)
    r.run(idle_rounds=3)
    assert (r.read(a, "count"), r.read("b", "count")) == ("5", "3")
