"""The compiled data path end to end: tasks, loops, schedulers, the packet account."""
import subprocess
import sys
import time

import pytest

from both_ways import run_both_ways
from clickpy.check import check_graph
from clickpy.graph import build_graph
from clickpy.lang import parse_text
from clickpy.pcap import write_pcap
from clickpy.runtime.router import HandlerError, Router
from clickpy.traffic import mac, udp_frame

HOST, ROUTER = mac("02:00:00:00:01:02"), mac("00:00:0a:00:01:01")


def frames(n, ttl=64, size=60):
    return [udp_frame(HOST, ROUTER, "10.0.1.2", "10.0.2.2", size + i % 50, ttl=ttl, ident=i)
            for i in range(n)]


def router(text, **kw):
    result = check_graph(build_graph(parse_text(text, "t.click", yaml=False)))
    assert result.ok, [str(d) for d in result.errors]
    return Router(result.graph, **kw)


@pytest.fixture
def trace(tmp_path):
    def make(items, name="in.pcap"):
        path = tmp_path / name
        write_pcap(path, items)
        return str(path)
    return make


def test_push_path_counts_and_balances(trace):
    path = trace(frames(300))
    r = router(f"FromDump({path}, STOP true) -> c :: Counter -> Strip(14) -> CheckIPHeader"
               " -> d :: Discard;")
    r.run()
    assert r.read("c", "count") == "300"
    acct = r.account()
    assert acct.balanced and acct.entered == 300
    assert acct.drops == {("d", "discarded"): 300}


def test_drop_reasons_are_named(trace):
    bad = bytearray(frames(1)[0])
    bad[24] ^= 0xFF
    path = trace(frames(5) + [bytes(bad)] * 3 + [frames(1)[0][:20]] * 2)
    r = router(f"FromDump({path}, STOP true) -> Strip(14) -> chk :: CheckIPHeader -> Discard;")
    r.run()
    acct = r.account()
    assert acct.balanced
    assert acct.drops[("chk", "bad IP checksum")] == 3
    assert acct.drops[("chk", "tiny packet")] == 2


def test_tee_copies_are_created_packets(trace):
    path = trace(frames(10))
    r = router(f"FromDump({path}, STOP true) -> t :: Tee(3); t[0] -> a :: Counter -> Discard; "
               "t[1] -> b :: Counter -> Discard; t[2] -> Discard;")
    r.run()
    acct = r.account()
    assert acct.created == 20 and acct.entered == 30 and acct.balanced
    assert r.read("a", "count") == r.read("b", "count") == "10"


def test_pull_path_with_queues_and_a_scheduler(trace):
    path = trace(frames(100))
    # No STOP: FromDump would stop the router at the end of the file, with
    # packets still queued; Discard pulls one packet per round (its BURST).
    r = router(f"FromDump({path}) -> s :: RoundRobinSwitch; "
               "s[0] -> q0 :: Queue(1000); s[1] -> q1 :: Queue(1000); "
               "q0 -> [0]rr :: RoundRobinSched; q1 -> [1]rr; "
               "rr -> c :: Counter -> Discard;")
    r.run(idle_rounds=5)
    assert r.read("c", "count") == "100"
    assert r.read("q0", "highwater_length") == r.read("q1", "highwater_length")
    assert r.account().balanced


def test_push_loop_goes_through_the_loop_queue(trace):
    # Each pass decrements the TTL; packets leave the loop when it expires.
    path = trace(frames(20, ttl=5))
    r = router(f"FromDump({path}, STOP true) -> Strip(14) -> CheckIPHeader -> dt :: DecIPTTL"
               " -> passes :: Counter -> dt; dt[1] -> expired :: Counter -> Discard;")
    assert r.plan.loop_edges == {("passes", 0)}
    r.run()
    assert r.read("expired", "count") == "20"
    assert r.read("passes", "count") == str(20 * 4)
    assert r.account().balanced


def test_queue_overflow_is_accounted_and_held_packets_counted(trace):
    path = trace(frames(50))
    r = router(f"FromDump({path}, STOP true) -> q :: Queue(10) -> Unqueue -> Discard;", batch=50)
    r.step()
    acct = r.account()
    assert acct.balanced
    assert acct.drops.get(("q", "queue full"), 0) + acct.held + sum(
        n for (name, _), n in acct.drops.items() if name != "q") == 50


def test_handler_errors_are_clear(trace):
    r = router(f"FromDump({trace(frames(1))}) -> c :: Counter -> Discard;")
    with pytest.raises(HandlerError, match="has no read handler 'nope'"):
        r.read("c", "nope")
    with pytest.raises(HandlerError, match="no element named 'x'"):
        r.read("x", "count")


def test_read_handlers_with_a_parameter(trace):
    r = router(f"FromDump({trace(frames(1))}) -> Strip(14) -> CheckIPHeader "
               "-> rt :: RadixIPLookup(10.0.2.0/24 1, 0.0.0.0/0 10.0.1.254 0) -> Discard;"
               "rt[1] -> Discard;")
    assert r.read("rt", "lookup", "10.0.2.9") == "1"
    assert r.read("rt", "lookup", "8.8.8.8") == "0 10.0.1.254"
    with pytest.raises(HandlerError, match="rt.lookup: .*expected IP address"):
        r.read("rt", "lookup", "banana")


def test_run_prints_handlers_with_a_parameter_as_h_asks():
    config = "Idle -> rt :: StaticIPLookup(10.0.0.0/8 0, 0/0 1.2.3.4 1) -> Discard; rt[1] -> Discard;"
    args = [sys.executable, "-m", "clickpy", "run", "--quiet", "--duration", "0.01",
            "-e", config, "-h", "rt.lookup 10.1.2.3", "-h", "rt.lookup 192.0.2.1"]
    out = subprocess.run(args, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr
    assert out.stdout == "rt.lookup 10.1.2.3:\n0\n\nrt.lookup 192.0.2.1:\n1 1.2.3.4\n\n"
    bad = subprocess.run(args[:-4] + ["-h", "rt.lookup nowhere"], capture_output=True, text=True,
                         timeout=600)
    assert bad.returncode == 1 and "expected IP address" in bad.stderr
    assert "Traceback" not in bad.stderr


def test_interpreted_run_gives_the_same_results(trace, tmp_path):
    """NUMBA_DISABLE_JIT=1 runs the same kernels as plain Python: same counts."""
    path = trace(frames(40) + [frames(1, ttl=1)[0]] * 3)
    config = (f"FromDump({path}, STOP true) -> c :: Counter -> Strip(14) -> CheckIPHeader"
              " -> dt :: DecIPTTL -> t :: Tee(2); t[0] -> a :: Counter -> Discard;"
              " t[1] -> Discard; dt[1] -> e :: Counter -> Discard;")
    out = run_both_ways(config, "c.count", "a.count", "e.count")
    assert "e.count:\n3" in out and "a.count:\n40" in out


def test_a_junction_subgraph_is_compiled_once_and_fed_through_the_queue(trace):
    a, b = trace(frames(40), "a.pcap"), trace(frames(25), "b.pcap")
    r = router(f"FromDump({a}, STOP false) -> j :: Counter;"
               f"FromDump({b}, STOP false) -> j;"
               "j -> Strip(14) -> CheckIPHeader -> DecIPTTL -> out :: Counter -> Discard;")
    assert {u for u, _ in r.plan.junction_edges} == {"FromDump@1", "FromDump@3"}
    assert r.source.count("# j :: Counter") == 1
    r.run(idle_rounds=5)
    assert r.read("j", "count") == "65" and r.read("out", "count") == "65"
    assert r.account().balanced


def test_a_small_subgraph_behind_a_merge_stays_inline(trace):
    a, b = trace(frames(4), "a.pcap"), trace(frames(3), "b.pcap")
    r = router(f"FromDump({a}) -> d :: Discard; FromDump({b}) -> d;")
    assert not r.plan.junction_edges and r.source.count("# d :: Discard") == 2


def test_reconfigure_points_the_compiled_code_at_the_new_state(trace):
    first, second = trace(frames(10), "1.pcap"), trace(frames(30), "2.pcap")
    r = router(f"src :: FromDump({first}, STOP false) -> c :: Counter -> Discard;")
    r.run(idle_rounds=5)
    r.reconfigure("src", FILENAME=second)
    r.run(idle_rounds=5)
    assert r.read("c", "count") == "40"
    with pytest.raises(HandlerError, match="no element"):
        r.reconfigure("nosuch", FILENAME=second)
    with pytest.raises(HandlerError, match="src :: FromDump"):
        r.reconfigure("src", FILENAME=str(second) + ".missing")


def test_rule_sets_compile_to_straight_line_code_and_follow_a_reconfigure(trace):
    """IPFilter's program is written into the task module (Element.kernel_source);
    new rules make a new module, and the packets follow them."""
    from clickpy.rules.ipfilter_expr import parse_filter_rule
    path = trace(frames(20))
    r = router(f"src :: FromDump({path}, STOP false) -> Strip(14) -> CheckIPHeader"
               " -> f :: IPFilter(deny udp dst port 1234, allow src 10.0.1.2 && udp, deny all)"
               " -> c :: Counter -> Discard;")
    i = r.element("f")
    assert i in r.kernels and f"def SIMPLE_ACTION_{i}(" in r.source
    assert f"SIMPLE_ACTION_{i}(P, " in r.source              # the task calls it
    r.run(idle_rounds=5)
    assert r.read("c", "count") == "20"
    before = r.module
    r.reconfigure("f", FILTER=[parse_filter_rule(t) for t in ("deny src 10.0.1.2", "allow all")])
    assert r.module is not before
    r.reconfigure("src", FILENAME=path)
    r.run(idle_rounds=5)
    assert r.read("c", "count") == "20"
    assert r.account().drops[("f", "matched a drop rule")] == 20


def test_rule_sets_too_long_for_straight_line_code_keep_the_interpreter(trace):
    from clickpy.rules import decision_tree
    n = decision_tree.MAX_STRAIGHT_LINE + 1
    rules = ", ".join(f"deny src host 10.9.{k // 256}.{k % 256}" for k in range(n))
    path = trace(frames(10))
    r = router(f"FromDump({path}, STOP true) -> Strip(14) -> CheckIPHeader"
               f" -> f :: IPFilter({rules}, allow all) -> c :: Counter -> Discard;")
    assert r.element("f") not in r.kernels and "SIMPLE_ACTION_IPFilter(P, " in r.source
    r.run()
    assert r.read("c", "count") == "10"


def _settle(r, start_ns, seconds, tick_ns=100_000_000):
    for k in range(int(seconds * 1e9 / tick_ns)):
        r.step(now_ns=start_ns + k * tick_ns)


T0 = 1_700_000_000 * 10**9


def test_rewriter_gc_timer_expires_mappings_without_a_packet(trace):
    path = trace(frames(3))
    r = router(f"src :: FromDump({path}, STOP false, TIMING false) -> Strip(14) -> CheckIPHeader"
               " -> rw :: IPRewriter(pattern 1.0.0.1 1024-65535 - - 0 1, "
               "UDP_TIMEOUT 2, UDP_GUARANTEE 0, REAP_INTERVAL 1);"
               " rw[0] -> Discard; rw[1] -> Discard;")
    assert "def timers(T):" in r.source
    _settle(r, T0, 0.5)
    assert r.read("rw", "size") == "1"
    _settle(r, T0 + 10**9, 4)          # no packet arrives; the gc timer still runs
    assert r.read("rw", "size") == "0"


def test_arp_expiry_timer_drops_waiting_packets_without_a_packet(trace):
    path = trace(frames(4))
    r = router(f"FromDump({path}, STOP false, TIMING false) -> Strip(14) -> CheckIPHeader"
               " -> GetIPAddress(16) -> q :: ARPQuerier(10.0.2.1, 00:00:0a:00:02:01, "
               "TIMEOUT 2, POLL_TIMEOUT 0) -> Discard; Idle -> [1]q;")
    _settle(r, T0, 0.5)
    assert r.read("q", "length") == "4"
    _settle(r, T0 + 10**9, 5)
    assert r.read("q", "length") == "0"
    acct = r.account()
    assert acct.balanced
    assert acct.drops.get(("q", "ARP entry expired with packets waiting")) == 4


def test_fromdump_end_call_is_made_by_the_router(trace):
    path = trace(frames(7))
    r = router(f"FromDump({path}, END_CALL c.reset) -> c :: Counter -> k :: Counter -> Discard;")
    r.run(idle_rounds=5)
    assert r.read("k", "count") == "7" and r.read("c", "count") == "0"


def test_infinitesource_end_call_runs_once_and_a_failing_call_is_logged(caplog):
    r = router("InfiniteSource(LIMIT 5, END_CALL c.reset) -> c :: Counter -> Discard;"
               "InfiniteSource(LIMIT 3, END_CALL c.nosuch) -> Discard;"
               "InfiniteSource(LIMIT 20, END_CALL stop) -> Discard;")
    with caplog.at_level("ERROR"):
        r.run(idle_rounds=5)
    assert r.stopped and r.read("c", "count") == "0"
    assert "handler call c.nosuch failed" in caplog.text
    assert caplog.text.count("c.nosuch") == 1


@pytest.mark.parametrize("queue", ["Queue", "SimpleQueue"])
def test_packets_a_handler_flushes_from_a_queue_are_accounted(trace, queue):
    path = trace(frames(30))
    r = router(f"FromDump({path}, STOP false) -> q :: {queue}(100) -> Unqueue(ACTIVE false)"
               " -> Discard;")
    r.run(idle_rounds=5)
    assert r.read("q", "length") == "30"
    r.write("q", "capacity", "10")
    r.step()
    assert r.read("q", "length") == "10"
    r.write("q", "reset")
    r.close()
    acct = r.account()
    assert acct.balanced and acct.held == 0
    assert acct.drops[("q", "flushed by a handler (reset, capacity)")] == 30


def test_host_flush_runs_only_after_rounds_that_left_it_work(trace, monkeypatch, capsys):
    from elements.standard.print import Print
    calls = []
    flush = Print.host_flush.__func__
    monkeypatch.setattr(Print, "host_flush",
                        classmethod(lambda cls, *a: calls.append(1) or flush(cls, *a)))
    path = trace(frames(3))
    r = router(f"FromDump({path}, STOP false) -> Print(seen) -> Discard;", batch=1)
    for _ in range(8):
        r.step()
    assert len(calls) == 3                        # one per round that printed, none idle
    assert capsys.readouterr().err.count("seen:") == 3


def test_timers_start_from_the_run_not_from_before_the_compile(monkeypatch):
    """The first round reads the clock after compiling: a TimedSource whose compile (made
    to take 0.3 s here, as a cached start's load can) does not then send the expiries it
    'missed' meanwhile all at once."""
    from clickpy.compile import parallel
    compile_tasks = parallel.compile_tasks

    def slowly(*args):
        time.sleep(0.3)
        return compile_tasks(*args)

    monkeypatch.setattr(parallel, "compile_tasks", slowly)
    r = router("TimedSource(0.05s, LIMIT 3, STOP true) -> c :: AverageCounter -> Discard;")
    r.run(duration=10)
    assert r.read("c", "count") == "3"
    # Three packets 50 ms apart: 30 per second over the 100 ms between the first and the
    # last (all three in one round: 3000, Click's AverageCounter dividing by 1 ms).
    assert 15 < float(r.read("c", "rate")) < 40
