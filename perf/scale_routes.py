"""How RadixIPLookup's cost grows with its table (10 to 1,000,000 routes).

Path: Strip(14) -> CheckIPHeader -> RadixIPLookup(N routes) -> EtherEncap ->
Counter.  Routes are random prefixes (/8 to /32, mostly /24 as in a BGP
table); the traffic's destinations are drawn inside random routes, so
lookups touch the whole table rather than one cache line.

Tables up to TEXT_LIMIT routes are given as configuration text, and the
time to parse and check that text is reported (load_s).  The text front end
is quadratic in the number of arguments (clickpy.args.split_config and
diagnostics.advanced rescan the text per argument: 10,000 routes take
seconds, 20,000 about 40 s), so larger tables are parsed with TEXT_LIMIT
routes and the element's parsed ROUTE argument is then given the whole
table before the Router configures it: the data path and the table build
are the same, the front end is left out.
"""
from __future__ import annotations

import random
import time

from perf import harness, workloads
from perf.measure import Ctx, Result
from perf.registry import benchmark

TEXT_LIMIT = 10000
PATH = ("FromDevice(eth0) -> Strip(14) -> CheckIPHeader -> rt :: RadixIPLookup({routes}) "
        "-> EtherEncap(0x0800, 00:00:0a:00:02:01, 02:00:00:00:02:02) -> c :: Counter -> Discard;")
LENGTHS = (8, 16, 20, 22, 24, 24, 24, 24, 24, 28, 32)


def table(n: int, seed: int = 7) -> list[tuple[int, int]]:
    rnd = random.Random(seed)
    seen, out = set(), []
    while len(out) < n:
        plen = rnd.choice(LENGTHS) if n > 1000 else rnd.choice((8, 16, 24, 32))
        addr = rnd.getrandbits(32) & (0xFFFFFFFF << (32 - plen)) & 0xFFFFFFFF
        if (addr, plen) not in seen and not 0xE0000000 <= addr:
            seen.add((addr, plen))
            out.append((addr, plen))
    return out


def _dotted(a: int) -> str:
    return f"{a >> 24}.{(a >> 16) & 255}.{(a >> 8) & 255}.{a & 255}"


def workload(routes, packets: int, seed: int = 8) -> workloads.Workload:
    rnd = random.Random(seed)
    w = workloads.Workload(notes="destinations inside random routes")
    src, smac = workloads.INSIDE[0]
    for k in range(packets):
        addr, plen = rnd.choice(routes)
        dst = addr | (rnd.getrandbits(32 - plen) if plen < 32 else 0)
        if dst & 0xFF in (0, 255) or dst >= 0xE0000000:
            dst = addr
        w.add("main", "eth0", workloads.frame(smac, workloads.R0, src, _dotted(dst), 17, 1024,
                                              5678, 60))
    return w


def _whole_table(routes):
    import ipaddress

    from clickpy.argtypes.routes import Route

    def tweak(graph):
        values = graph.nodes["rt"]["values"]
        values["ROUTE"] = [Route(ipaddress.IPv4Network((a, p)), None, 0) for a, p in routes]
    return tweak


@benchmark("scale.routes", "Throughput vs RadixIPLookup routes (64 B)")
def run(ctx: Ctx) -> Result:
    res = Result(plot="lines:routes")
    sizes = (10, 100, 1000, 5000) if ctx.quick else (10, 1000, 10000, 100000, 1000000)
    for n in sizes:
        routes = table(n)
        shown = routes[:TEXT_LIMIT]
        text = PATH.format(routes=", ".join(f"{_dotted(a)}/{p} 0" for a, p in shown))
        work = workload(routes, ctx.packets)
        t = time.perf_counter()
        graph = harness.load(text, text=True)
        load_s = time.perf_counter() - t
        tweak = None if len(shown) == n else _whole_table(routes)
        runs, start_s, out = harness.measure(graph, work, ctx.seconds, ctx.repeats, "c", tweak)
        if out["c"] != work.count():
            res.problems.append(f"{n} routes: {out['c']} of {work.count()} packets routed")
        extra = {"load_s": round(load_s, 2)} if tweak is None else \
            {"load_s": None, "text_routes": len(shown)}
        res.add(f"{n} routes", "clickpy", "Mpps", runs, x=n, build_s=round(start_s, 2), **extra)
    res.notes.append("load_s: parse and check the configuration text (the routes are "
                     "arguments); build_s: build the 16-8-8 table and load the tasks")
    res.notes.append(f"above {TEXT_LIMIT} routes the table is handed to the element's parsed "
                     "arguments (the text front end is quadratic in the argument count)")
    return res
