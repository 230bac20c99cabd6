"""configs/loadbalancer.click: a layer-4 load balancer for the virtual address 10.0.2.100.

    eth0 (IN)   10.0.1.1/24  00:00:0a:00:01:01   backends 10.0.1.11, .12, .13
    eth1 (OUT)  10.0.2.1/24  00:00:0a:00:02:01   clients; virtual address 10.0.2.100

Each new TCP or UDP flow from a client to 10.0.2.100 goes to the next backend,
round robin: its destination address is rewritten to the backend's (ports
unchanged) and it is routed one hop.  Every later packet of the flow goes to
the same backend, and the backend's replies leave toward the client rewritten
to come from 10.0.2.100.  The balancer answers ARP and pings for 10.0.2.1,
10.0.2.100 and 10.0.1.1 and finds backends and clients with ARP.  Anything
else sent to the balancer (other protocols, other addresses, backends opening
flows) is dropped.
"""
from scapy.layers.inet import ICMP, IP, TCP
from scapy.layers.l2 import ARP, Ether

from frames import (IP0, IP1, MAC0, MAC1, arp_reply, arp_request, built, checksums_ok, flow,
                    host_mac, icmp_echo, ip_only, payload, tcp, udp)

VIP = "10.0.2.100"
BACKENDS = ["10.0.1.11", "10.0.1.12", "10.0.1.13"]
CLIENTS = ["10.0.2.2", "10.0.2.3"]


def balancer_ready(mb):
    """Backends and clients have told the balancer their MACs (ARP replies, fed first)."""
    mb.feed("eth0", [arp_reply(host_mac(b), b, MAC0, IP0) for b in BACKENDS])
    mb.feed("eth1", [arp_reply(host_mac(c), c, MAC1, IP1) for c in CLIENTS])


def to_vip(client, sport, dport=80, kind="tcp", **kw):
    return (tcp if kind == "tcp" else udp)(client, VIP, sport, dport, dst_mac=MAC1, **kw)


def from_backend(packet_at_backend, kind=None, **kw):
    """The backend's answer to a packet it received."""
    src, sport, dst, dport = flow(packet_at_backend)
    kind = kind or ("tcp" if TCP in packet_at_backend else "udp")
    return (tcp if kind == "tcp" else udp)(dst, src, dport, sport, dst_mac=MAC0, **kw)


def test_answers_arp_for_the_virtual_address_and_its_own(middlebox):
    mb = middlebox("loadbalancer")
    out1 = mb.feed("eth1", [arp_request(host_mac(CLIENTS[0]), CLIENTS[0], VIP),
                            arp_request(host_mac(CLIENTS[0]), CLIENTS[0], IP1)])
    out0 = mb.feed("eth0", [arp_request(host_mac(BACKENDS[0]), BACKENDS[0], IP0)])
    assert [(p[ARP].op, p[ARP].psrc, p[ARP].hwsrc) for p in out1["eth1"]] == [
        (2, VIP, MAC1), (2, IP1, MAC1)]
    assert [(p[ARP].op, p[ARP].psrc, p[ARP].hwsrc) for p in out0["eth0"]] == [(2, IP0, MAC0)]
    assert mb.account().balanced


def test_new_flows_are_spread_round_robin_over_the_three_backends(middlebox):
    mb = middlebox("loadbalancer")
    balancer_ready(mb)
    flows = [to_vip(CLIENTS[k % 2], 40000 + k, 80 if k % 3 else 53, "tcp" if k % 2 else "udp")
             for k in range(6)]
    out = mb.feed("eth1", flows)
    sent = out["eth0"]
    assert [p[IP].dst for p in sent] == BACKENDS * 2
    for s, f in zip(sent, flows):
        assert (s.src, s.dst) == (MAC0, host_mac(s[IP].dst))
        src, sport, _, dport = flow(s)
        assert (src, sport, dport) == flow(f)[:2] + (flow(f)[3],)   # only the address changes
        assert s[IP].ttl == f[IP].ttl - 1 and checksums_ok(s)
    assert out["eth1"] == []
    assert mb.account().balanced


def test_a_flow_stays_on_its_backend(middlebox):
    mb = middlebox("loadbalancer")
    balancer_ready(mb)
    a, b, c = (to_vip(CLIENTS[0], port) for port in (40001, 40002, 40003))
    mb.feed("eth1", [a, b, c])
    out = mb.feed("eth1", [c, a, to_vip(CLIENTS[1], 9), b, a, c])
    assert [p[IP].dst for p in out["eth0"]] == [BACKENDS[2], BACKENDS[0], BACKENDS[0],
                                                BACKENDS[1], BACKENDS[0], BACKENDS[2]]
    assert mb.account().balanced


def test_backend_replies_come_back_from_the_virtual_address(middlebox):
    mb = middlebox("loadbalancer")
    balancer_ready(mb)
    requests = [to_vip(CLIENTS[0], 40000 + k, kind=("tcp", "udp", "tcp")[k], flags="S")
                if k != 1 else to_vip(CLIENTS[0], 40001, 53, "udp") for k in range(3)]
    at_backends = mb.feed("eth1", requests)["eth0"]
    replies = [from_backend(p, payload=b"reply") for p in at_backends]
    out = mb.feed("eth0", replies)
    back = out["eth1"]
    assert len(back) == 3 and out["eth0"] == []
    for b, request in zip(back, requests):
        src, sport, dst, dport = flow(request)
        assert flow(b) == (VIP, dport, src, sport)
        assert (b.src, b.dst) == (MAC1, host_mac(src))
        assert b[IP].ttl == 63 and checksums_ok(b)
        assert payload(b) == b"reply"
    assert mb.account().balanced


def test_backends_are_found_with_arp(middlebox):
    mb = middlebox("loadbalancer")
    mb.feed("eth1", [arp_reply(host_mac(CLIENTS[0]), CLIENTS[0], MAC1, IP1)])
    out = mb.feed("eth1", [to_vip(CLIENTS[0], 40000)])
    (query,) = out["eth0"]                                 # the SYN waits for the answer
    assert (query[ARP].op, query[ARP].pdst, query[ARP].psrc) == (1, BACKENDS[0], IP0)
    out = mb.feed("eth0", [arp_reply(host_mac(BACKENDS[0]), BACKENDS[0], MAC0, IP0)])
    (syn,) = out["eth0"]
    assert syn[IP].dst == BACKENDS[0] and syn.dst == host_mac(BACKENDS[0])
    assert mb.account().balanced


def test_only_tcp_and_udp_for_the_virtual_address_are_balanced(middlebox):
    mb = middlebox("loadbalancer")
    balancer_ready(mb)
    others = [built(Ether(src=host_mac(CLIENTS[0]), dst=MAC1)
                    / IP(src=CLIENTS[0], dst=VIP) / ICMP(type=13)),  # ICMP, not a ping
              tcp(CLIENTS[0], IP1, 40000, 80, dst_mac=MAC1),       # the balancer's own address
              udp(CLIENTS[0], "10.0.2.101", dst_mac=MAC1)]         # not the virtual address
    out = mb.feed("eth1", others)
    assert ip_only(out["eth0"]) == [] and ip_only(out["eth1"]) == []
    assert mb.drops("discarded", "Discard") == 3
    assert mb.account().balanced


def test_answers_pings_to_the_virtual_address_and_its_own(middlebox):
    mb = middlebox("loadbalancer")
    balancer_ready(mb)
    outside = mb.feed("eth1", [icmp_echo(CLIENTS[0], VIP, dst_mac=MAC1),
                               icmp_echo(CLIENTS[1], IP1, dst_mac=MAC1)])
    inside = mb.feed("eth0", [icmp_echo(BACKENDS[0], IP0, dst_mac=MAC0)])
    replies = ip_only(outside["eth1"]) + ip_only(inside["eth0"])
    assert [(r[IP].src, r[IP].dst, r[ICMP].type, r.dst) for r in replies] == [
        (VIP, CLIENTS[0], 0, host_mac(CLIENTS[0])), (IP1, CLIENTS[1], 0, host_mac(CLIENTS[1])),
        (IP0, BACKENDS[0], 0, host_mac(BACKENDS[0]))]
    assert all(checksums_ok(r) for r in replies) and ip_only(outside["eth0"]) == []
    assert mb.account().balanced


def test_backends_cannot_open_flows_through_the_balancer(middlebox):
    mb = middlebox("loadbalancer")
    balancer_ready(mb)
    out = mb.feed("eth0", [tcp(BACKENDS[0], CLIENTS[0], 80, 40000, dst_mac=MAC0)])
    assert ip_only(out["eth1"]) == []
    assert mb.drops("no mapping, and the input spec drops new flows", "lb") == 1
    assert mb.account().balanced


def conversation(mb):
    balancer_ready(mb)
    mb.feed("eth1", [arp_request(host_mac(CLIENTS[0]), CLIENTS[0], VIP)])
    at_backends = mb.feed("eth1", [to_vip(c, 1000 + k, kind="tcp" if k % 2 else "udp")
                                   for k, c in enumerate(CLIENTS * 3)]
                          + [icmp_echo(CLIENTS[0], VIP, dst_mac=MAC1)])["eth0"]
    mb.feed("eth0", [from_backend(p) for p in at_backends])


def test_yaml_twin_balances_identically(middlebox):
    click, yaml = middlebox("loadbalancer"), middlebox("loadbalancer", yaml=True)
    conversation(click)
    conversation(yaml)
    assert len(ip_only(click.sent("eth1"))) == 7        # six flows' replies and a ping's
    assert [p[IP].dst for p in ip_only(click.sent("eth0"))] == BACKENDS * 2
    click.behaves_like(yaml)
