"""configs/monitor.click in plain Python: check, number flows, count per protocol."""
from perf.baselines.pure_python import elements as e
from perf.baselines.pure_python.graph import Graph


def build() -> Graph:
    g = Graph("monitor")
    g.add("frames", e.Counter())
    g.add("c", e.classifier([(12, b"\x08\x00")], None), 2)
    g.sink("nonip")
    g.add("strip", e.strip(14))
    g.add("check", e.check_ip_header())
    g.add("agg", e.AggregateIPFlows(), 2)
    g.add("flows", e.Counter())
    g.add("notflow", e.Counter())
    g.add("print", e.passthrough)               # IPPrint(ACTIVE false)
    g.add("proto", e.ip_classifier([lambda p, s, d: p == 6, lambda p, s, d: p == 17,
                                    lambda p, s, d: p == 1, None]), 4)
    g.feed("eth0", "frames")
    g.chain("frames", "c")
    g.connect("c", 1, "nonip")
    g.connect("c", 0, "strip")
    g.chain("strip", "check", "agg", "flows", "print", "proto")
    g.connect("agg", 1, "notflow")
    g.connect("notflow", 0, "print")
    for k, name in enumerate(("tcp", "udp", "icmp", "other")):
        g.sink(name)
        g.connect("proto", k, name)
    return g
