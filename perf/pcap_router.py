"""The router from pcap file to pcap file: `clickpy run --in/--out` against pure Python.

clickpy: `python3 -m clickpy run configs/router.click --in eth0=... --in
eth1=... --out eth0=... --out eth1=... --out host=... -q`, a fresh process
on warm caches, timed from start to exit (start, reading, forwarding and
writing included); and the same Router.run in this process, timed without
the start (batch 64 and 200 idle rounds at the end, as `clickpy run`).  Pure
Python: read both files with struct, run the pure-Python router, write each
output device's file, in process.  Both outputs are compared (packets per
file).
"""
from __future__ import annotations

import os
import shutil
import struct
import subprocess
import sys
import tempfile
import time

from clickpy.pcap import read_pcap, write_pcap
from perf import workloads
from perf.baselines.pure_python import build as build_python
from perf.harness import ROOT, config_path
from perf.measure import Ctx, Result
from perf.registry import benchmark

REC = struct.Struct("<IIII")


def py_read(path: str) -> list[bytes]:
    with open(path, "rb") as f:
        data = f.read()
    out, at = [], 24
    while at + 16 <= len(data):
        _, _, caplen, _ = REC.unpack_from(data, at)
        out.append(data[at + 16:at + 16 + caplen])
        at += 16 + caplen
    return out


def py_write(path: str, frames) -> None:
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for fr in frames:
            f.write(REC.pack(0, 0, len(fr), len(fr)))
            f.write(fr)


def python_router(inputs: dict[str, str], outputs: dict[str, str]) -> dict[str, int]:
    g = build_python("router")
    collected = {dev: [] for dev in outputs}
    for dev in outputs:             # sinks keep the frames, to write them
        name = f"to_{dev}"

        def keep(p, dev=dev):
            collected[dev].append(bytes(p.data[p.off:]))
            return -1
        g.fns[name] = keep
        g.next[name] = []
    frames = {dev: py_read(path) for dev, path in inputs.items()}
    stream, at = [], 0
    while any(at < len(v) for v in frames.values()):
        for dev, v in frames.items():
            stream.extend((dev, f) for f in v[at:at + 64])
        at += 64
    g.run(stream)
    for dev, path in outputs.items():
        py_write(path, collected[dev])
    return {dev: len(v) for dev, v in collected.items()}


def clickpy_in_process(inputs, outputs) -> float:
    """What `clickpy run` does after its start: bind, check, build (cached), run; timed from
    Router.run to the end."""
    from clickpy.check import check_graph
    from clickpy.runtime.bind import bind
    from clickpy.runtime.router import Router
    from perf.harness import load
    graph = load(config_path("router"))
    result = check_graph(bind(graph, inputs, outputs))
    router = Router(result.graph, batch=64)
    # Compile (or load) before the run: a first round that compiles would stamp its
    # packets with a clock minutes old (Router.step sets the time before the call).
    sources = [n for n in result.graph.nodes if result.graph.nodes[n]["class_name"] == "FromDump"]
    for n in sources:
        router.write(n, "active", "false")
    router.step(1)
    for n in sources:
        router.write(n, "active", "true")
    t = time.perf_counter()
    router.run(idle_rounds=200)
    return time.perf_counter() - t


def clickpy_router(inputs, outputs) -> float:
    args = [sys.executable, "-m", "clickpy", "run", config_path("router"), "--quiet"]
    args += [a for dev, p in inputs.items() for a in ("--in", f"{dev}={p}")]
    args += [a for dev, p in outputs.items() for a in ("--out", f"{dev}={p}")]
    t = time.perf_counter()
    subprocess.run(args, cwd=ROOT, check=True, capture_output=True, timeout=1800)
    return time.perf_counter() - t


@benchmark("pcap_router", "Router, pcap file to pcap file: clickpy run vs pure Python")
def run(ctx: Ctx) -> Result:
    res = Result(plot="bars")
    folder = tempfile.mkdtemp(prefix="clickpy-pcap-")
    n = 5000 if ctx.quick else 100000
    work = workloads.router("imix", n)
    inputs = {}
    for dev in ("eth0", "eth1"):
        inputs[dev] = os.path.join(folder, f"in-{dev}.pcap")
        write_pcap(inputs[dev], work.arp.get(dev, []) + work.main.get(dev, []))
    total = work.count("arp") + work.count()
    outs = {m: {dev: os.path.join(folder, f"{m}-{dev}.pcap") for dev in ("eth0", "eth1", "host")}
            for m in ("clickpy", "python")}
    reps = 1 if ctx.quick else 3
    # In process first: it compiles the bound configuration, so the processes start cached.
    inproc = [clickpy_in_process(inputs, outs["clickpy"]) for _ in range(reps)]
    runs = [clickpy_router(inputs, outs["clickpy"]) for _ in range(reps)]
    ours = {dev: len(read_pcap(p)) for dev, p in outs["clickpy"].items()}
    res.add(f"router imix, {total} packets", "clickpy run (process, start included)", "Mpps",
            [total / s / 1e6 for s in runs], seconds=runs)
    res.add(f"router imix, {total} packets", "clickpy Router.run (in process, no start)", "Mpps",
            [total / s / 1e6 for s in inproc], seconds=inproc)
    py = []
    for _ in range(reps):
        t = time.perf_counter()
        theirs = python_router(inputs, outs["python"])
        py.append(time.perf_counter() - t)
    res.add(f"router imix, {total} packets", "pure Python", "Mpps",
            [total / s / 1e6 for s in py], seconds=py)
    same = ours == theirs
    res.checks.append(("agree: " if same else "DISAGREE: ") +
                      f"frames per output file, clickpy {ours} / pure Python {theirs}")
    if not same:
        res.problems.append(f"pcap outputs differ: {ours} vs {theirs}")
    shutil.rmtree(folder, ignore_errors=True)
    res.notes.append("The ARP replies come first in eth0's and eth1's files; clickpy run "
                     "ends after 200 idle rounds, part of its time.")
    return res
