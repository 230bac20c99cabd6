"""Router.run's rounds in compiled code (codegen's run_rounds) and the libc calls they use."""
import socket
import time

import numpy as np
import pytest

from clickpy.check import check_graph
from clickpy.compile import libc
from clickpy.graph import build_graph
from clickpy.lang import parse_text
from clickpy.runtime.router import Router


def router(text, **kw):
    result = check_graph(build_graph(parse_text(text, "t.click", yaml=False)))
    assert result.ok, [str(d) for d in result.errors]
    return Router(result.graph, **kw)


def counting_calls(r, monkeypatch):
    """Count the Router's calls into compiled code (each runs one burst of rounds)."""
    calls = []
    real = r._round
    monkeypatch.setattr(r, "_round", lambda *a: calls.append(a) or real(*a))
    return calls


def test_a_run_returns_to_python_only_when_a_round_leaves_it_work(monkeypatch):
    r = router("InfiniteSource(LIMIT 3000, BURST 1, STOP true) -> c :: Counter -> Discard;",
               batch=1)
    calls = counting_calls(r, monkeypatch)
    r.run()
    assert r.read("c", "count") == "3000" and r.stopped
    assert r.rounds >= 3000 and len(calls) <= r.rounds / 10   # 20 ms each: many rounds


def test_rounds_that_leave_host_work_end_the_burst_and_the_work_is_done(monkeypatch, capsys):
    r = router("InfiniteSource(LIMIT 40, BURST 1, STOP true) -> c :: Counter"
               " -> Print(seen) -> Discard;", batch=1)
    calls = counting_calls(r, monkeypatch)
    r.run()
    assert capsys.readouterr().err.count("seen:") == 40
    assert len(calls) >= 40                       # Python printed after each of those rounds


def test_the_end_call_of_a_source_ends_a_burst_and_is_made_once():
    r = router("InfiniteSource(LIMIT 500, BURST 1, END_CALL k.reset) -> c :: Counter"
               " -> k :: Counter -> Discard;", batch=1)
    r.run(idle_rounds=3)
    assert r.read("c", "count") == "500" and r.read("k", "count") == "0"


def test_the_clock_advances_between_rounds_of_a_burst(monkeypatch):
    """A round's packets carry that round's time (C_NOW, which run_rounds reads with
    clock_gettime before each round), not the time Python set at the burst's start."""
    from clickpy.packet import A_TSTAMP
    r = router("InfiniteSource(LIMIT 3000, BURST 1, STOP true, TIMESTAMP true)"
               " -> q :: Queue(4000) -> Unqueue(ACTIVE false) -> Discard;", batch=1)
    r.compile()
    calls = counting_calls(r, monkeypatch)
    before = time.time_ns()
    r.run()
    stamps = r.pool.anno[:, A_TSTAMP]
    stamps = stamps[stamps != 0]
    assert r.read("q", "length") == "3000" and len(stamps) == 3000
    assert len(np.unique(stamps)) > 10 * len(calls)
    assert before <= stamps.min() and stamps.max() <= time.time_ns()


def test_duration_and_progress_are_kept_while_rounds_run_in_bursts():
    r = router("InfiniteSource(LIMIT -1) -> c :: Counter -> Discard;")
    r.compile()
    seen = []
    t = time.monotonic()
    r.run(duration=0.4, progress=lambda router: seen.append(time.monotonic()), every=0.1)
    took = time.monotonic() - t
    assert 0.4 <= took < 0.6 and len(seen) >= 3
    assert int(r.read("c", "count")) > 0


def test_idle_rounds_counts_rounds_not_bursts():
    r = router("InfiniteSource(LIMIT 10, BURST 1) -> c :: Counter -> Discard;", batch=1)
    r.run(idle_rounds=4)
    assert r.read("c", "count") == "10" and r.rounds == 10 + 4


def test_clock_ns_reads_the_same_clock_as_time_ns():
    scratch = np.zeros(4, np.int64)
    before = time.time_ns()
    now = libc.clock_ns(libc.CLOCK_GETTIME, scratch, 2)
    assert before <= now <= time.time_ns()
    assert libc.clock_ns(libc.CLOCK_GETTIME, scratch, 3) == 0      # no room for a timespec


def test_send_nowait_sends_or_says_why_not():
    import errno
    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
    try:
        assert libc.send_nowait(libc.SENDTO, libc.ERRNO_LOCATION, a.fileno()) == 0
        assert b.recv(16) == b""                                   # an empty datagram
        b.close()
        assert libc.send_nowait(libc.SENDTO, libc.ERRNO_LOCATION,
                                a.fileno()) == errno.ECONNREFUSED
    finally:
        a.close()
    assert libc.send_nowait(libc.SENDTO, libc.ERRNO_LOCATION, a.fileno()) == errno.EBADF


def test_libc_calls_take_a_tuple_of_integers_only():
    from numba import njit
    from numba.core.errors import TypingError

    @njit
    def bad(address):
        return libc.call_int(address, (1.5,))
    with pytest.raises((TypingError, TypeError), match="tuple of integers"):   # (interpreted)
        bad(libc.CLOCK_GETTIME)
