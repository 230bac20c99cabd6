"""TimedUnqueue and Burster (Click's elements/standard/timedunqueue.{hh,cc}, burster.{hh,cc}):
ports, arguments, the timer's pace, the empty-input shortcut, and runs in a router."""
from __future__ import annotations

import pytest
from kernel_harness import Harness

from clickpy.check import check_graph
from clickpy.element import registry
from clickpy.graph import build_graph
from clickpy.lang import parse_text
from clickpy.packet import C_NOW
from elements.sched import timedunqueue as tu
from checked_router import router

T0 = 1_700_000_000 * 10**9
MS = 1_000_000


@pytest.mark.parametrize("name, burst", [("TimedUnqueue", 1), ("Burster", 8)])
def test_declarations_match_click(name, burst):
    cls = registry()[name]
    assert (cls.port_count, cls.processing, cls.family()) == ("1/1", "l/h", "sched")
    assert [(a.keyword, a.default) for a in cls.args] == [("INTERVAL", None), ("BURST", burst)]


def test_a_burst_under_one_is_an_error_with_its_line():
    result = check_graph(build_graph(parse_text(
        "Idle -> Queue -> TimedUnqueue(0.1, 0) -> Discard;", "t.click", yaml=False)))
    assert any("bad BURST" in d.format() and "t.click:1" in d.format() for d in result.errors)


class Run:
    """The kernels as the compiled pull task calls them: a budget, then one action per
    packet pulled."""

    def __init__(self, config: str):
        self.h = Harness("TimedUnqueue", config)

    def __call__(self, ms: int, available: int) -> int:
        self.h.P[5][C_NOW] = T0 + ms * MS
        n = min(int(tu.timed_budget(self.h.P, self.h.st)), available)
        for _ in range(n):
            assert tu.timed_unqueue(self.h.P, 0, self.h.st) == 0
        return n


def test_at_most_burst_per_interval_on_a_steady_pace():
    run = Run("100ms, 2")
    assert run(0, 10) == 2                 # the first run pulls at once
    assert run(50, 10) == 0                # the timer is pending
    assert run(100, 10) == 2
    assert run(250, 10) == 2               # late: the next expiry still 300, not 350
    assert run(299, 10) == 0
    assert run(300, 10) == 2


def test_an_empty_input_clears_the_timer_so_the_next_packet_goes_at_once():
    run = Run("100ms")
    assert run(0, 1) == 1
    assert run(100, 0) == 0                # due, but nothing there: the timer is cleared
    assert run(130, 1) == 1                # the next packet goes at once
    assert run(200, 1) == 0                # and the pace starts again from it (not from
    assert run(230, 1) == 1                # the old expiry, 100)


def test_burster_and_timedunqueue_pace_a_router_on_a_fake_clock():
    r = router("InfiniteSource(LIMIT 30, BURST 30) -> q :: Queue;"
               "q -> b :: Burster(0.5) -> c :: Counter -> Discard;"
               "InfiniteSource(LIMIT 30, BURST 30) -> q2 :: Queue;"
               "q2 -> TimedUnqueue(0.5) -> c2 :: Counter -> Discard;")
    for ms, count, count2 in ((0, 8, 1), (100, 8, 1), (500, 16, 2), (999, 16, 2),
                              (1000, 24, 3), (1500, 30, 4)):
        r.step(now_ns=T0 + ms * MS)
        assert (r.read("c", "count"), r.read("c2", "count")) == (str(count), str(count2)), ms
