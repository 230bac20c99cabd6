"""configs/nat.click: a NAT router; inside hosts share the outside address 10.0.2.1.

    eth0 (inside)   10.0.1.1/24  00:00:0a:00:01:01
    eth1 (outside)  10.0.2.1/24  00:00:0a:00:02:01   other networks via 10.0.2.254

A TCP or UDP flow from the inside leaves with source 10.0.2.1 and a port of
the NAT's choosing (1024-65535), routed one hop (TTL - 1, new Ethernet
addresses, checksums fixed); replies to that address and port are
translated back to the inside host.  Pings are translated the same way,
the echo identifier standing for the port.  Outside packets that belong to
no flow, and protocols other than TCP, UDP and ping, are dropped.
"""
from scapy.layers.inet import ICMP, TCP, UDP

from clickpy.testing import (Mask, simple_arp_packet, simple_icmp_packet, simple_tcp_packet,
                             simple_udp_packet)

MAC0, MAC1, OUTSIDE_IP = "00:00:0a:00:01:01", "00:00:0a:00:02:01", "10.0.2.1"
A, MAC_A = "10.0.1.2", "02:00:00:00:01:02"
SERVER, MAC_S = "10.0.2.2", "02:00:00:00:02:02"


def ready(middlebox):
    """A NAT whose neighbours have told it their MACs (ARP replies on each side)."""
    nat = middlebox("nat")
    nat.send("eth0", simple_arp_packet(eth_src=MAC_A, eth_dst=MAC0, arp_op=2, hw_snd=MAC_A,
                                       ip_snd=A, hw_tgt=MAC0, ip_tgt="10.0.1.1"))
    nat.send("eth1", simple_arp_packet(eth_src=MAC_S, eth_dst=MAC1, arp_op=2, hw_snd=MAC_S,
                                       ip_snd=SERVER, hw_tgt=MAC1, ip_tgt=OUTSIDE_IP))
    return nat


def test_inside_flows_leave_from_the_outside_address_and_replies_come_back(middlebox):
    nat = ready(middlebox)
    nat.send("eth0", simple_tcp_packet(eth_src=MAC_A, eth_dst=MAC0, ip_src=A, ip_dst=SERVER,
                                       tcp_sport=40000, tcp_dport=80))
    # The source port is the NAT's choice: a don't-care field (and so the TCP checksum).
    leaving = Mask(simple_tcp_packet(eth_src=MAC1, eth_dst=MAC_S, ip_src=OUTSIDE_IP,
                                     ip_dst=SERVER, ip_ttl=63, tcp_sport=0, tcp_dport=80))
    leaving.set_do_not_care_scapy(TCP, "sport")
    leaving.set_do_not_care_scapy(TCP, "chksum")
    sent = nat.verify_packet(leaving, "eth1")
    port = sent[TCP].sport
    assert 1024 <= port <= 65535
    # The server's answer to 10.0.2.1:port reaches A:40000, exactly (checksums included).
    nat.send("eth1", simple_tcp_packet(eth_src=MAC_S, eth_dst=MAC1, ip_src=SERVER,
                                       ip_dst=OUTSIDE_IP, tcp_sport=80, tcp_dport=port,
                                       tcp_flags="SA"))
    nat.verify_packet(simple_tcp_packet(eth_src=MAC0, eth_dst=MAC_A, ip_src=SERVER, ip_dst=A,
                                        ip_ttl=63, tcp_sport=80, tcp_dport=40000,
                                        tcp_flags="SA"), "eth0")
    nat.verify_no_other_packets()


def test_a_flow_keeps_its_port(middlebox):
    nat = ready(middlebox)
    query = simple_udp_packet(eth_src=MAC_A, eth_dst=MAC0, ip_src=A, ip_dst=SERVER,
                              udp_sport=5353, udp_dport=53)
    nat.send("eth0", [query] * 3)
    leaving = Mask(simple_udp_packet(eth_src=MAC1, eth_dst=MAC_S, ip_src=OUTSIDE_IP,
                                     ip_dst=SERVER, ip_ttl=63, udp_dport=53))
    leaving.set_do_not_care_scapy(UDP, "sport")
    leaving.set_do_not_care_scapy(UDP, "chksum")
    ports = {nat.verify_packet(leaving, "eth1")[UDP].sport for _ in range(3)}
    assert len(ports) == 1
    assert nat.read("nat", "nmappings") == "1"


def test_outside_packets_of_no_flow_are_dropped(middlebox):
    nat = ready(middlebox)
    nat.send("eth1", simple_tcp_packet(eth_src=MAC_S, eth_dst=MAC1, ip_src=SERVER,
                                       ip_dst=OUTSIDE_IP, tcp_sport=5555, tcp_dport=22))
    nat.verify_no_other_packets()
    assert nat.drops("no mapping, and the input spec drops new flows", "nat") == 1


def test_pings_leave_from_the_outside_address_and_replies_come_back(middlebox):
    nat = ready(middlebox)
    nat.send("eth0", simple_icmp_packet(eth_src=MAC_A, eth_dst=MAC0, ip_src=A, ip_dst=SERVER,
                                        icmp_id=7, icmp_seq=1))
    # Identifier 7 is outside 1024-65535: the NAT picks one (and so the ICMP checksum).
    leaving = Mask(simple_icmp_packet(eth_src=MAC1, eth_dst=MAC_S, ip_src=OUTSIDE_IP,
                                      ip_dst=SERVER, ip_ttl=63, icmp_seq=1))
    leaving.set_do_not_care_scapy(ICMP, "id")
    leaving.set_do_not_care_scapy(ICMP, "chksum")
    ident = nat.verify_packet(leaving, "eth1")[ICMP].id
    assert 1024 <= ident <= 65535
    nat.send("eth1", simple_icmp_packet(eth_src=MAC_S, eth_dst=MAC1, ip_src=SERVER,
                                        ip_dst=OUTSIDE_IP, icmp_type=0, icmp_id=ident,
                                        icmp_seq=1))
    nat.verify_packet(simple_icmp_packet(eth_src=MAC0, eth_dst=MAC_A, ip_src=SERVER, ip_dst=A,
                                         ip_ttl=63, icmp_type=0, icmp_id=7, icmp_seq=1), "eth0")
    nat.verify_no_other_packets()


def test_other_icmp_is_not_translated(middlebox):
    nat = ready(middlebox)
    nat.send("eth0", simple_icmp_packet(eth_src=MAC_A, eth_dst=MAC0, ip_src=A, ip_dst=SERVER,
                                        icmp_type=13))
    nat.verify_no_other_packets()
    assert nat.drops("not TCP or UDP, or a later fragment (input is not `pass`)", "nat") == 1
