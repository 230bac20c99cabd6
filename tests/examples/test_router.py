"""configs/router.click: Click's standard two-interface IPv4 router.

    eth0  10.0.1.1/24  00:00:0a:00:01:01
    eth1  10.0.2.1/24  00:00:0a:00:02:01   default route via 10.0.2.254

It answers ARP for its own addresses, finds next hops with ARP, forwards IP
between the two networks (TTL - 1, header checksum updated, new Ethernet
addresses), answers what it cannot forward with ICMP errors, drops damaged
headers, and hands packets for itself to the host ("host": its ToHost).
"""
from scapy.layers.inet import ICMP, IP, IPerror
from scapy.layers.l2 import Ether

from clickpy.testing import (Mask, masked, simple_arp_packet, simple_icmp_packet,
                             simple_tcp_packet, simple_udp_packet)

MAC0, MAC1 = "00:00:0a:00:01:01", "00:00:0a:00:02:01"      # the router's interfaces
A, MAC_A = "10.0.1.2", "02:00:00:00:01:02"                   # a host on eth0's network
B, MAC_B = "10.0.2.2", "02:00:00:00:02:02"                   # a host on eth1's network


def knows(router, ip, mac, arpquerier):
    """Tell the router a neighbour's address with a handler (no ARP needed)."""
    router.write(arpquerier, "insert", f"{ip} {mac}")


def test_answers_arp_for_its_own_address(middlebox):
    router = middlebox("router")
    router.send("eth0", simple_arp_packet(eth_src=MAC_A, ip_snd=A, ip_tgt="10.0.1.1"))
    reply = simple_arp_packet(pktlen=0, eth_dst=MAC_A, eth_src=MAC0, arp_op=2,
                              hw_snd=MAC0, ip_snd="10.0.1.1", hw_tgt=MAC_A, ip_tgt=A)
    router.verify_packet(Mask(reply, ignore_extra_bytes=True), "eth0")
    router.verify_no_other_packets()


def test_forwards_with_ttl_decremented_and_new_ethernet_addresses(middlebox):
    router = middlebox("router")
    knows(router, B, MAC_B, "arpq1")
    router.send("eth0", simple_udp_packet(eth_dst=MAC0, eth_src=MAC_A, ip_src=A, ip_dst=B))
    # Exactly this packet: the builder computes the header checksum for TTL 63.
    router.verify_packet(simple_udp_packet(eth_dst=MAC_B, eth_src=MAC1, ip_src=A, ip_dst=B,
                                           ip_ttl=63), "eth1")
    router.verify_no_other_packets()


def test_asks_for_an_unknown_next_hop_and_forwards_once_it_answers(middlebox):
    router = middlebox("router")
    router.send("eth0", simple_tcp_packet(eth_dst=MAC0, eth_src=MAC_A, ip_src=A, ip_dst=B))
    who_has = simple_arp_packet(pktlen=0, eth_src=MAC1, hw_snd=MAC1, ip_snd="10.0.2.1", ip_tgt=B)
    router.verify_packet(Mask(who_has, ignore_extra_bytes=True), "eth1")
    router.verify_no_other_packets()                    # the TCP packet waits
    is_at = simple_arp_packet(eth_dst=MAC1, eth_src=MAC_B, arp_op=2, hw_snd=MAC_B, ip_snd=B,
                              hw_tgt=MAC1, ip_tgt="10.0.2.1")
    router.send("eth1", is_at)
    router.verify_packet(simple_tcp_packet(eth_dst=MAC_B, eth_src=MAC1, ip_src=A, ip_dst=B,
                                           ip_ttl=63), "eth1")
    router.verify_packet(is_at, "host")                 # ARP replies are copied to the host
    router.verify_no_other_packets()
    assert router.account().held == 0 and router.account().balanced


def test_an_expiring_packet_earns_icmp_time_exceeded(middlebox):
    router = middlebox("router")
    knows(router, A, MAC_A, "arpq0")
    knows(router, B, MAC_B, "arpq1")
    expiring = simple_udp_packet(eth_dst=MAC0, eth_src=MAC_A, ip_src=A, ip_dst=B, ip_ttl=1)
    router.send("eth0", expiring)
    # From the router's address on A's side, quoting the packet; TTL 200 less this hop.
    # Checksums are compared too: scapy computes them for the expected packet.
    time_exceeded = (Ether(src=MAC0, dst=MAC_A) / IP(src="10.0.1.1", dst=A, ttl=199)
                     / ICMP(type=11, code=0) / bytes(expiring[IP]))
    error = router.verify_packet(masked(time_exceeded, "ip_id"), "eth0")
    assert error[IPerror].dst == B and error[IPerror].ttl == 1     # it quotes the packet
    router.verify_no_other_packets()                               # nothing went to eth1


def test_packets_for_the_router_go_to_the_host(middlebox):
    router = middlebox("router")
    ping = simple_icmp_packet(eth_dst=MAC0, eth_src=MAC_A, ip_src=A, ip_dst="10.0.1.1")
    router.send("eth0", ping)
    # The host gets the IP packet untouched, under EtherEncap(0x0800, 1:1:1:1:1:1, 2:2:2:2:2:2).
    to_host = router.verify_packet(
        Ether(src="01:01:01:01:01:01", dst="02:02:02:02:02:02") / ping[IP], "host")
    assert to_host[ICMP].type == 8
    router.verify_no_other_packets()


def test_damaged_headers_are_dropped_and_counted(middlebox):
    router = middlebox("router")
    knows(router, B, MAC_B, "arpq1")
    bad = bytearray(bytes(simple_udp_packet(eth_dst=MAC0, ip_src=A, ip_dst=B)))
    bad[24] ^= 0xFF                                              # the IP header checksum
    router.send("eth0", bytes(bad))
    router.verify_no_other_packets()
    assert router.drops("bad IP checksum", "CheckIPHeader") == 1
    assert router.account().balanced
