"""LinkUnqueue: Click's serial-link model (LATENCY, BANDWIDTH), on a fake clock."""
from __future__ import annotations

import numba
import pytest
from scapy.utils import rdpcap

from clickpy.check import check_graph
from clickpy.graph import build_graph
from clickpy.lang import parse_text
from clickpy.runtime.router import HandlerError, Router
from checked_router import router

T0 = 1_700_000_000 * 10**9
MS = 1_000_000


def timeline(r: Router, ms: int, start: int = 0) -> list[tuple[int, int, int]]:
    """(ms, packets out, packets on the link) after a round at each millisecond."""
    out = []
    for k in range(start, start + ms):
        r.step(now_ns=T0 + k * MS)
        out.append((k, int(r.read("c", "count")), int(r.read("l", "size"))))
    return out


LINK = "l :: LinkUnqueue(10ms, 100kBps) -> c :: Counter"     # 100 bytes: 1 ms on the wire


def test_packets_leave_after_their_transmission_and_the_latency(tmp_path):
    """100-byte packets at 100 kB/s: one taken per millisecond, back to back, each out 10 ms
    after its transmission ends, stamped with that time."""
    r = router(f"InfiniteSource(LENGTH 100, LIMIT 3) -> Queue -> {LINK} "
               f"-> ToDump({tmp_path / 'out.pcap'});")
    steps = timeline(r, 16)
    assert [k for k, out, _ in steps if out > (steps[k - 1][1] if k else 0)] == [11, 12, 13]
    assert [size for _, _, size in steps[:4]] == [1, 2, 3, 3]      # room only as one leaves
    r.close()
    usec = [round(float(p.time - T0 // 10**9) * 1e6) for p in rdpcap(str(tmp_path / "out.pcap"))]
    assert usec == [11_000, 12_000, 13_000]
    assert r.account().balanced


def test_a_packet_after_a_pause_starts_from_now_not_from_the_last_one():
    """Click's _back_to_back: once a pull found the input empty, the next packet's
    transmission starts now (plus LATENCY), not after the previous packet's."""
    r = router(f"s :: InfiniteSource(LENGTH 100, LIMIT 1) -> Queue -> {LINK} -> Discard;")
    timeline(r, 3)                                  # out at 11 ms; the input then empty
    r.write("s", "limit", "2")                      # one more packet, at 5 ms
    steps = timeline(r, 20, start=5)
    assert next(k for k, out, _ in steps if out == 2) == 16      # 5 + 1 + 10, not 12


def test_the_link_holds_back_what_it_cannot_carry_and_loses_nothing():
    """A burst of 40 waits in the queue before the link, not on it: the link takes a
    packet per millisecond and holds about LATENCY's worth."""
    r = router(f"InfiniteSource(LENGTH 100, LIMIT 40, BURST 40) -> q :: Queue(100) -> {LINK} "
               "-> Discard;")
    steps = timeline(r, 60)
    assert max(size for _, _, size in steps) == 11
    assert steps[-1][1] == 40 and r.read("q", "drops") == "0"
    acc = r.account()
    assert acc.balanced and not any(name in ("q", "l") for name, _ in acc.drops)


def test_extra_length_counts_on_the_wire():
    """A 100-byte capture of a 1000-byte packet (extra length 900) takes 10 ms to send."""
    r = router("InfiniteSource(LENGTH 1000, LIMIT 1) -> Truncate(100, EXTRA_LENGTH true) "
               f"-> Queue -> {LINK} -> Discard;")
    steps = timeline(r, 25)
    assert next(k for k, out, _ in steps if out == 1) == 20


def test_handlers_read_and_write_as_clicks_and_a_write_empties_the_link():
    r = router(f"InfiniteSource(LENGTH 100, LIMIT 5, BURST 5) -> Queue -> {LINK} -> Discard;")
    assert (r.read("l", "latency"), r.read("l", "bandwidth")) == ("10ms", "100000")
    timeline(r, 3)
    assert r.read("l", "size") == "3"
    r.write("l", "bandwidth", "8Mbps")
    assert (r.read("l", "bandwidth"), r.read("l", "size")) == ("1000000", "0")
    r.write("l", "latency", "0.25s")
    assert r.read("l", "latency") == "250ms"
    with pytest.raises(HandlerError, match="bandwidth too small, minimum 100Bps"):
        r.write("l", "bandwidth", "50")
    with pytest.raises(HandlerError, match="latency must be a timestamp"):
        r.write("l", "latency", "soon")
    assert r.read("l", "bandwidth") == "1000000"
    timeline(r, 400, start=3)
    r.write("l", "reset")
    acc = r.account()
    assert acc.balanced
    assert acc.drops[("l", "flushed by a handler (reset, latency, bandwidth)")] == 3
    assert int(r.read("c", "count")) == 2


def test_bandwidth_below_100_bytes_per_second_is_refused():
    result = check_graph(build_graph(parse_text(
        "Idle -> Queue -> LinkUnqueue(1ms, 50) -> Discard;", "t.click", yaml=False)))
    [error] = result.errors
    assert "bandwidth too small, minimum 100Bps" in error.message and error.pos.line == 1


@pytest.mark.skipif(numba.config.DISABLE_JIT, reason="compares compiled with interpreted")
def test_compiled_and_interpreted_agree():
    from both_ways import run_both_ways
    out = run_both_ways("InfiniteSource(LENGTH 200, LIMIT 20, BURST 20) -> Queue -> "
                        "l :: LinkUnqueue(2ms, 1MBps) -> c :: Counter -> Discard;"
                        "Script(wait 0.3s, stop)", "c.count", "l.size", "l.bandwidth")
    assert out == "c.count:\n20\n\nl.size:\n0\n\nl.bandwidth:\n1000000\n\n"


def test_red_watches_the_link_as_a_storage_element():
    """Click's LinkUnqueue is a Storage: RED named on it (QUEUES) reads the packets on it."""
    r = router("InfiniteSource(LENGTH 100, LIMIT 3) -> q :: Queue -> "
               "l :: LinkUnqueue(10ms, 100kBps) -> c :: Counter -> Discard;"
               "Idle -> red :: RED(1, 2, 0.5, QUEUES l) -> Discard;")
    assert r.read("red", "queues") == "l\n"
    timeline(r, 3)
    assert r.read("l", "size") == "3" and r.read("red", "stats").startswith("3 current queue")
