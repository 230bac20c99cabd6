"""Run the selected benchmarks, record skips and failures, write results, report and plots."""
from __future__ import annotations

import datetime
import json
import logging
import os
import platform
import sys
import time
import traceback

from perf import registry
from perf.measure import Ctx
from perf.report import write_report

log = logging.getLogger("perf")
HERE = os.path.dirname(os.path.abspath(__file__))


def machine() -> dict:
    cpu = platform.processor()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next((l.split(":", 1)[1].strip() for l in f if l.startswith("model name")), cpu)
    except OSError:
        pass
    import numba
    import numpy
    return {"cpu": cpu, "cores": os.cpu_count(), "kernel": platform.release(),
            "python": platform.python_version(), "numba": numba.__version__,
            "numpy": numpy.__version__, "host": platform.node()}


def context(args) -> Ctx:
    ctx = Ctx(quick=True, seconds=0.25, repeats=3, packets=2048, scapy_packets=600,
              python_packets=2000) if args.quick else Ctx()
    if args.seconds:
        ctx.seconds = args.seconds
    if args.repeats:
        ctx.repeats = args.repeats
    return ctx


def _merge(path: str, new: dict) -> dict:
    """The old results with the benchmarks just run replaced (or added), the update noted."""
    with open(path) as f:
        old = json.load(f)
    if old.get("quick") != new["quick"]:
        log.warning("--update: %s was a %s run, this one is %s; the report mixes them", path,
                    "quick" if old.get("quick") else "full", "quick" if new["quick"] else "full")
    fresh = {b["name"]: b for b in new["benchmarks"]}
    merged = [fresh.pop(b["name"], b) for b in old["benchmarks"]] + list(fresh.values())
    old["benchmarks"] = merged
    old.setdefault("updates", []).append({"date": new["date"], "command": new["command"],
                                          "benchmarks": [b["name"] for b in new["benchmarks"]],
                                          "seconds": new["seconds"]})
    return old


def run_suite(args, command: str) -> int:
    try:
        selected = registry.select(args.only)
    except KeyError as e:
        names = ", ".join(sorted(registry.REGISTRY))
        print(f"perf: no benchmark or group named {e.args[0]!r}; there are: {names}",
              file=sys.stderr)
        return 2
    if args.list:
        for b in selected:
            print(f"{b.name:<22} {b.title}")
        return 0
    ctx = context(args)
    out_dir = args.out_dir or HERE
    os.makedirs(out_dir, exist_ok=True)
    results = {"date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
               "command": command, "quick": ctx.quick, "machine": machine(), "benchmarks": []}
    status = 0
    t_all = time.perf_counter()
    for b in selected:
        entry = {"name": b.name, "title": b.title, "group": b.group}
        log.info("%s ...", b.name)
        t = time.perf_counter()
        try:
            res = b.run(ctx)
        except registry.Skip as e:
            entry.update(status="skipped", reason=str(e))
            log.info("%s skipped: %s", b.name, e)
        except Exception as e:          # one broken benchmark must not hide the others
            entry.update(status="error", reason=f"{type(e).__name__}: {e}",
                         traceback=traceback.format_exc())
            log.error("%s failed: %s", b.name, e)
            status = 1
        else:
            entry.update(status="ok", rows=[r.as_dict() for r in res.rows], checks=res.checks,
                         notes=res.notes, plot=res.plot, problems=res.problems)
            for r in res.rows:
                log.info("  %-28s %-24s %10.4g %s  (%s runs %.4g-%.4g)", r.case, r.impl,
                         r.median, r.unit, len(r.runs), min(r.runs), max(r.runs))
            for p in res.problems:
                log.error("  check failed: %s", p)
        entry["seconds"] = round(time.perf_counter() - t, 1)
        results["benchmarks"].append(entry)
    results["seconds"] = round(time.perf_counter() - t_all, 1)
    path = os.path.join(out_dir, "results.json")
    if args.update and os.path.exists(path):
        results = _merge(path, results)
    with open(path, "w") as f:
        json.dump(results, f, indent=1)
    write_report(results, out_dir)
    log.info("wrote %s (%.0f s)", os.path.join(out_dir, "report.md"), results["seconds"])
    return status
