"""Click's own user-level driver on the router, when a `click` binary is on PATH.

Never installed by the suite.  When present, `click` runs configs/router.click
with FromDevice bound to FromDump of the router workload (looped by
re-running it) and ToDevice to Discard, and the rate is the trace's packets
over Click's wall time.
"""
from __future__ import annotations

import os
import shutil
import re
import subprocess
import tempfile
import time

from perf import harness, workloads
from perf.measure import Ctx, Result
from perf.registry import Skip, benchmark
from clickpy.pcap import write_pcap


@benchmark("click_driver", "Click's user-level driver on the router (only if `click` is on PATH)")
def run(ctx: Ctx) -> Result:
    click = shutil.which("click")
    if click is None:
        raise Skip("no `click` binary on PATH (the suite never installs Click)")
    res = Result(plot="bars")
    folder = tempfile.mkdtemp(prefix="clickpy-click-")
    with open(harness.config_path("router")) as f:
        text = f.read()
    for kind in workloads.SIZES:
        work = workloads.router(kind, ctx.packets)
        cfg = text
        for dev in ("eth0", "eth1"):
            path = os.path.join(folder, f"{kind}-{dev}.pcap")
            frames = [f for _, f in work.setup() if _ == dev] + work.main.get(dev, []) * 20
            write_pcap(path, frames)
            cfg = re.sub(rf"FromDevice\(\$IF{dev[-1]}\)", f"FromDump({path}, STOP true)", cfg)
            cfg = re.sub(rf"ToDevice\(\$IF{dev[-1]}\)", "Discard", cfg)
        cfg = cfg.replace("toh :: ToHost;", "toh :: Discard;")
        runs = []
        total = work.count() * 20 + work.count("arp")
        for _ in range(ctx.repeats):
            t = time.perf_counter()
            subprocess.run([click, "-e", cfg], check=True, capture_output=True, timeout=600)
            runs.append(total / (time.perf_counter() - t) / 1e6)
        res.add(f"router {kind}", "Click userlevel", "Mpps", runs)
    shutil.rmtree(folder, ignore_errors=True)
    res.notes.append("Click's time includes its start and reading the trace")
    return res
