"""PTF's packet builders, and the field-by-field comparison failures print."""
from scapy.layers.inet import ICMP, IP, TCP, UDP
from scapy.layers.l2 import ARP, Dot1Q, Ether

from clickpy.testing import (diff, masked, simple_arp_packet, simple_eth_packet,
                             simple_icmp_packet, simple_tcp_packet, simple_udp_packet)


def test_builders_make_wire_ready_packets_of_pktlen_bytes():
    tcp = simple_tcp_packet(ip_dst="10.0.0.9", tcp_dport=22, ip_ttl=7)
    assert len(tcp) == 100 and tcp[IP].dst == "10.0.0.9" and tcp[TCP].dport == 22
    assert tcp[IP].ttl == 7 and tcp[IP].chksum is not None and tcp[TCP].flags == "S"
    assert bytes(tcp)[54:58] == bytes([0, 1, 2, 3])        # PTF's payload
    udp = simple_udp_packet(pktlen=200, udp_sport=9)
    assert len(udp) == 200 and udp[UDP].sport == 9 and udp[UDP].len == 200 - 34
    assert ICMP in simple_icmp_packet() and simple_icmp_packet(icmp_type=0)[ICMP].type == 0
    arp = simple_arp_packet(arp_op=2, ip_snd="1.2.3.4")
    assert arp[ARP].op == 2 and arp[ARP].psrc == "1.2.3.4" and len(arp) == 60
    eth = simple_eth_packet(eth_type=0x88B5)
    assert eth[Ether].type == 0x88B5 and len(eth) == 60


def test_vlan_tags():
    p = simple_tcp_packet(dl_vlan_enable=True, vlan_vid=42, vlan_pcp=3)
    assert p[Dot1Q].vlan == 42 and p[Dot1Q].prio == 3 and p[Dot1Q].type == 0x0800
    assert TCP in p and len(p) == 100


def test_diff_marks_compared_and_dont_care_fields():
    expected = simple_udp_packet(ip_ttl=64)
    arrived = simple_udp_packet(ip_ttl=63)
    text = diff(masked(expected, "checksums"), arrived)
    lines = text.splitlines()
    assert "###[ IP ]###" in text and "###[ UDP ]###" in text
    ttl = next(line for line in lines if " ttl " in line)
    assert ttl.lstrip().startswith("!") and "64" in ttl and "arrived: 63" in ttl
    chksum = next(line for line in lines if " chksum " in line and "don't care" in line)
    assert chksum.lstrip().startswith("~")
    assert all(not line.lstrip().startswith(("!", "~")) for line in lines
               if " dst " in line or " sport " in line)


def test_diff_shows_headers_of_another_kind_whole():
    text = diff(simple_udp_packet(), simple_icmp_packet(pktlen=100))
    assert "expected ###[ UDP ]###" in text and "arrived ###[ ICMP ]###" in text
    assert "! proto" in text.replace("  ", " ")


def test_diff_reports_lengths():
    text = diff(simple_udp_packet(pktlen=100), simple_udp_packet(pktlen=120))
    assert "length: expected 100 bytes, arrived 120" in text
