"""RatedSplitter, BandwidthRatedSplitter, Meter, BandwidthMeter, StoreIPAddress,
SetPacketType, CheckARPHeader, checked against Click's elements/*/*.{hh,cc}: ports,
arguments, kernels, handlers, and a run."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from kernel_harness import Harness

from clickpy.check import check_graph
from clickpy.diagnostics import SourcePos
from clickpy.element import registry
from clickpy.graph import build_graph
from clickpy.kernel import drop
from clickpy.lang import parse_text
from clickpy.packet import C_NOW
from clickpy.runtime.router import HandlerError, Router
from element_args import ArgsAt

A = ArgsAt(SourcePos("t.click", 3, 10))
T0 = 1_700_000_000_000_000_000
MS = 1_000_000


class H(Harness):
    def now(self, ns: int) -> None:
        self.P[5][C_NOW] = ns

    def codes(self, frames, t=None) -> list[int]:
        if t is not None:
            self.now(t)
        return [self.action(f)[0] for f in frames]


def router(text: str) -> Router:
    result = check_graph(build_graph(parse_text(text, "t.click", yaml=False)))
    assert result.ok, [str(d) for d in result.errors]
    return Router(result.graph)


@pytest.mark.parametrize("name, ports, processing, family", [
    ("RatedSplitter", "1/1-2", "h/h", "standard"),
    ("BandwidthRatedSplitter", "1/1-2", "h/h", "standard"),
])
def test_declarations_match_click(name, ports, processing, family):
    cls = registry()[name]
    assert (cls.port_count, cls.processing, cls.family()) == (ports, processing, family)
    assert cls.runnable()


# ---- RatedSplitter ----------------------------------------------------------------------------

def test_ratedsplitter_passes_rate_then_splits():
    h = H("RatedSplitter", "1000", n_outputs=2)      # bucket: 20 ms at 1000/s = 20 tokens
    assert h.codes([b"x"] * 21, T0) == [0] * 20 + [1]
    assert h.codes([b"x"] * 3, T0 + 1 * MS) == [0, 1, 1]   # one token per millisecond
    assert h.codes([b"x"] * 6, T0 + 6 * MS) == [0] * 5 + [1]
    assert h.codes([b"x"] * 21, T0 + 1000 * MS) == [0] * 20 + [1]   # full, not more


def test_ratedsplitter_without_output_1_drops():
    h = H("RatedSplitter", "RATE 10, BURST_SIZE 2", n_outputs=1)
    assert h.codes([b"x"] * 3, T0) == [0, 0, drop(0)]


def test_ratedsplitter_burst_arguments():
    h = H("RatedSplitter", "100, BURST_DURATION 50ms", n_outputs=2)   # 5 tokens
    assert h.codes([b"x"] * 6, T0) == [0] * 5 + [1]
    h = H("RatedSplitter", "100, BURST_SIZE 3", n_outputs=2)
    assert h.codes([b"x"] * 4, T0) == [0, 0, 0, 1]
    h = H("RatedSplitter", "1", n_outputs=2)        # 20 ms of 1/s is 0 tokens: Click makes 1
    assert h.codes([b"x"] * 2, T0) == [0, 1]
    h = H("RatedSplitter", "0", n_outputs=2)        # an idle bucket never fills
    assert h.codes([b"x"] * 2, T0) == [1, 1]
    assert "both" in A.issue("RatedSplitter", "10, BURST_DURATION 1, BURST_SIZE 3").message
    assert A.issue("RatedSplitter", "").message
    assert A.issue("RatedSplitter", "-1").message
    assert A.issue("RatedSplitter", "1, BURST_BYTES 3").message
    assert A.ok("RatedSplitter", "RATE 5")["RATE"] == 5


def test_ratedsplitter_rate_handler():
    h = H("RatedSplitter", "1000", n_outputs=2)
    assert h.read("rate") == "1000" and h.read("config") == "1000"
    h.write("rate", "10")
    assert h.read("rate") == "10"
    # 20 ms at 10/s is 0 tokens, so 1; the bucket was full and stays full.
    assert h.codes([b"x"] * 2, T0) == [0, 1]
    with pytest.raises(ValueError):
        h.write("rate", "fast")
    names = {(x.name, x.read, x.write) for x in registry()["RatedSplitter"].handlers}
    assert names == {("rate", True, True), ("config", True, False)}


# ---- BandwidthRatedSplitter -------------------------------------------------------------------

def test_bwratedsplitter_passes_while_threshold_bytes_remain():
    # 8Mbps = 1e6 B/s; 20 ms = 20000 bytes, plus Click's tb_bandwidth_thresh 131072.
    h = H("BandwidthRatedSplitter", "8Mbps", n_outputs=2)
    frame = bytes(1000)
    codes = h.codes([frame] * 25, T0)
    # 151072 bytes: a packet passes while 131072 remain, before its 1000 are taken.
    assert codes == [0] * 21 + [1] * 4
    assert h.codes([frame], T0 + 1 * MS) == [0]      # 1000 bytes earned per millisecond
    assert h.codes([frame], T0 + 1 * MS) == [1]
    h = H("BandwidthRatedSplitter", "8Mbps, BURST_BYTES 0", n_outputs=1)
    assert h.codes([bytes(1900)] * 2, T0) == [0, drop(0)]


def test_bwratedsplitter_arguments_and_handlers():
    h = H("BandwidthRatedSplitter", "RATE 384kbps", n_outputs=2)
    # Click reads the rate back from the bucket's integer fractions, not RATE as given.
    assert h.read("rate") == "384.192kbps" and h.read("config") == "384.192kbps"
    h.write("rate", "10Mbps")
    assert h.read("rate") == "10.005Mbps"
    with pytest.raises(ValueError):
        h.write("rate", "fast")
    assert A.ok("BandwidthRatedSplitter", "1Mbps, BURST_BYTES 100")["BURST_BYTES"] == 100
    assert A.issue("BandwidthRatedSplitter", "1Mbps, BURST_SIZE 100").message
    assert A.issue("BandwidthRatedSplitter", "1 furlong").message
    assert "both" in A.issue("BandwidthRatedSplitter",
                             "1Mbps, BURST_BYTES 1, BURST_DURATION 1").message


def test_splitters_run():
    r = router("InfiniteSource(LIMIT 100, STOP true) -> rs :: RatedSplitter(RATE 1000,"
               " BURST_SIZE 10) -> a :: Counter -> Discard; rs[1] -> b :: Counter -> Discard;")
    r.run(duration=10)
    a, b = int(r.read("a", "count")), int(r.read("b", "count"))
    assert a + b == 100 and 10 <= a < 100
    assert r.read("rs", "rate") == "1000"
    r.write("rs", "rate", "5")
    assert r.read("rs", "rate") == "5"
    with pytest.raises(HandlerError):
        r.write("rs", "rate", "x")
    assert r.account().balanced


# ---- compiled and interpreted -----------------------------------------------------------------

def test_interpreted_kernels_give_the_same_trace():
    """NUMBA_DISABLE_JIT=1 runs the same kernels as plain Python: the same trace."""
    from more_elements_c_trace import trace
    script = Path(__file__).with_name("more_elements_c_trace.py")
    run = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                         timeout=600, env={**os.environ, "NUMBA_DISABLE_JIT": "1"})
    assert run.returncode == 0, run.stderr
    compiled = json.loads(json.dumps(trace()))
    assert json.loads(run.stdout) == compiled
    assert set(compiled) == {"RatedSplitter", "BandwidthRatedSplitter"}
