"""perf/ipv4_path.py's path in plain Python: Strip, CheckIPHeader, DecIPTTL, IPFilter,
lookup, EtherEncap, Counter."""
from perf.baselines.pure_python import elements as e
from perf.baselines.pure_python.graph import Graph


def _rules():
    from perf.ipv4_path import _tables
    rules, _ = _tables()
    out = []
    for src, smask, dst, dmask, proto, dport, action in rules.tolist():
        out.append((bool(action), proto, (src, smask) if smask else None,
                    (dst, dmask) if dmask else None, dport if proto else None))
    out[-1] = (False, 0, None, None, None)
    return out


def build() -> Graph:
    from perf.ipv4_path import ROUTES
    g = Graph("ipv4_path")
    g.add("strip", e.strip(14))
    g.add("check", e.check_ip_header())
    g.add("dt", e.dec_ip_ttl, 2)
    g.add("filter", e.ip_filter(_rules()))
    g.add("rt", e.ip_lookup([(r.split()[0], None, 0) for r in ROUTES]))
    g.add("encap", e.ether_encap(0x0800, "02:00:00:00:02:02", "00:00:0a:00:02:01"))
    g.sink("to_eth1")
    g.chain("strip", "check", "dt", "filter", "rt", "encap", "to_eth1")
    g.add("ttl_drop", e.drop)
    g.connect("dt", 1, "ttl_drop")
    g.feed("eth0", "strip")
    return g
