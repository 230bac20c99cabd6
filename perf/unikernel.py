"""Unikernel images: size, boot to first forwarded packet, memory, rate, density.

Pluggable: needs `clickpy build` (clickpy.unikernel) and qemu-system-x86_64,
which another stage is building.  Until they exist this entry skips with the
reason; it never reports figures it did not measure.
"""
from __future__ import annotations

import importlib.util
import shutil

from perf.measure import Ctx, Result
from perf.registry import Skip, benchmark


@benchmark("unikernel", "Unikernel images: size, boot to first packet, rate, density")
def run(ctx: Ctx) -> Result:
    if importlib.util.find_spec("clickpy.unikernel") is None:
        raise Skip("needs clickpy build (clickpy.unikernel is not in this tree yet)")
    if shutil.which("qemu-system-x86_64") is None:
        raise Skip("needs qemu-system-x86_64 on PATH")
    from clickpy import unikernel
    bench = getattr(unikernel, "benchmark", None)
    if bench is None:
        raise Skip("clickpy.unikernel has no benchmark() entry yet")
    res = Result(plot="bars")
    for row in bench(quick=ctx.quick):
        res.add(row["case"], row["impl"], row["unit"], row["runs"], **row.get("extra", {}))
    return res
