"""Real interfaces: forwarding rate, loss and latency over veth pairs in namespaces.

The measuring is perf.netdev's: clickpy's router (configs/router.click) over
each ring type (AFPACKET, AFXDP) against Linux's own forwarding, in the same
namespaces.  This entry turns its figures into rows: one per forwarder, the
forwarded rate of 64-byte frames in kpps, with offered rate, loss and
latency under load as extras.  Needs root; skipped with the reason
elsewhere.  --quick: one worker per ring type, 2-second blasts (about half a
minute in all).
"""
from __future__ import annotations

import os

from perf.measure import Ctx, Result
from perf.registry import Skip, benchmark

CASE = "router, 64 B UDP, veth"


def _require() -> None:
    if os.geteuid() != 0:
        raise Skip("needs root (network namespaces and veth pairs)")
    from clickpy import netns
    why = netns.available()
    if why:
        raise Skip(f"network namespaces: {why}")


def rows(results: dict) -> Result:
    """The Result of a perf.netdev.run() dict: a row per forwarder, forwarded kpps."""
    res = Result(plot="bars")
    runs = [(name, r["throughput"]) for name, r in results["runs"].items()]
    for name, t in runs + [("linux", results["linux"])]:
        res.add(CASE, name, "kpps", [t["forwarded_pps"] / 1e3],
                offered_kpps=round(t["offered_pps"] / 1e3, 1), loss_pct=t["loss_pct"],
                latency_median_us=t["latency_median_us"], latency_p99_us=t["latency_p99_us"],
                forwarder_cpu_us_per_pkt=t.get("forwarder_cpu_us_per_pkt"))
    res.notes.append(f"one run of {results['seconds']} s per forwarder; load average "
                     f"{results['load_before']} -> {results['load_after']} on "
                     f"{results['cpus']} CPUs: noisy on a shared machine; "
                     f"{results.get('queues', 1)} queue(s) per veth")
    return res


@benchmark("interfaces", "veth in namespaces: rate, loss, latency vs Linux forwarding")
def run(ctx: Ctx) -> Result:
    _require()
    from perf import netdev
    if ctx.quick:
        results = netdev.run(worker_counts=(1,), seconds=2.0, quick=True)
    else:
        results = netdev.run(seconds=max(ctx.seconds, 5.0))
    return rows(results)
