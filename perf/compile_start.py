"""Compile cost per shipped configuration: cold (fresh caches) and cached start to first packet.

Each measurement is a fresh `python3` process (perf/first_packet.py) that
loads the configuration, binds its devices to a small trace, builds the
Router and steps until the first packet leaves.  Cold: NUMBA_CACHE_DIR and
CLICKPY_CACHE_DIR point at new empty folders, so every element kernel and
the fused tasks compile.  Cached: the default caches, after one untimed
run that fills them when the suite has not (`--only compile`).
Times are wall clock from process start, imports included.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile

from perf import workloads
from perf.harness import ROOT
from perf.measure import Ctx, Result
from perf.registry import benchmark


def first_packet(name: str, cold: bool, timeout: float = 1800) -> dict:
    env = dict(os.environ)
    tmp = None
    if cold:
        tmp = tempfile.mkdtemp(prefix="clickpy-cold-")
        env["NUMBA_CACHE_DIR"] = os.path.join(tmp, "numba")
        env["CLICKPY_CACHE_DIR"] = os.path.join(tmp, "clickpy")
    env["PYTHONPATH"] = ROOT + os.pathsep + env.get("PYTHONPATH", "")
    try:
        out = subprocess.run([sys.executable, "-m", "perf.first_packet", name], cwd=ROOT,
                             env=env, capture_output=True, text=True, timeout=timeout)
    finally:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)
    if out.returncode:
        raise RuntimeError(f"first_packet {name} failed: {out.stderr.strip()[-500:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


@benchmark("compile", "Cold compile and cached start to first packet, per shipped configuration")
def run(ctx: Ctx) -> Result:
    res = Result(plot="bars")
    names = list(workloads.MIDDLEBOXES)
    cold = ["wire"] if ctx.quick else names
    cached = ["router"] if ctx.quick else names
    for name in cached:
        first_packet(name, cold=False)      # fills the caches if the suite has not (--only)
        runs = [first_packet(name, cold=False) for _ in range(1 if ctx.quick else 3)]
        res.add(name, "cached start", "s", [r["first_packet_s"] for r in runs],
                router_s=[r["router_s"] for r in runs])
    for name in cold:
        r = first_packet(name, cold=True)
        res.add(name, "cold compile", "s", [r["first_packet_s"]], router_s=[r["router_s"]])
    res.notes.append("Seconds from `python3` start to the first packet out, imports included; "
                     "cold = empty NUMBA_CACHE_DIR and CLICKPY_CACHE_DIR (one run each: minutes).")
    if ctx.quick:
        res.notes.append("quick mode: cached start of the router, cold compile of the wire only")
    return res
