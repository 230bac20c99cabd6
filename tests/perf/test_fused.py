"""Each fused numba baseline (perf/baselines/fused/<name>.py) does the box's work: on a small
workload its counts per output agree with the pure-Python box's, so a wrong ceiling fails here.

Also: scapy's pipetool runs the shaper (its pull side as a triggered pipe) and
agrees with pure Python on the unshaped direction.
"""
import pytest

pytest.importorskip("numba")

from perf import workloads  # noqa: E402
from perf.baselines.pure_python import build as build_python  # noqa: E402
from perf.measure import Ctx  # noqa: E402
from perf.middleboxes import TIMED, fused_measure, python_counts, python_rate  # noqa: E402


def _exact(name, counts):
    return {k: v for k, v in counts.items() if k not in TIMED.get(name, ())}


@pytest.mark.parametrize("name", sorted(workloads.MIDDLEBOXES))
def test_fused_agrees_with_pure_python(name):
    ctx = Ctx(seconds=0.01, repeats=1, packets=300, python_packets=10)
    work = workloads.MIDDLEBOXES[name]("imix" if name == "router" else "64", ctx.packets)
    runs, fused = fused_measure(name)(work, ctx)
    _, python = python_rate(name, work, ctx)
    assert runs and all(r > 0 for r in runs)
    assert _exact(name, fused) == _exact(name, dict(python))
    assert sum(fused.values()) > 0


def test_pipetool_runs_the_shaper():
    scapy_pipes = pytest.importorskip("perf.baselines.scapy_pipes")
    work = workloads.shaper("64", 300)
    stream = work.setup() + work.interleaved("main")
    ref, g = build_python("shaper"), build_python("shaper")
    ref.run(stream)
    assert scapy_pipes.run(g, stream) > 0
    got, want = python_counts(g, "shaper"), python_counts(ref, "shaper")
    assert got["eth0"] == want["eth0"] == 30
    assert 0 < got["eth1"] <= 270
