"""configs/firewall.click in plain Python: allow-list from inside, flow table, replies only."""
from perf.baselines.pure_python import elements as e
from perf.baselines.pure_python.graph import Graph

RULES = [(True, 6, None, None, 22), (True, 6, None, None, 80), (True, 6, None, None, 443),
         (True, 17, None, None, 53), (False, 0, None, None, None)]


def build() -> Graph:
    g = Graph("firewall")
    flows = e.IPRewriter(lambda key, n: key)
    g.sink("to_eth0")
    g.sink("to_eth1")
    g.add("cin", e.classifier([(12, b"\x08\x00")], None), 2)
    g.add("cout", e.classifier([(12, b"\x08\x00")], None), 2)
    g.feed("eth0", "cin")
    g.feed("eth1", "cout")
    g.connect("cin", 1, "to_eth1")
    g.connect("cout", 1, "to_eth0")
    g.add("paint1", e.paint(1))
    g.add("check_in", e.check_ip_header(offset=14))
    g.add("allow", e.ip_filter(RULES))
    g.add("flows0", flows.input(0), 2)
    g.connect("cin", 0, "paint1")
    g.chain("paint1", "check_in", "allow", "flows0")
    g.add("paint2", e.paint(2))
    g.add("check_out", e.check_ip_header(offset=14))
    g.add("flows1", flows.input(1), 2)
    g.connect("cout", 0, "paint2")
    g.chain("paint2", "check_out", "flows1")
    g.add("cp1", e.check_paint(1))
    g.add("cp2", e.check_paint(2))
    for f in ("flows0", "flows1"):
        g.connect(f, 0, "cp1")
        g.connect(f, 1, "cp2")
    g.connect("cp1", 0, "to_eth1")
    g.connect("cp2", 0, "to_eth0")
    return g

