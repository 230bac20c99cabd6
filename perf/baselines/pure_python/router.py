"""configs/router.click in plain Python: classify, ARP, check, route, TTL, ARP encapsulation."""
from perf.baselines.pure_python import elements as e
from perf.baselines.pure_python.graph import Graph

ARP_Q, ARP_R, IP = [(12, b"\x08\x06"), (20, b"\x00\x01")], [(12, b"\x08\x06"), (20, b"\x00\x02")], \
    [(12, b"\x08\x00")]
ROUTES = [("10.0.1.1/32", None, 0), ("10.0.1.255/32", None, 0), ("10.0.1.0/32", None, 0),
          ("10.0.2.1/32", None, 0), ("10.0.2.255/32", None, 0), ("10.0.2.0/32", None, 0),
          ("10.0.1.0/24", None, 1), ("10.0.2.0/24", None, 2),
          ("255.255.255.255/32", None, 0), ("0.0.0.0/32", None, 0),
          ("0.0.0.0/0", "10.0.2.254", 2)]
IFS = (("10.0.1.1", "00:00:0a:00:01:01"), ("10.0.2.1", "00:00:0a:00:02:01"))


def build() -> Graph:
    g = Graph("router")
    g.add("ip_strip", e.strip(14))
    g.add("ip_check", e.check_ip_header([e.ip_int("10.0.1.255"), e.ip_int("10.0.2.255")]))
    g.add("ip_getaddr", e.get_ip_address(16))
    g.add("rt", e.ip_lookup(ROUTES), 3)
    g.chain("ip_strip", "ip_check", "ip_getaddr", "rt")
    g.add("arpt", e.tee(3), 3)
    g.sink("to_host")
    g.sink("icmp_error")
    g.connect("arpt", 2, "to_host")
    g.add("host_encap", e.ether_encap(0x0800, "1:1:1:1:1:1", "2:2:2:2:2:2"))
    g.connect("rt", 0, "host_encap")
    g.connect("host_encap", 0, "to_host")
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
        g.connect(c, 1, "arpt")
        g.connect("arpt", k, f"arpq{k}_r")
        g.add(f"paint{k}", e.paint(k + 1))
        g.connect(c, 2, f"paint{k}")
        g.connect(f"paint{k}", 0, "ip_strip")
        g.add(f"nonip{k}", e.drop)
        g.connect(c, 3, f"nonip{k}")
        g.add(f"db{k}", e.passthrough)                 # DropBroadcasts: FromDump sets no
        g.add(f"cp{k}", e.paint_tee(k + 1), 2)         # packet-type annotation
        g.add(f"gio{k}", e.ip_gw_options, 2)
        g.add(f"fix{k}", e.passthrough)                # FixIPSrc: no fix-source annotation
        g.add(f"dt{k}", e.dec_ip_ttl, 2)
        g.add(f"fr{k}", e.ip_fragmenter(1500), 2)
        g.chain(f"db{k}", f"cp{k}", f"gio{k}", f"fix{k}", f"dt{k}", f"fr{k}", f"arpq{k}")
        g.connect("rt", k + 1, f"db{k}")
        for el in (f"cp{k}", f"gio{k}", f"dt{k}", f"fr{k}"):
            g.connect(el, 1, "icmp_error")
    return g
