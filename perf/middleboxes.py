"""Each shipped middlebox in memory, one core: clickpy against the baselines, in one run.

Per configs/<name>.click and packet size (64 bytes, IMIX): clickpy compiled
(devices bound to in-memory traces, perf/harness.py), the pure-Python
implementation of the same box (perf/baselines/pure_python/<name>.py), the
same graph on scapy's pipetool (fewer packets: it is slow), and a
hand-fused numba loop doing the same work (perf/baselines/fused/<name>.py,
the ceiling).  Before timing, the warm-up and one pass of the main traffic
go through clickpy and each baseline, and their counts per output device
must agree with clickpy's (scapy's with pure Python's): the figures compare
the same work.  Rates count packets offered on every input device per second.
"""
from __future__ import annotations

import time

from perf import harness, workloads
from perf.baselines import scapy_pipes
from perf.baselines.pure_python import build as build_python
from perf.measure import Ctx, Result
from perf.registry import benchmark


# Counters that are a box's outputs when it has no output device.
COUNTERS = {"monitor": ("tcp", "udp", "icmp", "other", "nonip")}
# Outputs whose counts depend on wall-clock time (a rate limit): not compared exactly.
TIMED = {"shaper": ("eth1",)}


def clickpy_counts(box: harness.Box, name: str) -> dict[str, int]:
    out = box.outputs()
    for c in COUNTERS.get(name, ()):
        out[c] = box.count(c)
    return out


def python_counts(g, name: str) -> dict[str, int]:
    out = g.outputs()
    for c in COUNTERS.get(name, ()):
        out[c] = g.counts[c]
    return out


def compare(name: str, kind: str, a: dict, b: dict, what: str, res: Result) -> None:
    keys = sorted(set(a) | set(b))
    timed = TIMED.get(name, ())
    exact = [k for k in keys if k not in timed]
    same = all(a.get(k, 0) == b.get(k, 0) for k in exact)
    shown = ", ".join(f"{k} {a.get(k, 0)}/{b.get(k, 0)}" for k in keys)
    line = f"{name} {kind}: clickpy/{what} per output: {shown}"
    if timed:
        line += f" ({', '.join(timed)} rate-limited on the wall clock: not compared)"
    res.checks.append(("agree: " if same else "DISAGREE: ") + line)
    if not same:
        res.problems.append(line)


def python_rate(name: str, work: workloads.Workload, ctx: Ctx) -> tuple[list[float], dict]:
    g = build_python(name)
    g.run(work.setup())
    main = work.interleaved("main")
    g.run(main)
    counts = python_counts(g, name)
    stream = (main * (ctx.python_packets // max(len(main), 1) + 1))[:ctx.python_packets]
    runs = []
    for _ in range(ctx.repeats):
        t = time.perf_counter()
        g.run(stream)
        runs.append(len(stream) / (time.perf_counter() - t) / 1e6)
    return runs, counts


def scapy_rate(name: str, work: workloads.Workload, ctx: Ctx, res: Result, kind: str):
    main = work.interleaved("main")[:ctx.scapy_packets]
    warm = work.setup()
    ref = build_python(name)
    ref.run(warm + main)
    runs = []
    for k in range(max(1, ctx.repeats // 2)):
        g = build_python(name)
        dt = scapy_pipes.run(g, warm + main)
        runs.append((len(warm) + len(main)) / dt / 1e6)
        if k == 0:
            compare(name, kind, python_counts(g, name), python_counts(ref, name),
                    "scapy pipetool vs pure Python", res)
    return runs, len(warm) + len(main)


def run_box(name: str, ctx: Ctx, kinds=workloads.SIZES, fused=None) -> Result:
    res = Result(plot="bars")
    graph = harness.load(harness.config_path(name))
    for kind in kinds:
        work = workloads.MIDDLEBOXES[name](kind, ctx.packets)
        box = harness.Box(graph, work)
        try:
            box.setup()
            box.play("main")
            ours = clickpy_counts(box, name)
            runs = []
            for _ in range(ctx.repeats):
                n, dt = box.loop(ctx.seconds)
                runs.append(n / dt / 1e6)
            res.add(f"{name} {kind}", "clickpy", "Mpps", runs, start_s=round(box.start_seconds, 2))
        finally:
            box.close()
        py_runs, py_counts = python_rate(name, work, ctx)
        compare(name, kind, ours, py_counts, "pure Python", res)
        res.add(f"{name} {kind}", "pure Python", "Mpps", py_runs)
        try:
            sc_runs, n = scapy_rate(name, work, ctx, res, kind)
            res.add(f"{name} {kind}", "scapy pipetool", "Mpps", sc_runs, packets=n)
        except ValueError as e:
            if f"scapy pipetool, {name}: {e}" not in res.notes:
                res.notes.append(f"scapy pipetool, {name}: {e}")
        if fused is not None:
            f_runs, f_counts = fused(work, ctx)
            compare(name, kind, ours, f_counts, "fused numba", res)
            res.add(f"{name} {kind}", "fused numba (ceiling)", "Mpps", f_runs)
        res.notes.append(f"{name} {kind}: {work.notes}; {work.count('main')} distinct frames "
                         f"looped, {work.count('arp') + work.count('warm')} warm-up frames first")
    return res


def fused_measure(name: str):
    """perf/baselines/fused/<name>.py's measure(work, ctx): the box as one numba loop."""
    import importlib
    return importlib.import_module(f"perf.baselines.fused.{name}").measure


def _register(name: str):
    @benchmark(f"mbox.{name}", f"{name}: in memory, one core, 64 B and IMIX", group="mbox")
    def run(ctx: Ctx) -> Result:
        return run_box(name, ctx, fused=fused_measure(name))
    return run


for _name in workloads.MIDDLEBOXES:
    _register(_name)
