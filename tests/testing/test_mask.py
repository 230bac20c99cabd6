"""Masks: which bits a verification compares."""
import pytest
from scapy.layers.inet import ICMP, IP, TCP, UDP
from scapy.layers.l2 import Dot1Q, Ether

from clickpy.testing import Mask, masked, simple_icmp_packet, simple_tcp_packet, simple_udp_packet


def changed(packet, layer, **fields):
    p = packet.copy()
    for name, value in fields.items():
        setattr(p[layer], name, value)
    return bytes(p)


def test_an_exact_mask_matches_only_the_same_bytes():
    p = simple_udp_packet()
    m = Mask(p)
    assert m.pkt_match(bytes(p))
    assert not m.pkt_match(changed(p, IP, ttl=63))
    assert not m.pkt_match(bytes(p) + b"\x00")            # longer
    assert not m.pkt_match(bytes(p)[:-1])                  # shorter


def test_a_dont_care_field_is_not_compared_and_its_neighbours_are():
    p = simple_udp_packet()
    m = Mask(p)
    m.set_do_not_care_scapy(IP, "ttl")
    assert m.pkt_match(changed(p, IP, ttl=3))
    assert not m.pkt_match(changed(p, IP, proto=6, ttl=3))
    assert not m.pkt_match(changed(p, IP, id=2))


def test_bit_fields_are_masked_to_the_bit():
    p = simple_tcp_packet()
    m = Mask(p)
    m.set_do_not_care_scapy(TCP, "flags")                  # 9 bits after 4 + 3
    assert m.pkt_match(changed(p, TCP, flags="PA"))
    assert not m.pkt_match(changed(p, TCP, dataofs=6))
    assert not m.pkt_match(changed(p, TCP, reserved=1))


def test_groups():
    p = simple_tcp_packet(tcp_options=[("Timestamp", (1, 2))], ip_options=False)
    later = p.copy()
    later[IP].ttl, later[IP].id = 60, 99
    later[TCP].options = [("Timestamp", (777, 888))]
    del later[IP].chksum, later[TCP].chksum
    later = bytes(later)
    assert not Mask(p).pkt_match(later)
    assert not masked(p, "ttl", "ip_id", "checksums").pkt_match(later)   # timestamps differ
    assert masked(p, "ttl", "ip_id", "checksums", "timestamps").pkt_match(later)
    with pytest.raises(ValueError, match="unknown don't-care group"):
        masked(p, "tll")


def test_checksum_group_covers_icmp_and_udp_and_not_the_quoted_header():
    icmp = simple_icmp_packet()
    assert masked(icmp, "checksums").pkt_match(changed(icmp, ICMP, chksum=1))
    udp = simple_udp_packet()
    assert masked(udp, "checksums").pkt_match(changed(udp, UDP, chksum=1))


def test_vlan_fields_and_whole_headers():
    p = simple_udp_packet(dl_vlan_enable=True, vlan_vid=5)
    m = Mask(p)
    m.set_do_not_care_scapy(Dot1Q, "vlan")
    assert m.pkt_match(changed(p, Dot1Q, vlan=7)) and not m.pkt_match(changed(p, Dot1Q, prio=1))
    m = Mask(p)
    m.set_do_not_care_packet(Ether)
    assert m.pkt_match(changed(p, Ether, src="02:00:00:00:00:09"))
    assert not m.pkt_match(changed(p, Dot1Q, vlan=7))


def test_extra_bytes_can_be_ignored():
    p = simple_udp_packet()
    assert Mask(p, ignore_extra_bytes=True).pkt_match(bytes(p) + b"pad")
    m = Mask(p)
    m.set_ignore_extra_bytes()
    assert m.pkt_match(bytes(p) + b"pad") and not m.pkt_match(bytes(p)[:-1])


def test_a_missing_header_is_a_clear_error():
    with pytest.raises(KeyError, match="no TCP header"):
        Mask(simple_udp_packet()).set_do_not_care_scapy(TCP, "sport")
    with pytest.raises(KeyError, match="has no field 'nope'"):
        Mask(simple_udp_packet()).set_do_not_care_scapy(UDP, "nope")
