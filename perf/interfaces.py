"""Real interfaces: forwarding rate, loss and latency over veth pairs in namespaces.

Pluggable: needs root and clickpy.netns (namespaces, veths) with the
PACKET_MMAP devices, which another stage is building.  Until both exist this
entry skips with the reason; it never reports figures it did not measure.
"""
from __future__ import annotations

import importlib.util
import os

from perf.measure import Ctx, Result
from perf.registry import Skip, benchmark


def _require() -> None:
    if importlib.util.find_spec("clickpy.netns") is None:
        raise Skip("needs root and clickpy.netns (not in this tree yet)")
    if os.geteuid() != 0:
        raise Skip("needs root (network namespaces and veth pairs)")


@benchmark("interfaces", "veth in namespaces: rate, loss, latency vs Linux forwarding")
def run(ctx: Ctx) -> Result:
    _require()
    from clickpy import netns
    bench = getattr(netns, "benchmark", None)
    if bench is None:
        raise Skip("clickpy.netns has no benchmark() entry yet")
    res = Result(plot="bars")
    for row in bench(quick=ctx.quick):
        res.add(row["case"], row["impl"], row["unit"], row["runs"], **row.get("extra", {}))
    return res
