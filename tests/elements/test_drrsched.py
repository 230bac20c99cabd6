"""DRRSched: Click's deficit round robin over its pull inputs, in bytes."""
from __future__ import annotations

import numba
import pytest
from scapy.layers.inet import IP, UDP
from scapy.layers.l2 import Ether
from scapy.utils import rdpcap

from clickpy.check import check_graph
from clickpy.graph import build_graph
from clickpy.lang import parse_text
from clickpy.runtime.router import Router


def frame(flow: int, size: int) -> bytes:
    """A `size`-byte UDP frame of input `flow` (its source port)."""
    head = (Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02")
            / IP(src="10.0.0.1", dst="10.0.0.2") / UDP(sport=1000 + flow))
    return bytes(head / (b"x" * (size - len(head))))


def click_drr(queues: list[list[int]], quantum: int, pulls: int) -> list[tuple[int, int]]:
    """Click's DRRSched::pull, `pulls` times, over queues of packet lengths (all there from
    the start): the (input, length) of each packet it returns."""
    n = len(queues)
    queues = [list(q) for q in queues]
    head, deficit, nxt, out = [None] * n, [0] * n, 0, []
    for _ in range(pulls):
        for _ in range(n):
            p = head[nxt]
            head[nxt] = None
            if p is None and queues[nxt]:
                p = queues[nxt].pop(0)
            if p is None:
                deficit[nxt] = 0
            elif p <= deficit[nxt]:
                deficit[nxt] -= p
                out.append((nxt, p))
                break
            else:
                head[nxt] = p
            nxt = (nxt + 1) % n
            deficit[nxt] += quantum
    return out


PULLS = 300


def run(sizes: list[list[int]], quantum: int, tmp_path) -> tuple[list[tuple[int, int]], Router]:
    """Fill one Queue per input with frames of the given sizes, then pull everything through
    DRRSched(quantum) into a pcap: the (input, length) of each frame, in order."""
    lines = [f"d :: DRRSched({quantum}) -> u :: Unqueue(ACTIVE false) -> "
             f"ToDump({tmp_path / 'out.pcap'});"]
    for k, flow in enumerate(sizes):
        lines.append(f"q{k} :: Queue(1000) -> [{k}] d;" + ("" if flow else f"Idle -> q{k};"))
        for size in flow:
            lines.append(f"InfiniteSource(DATA \\<{frame(k, size).hex()}>, LIMIT 1) -> q{k};")
    result = check_graph(build_graph(parse_text("\n".join(lines), "t.click", yaml=False)))
    assert result.ok, [str(d) for d in result.errors]
    r = Router(result.graph)
    r.step()                                   # every source fills its queue
    r.write("u", "active", "true")
    for _ in range(PULLS):                     # Unqueue pulls once a round
        r.step()
    r.close()
    got = [(Ether(bytes(p))[UDP].sport - 1000, len(p)) for p in rdpcap(str(tmp_path / "out.pcap"))]
    return got, r


@pytest.mark.parametrize("quantum", [500, 100, 1500])
def test_the_order_is_clicks_deficit_round_robin(tmp_path, quantum):
    sizes = [[1000, 1000, 1000, 1000], [100] * 20, [600, 60, 600, 60, 600], []]
    got, r = run(sizes, quantum, tmp_path)
    assert got == click_drr(sizes, quantum, PULLS)
    assert sorted(got) == sorted((k, s) for k, flow in enumerate(sizes) for s in flow)
    assert r.account().balanced


def test_bytes_are_shared_fairly_between_busy_inputs(tmp_path):
    """Big packets do not take more of the link: while both inputs are busy, each gets
    about as many bytes through (within a packet and a quantum)."""
    sizes = [[1400] * 12, [70] * 240]
    got, _ = run(sizes, 500, tmp_path)
    sent = [0, 0]
    for flow, size in got:
        sent[flow] += size
        if sent[0] < 12 * 1400 and sent[1] < 240 * 70:
            assert abs(sent[0] - sent[1]) <= 1400 + 500


def test_a_packet_kept_for_later_is_neither_lost_nor_duplicated(tmp_path):
    """QUANTUM 100 against 1000-byte packets: each waits at the head for ten turns."""
    got, r = run([[1000, 1000], [64, 64, 64]], 100, tmp_path)
    assert sorted(got) == [(0, 1000), (0, 1000), (1, 64), (1, 64), (1, 64)]
    acc = r.account()
    assert acc.balanced and not acc.drops


def test_quantum_must_be_positive():
    for text in ("DRRSched(0)", "DRRSched(QUANTUM -5)"):
        conf = f"Idle -> q :: Queue -> d :: {text} -> Discard;"
        result = check_graph(build_graph(parse_text(conf, "t.click", yaml=False)))
        [error] = result.errors
        assert "bad QUANTUM" in error.message and error.pos.line == 1


@pytest.mark.skipif(numba.config.DISABLE_JIT, reason="compares compiled with interpreted")
def test_compiled_and_interpreted_agree():
    from both_ways import run_both_ways
    sources = "".join(
        f"InfiniteSource(DATA \\<{frame(k, size).hex()}>, LIMIT {n}, STOP false) -> q{k};"
        for k, size, n in ((0, 900, 5), (1, 80, 30)))
    out = run_both_ways(
        f"q0 :: Queue -> [0] d :: DRRSched(300); q1 :: Queue -> [1] d; {sources}"
        "d -> c :: Counter -> Discard; Script(wait 0.3s, stop)", "c.count", "c.byte_count")
    assert out == "c.count:\n35\n\nc.byte_count:\n6900\n\n"
