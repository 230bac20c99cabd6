"""configs/firewall.click: a stateful firewall, transparent between eth0 (inside) and eth1.

Inside hosts may open TCP connections to SSH (22), HTTP (80) and HTTPS (443)
servers, send DNS queries over UDP (53) and ping; every other packet from the
inside is dropped.  From the outside only the return traffic of a flow the
inside opened gets in: IPRewriter (ICMPPingRewriter for pings) remembers each
allowed flow and its `drop` input lets through only packets of a remembered
flow, in reverse (and a paint check
keeps outside packets from leaving by the outside again).  The firewall is a
bump in the wire: frames it passes leave byte for byte as they came (no MAC
rewriting, no TTL change; only Ethernet padding is trimmed, by CheckIPHeader as
in Click, for the NIC to add again), and non-IP frames (ARP) cross both ways.
"""
import pytest
from scapy.layers.inet import ICMP, IP
from scapy.layers.l2 import Ether

from frames import (arp_reply, arp_request, bad_ip_checksum, built, flow, host_mac, icmp_echo,
                    tcp, udp, unpadded)

INSIDE, INSIDE2 = "10.0.1.2", "10.0.1.3"
SERVER, OTHER = "192.0.2.10", "192.0.2.99"


def out_(src, dst, sport, dport, kind="tcp", **kw):
    """A packet from the inside (eth0) to the outside, addressed to the peer's MAC."""
    make = tcp if kind == "tcp" else udp
    return make(src, dst, sport, dport, dst_mac=host_mac(dst), **kw)


def in_(src, dst, sport, dport, kind="tcp", **kw):
    """A packet from the outside (eth1) to the inside."""
    make = tcp if kind == "tcp" else udp
    return make(src, dst, sport, dport, dst_mac=host_mac(dst), **kw)


@pytest.mark.parametrize("port", [22, 80, 443], ids=["ssh", "http", "https"])
def test_inside_may_open_tcp_connections_to_ssh_http_https(middlebox, port):
    mb = middlebox("firewall")
    syn = out_(INSIDE, SERVER, 40000, port, "tcp", flags="S")
    out = mb.feed("eth0", [syn])
    (passed,) = out["eth1"]
    assert bytes(passed) == unpadded(syn)       # transparent: not a byte changed
    assert out["eth0"] == []
    assert mb.account().balanced


def test_inside_may_send_dns_queries_over_udp(middlebox):
    mb = middlebox("firewall")
    query = out_(INSIDE, SERVER, 5353, 53, "udp", payload=b"\x12\x34\x01\x00" + bytes(8))
    out = mb.feed("eth0", [query])
    assert [bytes(p) for p in out["eth1"]] == [unpadded(query)]
    assert mb.account().balanced


@pytest.mark.parametrize("packet", [
    out_(INSIDE, SERVER, 40000, 25, "tcp"),              # SMTP
    out_(INSIDE, SERVER, 40000, 8080, "tcp"),
    out_(INSIDE, SERVER, 40000, 53, "tcp"),              # DNS over TCP is not allowed
    out_(INSIDE, SERVER, 5353, 123, "udp"),              # NTP
    out_(INSIDE, SERVER, 53, 5353, "udp"),               # source port 53 does not count
    out_(INSIDE, SERVER, 40000, 443, "udp"),             # QUIC: 443 is allowed for TCP only
    built(Ether(src=host_mac(INSIDE), dst=host_mac(SERVER)) / IP(src=INSIDE, dst=SERVER)
          / ICMP(type=13)),                              # ICMP other than ping
], ids=["smtp", "tcp-8080", "dns-over-tcp", "ntp", "udp-from-53", "udp-443", "icmp-timestamp"])
def test_other_inside_traffic_is_dropped(middlebox, packet):
    mb = middlebox("firewall")
    out = mb.feed("eth0", [packet])
    assert out["eth1"] == [] and out["eth0"] == []
    assert mb.drops("matched a drop rule", "allow") == 1
    assert mb.account().balanced


def test_return_traffic_of_allowed_flows_comes_back_unchanged(middlebox):
    mb = middlebox("firewall")
    mb.feed("eth0", [out_(INSIDE, SERVER, 40000, 443, "tcp", flags="S"),
                     out_(INSIDE2, SERVER, 5353, 53, "udp")])
    replies = [in_(SERVER, INSIDE, 443, 40000, "tcp", flags="SA"),
               in_(SERVER, INSIDE2, 53, 5353, "udp", payload=b"answer")]
    out = mb.feed("eth1", replies)
    assert [bytes(p) for p in out["eth0"]] == [unpadded(p) for p in replies]
    # ...and the connection carries on both ways.
    ack = out_(INSIDE, SERVER, 40000, 443, "tcp", flags="A", payload=b"GET / HTTP/1.1\r\n\r\n")
    assert [bytes(p) for p in mb.feed("eth0", [ack])["eth1"]] == [unpadded(ack)]
    data = in_(SERVER, INSIDE, 443, 40000, "tcp", flags="PA", payload=b"HTTP/1.1 200 OK\r\n")
    assert [bytes(p) for p in mb.feed("eth1", [data])["eth0"]] == [unpadded(data)]
    assert mb.account().balanced


def ping(src, dst, ident, reply=False):
    return built(Ether(src=host_mac(src), dst=host_mac(dst)) / IP(src=src, dst=dst)
                 / ICMP(type=0 if reply else 8, id=ident) / b"ping")


def test_inside_may_ping_and_the_replies_come_back_unchanged(middlebox):
    mb = middlebox("firewall")
    request = ping(INSIDE, SERVER, 7)
    assert [bytes(p) for p in mb.feed("eth0", [request])["eth1"]] == [unpadded(request)]
    reply, stray = ping(SERVER, INSIDE, 7, reply=True), ping(SERVER, INSIDE, 8, reply=True)
    out = mb.feed("eth1", [reply, stray, ping(SERVER, INSIDE, 7)])
    assert [bytes(p) for p in out["eth0"]] == [unpadded(reply)] and out["eth1"] == []
    assert mb.drops("echo reply of no mapped request (input is not `pass`)", "pings") == 1
    assert mb.drops("not TCP or UDP, or a later fragment (input is not `pass`)", "flows") == 1
    assert mb.account().balanced


def test_unsolicited_outside_traffic_is_dropped(middlebox):
    mb = middlebox("firewall")
    mb.feed("eth0", [out_(INSIDE, SERVER, 40000, 22, "tcp")])   # one allowed flow
    attempts = [
        in_(OTHER, INSIDE, 5555, 22, "tcp"),           # a connection attempt from outside
        in_(SERVER, INSIDE, 22, 40001, "tcp", flags="SA"),   # right server, wrong port
        in_(OTHER, INSIDE, 22, 40000, "tcp", flags="SA"),    # right ports, wrong server
        in_(SERVER, INSIDE2, 22, 40000, "tcp", flags="SA"),  # another inside host
        in_(SERVER, INSIDE, 22, 40000, "udp"),               # UDP is not the TCP flow
        in_(INSIDE, SERVER, 40000, 22, "tcp"),         # the flow's own direction, from outside
        icmp_echo(OTHER, INSIDE, dst_mac=host_mac(INSIDE)),
    ]
    out = mb.feed("eth1", attempts)
    assert out["eth0"] == [] and out["eth1"] == []
    assert mb.drops("no mapping, and the input spec drops new flows", "flows") == 5
    # The flow table matches the spoofed copy of the inside's own packet; the paint check
    # stops it from being sent back out.
    assert mb.drops("other paint color", "out") == 1
    assert mb.drops("not TCP or UDP, or a later fragment (input is not `pass`)", "flows") == 1
    assert mb.account().balanced


def test_reply_before_the_request_is_dropped(middlebox):
    mb = middlebox("firewall")
    early = in_(SERVER, INSIDE, 80, 40000, "tcp", flags="SA")
    assert mb.feed("eth1", [early])["eth0"] == []
    mb.feed("eth0", [out_(INSIDE, SERVER, 40000, 80, "tcp")])
    assert len(mb.feed("eth1", [early])["eth0"]) == 1     # now it is a reply
    assert mb.account().balanced


def test_arp_crosses_both_ways(middlebox):
    mb = middlebox("firewall")
    who_has = arp_request(host_mac(INSIDE), INSIDE, SERVER)
    assert [bytes(p) for p in mb.feed("eth0", [who_has])["eth1"]] == [bytes(who_has)]
    is_at = arp_reply(host_mac(SERVER), SERVER, host_mac(INSIDE), INSIDE)
    assert [bytes(p) for p in mb.feed("eth1", [is_at])["eth0"]] == [bytes(is_at)]
    assert mb.account().balanced


def test_damaged_ip_headers_are_dropped_on_both_sides(middlebox):
    mb = middlebox("firewall")
    mb.feed("eth0", [out_(INSIDE, SERVER, 40000, 80, "tcp")])
    out0 = mb.feed("eth0", [bad_ip_checksum(out_(INSIDE, SERVER, 40000, 80, "tcp"))])
    out1 = mb.feed("eth1", [bad_ip_checksum(in_(SERVER, INSIDE, 80, 40000, "tcp"))])
    assert out0["eth1"] == [] and out1["eth0"] == []
    assert mb.drops("bad IP checksum", "CheckIPHeader") == 2
    assert mb.account().balanced


def conversation(mb):
    mb.feed("eth0", [arp_request(host_mac(INSIDE), INSIDE, SERVER),
                     out_(INSIDE, SERVER, 40000, 22, "tcp"), out_(INSIDE, SERVER, 40001, 25, "tcp"),
                     out_(INSIDE2, SERVER, 5353, 53, "udp"), out_(INSIDE, SERVER, 1, 123, "udp")])
    mb.feed("eth1", [arp_reply(host_mac(SERVER), SERVER, host_mac(INSIDE), INSIDE),
                     in_(SERVER, INSIDE, 22, 40000, "tcp", flags="SA"),
                     in_(SERVER, INSIDE, 25, 40001, "tcp", flags="SA"),
                     in_(SERVER, INSIDE2, 53, 5353, "udp"), in_(OTHER, INSIDE, 1, 22, "tcp")])


def test_yaml_twin_filters_identically(middlebox):
    click, yaml = middlebox("firewall"), middlebox("firewall", yaml=True)
    conversation(click)
    conversation(yaml)
    assert [flow(p) for p in click.sent("eth0") if IP in p] == [
        (SERVER, 22, INSIDE, 40000), (SERVER, 53, INSIDE2, 5353)]
    click.behaves_like(yaml)
