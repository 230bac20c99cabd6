"""configs/nat.click in plain Python: ARP both sides, NAPT to 10.0.2.1, route, TTL."""
from perf.baselines.pure_python import elements as e
from perf.baselines.pure_python.graph import Graph

ARP_Q, ARP_R, IP = [(12, b"\x08\x06"), (20, b"\x00\x01")], [(12, b"\x08\x06"), (20, b"\x00\x02")], \
    [(12, b"\x08\x00")]
IFS = (("10.0.1.1", "00:00:0a:00:01:01"), ("10.0.2.1", "00:00:0a:00:02:01"))


def sides(g: Graph) -> None:
    """Per device: classifier, ARP responder, ARP querier; IP to `ip<k>`."""
    for k, (ip, mac) in enumerate(IFS):
        dev, c = f"eth{k}", f"c{k}"
        g.add(c, e.classifier(ARP_Q, ARP_R, IP, None), 4)
        g.feed(dev, c)
        g.sink(f"to_{dev}")
        g.add(f"ar{k}", e.arp_responder(ip, mac))
        g.connect(c, 0, f"ar{k}")
        g.connect(f"ar{k}", 0, f"to_{dev}")
        q = e.ARPQuerier(ip, mac)
        g.add(f"arpq{k}", q.ip_in)
        q.attach(g, f"arpq{k}")
        g.add(f"arpq{k}_r", q.arp_in)
        g.connect(f"arpq{k}", 0, f"to_{dev}")
        g.connect(c, 1, f"arpq{k}_r")
        g.add(f"strip{k}", e.strip(14))
        g.add(f"check{k}", e.check_ip_header())
        g.connect(c, 2, f"strip{k}")
        g.chain(f"strip{k}", f"check{k}")
        g.add(f"nonip{k}", e.drop)
        g.connect(c, 3, f"nonip{k}")


def build() -> Graph:
    g = Graph("nat")
    sides(g)
    holder = []
    nat = e.IPRewriter(e.napt_pattern("10.0.2.1", 1024, 65535, lambda: holder[0]))
    holder.append(nat)
    g.add("nat0", nat.input(0), 2)
    g.add("nat1", nat.input(1), 2)
    g.connect("check0", 0, "nat0")
    g.connect("check1", 0, "nat1")
    g.add("rt", e.ip_lookup([("10.0.2.0/24", None, 0), ("0.0.0.0/0", "10.0.2.254", 0)]))
    g.add("dtout", e.dec_ip_ttl, 2)
    g.add("dtin", e.dec_ip_ttl, 2)
    for f in ("nat0", "nat1"):
        g.connect(f, 0, "rt")
        g.connect(f, 1, "dtin")
    g.chain("rt", "dtout", "arpq1")
    g.connect("dtin", 0, "arpq0")
    return g
