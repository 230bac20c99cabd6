"""configs/loadbalancer.click in plain Python: VIP flows spread round robin over backends."""
from perf.baselines.pure_python import elements as e
from perf.baselines.pure_python.graph import Graph
from perf.baselines.pure_python.nat import sides

VIP = e.ip_int("10.0.2.100")


def build() -> Graph:
    g = Graph("loadbalancer")
    sides(g)
    lb = e.IPRewriter(e.round_robin_dst(["10.0.1.11", "10.0.1.12", "10.0.1.13"]))
    g.add("vip", e.ip_classifier([lambda p, s, d: d == VIP and p in (6, 17), None]), 2)
    g.connect("check1", 0, "vip")
    g.add("lb0", lb.input(0), 2)
    g.add("lb1", lb.input(1), 2)
    g.connect("vip", 0, "lb0")
    g.add("vipdrop", e.drop)
    g.connect("vip", 1, "vipdrop")
    g.connect("check0", 0, "lb1")
    g.add("rt", e.ip_lookup([("10.0.2.0/24", None, 0), ("0.0.0.0/0", "10.0.2.254", 0)]))
    g.add("dtout", e.dec_ip_ttl, 2)
    g.add("dtin", e.dec_ip_ttl, 2)
    for f in ("lb0", "lb1"):
        g.connect(f, 0, "dtin")
        g.connect(f, 1, "rt")
    g.chain("rt", "dtout", "arpq1")
    g.connect("dtin", 0, "arpq0")
    return g
