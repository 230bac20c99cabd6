"""How IPFilter's cost grows with its rule count (10 to 10,000 rules).

The IPv4 path of perf/ipv4_path.py with N rules: N-2 deny rules the traffic
never matches (source hosts in 192.168.0.0/16 and UDP ports 10000 and up,
alternating), then `allow udp && dst port 5678` and `deny all`.  IPFilter
compiles its rules into a decision tree at configure time; the build column
is the time to load, check, configure and compile (or load from cache).
"""
from __future__ import annotations

import time

from perf import harness, workloads
from perf.ipv4_path import PATH, ROUTES
from perf.measure import Ctx, Result
from perf.registry import benchmark


def rules(n: int) -> list[str]:
    out = []
    for i in range(max(0, n - 2)):
        out.append(f"deny src host 192.168.{(i >> 8) & 255}.{i & 255}" if i % 2 == 0
                   else f"deny udp && dst port {10000 + i}")
    return out + ["allow udp && dst port 5678", "deny all"]


def config(n: int) -> str:
    return "FromDevice(eth0) " + PATH.format(rules=", ".join(rules(n)), routes=", ".join(ROUTES))


@benchmark("scale.ipfilter", "Throughput vs IPFilter rules (64 B, IPv4 path)")
def run(ctx: Ctx) -> Result:
    res = Result(plot="lines:IPFilter rules")
    work = workloads.ipv4_path("64", ctx.packets)
    for n in ((10, 100, 1000) if ctx.quick else (10, 100, 1000, 10000)):
        t = time.perf_counter()
        graph = harness.load(config(n), text=True)
        load_s = time.perf_counter() - t
        runs, start_s, out = harness.measure(graph, work, ctx.seconds, ctx.repeats, "c")
        if out["c"] != work.count():
            res.problems.append(f"{n} rules: {out['c']} of {work.count()} packets forwarded")
        res.add(f"{n} rules", "clickpy", "Mpps", runs, x=n, load_s=round(load_s, 2),
                build_s=round(start_s, 2))
    res.notes.append("load_s: parse and check the configuration; build_s: configure "
                     "(decision tree) and compile or load the tasks")
    return res
