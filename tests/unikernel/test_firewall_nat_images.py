"""The shipped firewall and NAT as images, between taps in namespaces."""
from conftest import needs_vm
from scapy.all import ARP, ICMP, IP, TCP, UDP, Ether

pytestmark = needs_vm

HA, HB = "02:00:00:00:00:0a", "02:00:00:00:00:0b"
R0, R1 = "00:00:0a:00:01:01", "00:00:0a:00:02:01"


def ip_frames(port, timeout=3.0, n=1):
    got = port.recv_all(timeout, until=lambda g: sum(IP in Ether(f) for f in g) >= n)
    return [Ether(f) for f in got if IP in Ether(f)]


def checksums_ok(f) -> bool:
    g = Ether(bytes(f))
    del g[IP].chksum
    layer = TCP if TCP in g else UDP
    del g[layer].chksum
    g = Ether(bytes(g))
    return g[IP].chksum == f[IP].chksum and g[layer].chksum == f[layer].chksum


def test_firewall_passes_allowed_and_replies_only(boot_image):
    v, a, b = boot_image("firewall")
    web = Ether(dst=HB, src=HA) / IP(src="10.0.1.2", dst="10.0.2.2") / TCP(sport=4000, dport=80)
    telnet = Ether(dst=HB, src=HA) / IP(src="10.0.1.2", dst="10.0.2.2") / TCP(sport=4001, dport=23)
    a.send(bytes(telnet))
    a.send(bytes(web))
    got = ip_frames(b, n=2)
    assert [f[TCP].dport for f in got] == [80]          # telnet denied, the web flow passes
    assert bytes(got[0]) == bytes(web)                  # unchanged
    reply = Ether(dst=HA, src=HB) / IP(src="10.0.2.2", dst="10.0.1.2") / TCP(sport=80, dport=4000)
    stranger = Ether(dst=HA, src=HB) / IP(src="10.0.2.2", dst="10.0.1.2") / TCP(sport=80, dport=4002)
    b.send(bytes(stranger))
    b.send(bytes(reply))
    back = ip_frames(a, n=2)
    assert [f[TCP].dport for f in back] == [4000]       # only the reply of a known flow


def test_nat_rewrites_both_ways(boot_image):
    v, a, b = boot_image("nat")
    out = Ether(dst=R0, src=HA) / IP(src="10.0.1.2", dst="10.0.2.9", ttl=20) / UDP(sport=5000,
                                                                                   dport=53)
    a.send(bytes(out / b"query"))
    q = [Ether(f) for f in b.recv_all(3.0, until=lambda g: any(ARP in Ether(f) for f in g))]
    assert any(ARP in f and f[ARP].pdst == "10.0.2.9" for f in q)
    b.send(bytes(Ether(dst=R1, src=HB) / ARP(op=2, hwsrc=HB, psrc="10.0.2.9", hwdst=R1,
                                              pdst="10.0.2.1")))
    (f,) = ip_frames(b)
    assert f[IP].src == "10.0.2.1" and 1024 <= f[UDP].sport <= 65535 and f[IP].ttl == 19
    assert (f.src, f.dst) == (R1, HB) and checksums_ok(f)
    mapped = f[UDP].sport
    b.send(bytes(Ether(dst=R1, src=HB) / IP(src="10.0.2.9", dst="10.0.2.1")
                 / UDP(sport=53, dport=mapped) / b"answer"))
    q = [Ether(x) for x in a.recv_all(3.0, until=lambda g: any(ARP in Ether(x) for x in g))]
    assert any(ARP in x and x[ARP].pdst == "10.0.1.2" for x in q)
    a.send(bytes(Ether(dst=R0, src=HA) / ARP(op=2, hwsrc=HA, psrc="10.0.1.2", hwdst=R0,
                                              pdst="10.0.1.1")))
    (r,) = ip_frames(a)
    assert r[IP].dst == "10.0.1.2" and r[UDP].dport == 5000 and checksums_ok(r)
    # An ICMP error about the translated packet: ICMPRewriter reads the rewriter's flow
    # table, an array the image holds once for both.
    b.send(bytes(Ether(dst=R1, src=HB) / IP(src="10.0.2.9", dst="10.0.2.1")
                 / ICMP(type=3, code=3) / bytes(f[IP])[:28]))
    (e,) = ip_frames(a)
    assert e[IP].dst == "10.0.1.2" and e[ICMP].type == 3
    quoted = bytes(e[ICMP].payload)
    assert quoted[12:16] == bytes([10, 0, 1, 2]) and quoted[20:22] == (5000).to_bytes(2, "big")
