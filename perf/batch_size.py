"""Where clickpy's per-round cost goes: throughput against the batch (packets per task per round).

Each Router.step() is one Python call into the compiled round plus the
host's work for that round; a larger batch spreads that fixed cost over more
packets.  Measured on the IPv4 path (no queues, so any batch is safe) and
the wire (Queue(1024) between the devices), 64-byte frames.
"""
from __future__ import annotations

from perf import harness, ipv4_path, workloads
from perf.measure import Ctx, Result
from perf.registry import benchmark


@benchmark("batch", "Throughput vs batch size (IPv4 path and wire, 64 B)")
def run(ctx: Ctx) -> Result:
    res = Result(plot="lines:batch (packets per task per round)")
    batches = (32, 256) if ctx.quick else (16, 32, 64, 128, 256, 512, 1024)
    cases = (("ipv4_path", harness.load(ipv4_path.suite_config(), text=True),
              workloads.ipv4_path("64", ctx.packets)),
             ("wire", harness.load(harness.config_path("wire")), workloads.wire("64", ctx.packets)))
    for name, graph, work in cases:
        for b in batches:
            box = harness.Box(graph, work, batch=b)
            try:
                box.setup()
                runs = [n / dt / 1e6 for n, dt in (box.loop(ctx.seconds)
                                                   for _ in range(ctx.repeats))]
            finally:
                box.close()
            res.add(f"{name} batch {b}", name, "Mpps", runs, x=b)
    res.notes.append("the other benchmarks use batch 128 (clickpy run's default is 64)")
    return res
