"""Real interfaces: forwarding rate, loss and latency over veth pairs in namespaces.

The measuring is perf.netdev's: clickpy's router (configs/router.click) over
each ring type (AFPACKET, AFXDP) against Linux's own forwarding, in the same
namespaces.  This entry turns its figures into rows: one per forwarder, the
forwarded rate of 64-byte frames in kpps, one figure per repeat of the
whole comparison (so every forwarder is measured under the same conditions
in each repeat), with the offered rate, loss and latency under load of the
median repeat as extras.  Needs root; skipped with the reason elsewhere.
--quick: one repeat, one worker per ring type, 2-second blasts (about half
a minute in all); otherwise 3 repeats (or --repeats, when fewer), each with
AFXDP and one worker once more at nice -10 (PRIORITIZED).
"""
from __future__ import annotations

import os
import statistics

from perf.measure import Ctx, Result
from perf.registry import Skip, benchmark

CASE = "router, 64 B UDP, veth"
# Linux forwards in softirq context, ahead of every process; the forwarder that loses
# least (AFXDP, one worker) runs once more at a priority above the sender's, as one
# would deploy it, to show how much of its loss is the scheduler's.
PRIORITIZED = ("AFXDP", 1, -10)


def _require() -> None:
    if os.geteuid() != 0:
        raise Skip("needs root (network namespaces and veth pairs)")
    from clickpy import netns
    why = netns.available()
    if why:
        raise Skip(f"network namespaces: {why}")


def _forwarders(results: dict) -> dict:
    """Forwarder name -> its throughput figures, in one perf.netdev.run() dict."""
    out = {name: r["throughput"] for name, r in results["runs"].items()}
    out["linux"] = results["linux"]
    return out


def latency_note(res: Result) -> str:
    """One line: each forwarder's one-way latency under load (its median repeat's)."""
    parts = [f"{r.impl} {_us(r.extra.get('latency_median_us'))} / "
             f"{_us(r.extra.get('latency_p99_us'))}" for r in res.rows]
    return "latency under load, median / p99: " + ", ".join(parts)


def _us(v) -> str:
    if v is None:
        return "-"
    return f"{v / 1000:.1f} ms" if v >= 1000 else f"{v:.0f} us"


def rows(repeats: list[dict]) -> Result:
    """The Result of perf.netdev.run() dicts, one per repeat: a row per forwarder,
    forwarded kpps per repeat; the extras are the median repeat's."""
    res = Result(plot="bars")
    each = [_forwarders(r) for r in repeats]
    for name in each[0]:
        figures = sorted((f[name] for f in each if name in f), key=lambda t: t["forwarded_pps"])
        mid = figures[(len(figures) - 1) // 2]
        res.add(CASE, name, "kpps", [t["forwarded_pps"] / 1e3 for t in figures],
                offered_kpps=round(mid["offered_pps"] / 1e3, 1), loss_pct=mid["loss_pct"],
                latency_median_us=mid["latency_median_us"], latency_p99_us=mid["latency_p99_us"],
                forwarder_cpu_us_per_pkt=mid.get("forwarder_cpu_us_per_pkt"))
    first, last = repeats[0], repeats[-1]
    res.notes.append(f"{len(repeats)} repeat(s) of {first['seconds']} s per forwarder; load "
                     f"average {first['load_before']} -> {last['load_after']} on "
                     f"{first['cpus']} CPUs: noisy on a shared machine; "
                     f"{first.get('queues', 1)} queue(s) per veth")
    res.notes.append(latency_note(res))
    pinned = [n for n, r in first["runs"].items() if r.get("pinned")]
    if pinned:
        res.notes.append("the sender and its peers run on the last CPU; forwarders with a CPU "
                         "each beside it are pinned (clickpy run -a): " + ", ".join(pinned))
    alone = sorted((r["transmit_alone"] for r in repeats if "transmit_alone" in r),
                   key=lambda t: t["pps"])
    if alone:
        mid = alone[(len(alone) - 1) // 2]
        res.notes.append(
            f"transmit alone (r's PACKET_MMAP ring into b, on the pinned forwarder's CPU, no "
            f"receive, no graph): {mid['pps'] / 1e3:.0f} kpps, {mid['cpu_us_per_pkt']} us of "
            f"CPU a frame (median of {len(alone)}): the most a forwarder that sends through a "
            "packet socket could forward on that core here")
    if len(repeats) > 1:
        losses = {n: [f[n]["loss_pct"] for f in each if n in f] for n in each[0]}
        res.notes.append("median loss per forwarder over the repeats (each repeat's, in "
                         "order): " + ", ".join(
                             f"{n} {statistics.median(v):.2f}% ({', '.join(f'{x:.2f}' for x in v)})"
                             for n, v in losses.items()))
    return res


@benchmark("interfaces", "veth in namespaces: rate, loss, latency vs Linux forwarding")
def run(ctx: Ctx) -> Result:
    _require()
    from perf import netdev
    if ctx.quick:
        return rows([netdev.run(worker_counts=(1,), seconds=2.0, quick=True)])
    return rows([netdev.run(seconds=max(ctx.seconds, 5.0), extra_runs=[PRIORITIZED])
                 for _ in range(min(ctx.repeats, 3))])
