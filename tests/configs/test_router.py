"""configs/router.click: Click's standard two-interface IPv4 router, at packet level.

    eth0  10.0.1.1/24  00:00:0a:00:01:01
    eth1  10.0.2.1/24  00:00:0a:00:02:01   default route via 10.0.2.254

The router answers ARP for its own addresses, resolves next hops with ARP
(holding packets until the answer comes), forwards IP between the networks
with the TTL decremented, the header checksum recomputed and new Ethernet
addresses (and its address recorded in record-route options), answers what
it cannot forward with well-formed ICMP errors (time exceeded, fragmentation
needed with the next-hop MTU, redirect), fragments packets larger than the
1500-byte MTU, drops damaged IP headers (counted under CheckIPHeader's
reason) and hands packets addressed to itself to the host.
"""
import pytest
from scapy.layers.inet import ICMP, IP, UDP, IPerror
from scapy.layers.l2 import ARP, Ether
from scapy.packet import Raw

from frames import (BROADCAST, IP0, IP1, MAC0, MAC1, arp_only, arp_reply, arp_request,
                    bad_ip_checksum, checksums_ok, host_mac, icmp_echo, ip_checksum_ok, ip_only,
                    tcp, udp, unpadded)

A, B = "10.0.1.2", "10.0.2.2"          # a host on each network
GATEWAY = "10.0.2.254"                 # the default route's next hop, on eth1


def neighbours_known(mb, *hosts):
    """Each host (on eth0 or eth1 by its address) tells the router its MAC first, so that
    forwarding does not wait for ARP."""
    for ip in hosts:
        dev, mac, my_ip = ("eth0", MAC0, IP0) if ip.startswith("10.0.1.") else ("eth1", MAC1, IP1)
        mb.feed(dev, [arp_reply(host_mac(ip), ip, mac, my_ip)])


def forwarded_as_router_would(sent: Ether, original: Ether, src_mac: str, dst_mac: str) -> None:
    """`sent` is `original` routed one hop: same IP packet but TTL - 1 and a correct header
    checksum (as scapy computes it), in a new Ethernet header."""
    assert (sent.src, sent.dst, sent.type) == (src_mac, dst_mac, 0x0800)
    expected = original[IP].copy()
    expected.ttl -= 1
    del expected.chksum
    assert bytes(sent[IP])[:sent[IP].len] == bytes(IP(bytes(expected)))[:expected.len]
    assert checksums_ok(sent)


def test_answers_arp_requests_for_its_address_on_each_interface(middlebox):
    mb = middlebox("router")
    out0 = mb.feed("eth0", [arp_request(host_mac(A), A, IP0)])
    out1 = mb.feed("eth1", [arp_request(host_mac(B), B, IP1)])
    for out, dev, mac, ip, host in ((out0, "eth0", MAC0, IP0, A), (out1, "eth1", MAC1, IP1, B)):
        (reply,) = out[dev]
        assert (reply.src, reply.dst, reply.type) == (mac, host_mac(host), 0x0806)
        assert reply[ARP].op == 2
        assert (reply[ARP].hwsrc, reply[ARP].psrc) == (mac, ip)
        assert (reply[ARP].hwdst, reply[ARP].pdst) == (host_mac(host), host)
    assert not out0["eth1"] and not out1["eth0"]
    assert mb.account().balanced


def test_does_not_answer_arp_for_other_addresses(middlebox):
    mb = middlebox("router")
    out = mb.feed("eth0", [arp_request(host_mac(A), A, "10.0.1.99"),
                           arp_request(host_mac(A), A, IP1)])     # eth1's address, asked on eth0
    assert out["eth0"] == [] and out["eth1"] == []
    assert mb.account().balanced


def test_asks_for_an_unknown_next_hop_and_forwards_once_it_answers(middlebox):
    mb = middlebox("router")
    packet = udp(A, B)
    out = mb.feed("eth0", [packet])
    (query,) = out["eth1"]                     # held: only the ARP query goes out
    assert (query.src, query.dst) == (MAC1, BROADCAST)
    assert query[ARP].op == 1
    assert (query[ARP].psrc, query[ARP].hwsrc, query[ARP].pdst) == (IP1, MAC1, B)
    assert mb.account().held == 1
    out = mb.feed("eth1", [arp_reply(host_mac(B), B, MAC1, IP1)])
    (sent,) = ip_only(out["eth1"])
    forwarded_as_router_would(sent, packet, MAC1, host_mac(B))
    assert mb.account().balanced and mb.account().held == 0


@pytest.mark.parametrize("make", [
    lambda: udp(A, B, payload=b"x" * 100),
    lambda: tcp(A, B, 40000, 80, "S", options=[("MSS", 1460)]),
    lambda: icmp_echo(A, B),
    lambda: udp(A, B, payload=b"y" * 1400, tos=0x10, flags="DF", id=777),
], ids=["udp", "tcp-syn", "icmp-echo", "udp-1400-df"])
def test_forwards_eth0_to_eth1_with_ttl_decremented_checksum_fixed_macs_rewritten(middlebox, make):
    mb = middlebox("router")
    neighbours_known(mb, B)                    # the next hop's ARP reply comes first
    packet = make()
    out = mb.feed("eth0", [packet])
    (sent,) = out["eth1"]
    forwarded_as_router_would(sent, packet, MAC1, host_mac(B))
    assert sent[IP].ttl == 63
    assert out["eth0"] == [] and out["host"] == []
    assert mb.account().balanced


def test_forwards_eth1_to_eth0_too(middlebox):
    mb = middlebox("router")
    neighbours_known(mb, A)
    packet = udp(B, A, dst_mac=MAC1, ttl=10)
    out = mb.feed("eth1", [packet])
    (sent,) = out["eth0"]
    forwarded_as_router_would(sent, packet, MAC0, host_mac(A))
    assert sent[IP].ttl == 9
    assert mb.account().balanced


def test_other_networks_go_to_the_default_gateway_10_0_2_254(middlebox):
    mb = middlebox("router")
    packet = udp(A, "192.0.2.7")
    out = mb.feed("eth0", [packet])
    (query,) = arp_only(out["eth1"], op=1)
    assert query[ARP].pdst == GATEWAY          # the gateway is resolved, not the destination
    out = mb.feed("eth1", [arp_reply(host_mac(GATEWAY), GATEWAY, MAC1, IP1)])
    (sent,) = out["eth1"]
    forwarded_as_router_would(sent, packet, MAC1, host_mac(GATEWAY))
    assert sent[IP].dst == "192.0.2.7"
    assert mb.account().balanced


def test_record_route_option_records_the_outgoing_interface(middlebox):
    mb = middlebox("router")
    neighbours_known(mb, B)
    packet = udp(A, B, options=[b"\x07\x0b\x04" + bytes(8)])     # room for two addresses
    (sent,) = mb.feed("eth0", [packet])["eth1"]
    option = bytes(sent[IP])[20:31]
    assert option[:3] == b"\x07\x0b\x08"                           # pointer moved on by 4
    assert option[3:7] == bytes([10, 0, 2, 1]) and option[7:] == bytes(4)
    assert sent[IP].ttl == 63 and checksums_ok(sent)
    assert mb.account().balanced


def well_formed_icmp_error(error: Ether, original: Ether, type_: int, code: int,
                           router_ip: str, router_mac: str, ttl_spent: int = 0) -> None:
    """An ICMP error as RFC 792/1812 want it: from the router's address on the sender's
    side, to the sender, correct IP and ICMP checksums, quoting the offending packet's IP
    header and (at least) the first 8 bytes of its payload.  The quote is the packet as the
    erring element saw it: after DecIPTTL (ttl_spent=1, checksum updated) for IPFragmenter's
    errors, since Click's router decrements the TTL before fragmenting."""
    assert (error.src, error.dst) == (router_mac, original.src)
    ip = error[IP]
    assert (ip.src, ip.dst, ip.proto) == (router_ip, original[IP].src, 1)
    assert ip.ttl == 199                       # ICMPError's TTL of 200, less this hop
    assert (error[ICMP].type, error[ICMP].code) == (type_, code)
    assert checksums_ok(error)
    quoted = bytes(error[ICMP].payload)
    seen = original[IP].copy()
    if ttl_spent:
        seen.ttl -= ttl_spent
        del seen.chksum
    head = bytes(IP(bytes(seen)))[:original[IP].ihl * 4 + 8]
    assert quoted[:len(head)] == head
    assert IPerror in error


def test_ttl_1_is_answered_with_icmp_time_exceeded_not_forwarded(middlebox):
    mb = middlebox("router")
    neighbours_known(mb, A, B)
    expiring = udp(A, B, ttl=1, id=4242)
    out = mb.feed("eth0", [expiring])
    assert out["eth1"] == []
    (error,) = out["eth0"]
    well_formed_icmp_error(error, expiring, 11, 0, IP0, MAC0)
    assert error[IPerror].ttl == 1 and error[IPerror].id == 4242
    assert mb.drops("answered with an ICMP error", "ICMPError") == 1
    assert mb.account().balanced


def test_ttl_0_is_answered_like_ttl_1(middlebox):
    mb = middlebox("router")
    neighbours_known(mb, A, B)
    out = mb.feed("eth0", [udp(A, B, ttl=0)])
    assert out["eth1"] == []
    (error,) = out["eth0"]
    assert (error[ICMP].type, error[ICMP].code) == (11, 0) and checksums_ok(error)
    assert mb.account().balanced


def test_df_packet_over_the_mtu_earns_fragmentation_needed_with_the_next_hop_mtu(middlebox):
    mb = middlebox("router")
    neighbours_known(mb, A, B)
    big = udp(A, B, payload=b"z" * 1600, flags="DF")      # a 1650-byte jumbo frame
    out = mb.feed("eth0", [big])
    assert out["eth1"] == []
    (error,) = out["eth0"]
    well_formed_icmp_error(error, big, 3, 4, IP0, MAC0, ttl_spent=1)
    assert error[ICMP].nexthopmtu == 1500
    assert mb.account().balanced


def test_packet_over_the_mtu_without_df_is_fragmented(middlebox):
    mb = middlebox("router")
    neighbours_known(mb, B)
    payload = bytes(range(256)) * 7                       # 1792 bytes of UDP data
    big = udp(A, B, payload=payload, id=99)
    out = mb.feed("eth0", [big])
    fragments = out["eth1"]
    assert len(fragments) == 2
    for f in fragments:
        assert f[IP].len <= 1500 and f[IP].id == 99 and f[IP].ttl == 63
        assert ip_checksum_ok(f)          # (the UDP checksum covers the whole datagram)
        assert (f.src, f.dst) == (MAC1, host_mac(B))
    first, second = sorted(fragments, key=lambda f: f[IP].frag)
    assert first[IP].flags.MF and not second[IP].flags.MF and first[IP].frag == 0
    assert second[IP].frag * 8 == first[IP].len - 20
    data = bytes(first[IP])[20:first[IP].len] + bytes(second[IP])[20:second[IP].len]
    assert data == bytes(big[UDP])
    assert mb.account().balanced


def test_packet_sent_back_out_its_interface_earns_a_redirect_and_is_still_delivered(middlebox):
    mb = middlebox("router")
    C = "10.0.1.3"                                       # on A's own network
    neighbours_known(mb, A, C)
    packet = udp(A, C)                                   # A should have sent it to C directly
    out = mb.feed("eth0", [packet])
    redirect = [p for p in out["eth0"] if ICMP in p]
    delivered = [p for p in out["eth0"] if ICMP not in p]
    (error,) = redirect
    well_formed_icmp_error(error, packet, 5, 1, IP0, MAC0)
    assert error[ICMP].gw == C                           # the better first hop
    (sent,) = delivered
    forwarded_as_router_would(sent, packet, MAC0, host_mac(C))
    assert out["eth1"] == []
    assert mb.account().balanced


def test_bad_ip_checksums_are_dropped_and_counted_under_checkipheaders_reason(middlebox):
    mb = middlebox("router")
    neighbours_known(mb, B)
    bad = [bad_ip_checksum(udp(A, B, id=k)) for k in range(5)]
    out = mb.feed("eth0", bad + [udp(A, B, id=99)])
    (sent,) = out["eth1"]                                # only the good one
    assert sent[IP].id == 99
    assert out["eth0"] == [] and out["host"] == []
    assert mb.drops("bad IP checksum", "CheckIPHeader") == 5
    assert mb.account().balanced


def test_damaged_headers_are_dropped_for_the_right_reason(middlebox):
    mb = middlebox("router")
    neighbours_known(mb, B)
    good = bytes(udp(A, B))
    truncated = good[:14 + 12]                           # less than an IP header
    version6 = bytearray(good)
    version6[14] = 0x65                                  # version 6 in an IPv4 frame
    bad_length = bytes(IP(src=A, dst=B, len=2000) / UDP())
    broadcast_source = udp("10.0.2.255", B, src_mac=host_mac(A))
    too_long = bytes(Ether(src=host_mac(A), dst=MAC0, type=0x0800)) + bad_length
    out = mb.feed("eth0", [truncated, bytes(version6), too_long, broadcast_source])
    assert all(out[dev] == [] for dev in out)
    for reason in ("tiny packet", "bad IP version", "bad IP length", "bad source address"):
        assert mb.drops(reason, "CheckIPHeader") == 1, reason
    assert mb.account().balanced


def test_packets_for_the_router_itself_go_to_the_host(middlebox):
    mb = middlebox("router")
    to_me = [udp(A, IP0, id=1), udp(A, IP1, id=2), icmp_echo(A, IP0)]
    out = mb.feed("eth0", to_me)
    assert out["eth0"] == [] and out["eth1"] == []
    assert len(out["host"]) == 3
    for got, sent in zip(out["host"], to_me):
        # EtherEncap(0x0800, 1:1:1:1:1:1, 2:2:2:2:2:2): the IP packet untouched, TTL too.
        assert (got.src, got.dst, got.type) == ("01:01:01:01:01:01", "02:02:02:02:02:02", 0x0800)
        assert bytes(got[IP]) == unpadded(sent)[14:]
    assert mb.account().balanced


def test_arp_replies_are_learned_and_copied_to_the_host(middlebox):
    mb = middlebox("router")
    reply = arp_reply(host_mac(B), B, MAC1, IP1)
    out = mb.feed("eth1", [reply])
    (copy,) = out["host"]
    assert bytes(copy) == bytes(reply)
    assert mb.drops("ARP response (consumed)") == 2       # both ARPQueriers saw it
    assert mb.account().balanced


def test_non_ip_frames_are_dropped(middlebox):
    mb = middlebox("router")
    ipv6 = Ether(src=host_mac(A), dst=MAC0, type=0x86DD) / Raw(bytes(46))
    out = mb.feed("eth0", [ipv6])
    assert all(out[dev] == [] for dev in out)
    assert mb.drops("discarded", "Discard") == 1
    assert mb.account().balanced


def traffic_mix(mb):
    """A bit of everything, in phases; the router's answers."""
    mb.feed("eth1", [arp_reply(host_mac(B), B, MAC1, IP1), arp_request(host_mac(B), B, IP1)])
    mb.feed("eth0", [arp_reply(host_mac(A), A, MAC0, IP0), udp(A, B), udp(A, B, ttl=1),
                     tcp(A, B, 40000, 22), bad_ip_checksum(udp(A, B)), udp(A, IP0),
                     udp(A, "192.0.2.7")])
    mb.feed("eth1", [arp_reply(host_mac(GATEWAY), GATEWAY, MAC1, IP1), udp(B, A, dst_mac=MAC1)])


def test_yaml_twin_routes_identically(middlebox):
    click, yaml = middlebox("router"), middlebox("router", yaml=True)
    traffic_mix(click)
    traffic_mix(yaml)
    assert len(ip_only(click.sent("eth1"))) == 3
    click.behaves_like(yaml)
