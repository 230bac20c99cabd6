"""configs/loadbalancer.click: a layer-4 load balancer for the virtual address 10.0.2.100.

    eth0 (backends)  10.0.1.1/24  00:00:0a:00:01:01   backends 10.0.1.11, .12, .13
    eth1 (clients)   10.0.2.1/24  00:00:0a:00:02:01   virtual address 10.0.2.100

Each new TCP or UDP flow to 10.0.2.100 goes to the next backend, round
robin, its destination rewritten (ports unchanged); the rest of the flow
follows it, and the backend's replies leave rewritten to come from
10.0.2.100.  The balancer answers ARP and pings for the virtual address too.
"""
from clickpy.testing import Mask, simple_arp_packet, simple_icmp_packet, simple_tcp_packet

MAC0, MAC1, VIP = "00:00:0a:00:01:01", "00:00:0a:00:02:01", "10.0.2.100"
BACKENDS = ["10.0.1.11", "10.0.1.12", "10.0.1.13"]
CLIENT, MAC_C = "10.0.2.2", "02:00:00:00:02:02"


def mac(ip):
    return "02:00:00:00:01:%02x" % int(ip.split(".")[-1])


def ready(middlebox):
    """A balancer whose backends and client have told it their MACs."""
    lb = middlebox("loadbalancer")
    lb.send("eth0", [simple_arp_packet(eth_src=mac(b), eth_dst=MAC0, arp_op=2, hw_snd=mac(b),
                                       ip_snd=b, hw_tgt=MAC0, ip_tgt="10.0.1.1") for b in BACKENDS])
    lb.send("eth1", simple_arp_packet(eth_src=MAC_C, eth_dst=MAC1, arp_op=2, hw_snd=MAC_C,
                                      ip_snd=CLIENT, hw_tgt=MAC1, ip_tgt="10.0.2.1"))
    return lb


def to_vip(sport):
    return simple_tcp_packet(eth_src=MAC_C, eth_dst=MAC1, ip_src=CLIENT, ip_dst=VIP,
                             tcp_sport=sport, tcp_dport=80)


def at_backend(backend, sport, **kw):
    return simple_tcp_packet(eth_src=MAC0, eth_dst=mac(backend), ip_src=CLIENT, ip_dst=backend,
                             ip_ttl=63, tcp_sport=sport, tcp_dport=80, **kw)


def test_answers_arp_for_the_virtual_address(middlebox):
    lb = middlebox("loadbalancer")
    lb.send("eth1", simple_arp_packet(eth_src=MAC_C, ip_snd=CLIENT, ip_tgt=VIP))
    reply = simple_arp_packet(pktlen=0, eth_src=MAC1, eth_dst=MAC_C, arp_op=2, hw_snd=MAC1,
                              ip_snd=VIP, hw_tgt=MAC_C, ip_tgt=CLIENT)
    lb.verify_packets(Mask(reply, ignore_extra_bytes=True), ["eth1"])


def test_new_flows_go_round_robin_to_the_backends(middlebox):
    lb = ready(middlebox)
    lb.send("eth1", [to_vip(40000 + k) for k in range(6)])
    for k in range(6):
        lb.verify_packet(at_backend(BACKENDS[k % 3], 40000 + k), "eth0")
    lb.verify_no_other_packets()


def test_a_flow_stays_with_its_backend(middlebox):
    lb = ready(middlebox)
    lb.send("eth1", [to_vip(40001), to_vip(40002)])
    lb.flush()
    lb.send("eth1", [to_vip(40002)] * 2 + [to_vip(40001)])
    assert lb.count_matched_packets(at_backend(BACKENDS[1], 40002), "eth0") == 2
    lb.verify_packet(at_backend(BACKENDS[0], 40001), "eth0")
    lb.verify_no_other_packets()


def test_replies_come_back_from_the_virtual_address(middlebox):
    lb = ready(middlebox)
    lb.send("eth1", to_vip(40000))
    lb.verify_packet(at_backend(BACKENDS[0], 40000), "eth0")
    lb.send("eth0", simple_tcp_packet(eth_src=mac(BACKENDS[0]), eth_dst=MAC0, ip_src=BACKENDS[0],
                                      ip_dst=CLIENT, tcp_sport=80, tcp_dport=40000,
                                      tcp_flags="SA"))
    lb.verify_packets(simple_tcp_packet(eth_src=MAC1, eth_dst=MAC_C, ip_src=VIP, ip_dst=CLIENT,
                                        ip_ttl=63, tcp_sport=80, tcp_dport=40000,
                                        tcp_flags="SA"), ["eth1"])


def test_answers_pings_for_the_virtual_address(middlebox):
    lb = ready(middlebox)
    lb.send("eth1", simple_icmp_packet(eth_src=MAC_C, eth_dst=MAC1, ip_src=CLIENT, ip_dst=VIP,
                                       icmp_id=3, icmp_seq=4))
    # ICMPPingResponder's reply starts at TTL 255; the balancer's routing takes one.
    lb.verify_packets(simple_icmp_packet(eth_src=MAC1, eth_dst=MAC_C, ip_src=VIP, ip_dst=CLIENT,
                                         ip_ttl=254, icmp_type=0, icmp_id=3, icmp_seq=4),
                      ["eth1"])


def test_only_tcp_and_udp_to_the_virtual_address_are_balanced(middlebox):
    lb = ready(middlebox)
    lb.send("eth1", simple_icmp_packet(eth_src=MAC_C, eth_dst=MAC1, ip_src=CLIENT, ip_dst=VIP,
                                       icmp_type=13))
    lb.verify_no_other_packets()
    assert lb.drops("discarded", "Discard") == 1
