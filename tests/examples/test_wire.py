"""configs/wire.click: a wire.  Whatever enters eth0 leaves by eth1, and back.

Nothing is parsed, so nothing is judged: frames of any protocol, damaged or
not, cross byte for byte and in order, and none is lost or made.
"""
from clickpy.testing import simple_arp_packet, simple_eth_packet, simple_tcp_packet, simple_udp_packet


def test_a_frame_from_eth0_leaves_by_eth1_unchanged(middlebox):
    wire = middlebox("wire")
    frame = simple_tcp_packet(ip_dst="10.0.2.2", tcp_dport=22)
    wire.send("eth0", frame)
    wire.verify_packet(frame, "eth1")           # byte for byte
    wire.verify_no_other_packets()              # and nothing came back on eth0


def test_the_other_way_too(middlebox):
    wire = middlebox("wire")
    frame = simple_udp_packet(ip_src="10.0.2.2", ip_dst="10.0.1.2")
    wire.send("eth1", frame)
    wire.verify_packets(frame, ["eth0"])        # on eth0, and nowhere else


def test_any_frame_crosses_even_a_broken_one(middlebox):
    wire = middlebox("wire")
    broken = bytearray(bytes(simple_udp_packet()))
    broken[24] ^= 0xFF                          # a bad IP header checksum
    frames = [simple_arp_packet(), simple_eth_packet(eth_type=0x86DD), bytes(broken), b"\x01" * 10]
    wire.send("eth0", frames)
    for frame in frames:
        wire.verify_packet(frame, "eth1")
    wire.verify_no_other_packets()


def test_order_is_kept_and_nothing_is_lost(middlebox):
    wire = middlebox("wire")
    frames = [simple_udp_packet(udp_sport=1000 + k) for k in range(500)]
    wire.send("eth0", frames)
    assert [bytes(p) for p in wire.received("eth1")] == [bytes(f) for f in frames]
    acct = wire.account()
    assert acct.entered == 500 and acct.drops == {} and acct.balanced
