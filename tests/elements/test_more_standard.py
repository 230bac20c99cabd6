"""AverageCounter, CheckLength, SetTimestamp, RandomSource, TimedSource, checked against
Click's elements/standard/*.{hh,cc}: ports, arguments, kernels, handlers, and a run."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from kernel_harness import Harness
from scapy.layers.inet import IP, UDP
from scapy.layers.l2 import Ether

from both_ways import run_both_ways
from clickpy.diagnostics import SourcePos
from clickpy.element import registry
from clickpy.kernel import drop
from clickpy.packet import (A_FIRST_TSTAMP, A_TSTAMP, C_NOW, C_STOP, HEADROOM, SLOT_SIZE, alloc,
                            release)
from clickpy.runtime.router import HandlerError
from element_args import ArgsAt
from checked_router import router

A = ArgsAt(SourcePos("t.click", 3, 10))
T0 = 1_700_000_000_000_000_000
MS = 1_000_000
FRAME = bytes(Ether() / IP(src="10.0.0.1", dst="10.0.0.2") / UDP() / b"payload")


class H(Harness):
    def now(self, ns: int) -> None:
        self.P[5][C_NOW] = ns

    def task(self) -> bytes | None:
        s = self.cls.run_task(self.P, self.st)
        return None if s < 0 else self.pool.bytes(int(s))

    def timer(self) -> list[int]:
        n = int(self.cls.run_timer(self.P, self.st, self.emit))
        return [int(self.emit[2 * k + 1]) for k in range(n)]


@pytest.mark.parametrize("name, ports, processing", [
    ("AverageCounter", "1/1", "a/a"), ("CheckLength", "1/1-2", "a/ah"),
    ("SetTimestamp", "1/1", "a/a"), ("RandomSource", "0/1", "a/a"),
    ("TimedSource", "0/1", "h/h"),
])
def test_declarations_match_click(name, ports, processing):
    cls = registry()[name]
    assert (cls.port_count, cls.processing, cls.family()) == (ports, processing, "standard")
    assert cls.runnable()


# ---- AverageCounter -----------------------------------------------------------------------

def test_averagecounter_counts_and_averages_over_jiffies():
    h = H("AverageCounter")
    for k, t in enumerate((1000, 1250, 1500, 3000)):       # ms
        h.now(T0 + t * MS)
        assert h.action(bytes(100 + k))[0] == 0
    assert (h.read("count"), h.read("byte_count")) == ("4", "406")
    # Click: count * CLICK_HZ / (last - first) jiffies, as a double (%.12g).
    assert h.read("rate") == "%.12g" % (4 * 1000 / 2000)
    assert h.read("byte_rate") == "%.12g" % (406 * 1000 / 2000)
    h.write("reset")
    assert (h.read("count"), h.read("byte_count"), h.read("rate")) == ("0", "0", "0")


def test_averagecounter_rate_with_one_jiffy_or_less_divides_by_one():
    h = H("AverageCounter")
    h.now(T0)
    h.action(FRAME)
    h.action(FRAME)
    assert h.read("rate") == "2000"            # d < 1 becomes 1: 2 * 1000 / 1


def test_averagecounter_ignore_skips_the_first_seconds():
    h = H("AverageCounter", "2")
    for t in (0, 1999, 2000, 4000):
        h.now(T0 + t * MS)
        h.action(FRAME)
    assert h.read("count") == "2"
    assert h.read("rate") == "%.12g" % (2 * 1000 / (4000 - 2000))
    # Before IGNORE has passed, Click's unsigned d wraps around: a tiny rate.
    h.write("reset")
    h.now(T0)
    h.action(FRAME)
    assert h.read("count") == "0" and h.read("rate") == "0"
    assert A.ok("AverageCounter", "IGNORE 3")["IGNORE"] == 3
    assert "out of range" in A.issue("AverageCounter", "-1").message
    assert "integer" in A.issue("AverageCounter", "1.5").hint


def test_averagecounter_handlers_are_clicks():
    names = {(x.name, x.read, x.write) for x in registry()["AverageCounter"].handlers}
    assert names == {("count", True, False), ("byte_count", True, False),
                     ("rate", True, False), ("byte_rate", True, False),
                     ("reset", False, True)}


# ---- CheckLength --------------------------------------------------------------------------

@pytest.mark.parametrize("n_outputs, long_code", [(1, drop(0)), (2, 1)])
def test_checklength_splits_at_length(n_outputs, long_code):
    h = H("CheckLength", "60", n_outputs=n_outputs)
    assert [h.action(bytes(n))[0] for n in (0, 60, 61, 1500)] == [0, 0, long_code, long_code]


def test_checklength_handler_and_arguments():
    h = H("CheckLength", "LENGTH 100")
    assert h.read("length") == "100"
    h.write("length", "10")
    assert h.action(bytes(11))[0] == drop(0) and h.action(bytes(10))[0] == 0
    with pytest.raises(ValueError, match="unsigned"):
        h.write("length", "-1")
    assert h.read("length") == "10"
    assert "LENGTH" in A.issue("CheckLength", "").message
    assert "out of range" in A.issue("CheckLength", "-5").message
    assert registry()["CheckLength"].drop_reasons == ("packet longer than LENGTH",)


def test_checklength_in_a_pull_path_and_a_push_path():
    r = router("s :: RandomSource(LENGTH 80, LIMIT 7, STOP true) -> q :: Queue"
               " -> cl :: CheckLength(64) -> Unqueue -> a :: Counter -> Discard;"
               " cl[1] -> b :: Counter -> Discard;")
    r.run()
    assert (r.read("a", "count"), r.read("b", "count")) == ("0", "7")
    r = router("RandomSource(LENGTH 60, LIMIT 5, STOP true) -> cl :: CheckLength(64)"
               " -> a :: Counter -> Discard;")
    r.run()
    assert r.read("a", "count") == "5" and r.account().balanced


# ---- SetTimestamp -------------------------------------------------------------------------

def test_settimestamp_now_fixed_and_first():
    h = H("SetTimestamp")
    h.now(T0 + 5)
    _, _, s = h.action(FRAME, tstamp=1)
    assert h.pool.anno[s, A_TSTAMP] == T0 + 5 and h.pool.anno[s, A_FIRST_TSTAMP] == 0
    h = H("SetTimestamp", "1.5")
    _, _, s = h.action(FRAME, tstamp=1)
    assert h.pool.anno[s, A_TSTAMP] == 1_500_000_000
    h = H("SetTimestamp", "FIRST true")
    h.now(T0)
    _, _, s = h.action(FRAME, tstamp=7)
    assert h.pool.anno[s, A_TSTAMP] == 7 and h.pool.anno[s, A_FIRST_TSTAMP] == T0
    h = H("SetTimestamp", "TIMESTAMP 2.000000001, FIRST true")
    _, out, s = h.action(FRAME, tstamp=7)
    assert h.pool.anno[s, A_FIRST_TSTAMP] == 2_000_000_001 and out == FRAME


def test_settimestamp_arguments():
    assert A.ok("SetTimestamp", "")["TIMESTAMP"] is None
    assert A.ok("SetTimestamp", ".25")["TIMESTAMP"] == 250_000_000
    assert A.ok("SetTimestamp", "3")["TIMESTAMP"] == 3 * 10**9
    assert "timestamp" in A.issue("SetTimestamp", "yesterday").message
    assert A.issue("SetTimestamp", "DELTA true").message == \
        "SetTimestamp(DELTA) is deprecated, use SetTimestampDelta(TYPE FIRST)"
    assert "boolean" in A.issue("SetTimestamp", "FIRST maybe").hint


def test_first_timestamp_is_a_pool_column_that_alloc_clears():
    h = H("SetTimestamp", "4, FIRST true")
    _, _, s = h.action(FRAME)
    assert h.pool.anno[s, A_FIRST_TSTAMP] == 4 * 10**9
    release(h.P, s)
    assert h.pool.anno[alloc(h.P), A_FIRST_TSTAMP] == 0


# ---- RandomSource -------------------------------------------------------------------------

def test_randomsource_makes_random_packets_of_length_until_the_limit():
    h = H("RandomSource", "64, 3, STOP true")
    h.now(T0)
    packets = [h.task() for _ in range(3)]
    assert [len(p) for p in packets] == [64] * 3 and len(set(packets)) == 3
    # click_random() is 31 bits, stored as an int per 4 bytes: every 4th byte < 0x80.
    many = H("RandomSource", "400").task()
    assert all(b < 0x80 for b in many[3::4]) and max(many[:3]) > 0
    assert h.read("count") == "3" and h.P[5][C_STOP] == 0
    assert h.task() is None and h.P[5][C_STOP] == 1
    assert h.task() is None and h.P[5][C_STOP] == 1          # one stop request


def test_randomsource_length_zero_odd_lengths_timestamp_and_burst():
    assert H("RandomSource", "0").task() == b""
    assert len(H("RandomSource", "7").task()) == 7
    h = H("RandomSource", "10, TIMESTAMP false")
    h.now(T0)
    s = int(h.cls.run_task(h.P, h.st))
    assert h.pool.anno[s, A_TSTAMP] == 0
    h = H("RandomSource", "10")
    h.now(T0)
    s = int(h.cls.run_task(h.P, h.st))
    assert h.pool.anno[s, A_TSTAMP] == T0 and h.pool.head[s] == HEADROOM
    h = H("RandomSource", "10, 5, 2")
    assert int(h.cls.task_budget(h.P, h.st)) == 2
    assert H("RandomSource", "10, -1, 1, false").task() is None


def test_randomsource_handlers():
    h = H("RandomSource", "20, 2")
    assert [h.read(n) for n in ("count", "limit", "burst", "active", "length")] == \
        ["0", "2", "1", "true", "20"]
    h.task(), h.task()
    assert h.task() is None
    h.write("reset")
    h.write("length", "33")
    assert len(h.task()) == 33 and h.read("count") == "1"
    h.write("limit", "-1")
    h.write("burst", "4")
    h.write("active", "false")
    assert h.task() is None and h.read("active") == "false"
    for name, text in (("burst", "0"), ("limit", "x"), ("active", "maybe"),
                       ("length", "-1"), ("length", str(SLOT_SIZE))):
        with pytest.raises(ValueError):
            h.write(name, text)


def test_randomsource_end_call():
    h = H("RandomSource", "8, 1, END_CALL c.reset")
    assert h.task() is not None and h.task() is None
    assert [str(c) for c in h.cls.take_handler_calls(h.values, h.st)] == ["c.reset"]
    assert h.cls.take_handler_calls(h.values, h.st) == []


def test_randomsource_argument_errors():
    assert "LENGTH" in A.issue("RandomSource", "").message
    assert A.issue("RandomSource", "-1").message == "bad length -1"
    assert A.issue("RandomSource", "65536").message == "bad length 65536"
    assert "slots" in A.issue("RandomSource", "5000").message
    assert A.issue("RandomSource", "64, 1, 0").message == "burst size must be >= 1"
    assert A.issue("RandomSource", "64, STOP true, END_CALL stop").message == \
        "END_CALL and STOP are mutually exclusive"
    v = A.ok("RandomSource", "LENGTH 64, LIMIT 3, BURST 2, ACTIVE false, TIMESTAMP false")
    assert (v["LIMIT"], v["BURST"], v["ACTIVE"], v["TIMESTAMP"]) == (3, 2, False, False)


# ---- TimedSource --------------------------------------------------------------------------

def test_timedsource_pushes_one_packet_per_interval_from_the_expiry():
    h = H("TimedSource", "0.1, \\<0a0b0c>")
    h.now(T0)
    assert h.timer() == []                       # initialize: schedule_after(INTERVAL)
    h.now(T0 + 99 * MS)
    assert h.timer() == []
    h.now(T0 + 130 * MS)
    [s] = h.timer()
    assert h.pool.bytes(s) == b"\x0a\x0b\x0c" and h.pool.anno[s, A_TSTAMP] == T0 + 130 * MS
    h.now(T0 + 200 * MS)                         # next expiry 200 ms, not 230 ms
    assert len(h.timer()) == 1
    h.now(T0 + 450 * MS)                         # late: the missed expiries catch up
    assert len(h.timer()) == 2 and h.read("count") == "4"


def test_timedsource_limit_stop_and_reset():
    h = H("TimedSource", "INTERVAL 1, LIMIT 1, STOP true")
    for t, n in ((0, 0), (1000, 1), (1500, 0), (2000, 0)):
        h.now(T0 + t * MS)
        assert len(h.timer()) == n
    assert h.P[5][C_STOP] == 1
    h.now(T0 + 5000 * MS)
    assert h.timer() == [] and h.P[5][C_STOP] == 1           # the timer is off
    h.write("limit", "2")                                    # does not reschedule
    assert h.timer() == []
    h.write("reset")                                         # schedule_now
    assert len(h.timer()) == 1 and h.read("count") == "1"


def test_timedsource_inactive_and_active_handler():
    h = H("TimedSource", "0.01, ACTIVE false")
    h.now(T0)
    assert h.timer() == []
    h.now(T0 + 10**9)
    assert h.timer() == []
    h.write("active", "true")                                # schedule_now
    assert len(h.timer()) == 1
    h.write("active", "false")                               # the timer fires, then stops
    h.now(T0 + 2 * 10**9)
    assert h.timer() == [] and h.read("active") == "false"


def test_timedsource_handlers():
    h = H("TimedSource", "DATA abc, HEADROOM 40")
    assert [h.read(n) for n in ("data", "interval", "limit", "count", "headroom", "active")] \
        == ["abc", "500ms", "-1", "0", "40", "true"]
    h.now(T0)
    h.timer()
    h.now(T0 + 500 * MS)
    [s] = h.timer()
    assert h.pool.head[s] == 40 and h.pool.bytes(s) == b"abc"
    h.write("data", "xyz!")
    h.write("interval", "1.5")
    h.write("headroom", "0")
    assert (h.read("data"), h.read("interval"), h.read("headroom")) == ("xyz!", "1.500000s", "0")
    h.now(T0 + 1000 * MS)                                    # the old expiry still holds
    [s] = h.timer()
    assert h.pool.bytes(s) == b"xyz!" and h.pool.head[s] == 0
    for text, shown in (("0.25", "250ms"), ("3us", "3us"), ("0.000000007", "7ns"),
                        ("2.000000001", "2.000000001s")):
        h.write("interval", text)
        assert h.read("interval") == shown
    for name, text, message in (("interval", "0", "bad interval"),
                                ("interval", "soon", "bad interval"),
                                ("headroom", "-1", "bad headroom"),
                                ("active", "maybe", "bad active")):
        with pytest.raises(ValueError, match=message):
            h.write(name, text)


def test_timedsource_arguments():
    v = A.ok("TimedSource", "")
    assert (v["INTERVAL"], v["LIMIT"], v["ACTIVE"], v["STOP"]) == (0.5, -1, True, False)
    v = A.ok("TimedSource", "100ms, abc, LIMIT 3, STOP true, HEADROOM 0")
    assert (v["INTERVAL"], v["DATA"], v["LIMIT"], v["HEADROOM"]) == (0.1, b"abc", 3, 0)
    assert "slots" in A.issue("TimedSource", f"DATA \\<{'00' * 2000}>").message
    assert "time" in A.issue("TimedSource", "INTERVAL soon").message
    assert "at most 2 positional" in A.issue("TimedSource", "1, abc, 5").message


def test_timedsource_runs_and_stops_the_driver():
    r = router("t :: TimedSource(0.01, LIMIT 3, STOP true) -> c :: Counter -> Discard;")
    r.run(duration=10)
    assert r.read("c", "count") == "3" and r.read("t", "count") == "3"
    assert r.account().balanced
    with pytest.raises(HandlerError):
        r.write("t", "interval", "0")


# ---- compiled and interpreted ---------------------------------------------------------------

def test_interpreted_kernels_give_the_same_trace():
    """NUMBA_DISABLE_JIT=1 runs the same kernels as plain Python: the same trace."""
    from more_elements_trace import trace
    script = Path(__file__).with_name("more_elements_trace.py")
    run = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                         timeout=600, env={**os.environ, "NUMBA_DISABLE_JIT": "1"})
    assert run.returncode == 0, run.stderr
    compiled = json.loads(json.dumps(trace()))
    assert json.loads(run.stdout) == compiled
    assert compiled["TimedSource"][-1] == 1 and compiled["RandomSource"][3] is None


def test_interpreted_run_gives_the_same_counts():
    config = ("RandomSource(100, LIMIT 20, STOP true) -> SetTimestamp(FIRST true)"
              " -> a :: AverageCounter -> cl :: CheckLength(99) -> Discard;"
              " cl[1] -> Strip(14) -> MarkIPHeader -> IPMirror -> b :: Counter -> Discard;")
    out = run_both_ways(config, "a.count", "a.byte_count", "b.count")
    assert "a.count:\n20" in out and "a.byte_count:\n2000" in out
    assert "b.count:\n20" in out
