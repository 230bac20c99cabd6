"""Suppressor and TimedSink, checked against Click's elements/standard/suppressor.{hh,cc}
and timedsink.{hh,cc}: ports, processing, flow code, arguments, kernels, handlers, drops
in the packet account, and runs through the compiled router both ways."""
from __future__ import annotations

import pytest
from kernel_harness import Harness

from both_ways import run_both_ways
from clickpy.compile.codegen import pulled_input
from clickpy.compile.plan import _pulls_several, make_plan
from clickpy.diagnostics import SourcePos
from clickpy.element import FlowCode, registry
from clickpy.kernel import drop
from clickpy.packet import C_NOW
from clickpy.runtime.control_socket import Refused, RouterHandlers
from clickpy.runtime.router import HandlerError
from element_args import ArgsAt
from numbered_frames import data_arg, frame, ident
from checked_router import checked, router

A = ArgsAt(SourcePos("t.click", 3, 10))
T0 = 1_700_000_000 * 10**9
MS = 1_000_000


# ---- declarations ------------------------------------------------------------------------

@pytest.mark.parametrize("name, ports, processing, flow, family", [
    ("Suppressor", "-/=", "a/a", "#/#", "standard"),
    ("TimedSink", "1/0", "l", "x/x", "standard"),
])
def test_declarations_match_click(name, ports, processing, flow, family):
    cls = registry()[name]
    assert (cls.class_name, cls.port_count, cls.processing, cls.flow_code, cls.family()) == \
        (name, ports, processing, flow, family)


def test_suppressor_ports_flow_input_i_to_output_i_only():
    cls = registry()["Suppressor"]
    ports = cls.ports()
    assert ports.output_range(3).low == ports.output_range(3).high == 3
    flow = cls.flow()
    assert flow.flows(1, 1) and not flow.flows(0, 1) and not flow.flows(2, 0)


def test_suppressor_takes_no_arguments_and_timedsink_one_interval():
    assert A.ok("Suppressor", "") == {}
    assert A.issue("Suppressor", "1") is not None
    assert A.ok("TimedSink", "")["INTERVAL"] in (None, 0.5)
    assert A.ok("TimedSink", "20ms") == {"INTERVAL": 0.02}
    assert A.ok("TimedSink", "INTERVAL 2") == {"INTERVAL": 2.0}
    assert "INTERVAL" in A.issue("TimedSink", "soon").message


def test_handlers_as_click_adds_them():
    sup, ts = registry()["Suppressor"], registry()["TimedSink"]
    assert [(h.name, h.read, h.write) for h in sup.handlers] == [("reset", False, True)]
    assert [(h.name, h.read, h.write) for h in sup.port_handlers(3, 3)] == \
        [("active0", True, True), ("active1", True, True), ("active2", True, True)]
    assert [(h.name, h.read, h.write) for h in ts.handlers] == [("interval", True, True)]


# ---- Suppressor kernels and handlers ---------------------------------------------------------

def test_suppressor_push_passes_input_i_to_output_i_until_suppressed():
    h = Harness("Suppressor", n_inputs=3, n_outputs=3)
    assert [(o, ident(b)) for o, b in h.push(frame(1), 0)] == [(0, 1)]
    assert [(o, ident(b)) for o, b in h.push(frame(2), 2)] == [(2, 2)]
    h.write("active2", "false")
    assert [o for o, _ in h.push(frame(3), 2)] == [drop(0)]
    assert registry()["Suppressor"].drop_reasons[0] == "suppressed"
    assert [o for o, _ in h.push(frame(4), 1)] == [1]       # only port 2 is suppressed
    gate = registry()["Suppressor"].pull_gate
    assert [int(gate(h.P, p, h.st)) for p in range(3)] == [1, 1, 0]


def test_suppressor_active_handlers_read_and_write_booleans():
    h = Harness("Suppressor", n_inputs=2, n_outputs=2)
    assert (h.read("active0"), h.read("active1")) == ("true", "true")   # all start active
    h.write("active1", "false")
    assert (h.read("active0"), h.read("active1")) == ("true", "false")
    h.write("active1", "yes")
    assert h.read("active1") == "true"
    h.write("active0", "0")
    assert h.read("active0") == "false"


@pytest.mark.parametrize("text", ["maybe", "", "2"])
def test_suppressor_bad_active_write_is_refused_and_changes_nothing(text):
    h = Harness("Suppressor", n_inputs=2, n_outputs=2)
    h.write("active0", "false")
    with pytest.raises(ValueError, match="active1.*boolean"):
        h.write("active1", text)
    with pytest.raises(ValueError, match="active0.*boolean"):
        h.write("active0", text)
    assert (h.read("active0"), h.read("active1")) == ("false", "true")


@pytest.mark.parametrize("name", ["active2", "active01", "active", "activeX", "resetx"])
def test_suppressor_has_no_handlers_past_its_ports(name):
    h = Harness("Suppressor", n_inputs=2, n_outputs=2)
    with pytest.raises(KeyError):
        h.read(name)
    with pytest.raises(KeyError):
        h.write(name, "false")


def test_suppressor_reset_makes_every_port_active():
    h = Harness("Suppressor", n_inputs=3, n_outputs=3)
    h.write("active0", "false")
    h.write("active2", "false")
    with pytest.raises(KeyError):
        h.read("reset")                                    # write-only
    h.write("reset", "")
    assert [h.read(f"active{i}") for i in range(3)] == ["true"] * 3
    assert [o for o, _ in h.push(frame(1), 2)] == [2]


# ---- Suppressor in a router --------------------------------------------------------------

def test_suppressor_push_drops_are_counted_with_their_reason():
    r = router(f"a :: InfiniteSource({data_arg(1)}, LIMIT 5, STOP false)"
               " -> s :: Suppressor -> c0 :: Counter -> Discard;"
               f" b :: InfiniteSource({data_arg(2)}, LIMIT 4, STOP false) -> [1]s;"
               " s[1] -> c1 :: Counter -> Discard;")
    r.write("s", "active1", "false")
    r.run(idle_rounds=5)
    acc = r.account()
    assert (r.read("c0", "count"), r.read("c1", "count")) == ("5", "0")
    assert acc.drops[("s", "suppressed")] == 4 and acc.balanced


def test_suppressor_pull_ports_pull_their_own_input_and_suppressed_ones_pull_nothing():
    r = router(f"a :: InfiniteSource({data_arg(1)}, LIMIT 3, STOP false) -> q0 :: Queue;"
               f" b :: InfiniteSource({data_arg(2)}, LIMIT 4, STOP false) -> q1 :: Queue;"
               " q0 -> s :: Suppressor -> u0 :: Unqueue -> c0 :: Counter -> Discard;"
               " q1 -> [1]s; s[1] -> u1 :: Unqueue -> c1 :: Counter -> Discard;")
    graph = r.graph
    assert graph.nodes["s"]["in_processing"] == ["pull", "pull"]
    r.write("s", "active0", "false")
    r.run(idle_rounds=5)
    # Click: a pull on a suppressed output is ignored, so q0 keeps its packets.
    assert (r.read("c0", "count"), r.read("c1", "count")) == ("0", "4")
    assert (r.read("q0", "length"), r.read("q1", "length")) == ("3", "0")
    acc = r.account()
    assert not any(where == "s" for where, _ in acc.drops) and acc.balanced
    r.write("s", "reset", "")
    r.run(idle_rounds=5)
    assert (r.read("c0", "count"), r.read("q0", "length")) == ("3", "0")
    assert r.account().balanced


def test_suppressor_pulled_output_1_gets_input_1s_packets():
    """Output i pulls input i (flow code #/#), not the first pull input."""
    r = router(f"a :: InfiniteSource({data_arg(1)}, LIMIT 2, STOP false) -> q0 :: Queue;"
               f" b :: InfiniteSource({data_arg(2)}, LIMIT 3, STOP false) -> q1 :: Queue;"
               " q0 -> s :: Suppressor; q1 -> [1]s;"
               " s[1] -> u1 :: Unqueue -> c1 :: Counter -> Discard;"
               " s[0] -> Unqueue(ACTIVE false) -> Discard;")
    r.run(idle_rounds=5)
    assert (r.read("c1", "count"), r.read("q1", "length"), r.read("q0", "length")) == \
        ("3", "0", "2")


def test_suppressor_ports_may_differ_push_and_pull():
    r = router(f"a :: InfiniteSource({data_arg(1)}, LIMIT 3, STOP false) -> s :: Suppressor"
               " -> c0 :: Counter -> Discard;"
               f" b :: InfiniteSource({data_arg(2)}, LIMIT 2, STOP false) -> q1 :: Queue -> [1]s;"
               " s[1] -> u1 :: Unqueue -> c1 :: Counter -> Discard;")
    assert r.graph.nodes["s"]["in_processing"] == ["push", "pull"]
    r.write("s", "active0", "false")
    r.write("s", "active1", "false")
    r.run(idle_rounds=5)
    assert (r.read("c0", "count"), r.read("c1", "count"), r.read("q1", "length")) == \
        ("0", "0", "2")
    assert r.account().drops[("s", "suppressed")] == 3 and r.account().balanced


def test_pulls_follow_the_flow_code_and_xx_elements_still_need_pull_choice():
    """Suppressor's #/# lets it pull from several inputs, one per output; an x/x element
    pulled from two inputs is still refused, as before."""
    sup = registry()["Suppressor"]

    class XX:                   # stands for any x/x element, without registering one
        flow = staticmethod(lambda: FlowCode.parse("x/x"))

    two = ["pull", "pull"]
    assert not _pulls_several(sup, two, two) and _pulls_several(XX, two, ["pull"])
    assert [pulled_input(sup, two, p) for p in (0, 1)] == [0, 1]
    assert [pulled_input(XX, two, p) for p in (0, 1)] == [0, 0]
    assert pulled_input(sup, ["push", "pull"], 1) == 1
    make_plan(checked("q0 :: Queue; q1 :: Queue; Idle -> q0; Idle -> q1;"
                      " q0 -> s :: Suppressor -> Discard; q1 -> [1]s; s[1] -> Discard;"))


def test_suppressor_handlers_reachable_by_name_from_outside():
    r = router("Idle -> s :: Suppressor -> Discard; Idle -> [1]s; s[1] -> Discard;")
    found = RouterHandlers(r).find("s.active1")
    assert found == ("s", "active1", True, True)
    assert RouterHandlers(r).find("s.reset") == ("s", "reset", False, True)
    with pytest.raises(Refused):
        RouterHandlers(r).find("s.active2")
    listing = r.read("s", "handlers").splitlines()
    assert "active0\trw" in listing and "active1\trw" in listing and "reset\tw" in listing
    assert "active2\trw" not in listing
    with pytest.raises(HandlerError, match="boolean"):
        r.write("s", "active0", "perhaps")
    assert r.read("s", "active0") == "true"


# ---- TimedSink ----------------------------------------------------------------------------

class TS(Harness):
    def due(self, ns: int) -> int:
        self.P[5][C_NOW] = ns
        return int(self.cls.task_budget(self.P, self.st))


def test_timedsink_pulls_once_per_interval_from_its_start():
    h = TS("TimedSink", "100ms", n_outputs=0)
    assert h.due(T0) == 0                          # initialize: due INTERVAL from now
    assert h.due(T0 + 100 * MS - 1) == 0
    assert h.due(T0 + 100 * MS) == 1
    assert h.due(T0 + 150 * MS) == 0
    assert h.due(T0 + 200 * MS) == 1
    assert h.due(T0 + 500 * MS) == 3              # late: each expiry pulls once
    assert h.due(T0 + 500 * MS) == 0


def test_timedsink_default_interval_is_half_a_second():
    h = TS("TimedSink", n_outputs=0)
    assert h.read("interval") == "500ms"
    assert h.due(T0) == 0 and h.due(T0 + 499 * MS) == 0 and h.due(T0 + 500 * MS) == 1


def test_timedsink_discards_what_it_pulls():
    h = TS("TimedSink", n_outputs=0)
    code, _, _ = h.action(frame(1))
    assert code == drop(0) and h.cls.drop_reasons == ("discarded",)
    assert h.cls.sink == "discarded"


def test_timedsink_interval_handler_reads_and_writes():
    h = TS("TimedSink", "1.5", n_outputs=0)
    assert h.read("interval") == "1.500000s"
    h.write("interval", "20ms")
    assert h.read("interval") == "20ms"
    h.write("interval", "2")
    assert h.read("interval") == "2.000000s"


@pytest.mark.parametrize("text", ["0", "0ms", "soon", "", "-1"])
def test_timedsink_bad_interval_is_refused_and_changes_nothing(text):
    h = TS("TimedSink", "30ms", n_outputs=0)
    with pytest.raises(ValueError, match="bad interval"):
        h.write("interval", text)
    assert h.read("interval") == "30ms"
    with pytest.raises(KeyError):
        h.write("rate", "1")


def test_timedsink_new_interval_applies_from_the_next_expiry():
    h = TS("TimedSink", "100ms", n_outputs=0)
    h.due(T0)
    h.write("interval", "10ms")
    assert h.due(T0 + 99 * MS) == 0                # the scheduled expiry stays
    assert h.due(T0 + 100 * MS) == 1
    assert h.due(T0 + 110 * MS) == 1


def test_timedsink_in_a_router_drains_a_queue_one_packet_per_interval():
    r = router(f"InfiniteSource({data_arg(1)}, LIMIT 5, STOP false) -> q :: Queue"
               " -> c :: Counter -> t :: TimedSink(10ms);")
    for _ in range(5):
        r.step(now_ns=T0)                        # the queue fills; t's timer starts
    assert (r.read("q", "length"), r.read("c", "count")) == ("5", "0")
    r.step(now_ns=T0 + 10 * MS - 1)
    assert r.read("c", "count") == "0"
    r.step(now_ns=T0 + 10 * MS)
    assert (r.read("q", "length"), r.read("c", "count")) == ("4", "1")
    r.step(now_ns=T0 + 30 * MS)                  # two expiries due: two pulls
    assert (r.read("q", "length"), r.read("c", "count")) == ("2", "3")
    r.write("t", "interval", "50ms")
    r.step(now_ns=T0 + 40 * MS)                  # the expiry at 40 ms was already set
    r.step(now_ns=T0 + 89 * MS)
    assert r.read("q", "length") == "1"
    r.step(now_ns=T0 + 90 * MS)
    assert r.read("q", "length") == "0"
    r.step(now_ns=T0 + 140 * MS)                 # an expiry with nothing to pull
    acc = r.account()
    assert acc.drops[("t", "discarded")] == 5 and acc.balanced


def test_timedsink_behind_a_suppressed_port_pulls_nothing():
    r = router(f"InfiniteSource({data_arg(1)}, LIMIT 3, STOP false) -> q :: Queue"
               " -> s :: Suppressor -> t :: TimedSink(1ms);")
    r.write("s", "active0", "false")
    for k in range(6):
        r.step(now_ns=T0 + k * MS)
    assert r.read("q", "length") == "3"
    r.write("s", "active0", "true")
    for k in range(6, 12):
        r.step(now_ns=T0 + k * MS)
    assert r.read("q", "length") == "0"
    assert r.account().drops[("t", "discarded")] == 3 and r.account().balanced


# ---- compiled and interpreted --------------------------------------------------------------

def test_compiled_and_interpreted_agree():
    out = run_both_ways(
        f"a :: InfiniteSource({data_arg(1)}, LIMIT 6, STOP false, ACTIVE false)"
        " -> s :: Suppressor -> c0 :: Counter -> Discard;"
        f" b :: InfiniteSource({data_arg(2)}, LIMIT 4, STOP false, ACTIVE false)"
        " -> [1]s; s[1] -> c1 :: Counter -> Discard;"
        f" d :: InfiniteSource({data_arg(3)}, LIMIT 5, STOP false) -> q2 :: Queue -> [2]s;"
        " s[2] -> c2 :: Counter -> t :: TimedSink(1ms);"
        f" e :: InfiniteSource({data_arg(4)}, LIMIT 2, STOP false, ACTIVE false)"
        " -> q3 :: Queue -> [3]s; s[3] -> c3 :: Counter -> TimedSink(1ms);"
        " Script(write s.active1 false, write s.active3 false, write a.active true,"
        " write b.active true, write e.active true, wait 300ms, stop)",
        "c0.count", "c1.count", "c2.count", "c3.count", "q3.length", "s.active1",
        "s.active3", "t.interval")
    assert out.split() == ["c0.count:", "6", "c1.count:", "0", "c2.count:", "5",
                           "c3.count:", "0", "q3.length:", "2", "s.active1:", "false",
                           "s.active3:", "false", "t.interval:", "1ms"]
