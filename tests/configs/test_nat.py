"""configs/nat.click: a NAT router; inside hosts share the outside address 10.0.2.1.

    eth0 (IN)   10.0.1.1/24  00:00:0a:00:01:01   inside hosts, gateway 10.0.1.1
    eth1 (OUT)  10.0.2.1/24  00:00:0a:00:02:01   outside; other networks via 10.0.2.254

TCP and UDP flows from the inside leave with source 10.0.2.1 and a port in
1024-65535 (the host's own port when it is free and in range), routed one
hop (TTL - 1, new Ethernet addresses); replies to that address and port are
translated back to the inside host.  Pings (ICMP echo) are translated the
same way, their echo identifier standing for the port, and ICMP errors about
translated packets come back rewritten to quote the inside host's packet.
Checksums stay valid both ways.  Packets from the outside that belong to no flow, and protocols
other than TCP, UDP and ping, are dropped.  The NAT answers pings to its own
addresses.  Each side answers ARP for its address and resolves next hops with
ARP.
"""
from scapy.layers.inet import ICMP, IP, TCP, UDP
from scapy.layers.l2 import ARP, Ether

from frames import (IP0, IP1, MAC0, MAC1, arp_only, arp_reply, arp_request, bad_ip_checksum,
                    built, checksums_ok, flow, host_mac, icmp_echo, ip_only, payload, tcp,
                    udp)

A, A2 = "10.0.1.2", "10.0.1.3"            # inside hosts
SERVER, REMOTE = "10.0.2.2", "198.51.100.7"
GATEWAY = "10.0.2.254"


def nat_ready(mb, *outside):
    """Both sides' neighbours have told the NAT their MACs (ARP replies, fed first)."""
    mb.feed("eth0", [arp_reply(host_mac(h), h, MAC0, IP0) for h in (A, A2)])
    mb.feed("eth1", [arp_reply(host_mac(h), h, MAC1, IP1) for h in outside or (SERVER,)])


def from_inside(src, dst, sport, dport, kind="tcp", **kw):
    return (tcp if kind == "tcp" else udp)(src, dst, sport, dport, dst_mac=MAC0, **kw)


def from_outside(src, dport, sport, kind="tcp", dst=IP1, **kw):
    return (tcp if kind == "tcp" else udp)(src, dst, sport, dport, dst_mac=MAC1, **kw)


def l4(packet):
    return packet[TCP] if TCP in packet else packet[UDP]


def translated(sent, original, src_mac, dst_mac):
    """What a NAT may change: addresses and ports (checked by the caller), TTL - 1,
    checksums (recomputed right), Ethernet header.  Nothing else."""
    assert (sent.src, sent.dst) == (src_mac, dst_mac)
    assert sent[IP].ttl == original[IP].ttl - 1
    assert checksums_ok(sent)
    assert payload(sent) == payload(original)
    assert (sent[IP].id, sent[IP].proto, sent[IP].tos) == (original[IP].id, original[IP].proto,
                                                           original[IP].tos)


def test_answers_arp_for_its_address_on_each_side(middlebox):
    mb = middlebox("nat")
    (r0,) = mb.feed("eth0", [arp_request(host_mac(A), A, IP0)])["eth0"]
    (r1,) = mb.feed("eth1", [arp_request(host_mac(SERVER), SERVER, IP1)])["eth1"]
    assert (r0[ARP].op, r0[ARP].psrc, r0[ARP].hwsrc, r0[ARP].pdst) == (2, IP0, MAC0, A)
    assert (r1[ARP].op, r1[ARP].psrc, r1[ARP].hwsrc, r1[ARP].pdst) == (2, IP1, MAC1, SERVER)
    assert mb.account().balanced


def test_outbound_flows_leave_from_10_0_2_1_with_a_port_in_1024_65535(middlebox):
    mb = middlebox("nat")
    nat_ready(mb)
    packets = [from_inside(A, SERVER, 40000, 80, "tcp", flags="S"),
               from_inside(A, SERVER, 5353, 53, "udp", payload=b"query"),
               from_inside(A2, SERVER, 80, 8080, "tcp", flags="S"),     # a port below 1024
               from_inside(A2, SERVER, 7, 7, "udp", payload=b"echo")]
    out = mb.feed("eth0", packets)
    sent = out["eth1"]
    assert len(sent) == 4 and out["eth0"] == []
    for s, p in zip(sent, packets):
        translated(s, p, MAC1, host_mac(SERVER))
        src, sport, dst, dport = flow(s)
        assert src == IP1 and 1024 <= sport <= 65535
        assert (dst, dport) == (SERVER, l4(p).dport)
    # Click's IPRewriter keeps a host's own port when it is in range and free.
    assert [flow(s)[1] for s in sent[:2]] == [40000, 5353]
    assert mb.account().balanced


def test_two_inside_hosts_using_the_same_port_get_different_outside_ports(middlebox):
    mb = middlebox("nat")
    nat_ready(mb)
    out = mb.feed("eth0", [from_inside(A, SERVER, 40000, 80), from_inside(A2, SERVER, 40000, 80)])
    ports = {flow(s)[1] for s in out["eth1"]}
    assert len(ports) == 2 and all(1024 <= p <= 65535 for p in ports)
    assert mb.account().balanced


def test_replies_are_translated_back_to_the_inside_host(middlebox):
    mb = middlebox("nat")
    nat_ready(mb)
    requests = [from_inside(A, SERVER, 40000, 443, "tcp", flags="S"),
                from_inside(A2, SERVER, 99, 53, "udp", payload=b"query")]
    out = mb.feed("eth0", requests)
    replies = []
    for s in out["eth1"]:
        _, port, _, dport = flow(s)
        kind = "tcp" if TCP in s else "udp"
        replies.append(from_outside(SERVER, port, dport, kind, payload=b"answer",
                                    **({"flags": "SA"} if kind == "tcp" else {})))
    back = mb.feed("eth1", replies)["eth0"]
    assert len(back) == 2
    for b, reply, request in zip(back, replies, requests):
        translated(b, reply, MAC0, host_mac(request[IP].src))
        assert flow(b) == (SERVER, l4(request).dport, request[IP].src, l4(request).sport)
    assert mb.account().balanced


def test_udp_without_a_checksum_stays_without_one(middlebox):
    mb = middlebox("nat")
    nat_ready(mb)
    query = built(Ether(src=host_mac(A), dst=MAC0) / IP(src=A, dst=SERVER)
                  / UDP(sport=80, dport=53, chksum=0) / b"query")
    (out,) = mb.feed("eth0", [query])["eth1"]
    assert out[UDP].chksum == 0 and 1024 <= out[UDP].sport <= 65535 and checksums_ok(out)
    answer = built(Ether(src=host_mac(SERVER), dst=MAC1) / IP(src=SERVER, dst=IP1)
                   / UDP(sport=53, dport=out[UDP].sport, chksum=0) / b"answer")
    (back,) = mb.feed("eth1", [answer])["eth0"]
    assert back[UDP].chksum == 0 and back[UDP].dport == 80 and checksums_ok(back)
    assert mb.account().balanced


def test_a_flow_keeps_its_outside_port(middlebox):
    mb = middlebox("nat")
    nat_ready(mb)
    first = mb.feed("eth0", [from_inside(A2, SERVER, 80, 8080, "tcp", flags="S")])["eth1"]
    later = mb.feed("eth0", [from_inside(A2, SERVER, 80, 8080, "tcp", flags="A", payload=b"x")
                             for _ in range(3)])["eth1"]
    assert len({flow(s) for s in first + later}) == 1
    assert mb.account().balanced


def test_outside_packets_that_belong_to_no_flow_are_dropped(middlebox):
    mb = middlebox("nat")
    nat_ready(mb)
    out = mb.feed("eth0", [from_inside(A, SERVER, 40000, 80)])
    port = flow(out["eth1"][0])[1]
    strangers = [from_outside(SERVER, 22, 5555),                  # a connection attempt
                 from_outside(SERVER, port + 1, 80),              # a port never handed out
                 from_outside("10.0.2.3", port, 80),              # another outside host
                 from_outside(SERVER, port, 80, "udp")]           # the other protocol
    back = mb.feed("eth1", strangers)
    assert back["eth0"] == [] and ip_only(back["eth1"]) == []
    assert mb.drops("no mapping, and the input spec drops new flows", "nat") == 4
    assert mb.account().balanced


def ping(src, dst, ident, dst_mac, reply=False):
    return built(Ether(src=host_mac(src), dst=dst_mac) / IP(src=src, dst=dst)
                 / ICMP(type=0 if reply else 8, id=ident, seq=1) / b"ping payload")


def test_pings_leave_from_10_0_2_1_and_their_replies_come_back(middlebox):
    mb = middlebox("nat")
    nat_ready(mb)
    requests = [ping(A, SERVER, 7, MAC0), ping(A2, SERVER, 7, MAC0)]   # the same identifier
    out = mb.feed("eth0", requests)
    sent = out["eth1"]
    assert len(sent) == 2 and out["eth0"] == []
    for s, p in zip(sent, requests):
        translated(s, p, MAC1, host_mac(SERVER))
        assert (s[IP].src, s[IP].dst, s[ICMP].type, s[ICMP].seq) == (IP1, SERVER, 8, 1)
    idents = [s[ICMP].id for s in sent]
    assert len(set(idents)) == 2 and all(1024 <= i <= 65535 for i in idents)
    replies = [ping(SERVER, IP1, i, MAC1, reply=True) for i in reversed(idents)]
    back = mb.feed("eth1", replies)["eth0"]
    assert len(back) == 2
    for b, reply, host in zip(back, replies, (A2, A)):
        translated(b, reply, MAC0, host_mac(host))
        assert (b[IP].src, b[IP].dst, b[ICMP].type, b[ICMP].id) == (SERVER, host, 0, 7)
    assert mb.account().balanced


def test_the_nat_answers_pings_to_its_own_addresses(middlebox):
    mb = middlebox("nat")
    nat_ready(mb)
    inside = mb.feed("eth0", [ping(A, IP0, 1, MAC0), ping(A, IP1, 2, MAC0)])["eth0"]
    outside = mb.feed("eth1", [ping(SERVER, IP1, 3, MAC1)])["eth1"]
    got = [(r[IP].src, r[IP].dst, r[ICMP].type, r[ICMP].id) for r in inside + outside]
    assert got == [(IP0, A, 0, 1), (IP1, A, 0, 2), (IP1, SERVER, 0, 3)]
    assert all(checksums_ok(r) for r in inside + outside)
    assert mb.account().balanced


def test_stray_echo_replies_and_other_icmp_are_dropped(middlebox):
    mb = middlebox("nat")
    nat_ready(mb)
    back = mb.feed("eth1", [ping(SERVER, IP1, 4321, MAC1, reply=True),      # no request
                            ping(SERVER, A, 1, MAC1)])                      # no way in
    unreachable = built(Ether(src=host_mac(A), dst=MAC0) / IP(src=A, dst=SERVER)
                        / ICMP(type=3, code=3) / bytes(28))
    out = mb.feed("eth0", [unreachable])
    assert back["eth0"] == [] and ip_only(back["eth1"]) == [] and ip_only(out["eth1"]) == []
    assert mb.drops("echo reply of no mapped request (input is not `pass`)", "pings") == 1
    # The outside's echo request is an ICMP packet but no error about a flow of ours; the
    # inside's other ICMP reaches IPRewriter, which drops what is not TCP or UDP.
    assert mb.drops("not an ICMP error, or about no mapped flow (no output 1)", "errors") == 1
    assert mb.drops("not TCP or UDP, or a later fragment (input is not `pass`)", "nat") == 1
    assert mb.account().balanced


def test_icmp_errors_about_translated_packets_reach_the_inside_host(middlebox):
    mb = middlebox("nat")
    nat_ready(mb)
    sent = [from_inside(A, SERVER, 40000, 53, "udp", payload=b"query"), ping(A, SERVER, 7, MAC0)]
    out = mb.feed("eth0", sent)["eth1"]
    errors = [built(Ether(src=host_mac(SERVER), dst=MAC1) / IP(src=SERVER, dst=IP1)
                    / ICMP(type=3, code=3) / bytes(out[0][IP])),          # port unreachable
              built(Ether(src=host_mac(SERVER), dst=MAC1) / IP(src=SERVER, dst=IP1)
                    / ICMP(type=11, code=0) / bytes(out[1][IP])[:28])]    # time exceeded
    back = mb.feed("eth1", errors)["eth0"]
    assert len(back) == 2
    for b, original, e in zip(back, sent, errors):
        assert (b[IP].src, b[IP].dst, b.dst, b[IP].ttl) == (SERVER, A, host_mac(A),
                                                           e[IP].ttl - 1)
        assert checksums_ok(b)
        quoted = bytes(b[ICMP].payload)
        left = original[IP].copy()                  # the packet A sent, as it left the NAT:
        left.ttl -= 1                               # routed one hop, addresses A's again
        del left.chksum
        assert quoted == bytes(left)[:len(quoted)]
    stray = built(Ether(src=host_mac(SERVER), dst=MAC1) / IP(src=SERVER, dst=IP1)
                  / ICMP(type=3, code=3) / bytes(IP(src=IP1, dst=SERVER) / UDP(sport=1, dport=2)))
    assert ip_only(mb.feed("eth1", [stray])["eth0"]) == []
    assert mb.drops("not an ICMP error, or about no mapped flow (no output 1)", "errors") == 1
    assert mb.account().balanced


def test_other_networks_are_reached_via_10_0_2_254(middlebox):
    mb = middlebox("nat")
    nat_ready(mb)
    out = mb.feed("eth0", [from_inside(A, REMOTE, 40000, 443)])
    (query,) = arp_only(out["eth1"], op=1)
    assert (query[ARP].pdst, query[ARP].psrc, query.src) == (GATEWAY, IP1, MAC1)
    out = mb.feed("eth1", [arp_reply(host_mac(GATEWAY), GATEWAY, MAC1, IP1)])
    (sent,) = out["eth1"]
    assert sent.dst == host_mac(GATEWAY) and flow(sent)[::2] == (IP1, REMOTE)
    assert mb.account().balanced


def test_damaged_and_expiring_packets_are_dropped_without_errors(middlebox):
    mb = middlebox("nat")
    nat_ready(mb)
    out = mb.feed("eth0", [bad_ip_checksum(from_inside(A, SERVER, 40000, 80)),
                           from_inside(A, SERVER, 40001, 80, ttl=1)])
    assert out["eth0"] == [] and out["eth1"] == []
    assert mb.drops("bad IP checksum", "CheckIPHeader") == 1
    assert mb.drops("discarded", "Discard") == 1            # DecIPTTL's expired output
    assert mb.account().balanced


def conversation(mb):
    mb.feed("eth0", [arp_reply(host_mac(A), A, MAC0, IP0), from_inside(A, SERVER, 40000, 80),
                     from_inside(A, SERVER, 80, 80, "udp"), icmp_echo(A, SERVER)])
    out = mb.feed("eth1", [arp_reply(host_mac(SERVER), SERVER, MAC1, IP1)])
    mb.feed("eth1", [ping(SERVER, IP1, s[ICMP].id, MAC1, reply=True) if ICMP in s else
                     from_outside(SERVER, flow(s)[1], 80, "tcp" if TCP in s else "udp")
                     for s in ip_only(out["eth1"])] + [from_outside(SERVER, 1, 2)])


def test_yaml_twin_translates_identically(middlebox):
    click, yaml = middlebox("nat"), middlebox("nat", yaml=True)
    conversation(click)
    conversation(yaml)
    assert len(ip_only(click.sent("eth0"))) == 3
    click.behaves_like(yaml)
