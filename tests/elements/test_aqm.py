"""RED and AdaptiveRED (Click's elements/aqm/red.{hh,cc}, adaptivered.{hh,cc}): ports,
arguments, the queues they find, the moving average, the drop decisions, AdaptiveRED's
timer, handlers, and runs through the compiled router."""
from __future__ import annotations

import numpy as np
import pytest
from kernel_harness import Harness
from scapy.layers.inet import IP, UDP
from scapy.layers.l2 import Ether

from both_ways import run_both_ways
from clickpy.args import ParseContext, parse_args, split_config
from clickpy.check import check_graph
from clickpy.compile.plan import PlanError
from clickpy.element import registry
from clickpy.graph import build_graph
from clickpy.kernel import drop
from clickpy.lang import parse_text
from clickpy.packet import C_NOW
from clickpy.runtime.router import HandlerError, Router
from clickpy.fixedpoint import unparse_real2
from elements.aqm import red as R
from elements.standard.simplequeue import LEN
from checked_router import router

FRAME = bytes(Ether() / IP(src="10.0.0.1", dst="10.0.0.2") / UDP() / (b"x" * 18))
JIFFY = 20_000_000      # RED counts empty periods in 1/50 s


class RedHarness(Harness):
    """A RED whose queues are Queue states this test sets the lengths of."""

    def __init__(self, config: str, queues: int = 1, n_outputs: int = 1, name: str = "RED"):
        queue = registry()["Queue"]
        self.queues = [queue.state({"CAPACITY": 1000}, 1, 1) for _ in range(queues)]
        names = [f"q{k}" for k in range(queues)]
        self.cls = registry()[name]
        values, issues = parse_args(name, self.cls.args, split_config(config), ParseContext(),
                                    None)
        assert not [i for i in issues if i.severity == "error"], issues
        self.values = dict(values, _nearby_storage=names,
                           _peers={n: (queue, st) for n, st in zip(names, self.queues)})
        self._setup(n_outputs)

    def _setup(self, n_outputs):
        from clickpy.packet import Pool
        self.pool = Pool(16)
        self.P = self.pool.arrays
        self.st = self.cls.state(self.values, 1, n_outputs)
        self.frame = self.pool.load(FRAME)

    def length(self, *lengths: int) -> None:
        for st, n in zip(self.queues, lengths):
            st[1][LEN] = n

    def decide(self, now_ns: int = 0) -> int:
        self.P[5][C_NOW] = now_ns
        return int(self.cls.simple_action(self.P, self.frame, self.st))


def errors(text: str) -> list[str]:
    result = check_graph(build_graph(parse_text(text, "t.click", yaml=False)))
    return [d.format() for d in result.errors]


def test_declarations_match_click():
    cls = registry()["RED"]
    assert (cls.port_count, cls.processing, cls.family()) == ("1/1-2", "a/ah", "aqm")
    assert [a.keyword for a in cls.args] == ["MIN_THRESH", "MAX_THRESH", "MAX_P", "QUEUES",
                                          "STABILITY", "GENTLE"]
    assert {h.name for h in cls.handlers} >= {"drops", "min_thresh", "max_thresh", "max_p",
                                              "avg_queue_size", "stats", "queues", "config"}


@pytest.mark.parametrize("config, message", [
    ("10, 5, 0.02", "MIN_THRESH must be <= MAX_THRESH"),
    ("5, 70000, 0.02", "MAX_THRESH must be <= 65535"),
    ("5, 50, 1.5", "out of range"),
    ("5, 50, 0.02, STABILITY 17", "out of range"),
    ("5, 50", "MAX_P"),
    ("5, 50, 0.02, QUEUES nosuch", "QUEUES: no element named 'nosuch'"),
])
def test_bad_arguments_are_errors_with_their_line(config, message):
    found = errors(f"Idle -> RED({config}) -> q :: Queue -> Discard;")
    assert any(message in e and "t.click:1" in e for e in found), found


def test_a_pushed_red_finds_the_nearest_queues_downstream_past_other_elements():
    r = router("InfiniteSource(LIMIT 1) -> r :: RED(5, 50, 0.02) -> Counter -> t :: Tee;"
               "t[0] -> a :: Queue -> Unqueue -> Queue -> Discard;"   # not the queue behind a
               "t[1] -> Paint(1) -> b :: SimpleQueue -> Discard;")
    assert r.read("r", "queues") == "a\nb\n"
    assert r.read("r", "config") == "5, 50, 0.02, QUEUES a b, STABILITY 4"


def test_a_pulled_red_finds_the_queue_upstream_and_names_override_the_context():
    r = router("InfiniteSource(LIMIT 1) -> q :: Queue -> r :: RED(5, 50, 0.02) -> Discard;"
               "Idle -> other :: Queue -> r2 :: RED(1, 2, 0.1, QUEUES q) -> Discard;")
    assert (r.read("r", "queues"), r.read("r2", "queues")) == ("q\n", "q\n")


def test_no_queue_nearby_or_a_named_non_queue_is_found_by_check_and_at_configure():
    """`clickpy check` finds them (clickpy.check.context), with the position and a hint; a
    Router built from the graph anyway refuses it when configuring."""
    for text, message, hint in [
            ("InfiniteSource(LIMIT 1) -> RED(5, 50, 0.02) -> Discard;", "no nearby Queues",
             "put a Queue after a pushed RED"),
            ("InfiniteSource(LIMIT 1) -> RED(5, 50, 0.02, QUEUES c) -> c :: Counter -> Discard;",
             "'c' is not a Storage element", "QUEUES names the Queues")]:
        result = check_graph(build_graph(parse_text(text, "t.click", yaml=False)))
        [error] = result.errors
        assert message in error.message and hint in error.hint, error
        assert (error.pos.file, error.pos.line, error.check) == ("t.click", 1, "context")
        with pytest.raises(PlanError, match=message) as e:
            Router(result.graph)
        assert "t.click:1" in str(e.value)
    ok = "InfiniteSource(LIMIT 1) -> RED(5, 50, 0.02) -> Queue -> Discard;"
    assert check_graph(build_graph(parse_text(ok, "t.click", yaml=False))).ok


def test_the_average_follows_clicks_ewma_and_empty_periods_decay_it():
    h = RedHarness("100, 200, 0.02")            # no drops: only the average moves
    h.length(16)
    avg = 0
    for _ in range(5):
        assert h.decide() == 0
        avg += ((16 << 10) + 8 - avg) >> 4      # DirectEWMAX::update, alpha 1/16
        assert int(h.st[0][R.AVG]) == avg
    assert avg == 4519 and h.read("avg_queue_size") == "4.413"   # 4519 / 1024, as Click prints
    for _ in range(200):
        h.decide()
    assert h.read("avg_queue_size").startswith(("15.99", "16"))
    h.length(0)                                  # empty: one period, then by the clock
    avg = int(h.st[0][R.AVG])
    h.decide(now_ns=50 * JIFFY)
    avg += (8 - avg) >> 4
    assert int(h.st[0][R.AVG]) == avg
    h.decide(now_ns=52 * JIFFY)                  # two more periods of 1/50 s
    for _ in range(2):
        avg += (8 - avg) >> 4
    assert int(h.st[0][R.AVG]) == avg
    h.decide(now_ns=200 * JIFFY)                 # 100 periods or more: the average is 0
    assert h.read("avg_queue_size") == "0"


def test_thresholds_below_min_nothing_over_twice_max_everything_gentle_or_not():
    h = RedHarness("5, 10, 0.1, STABILITY 0")   # the instantaneous length
    h.length(5)
    assert all(h.decide() == 0 for _ in range(100))
    h.length(21)
    assert all(h.decide() == drop(0) for _ in range(100))
    hard = RedHarness("5, 10, 0.1, STABILITY 0, GENTLE false")
    hard.length(11)
    assert all(hard.decide() == drop(0) for _ in range(100))
    assert int(hard.read("drops")) == 100
    out1 = RedHarness("5, 10, 0.1, STABILITY 0", n_outputs=2)
    out1.length(30)
    assert out1.decide() == 1 and out1.read("drops") == "1"


def test_between_the_thresholds_drops_are_spread_as_red_spreads_them():
    """p_b = MAX_P (avg - MIN) / (MAX - MIN); RED drops after a count uniform over
    1..1/p_b packets, so a fraction of about 2 p_b / (1 + p_b) is dropped."""
    h = RedHarness("10, 30, 0.5")
    h.length(20)
    for _ in range(300):                         # let the average reach 20
        h.decide()
    p_b = 0.5 * (20 - 10) / (30 - 10)
    n = 8000
    dropped = sum(h.decide() != 0 for _ in range(n)) / n
    assert abs(dropped - 2 * p_b / (1 + p_b)) < 0.04, dropped
    h.length(10)                                 # at MIN_THRESH the average soon falls below
    for _ in range(300):
        h.decide()
    assert sum(h.decide() != 0 for _ in range(1000)) == 0


def test_several_queues_count_together():
    h = RedHarness("5, 10, 0.1, STABILITY 0, GENTLE false", queues=2)
    h.length(6, 4)
    assert h.decide() == 0 and h.read("stats").startswith("10 current queue\n")
    h.length(6, 5)
    assert h.decide() == drop(0)


def test_parameter_handlers_read_and_write_and_refuse_bad_values():
    h = RedHarness("5, 50, 0.02")
    assert (h.read("min_thresh"), h.read("max_thresh"), h.read("max_p")) == ("5", "50", "0.02")
    h.write("max_p", "0.1")
    h.write("min_thresh", "20")
    assert (h.read("min_thresh"), h.read("max_p")) == ("20", "0.1")
    assert int(h.st[0][R.C1]) == int(0.1 * 65536 + 0.5) // 30
    before = h.st[0].copy()
    for name, text, message in [("min_thresh", "60", "MIN_THRESH must be <= MAX_THRESH"),
                                ("max_thresh", "70000", "MAX_THRESH must be <= 65535"),
                                ("max_p", "2", "max_p"), ("max_thresh", "ten", "max_thresh")]:
        with pytest.raises(ValueError, match=message):
            h.write(name, text)
    assert np.array_equal(h.st[0], before)      # nothing changed


def test_a_pulled_red_pulls_again_after_each_drop_as_click_does():
    """Click's RED::pull loops until a packet is kept: in one round, Unqueue's one pull
    drops three packets (the queue still over MAX_THRESH 1) and gets the fourth."""
    r = router("InfiniteSource(LIMIT 5, BURST 5) -> q :: Queue(10);"
               "q -> r :: RED(0, 1, 1, STABILITY 0, GENTLE false) -> u :: Unqueue(BURST 1)"
               " -> c :: Counter -> Discard;")
    r.step()
    assert (r.read("q", "length"), r.read("r", "drops"), r.read("c", "count")) == ("1", "3", "1")


def test_handler_writes_through_the_router_and_compiled_and_interpreted_agree():
    r = router("InfiniteSource(LIMIT 1) -> r :: RED(5, 50, 0.02) -> q :: Queue -> Discard;")
    r.write("r", "max_thresh", "60")
    assert r.read("r", "max_thresh") == "60"
    with pytest.raises(HandlerError):
        r.write("r", "max_thresh", "1")
    config = ("InfiniteSource(LIMIT 300, BURST 1, STOP true)"
              " -> r :: RED(3, 3, 0.02, GENTLE false) -> q :: Queue(1000);"
              " q -> Idle;")                   # nothing takes packets out of q
    out = run_both_ways(config, "r.drops", "r.avg_queue_size", "q.length")
    drops, avg, length = [line for line in out.splitlines() if line and line[-1] != ":"]
    # the queue grows until the average passes 3 (12 packets in), then every packet drops
    assert (drops, avg, length) == ("288", "11.993", "12")


# ---- AdaptiveRED ------------------------------------------------------------------------

T0 = 1_700_000_000 * 10**9
MS = 1_000_000


def test_adaptivered_declarations_and_thresholds_from_the_target():
    cls = registry()["AdaptiveRED"]
    assert (cls.port_count, cls.processing, cls.family()) == ("1/1-2", "a/ah", "aqm")
    assert [a.keyword for a in cls.args] == ["TARGET", "MAX_P", "QUEUES", "STABILITY"]
    h = RedHarness("40, 0.1", name="AdaptiveRED")
    assert (h.read("min_thresh"), h.read("max_thresh"), h.read("max_p")) == ("20", "60", "0.1")
    assert int(h.st[0][R.KILL]) == 120                  # always gentle
    h = RedHarness("4, 0.1", name="AdaptiveRED")        # a target under 10 counts as 10
    assert (h.read("min_thresh"), h.read("max_thresh")) == ("5", "15")


def test_adaptivered_timer_raises_or_lowers_max_p_every_half_second():
    from elements.aqm.adaptivered import adaptivered_timer
    h = RedHarness("20, 0.02", name="AdaptiveRED")      # thresholds 10 and 30; 1311/65536
    emit = np.zeros(2, dtype=np.int64)

    def tick(ms: int) -> int:
        h.P[5][C_NOW] = T0 + ms * MS
        assert adaptivered_timer(h.P, h.st, emit) == 0
        return int(h.st[0][R.MAXP])

    h.st[0][R.AVG] = 25 << 10                           # upper half of [10, 30]
    assert tick(0) == tick(499) == 1311                 # first expiry 500 ms after start
    assert tick(500) == 1311 + 327                      # + min(0.01, MAX_P / 4)
    assert int(h.st[0][R.C1]) == 1638 // 20             # the slopes follow
    assert tick(999) == 1638
    assert tick(1000) == 1638 + 409
    h.st[0][R.AVG] = 12 << 10                           # lower half
    assert tick(1500) == (2047 * 58982) >> 16           # times 0.9
    h.st[0][R.AVG] = 20 << 10                           # the middle: unchanged
    assert tick(2000) == (2047 * 58982) >> 16
    h.st[0][R.AVG] = 29 << 10
    m = tick(2000)
    for _ in range(4):                                  # 2 s late: four intervals caught up
        m += min(655, m // 4)
    assert tick(4000) == m
    assert h.read("max_p") == unparse_real2(m, 16)


def test_adaptivered_writes_max_p_only_and_runs_in_a_router():
    r = router("InfiniteSource(LIMIT 50, BURST 1) -> a :: AdaptiveRED(20, 0.02)"
               " -> q :: Queue(1000); q -> Idle;")
    r.run(idle_rounds=3)
    assert r.read("a", "queues") == "q\n" and int(r.read("q", "length")) + \
        int(r.read("a", "drops")) == 50
    r.write("a", "max_p", "0.05")
    assert r.read("a", "max_p") == "0.05"
    with pytest.raises(HandlerError):
        r.write("a", "min_thresh", "3")
