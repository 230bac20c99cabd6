"""Click's queue and scheduling variants: ThreadSafeQueue, NotifierQueue, MixedQueue,
SimplePullSwitch, StaticPullSwitch, SimplePrioSched, SimpleRoundRobinSched, PushNull,
PullNull, RandomSwitch, DelayUnqueue and DelayShaper, checked against Click's
elements/standard/*.{hh,cc}: ports, arguments, kernels, handlers, and runs through the
compiled router."""
from __future__ import annotations

import pytest
from kernel_harness import Harness

from both_ways import run_both_ways
from clickpy.check import check_graph
from clickpy.diagnostics import SourcePos
from clickpy.element import registry
from clickpy.graph import build_graph
from clickpy.kernel import STOLEN, drop
from clickpy.lang import parse_text
from clickpy.packet import A_TSTAMP, C_NOW, release
from clickpy.runtime.router import HandlerError
from element_args import ArgsAt
from numbered_frames import data_arg, frame, ident
from checked_router import router

A = ArgsAt(SourcePos("t.click", 3, 10))
T0 = 1_700_000_000 * 10**9
MS = 1_000_000


class H(Harness):
    def now(self, ns: int) -> None:
        self.P[5][C_NOW] = ns

    def store(self, k: int, port: int = 0, **anno) -> list[tuple[int, int]]:
        """Push frame(k) with the push kernel: (output, IP id) pairs emitted."""
        return [(o, ident(b)) for o, b in self.push(frame(k), port, **anno)]

    def drain(self) -> list[int]:
        out = []
        while (b := self.pull()) is not None:
            out.append(ident(b))
        return out


@pytest.mark.parametrize("name, ports, processing, family", [
    ("ThreadSafeQueue", "1/1-2", "h/lh", "standard"),
    ("NotifierQueue", "1/1-2", "h/lh", "standard"),
    ("MixedQueue", "2/1-2", "h/lh", "standard"),
    ("SimplePullSwitch", "-/1", "l/l", "sched"),
    ("StaticPullSwitch", "-/1", "l/l", "sched"),
    ("SimplePrioSched", "-/1", "l/l", "sched"),
    ("SimpleRoundRobinSched", "-/1", "l/l", "sched"),
    ("PushNull", "1/1", "h/h", "standard"),
    ("PullNull", "1/1", "l/l", "standard"),
    ("RandomSwitch", "1/1-", "h/h", "standard"),
    ("DelayUnqueue", "1/1", "l/h", "sched"),
    ("DelayShaper", "1/1", "l/l", "sched"),
])
def test_declarations_match_click(name, ports, processing, family):
    cls = registry()[name]
    assert (cls.class_name, cls.port_count, cls.processing, cls.family()) == \
        (name, ports, processing, family)
    assert cls.runnable()


# ---- ThreadSafeQueue, NotifierQueue --------------------------------------------------------

@pytest.mark.parametrize("name", ["ThreadSafeQueue", "NotifierQueue"])
def test_fifo_queues_store_drop_when_full_and_have_queue_handlers(name):
    assert A.ok(name, "") == {"CAPACITY": 1000}
    assert A.ok(name, "CAPACITY 5") == {"CAPACITY": 5}
    assert {h.name for h in registry()[name].handlers} == \
        {"length", "highwater_length", "capacity", "drops", "reset_counts", "reset"}
    h = H(name, "2")
    for k in (1, 2):
        code, _, _ = h.action(frame(k))
        assert code == STOLEN
    code, _, _ = h.action(frame(3))
    assert code == drop(0) and registry()[name].drop_reasons[0] == "queue full"
    assert (h.read("length"), h.read("drops"), h.read("highwater_length")) == ("2", "1", "2")
    assert h.drain() == [1, 2]
    h2 = H(name, "1", n_outputs=2)            # full: out output 1 when it is connected
    h2.action(frame(1))
    assert h2.action(frame(2))[0] == 1 and h2.read("drops") == "1"
    h.write("capacity", "1")
    assert h.read("capacity") == "1"
    with pytest.raises(ValueError, match="capacity: expected a packet count"):
        h.write("capacity", "lots")
    with pytest.raises(ValueError, match="at most 2"):
        h.write("capacity", "3")
    h.write("reset_counts")
    assert h.read("drops") == "0"


# ---- MixedQueue ----------------------------------------------------------------------------

def test_mixedqueue_fifo_input_0_lifo_input_1_as_clicks_example():
    h = H("MixedQueue", "", n_inputs=2)
    # Click's example: push(0, A), push(0, B), push(1, C), push(0, D), push(1, E).
    for k, port in ((1, 0), (2, 0), (3, 1), (4, 0), (5, 1)):
        assert h.store(k, port) == []
    assert h.read("length") == "5" and h.read("highwater_length") == "5"
    assert h.drain() == [5, 3, 1, 2, 4]
    assert h.read("length") == "0"


def test_mixedqueue_full_drops_new_fifo_packets_and_the_tail_for_lifo_ones():
    h = H("MixedQueue", "3", n_inputs=2)
    for k in (1, 2, 3):
        assert h.store(k) == []
    assert h.store(4, 0) == [(drop(0), 4)]            # FIFO: the new packet goes
    assert h.store(5, 1) == [(drop(0), 3)]            # LIFO: the tail (3) makes room
    assert h.read("drops") == "2" and h.read("length") == "3"
    assert h.drain() == [5, 1, 2]
    assert registry()["MixedQueue"].drop_reasons[0] == "queue full"
    h2 = H("MixedQueue", "1", n_inputs=2, n_outputs=2)  # dropped packets out output 1
    h2.store(1)
    assert h2.store(2, 0) == [(1, 2)] and h2.store(3, 1) == [(1, 1)]
    assert h2.drain() == [3]
    h0 = H("MixedQueue", "0", n_inputs=2)              # nothing to make room from
    assert h0.store(1, 1) == [(drop(0), 1)] and h0.store(2, 0) == [(drop(0), 2)]
    assert h0.read("length") == "0" and h0.read("drops") == "2"


def test_mixedqueue_handlers():
    h = H("MixedQueue", "4", n_inputs=2)
    for k in (1, 2, 3):
        h.store(k, 1)
    h.write("capacity", "2")                           # Click keeps the head packets
    assert h.read("capacity") == "2" and h.read("length") == "2"
    assert h.flush() == {1: 1}
    with pytest.raises(ValueError, match="capacity"):
        h.write("capacity", "-1")
    h.write("reset")
    assert h.read("length") == "0" and h.flush() == {1: 2}


def test_mixedqueue_in_a_router_counts_drops_with_a_reason():
    r = router(f"a :: InfiniteSource({data_arg(1)}, LIMIT 5) -> [0]q :: MixedQueue(3);"
               f" b :: InfiniteSource({data_arg(2)}, LIMIT 2) -> [1]q;"
               " q -> Unqueue(ACTIVE false) -> Discard;")
    r.run(idle_rounds=5)
    acc = r.account()
    assert r.read("q", "length") == "3" and r.read("q", "drops") == str(7 - 3)
    assert acc.drops[("q", "queue full")] == 4 and acc.balanced


# ---- pull switches and schedulers ----------------------------------------------------------

def test_staticpullswitch_needs_input_and_has_no_switch_handler():
    assert A.ok("StaticPullSwitch", "1") == {"INPUT": 1}
    assert "INPUT" in A.issue("StaticPullSwitch", "").message
    assert registry()["StaticPullSwitch"].handlers == ()
    r = router(f"s0 :: InfiniteSource({data_arg(1)}, LIMIT 3, STOP true) -> q0 :: Queue;"
               f" s1 :: InfiniteSource({data_arg(2)}, LIMIT 4, STOP true) -> q1 :: Queue;"
               " q0 -> [0]ps :: StaticPullSwitch(1); q1 -> [1]ps;"
               " ps -> Unqueue(BURST 10) -> c :: Counter -> Discard;")
    r.run(idle_rounds=5)
    assert (r.read("c", "count"), r.read("q0", "length")) == ("4", "3")
    assert r.read("ps", "config") == "1\n"               # the configuration string
    with pytest.raises(HandlerError, match="no write handler 'switch'"):
        r.write("ps", "switch", "0")


@pytest.mark.parametrize("k, pulled", [(-1, 0), (2, 0), (0, 3)])
def test_staticpullswitch_out_of_range_pulls_nothing(k, pulled):
    r = router(f"s0 :: InfiniteSource({data_arg(1)}, LIMIT 3, STOP true) -> q0 :: Queue;"
               f" s1 :: InfiniteSource({data_arg(2)}, LIMIT 4, STOP true) -> q1 :: Queue;"
               f" q0 -> [0]ps :: StaticPullSwitch({k}); q1 -> [1]ps;"
               " ps -> Unqueue(BURST 10) -> c :: Counter -> Discard;")
    r.run(idle_rounds=5)
    assert r.read("c", "count") == str(pulled)


def test_simplepullswitch_switch_handler():
    assert A.ok("SimplePullSwitch", "") == {"INPUT": 0}
    r = router(f"s0 :: InfiniteSource({data_arg(1)}, LIMIT 3, STOP false) -> q0 :: Queue;"
               f" s1 :: InfiniteSource({data_arg(2)}, LIMIT 4, STOP false) -> q1 :: Queue;"
               " q0 -> [0]ps :: SimplePullSwitch; q1 -> [1]ps;"
               " ps -> Unqueue(BURST 10) -> c :: Counter -> Discard;")
    r.run(idle_rounds=5)
    assert (r.read("ps", "switch"), r.read("c", "count")) == ("0", "3")
    r.write("ps", "switch", "1")
    r.run(idle_rounds=5)
    assert r.read("c", "count") == "7"
    r.write("ps", "switch", "5")                         # no such input: -1, as Click
    assert r.read("ps", "switch") == "-1"
    with pytest.raises(HandlerError, match="syntax error"):
        r.write("ps", "switch", "first")


def test_simple_schedulers_prio_and_round_robin():
    two_queues = (f"s0 :: InfiniteSource({data_arg(1)}, LIMIT 3, STOP true) -> q0 :: Queue;"
                  f" s1 :: InfiniteSource({data_arg(2)}, LIMIT 3, STOP true) -> q1 :: Queue;")
    r = router(two_queues + " q0 -> [0]s :: SimplePrioSched; q1 -> [1]s;"
               " s -> u :: Unqueue(LIMIT 4) -> c :: Counter -> Discard;")
    r.run(idle_rounds=5)
    assert (r.read("q0", "length"), r.read("q1", "length")) == ("0", "2")
    r = router(two_queues + " q0 -> [0]s :: SimpleRoundRobinSched; q1 -> [1]s;"
               " s -> u :: Unqueue(LIMIT 4) -> c :: Counter -> Discard;")
    r.run(idle_rounds=5)
    assert (r.read("q0", "length"), r.read("q1", "length")) == ("1", "1")


# ---- PushNull, PullNull --------------------------------------------------------------------

def test_pushnull_and_pullnull_pass_packets_and_force_processing():
    h = H("PushNull")
    assert h.action(frame(1))[:2] == (0, frame(1))
    r = router(f"s :: InfiniteSource({data_arg(1)}, LIMIT 3, STOP true) -> PushNull -> q :: Queue"
               " -> PullNull -> Unqueue -> c :: Counter -> Discard;")
    r.run(idle_rounds=5)
    assert r.read("c", "count") == "3" and r.account().balanced
    # PullNull in a push path, PushNull in a pull path: the checks refuse both.
    for text in ("TimedSource -> PullNull -> Discard;",
                 "InfiniteSource -> Queue -> PushNull -> Unqueue -> Discard;"):
        assert not check_graph(build_graph(parse_text(text, "t.click", yaml=False))).ok


# ---- RandomSwitch --------------------------------------------------------------------------

def test_randomswitch_uses_every_output_about_equally():
    assert A.ok("RandomSwitch", "") == {}
    h = H("RandomSwitch", n_outputs=4)
    counts = [0] * 4
    for _ in range(4000):
        code, data, s = h.action(frame(1))
        assert data == frame(1)
        counts[code] += 1
        release(h.P, s)
    assert all(800 < n < 1200 for n in counts), counts
    one = H("RandomSwitch", n_outputs=1)
    assert {one.action(frame(1))[0] for _ in range(20)} == {0}


def test_randomswitch_in_a_router():
    r = router(f"s :: InfiniteSource({data_arg(1)}, LIMIT 300, STOP true) -> rs :: RandomSwitch;"
               " rs[0] -> a :: Counter -> Discard; rs[1] -> b :: Counter -> Discard;"
               " rs[2] -> c :: Counter -> Discard;")
    r.run(idle_rounds=5)
    n = [int(r.read(x, "count")) for x in "abc"]
    assert sum(n) == 300 and min(n) > 50, n


# ---- DelayUnqueue --------------------------------------------------------------------------

def test_delayunqueue_arguments_and_handlers():
    assert A.ok("DelayUnqueue", "0.5") == {"DELAY": 0.5}
    assert A.ok("DelayUnqueue", "DELAY 20ms") == {"DELAY": pytest.approx(0.02)}
    assert "DELAY" in A.issue("DelayUnqueue", "").message
    h = H("DelayUnqueue", "20ms")
    assert h.read("delay") == "20ms"
    h.write("delay", "1.5")
    assert h.read("delay") == "1.500000s"
    with pytest.raises(ValueError, match="delay: expected a time"):
        h.write("delay", "soon")
    with pytest.raises(KeyError):
        h.read("rate")


def test_delayunqueue_kernels_hold_one_packet_until_its_timestamp_plus_delay():
    h = H("DelayUnqueue", "10ms")
    h.now(T0)
    assert h.cls.task_budget(h.P, h.st) == 1
    assert h.store(1, tstamp=T0 - 4 * MS) == []          # due at T0 + 6 ms: held
    assert h.cls.task_budget(h.P, h.st) == 0             # pulls nothing while it holds one
    h.now(T0 + 6 * MS - 1)
    assert h.cls.run_timer(h.P, h.st, h.emit) == 0
    h.now(T0 + 6 * MS)
    assert h.cls.run_timer(h.P, h.st, h.emit) == 1 and h.emit[0] == 0
    s = int(h.emit[1])
    assert ident(h.pool.bytes(s)) == 1 and h.pool.anno[s, A_TSTAMP] == T0 + 6 * MS
    assert h.cls.task_budget(h.P, h.st) == 1
    assert h.store(2, tstamp=T0 - 20 * MS) == [(0, 2)]   # already due: straight on
    # No timestamp (Click: its seconds are 0): stamped when pulled.
    assert h.store(3) == []
    assert h.st[0][2] == T0 + 6 * MS + 10 * MS


def test_delayunqueue_holds_packets_in_a_router_with_a_fake_clock():
    # InfiniteSource stamps each packet with the time it makes it: T0, T0 + 10 ms, T0 + 20 ms.
    r = router(f"s :: InfiniteSource({data_arg(1)}, LIMIT 3, STOP false) -> q :: Queue"
               " -> d :: DelayUnqueue(50ms) -> c :: Counter -> Discard;")
    for k in range(3):             # the first is pulled at once and held: due T0 + 50 ms
        r.step(now_ns=T0 + k * 10 * MS)
    assert (r.read("c", "count"), r.read("q", "length")) == ("0", "2")
    r.step(now_ns=T0 + 50 * MS - 1)
    assert r.read("c", "count") == "0"
    r.step(now_ns=T0 + 50 * MS)    # released; the next is pulled and held
    assert (r.read("c", "count"), r.read("q", "length")) == ("1", "1")
    r.step(now_ns=T0 + 60 * MS - 1)
    assert r.read("c", "count") == "1"
    r.step(now_ns=T0 + 60 * MS)
    assert (r.read("c", "count"), r.read("q", "length")) == ("2", "0")
    r.step(now_ns=T0 + 70 * MS)
    assert r.read("c", "count") == "3" and r.account().balanced


def test_delayunqueue_tells_an_idle_driver_when_the_packet_is_due():
    r = router(f"s :: InfiniteSource({data_arg(1)}, LIMIT 2, STOP false) -> q :: Queue"
               " -> d :: DelayUnqueue(150ms) -> c :: Counter -> Discard;")
    i = r.element("d")
    cls, values = r.classes[i], r.values[i]
    assert cls.wake_after(values, r.S[i]) is None      # holds nothing: packets wake it
    r.compile()
    r.step()
    wake = cls.wake_after(values, r.S[i])
    assert wake is not None and 0.1 < wake <= 0.15
    r.run(duration=0.08)
    assert r.read("c", "count") == "0"
    r.run(duration=0.2)            # both were stamped when made: both due together
    assert r.read("c", "count") == "2" and cls.wake_after(values, r.S[i]) is None


# ---- DelayShaper --------------------------------------------------------------------------

def test_delayshaper_arguments_and_handlers():
    assert A.ok("DelayShaper", "1ms") == {"DELAY": pytest.approx(0.001)}
    assert "DELAY" in A.issue("DelayShaper", "").message
    h = H("DelayShaper", "DELAY 0.25")
    assert h.read("delay") == "250ms"
    h.write("delay", "2us")
    assert h.read("delay") == "2us"
    with pytest.raises(ValueError, match="delay: expected a time"):
        h.write("delay", "")


def test_delayshaper_kernels_give_the_packet_out_once_due_stamped_when_it_leaves():
    h = H("DelayShaper", "10ms")
    h.now(T0)
    assert h.cls.task_budget(h.P, h.st) == 1
    assert h.store(1, tstamp=T0 - 4 * MS) == []          # kept, due at T0 + 6 ms
    assert h.cls.task_budget(h.P, h.st) == 0 and h.pull() is None
    h.now(T0 + 6 * MS + 5)
    s = int(h.cls.pull(h.P, 0, h.st))
    assert ident(h.pool.bytes(s)) == 1 and h.pool.anno[s, A_TSTAMP] == T0 + 6 * MS + 5
    assert h.pull() is None and h.cls.task_budget(h.P, h.st) == 1


def test_delayshaper_in_a_pull_path_with_a_fake_clock():
    r = router(f"s :: InfiniteSource({data_arg(1)}, LIMIT 3, STOP false) -> q :: Queue"
               " -> d :: DelayShaper(50ms) -> u :: Unqueue -> c :: Counter -> Discard;")
    for k in range(3):             # stamped T0, T0 + 10 ms, T0 + 20 ms; the first kept
        r.step(now_ns=T0 + k * 10 * MS)
    assert (r.read("c", "count"), r.read("q", "length")) == ("0", "2")
    r.step(now_ns=T0 + 50 * MS - 1)
    assert r.read("c", "count") == "0"
    r.step(now_ns=T0 + 50 * MS)
    assert (r.read("c", "count"), r.read("q", "length")) == ("1", "2")
    r.step(now_ns=T0 + 50 * MS)    # the next pull takes the second packet: due T0 + 60 ms
    assert (r.read("c", "count"), r.read("q", "length")) == ("1", "1")
    r.step(now_ns=T0 + 60 * MS)
    r.step(now_ns=T0 + 70 * MS)
    r.step(now_ns=T0 + 70 * MS)
    assert r.read("c", "count") == "3" and r.account().balanced
    i = r.element("d")
    assert r.classes[i].wake_after(r.values[i], r.S[i]) is None


def test_delayshaper_tells_an_idle_driver_when_the_packet_is_due():
    r = router(f"s :: InfiniteSource({data_arg(1)}, LIMIT 1, STOP false) -> q :: Queue"
               " -> d :: DelayShaper(150ms) -> Unqueue -> c :: Counter -> Discard;")
    i = r.element("d")
    r.compile()
    r.step()
    r.step()
    wake = r.classes[i].wake_after(r.values[i], r.S[i])
    assert wake is not None and 0.1 < wake <= 0.15
    r.run(duration=0.08)
    assert r.read("c", "count") == "0"
    r.run(duration=0.2)
    assert r.read("c", "count") == "1"


# ---- compiled and interpreted --------------------------------------------------------------

def test_compiled_and_interpreted_runs_agree():
    # One packet of m is pulled and held 100 ms while the sources fill the queues; then the
    # queues drain through the scheduler: m by priority, n next, y (behind the switch) last,
    # each of y's leaving DelayShaper stamped anew, so held 100 ms more (done by 0.4 s).
    out = run_both_ways(
        f"a :: InfiniteSource({data_arg(1)}, LIMIT 6, STOP false) -> PushNull"
        " -> [0]m :: MixedQueue(4);"
        f" b :: InfiniteSource({data_arg(2)}, LIMIT 3, STOP false) -> [1]m;"
        f" t :: InfiniteSource({data_arg(3)}, LIMIT 5, STOP false) -> n :: NotifierQueue(3);"
        f" z :: InfiniteSource({data_arg(4)}, LIMIT 2, STOP false) -> y :: ThreadSafeQueue;"
        " m -> [0]p :: SimplePrioSched; n -> PullNull -> [1]p;"
        " y -> DelayShaper(20ms) -> [0]w :: StaticPullSwitch(0); w -> [2]p;"
        " p -> DelayUnqueue(100ms) -> rs :: RandomSwitch -> c :: Counter -> Discard;"
        " Script(wait 1s, stop)",
        "c.count", "m.drops", "n.drops", "m.highwater_length", "y.length")
    assert out.split() == ["c.count:", "10", "m.drops:", "4", "n.drops:", "2",
                           "m.highwater_length:", "4", "y.length:", "0"]
