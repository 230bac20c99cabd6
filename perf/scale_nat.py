"""How the NAT's cost grows with its flow table (1,000 to 1,000,000 flows).

configs/nat.click as shipped, and the same with IPRewriter's
MAPPING_CAPACITY raised to the flow count.  IPRewriter's table is fixed at
configure time (elements/tcpudp/iprewriter.py: DEFAULT_CAPACITY = 16384
flows when MAPPING_CAPACITY is not given; Click's default is unlimited).
Past its capacity the shipped NAT evicts the oldest flows: new packets still
get mappings, but replies to evicted flows are dropped.  So next to the
rate, `replies translated` reports the share of reply packets that found
their flow, which is where the shipped table saturates.
"""
from __future__ import annotations

import re

from perf import harness, workloads
from perf.measure import Ctx, Result
from perf.registry import benchmark

SPEC = re.compile(r"nat :: IPRewriter\((pattern [^)]*), drop\);")


def config(capacity: int | None) -> str:
    with open(harness.config_path("nat")) as f:
        text = f.read()
    if capacity is None:
        return text
    return SPEC.sub(lambda m: f"nat :: IPRewriter({m.group(1)}, drop, "
                    f"MAPPING_CAPACITY {capacity});", text)


@benchmark("scale.nat", "NAT throughput vs flows in the table (64 B, 70% out / 30% replies)")
def run(ctx: Ctx) -> Result:
    res = Result(plot="lines:flows")
    sizes = (1000, 10000) if ctx.quick else (1000, 10000, 100000, 1000000)
    for flows in sizes:
        # the main trace touches up to 65536 flows, so lookups spread over the table
        n = ctx.packets if ctx.quick else max(ctx.packets, min(flows, 65536))
        work = workloads.nat("64", n, flows=flows)
        replies = len(work.main.get("eth1", []))
        for label, cap in (("nat.click (capacity 16384)", None),
                           ("MAPPING_CAPACITY = flows", flows)):
            graph = harness.load(config(cap), text=True)
            runs, start_s, out = harness.measure(graph, work, ctx.seconds, ctx.repeats)
            share = out.get("eth0", 0) / replies if replies else 0.0
            res.add(f"{flows} flows", label, "Mpps", runs, x=flows,
                    replies_translated=round(share, 4), build_s=round(start_s, 2))
            res.notes.append(f"{flows} flows, {label}: {share:.1%} of replies translated")
    return res
