"""configs/firewall.click: a stateful firewall, transparent between eth0 (inside) and eth1.

The inside may open TCP connections to ports 22, 80 and 443 and send DNS
queries (UDP port 53); their replies, and only those, come back in.
Everything else is dropped.  Packets cross unchanged (no routing: the
firewall is a bump in the wire), and ARP crosses both ways.
"""
from clickpy.testing import simple_arp_packet, simple_tcp_packet, simple_udp_packet

INSIDE, INSIDE_MAC = "10.0.1.2", "02:00:00:00:01:02"
SERVER, SERVER_MAC = "10.0.2.2", "02:00:00:00:02:02"
STRANGER = "10.0.2.66"


def out(sport, dport, kind=simple_tcp_packet, **kw):
    """A packet from the inside host to the server."""
    ports = ({"tcp_sport": sport, "tcp_dport": dport} if kind is simple_tcp_packet
             else {"udp_sport": sport, "udp_dport": dport})
    return kind(eth_src=INSIDE_MAC, eth_dst=SERVER_MAC, ip_src=INSIDE, ip_dst=SERVER, **ports, **kw)


def back(sport, dport, kind=simple_tcp_packet, src=SERVER, **kw):
    """A packet from the server (or another outside host) to the inside host."""
    ports = ({"tcp_sport": sport, "tcp_dport": dport} if kind is simple_tcp_packet
             else {"udp_sport": sport, "udp_dport": dport})
    return kind(eth_src=SERVER_MAC, eth_dst=INSIDE_MAC, ip_src=src, ip_dst=INSIDE, **ports, **kw)


def test_allowed_connections_cross_unchanged_and_their_replies_come_back(middlebox):
    fw = middlebox("firewall")
    for dport in (22, 80, 443):
        fw.send("eth0", out(40000 + dport, dport))
        fw.verify_packet(out(40000 + dport, dport), "eth1")
        fw.send("eth1", back(dport, 40000 + dport, tcp_flags="SA"))
        fw.verify_packet(back(dport, 40000 + dport, tcp_flags="SA"), "eth0")
    fw.send("eth0", out(5353, 53, simple_udp_packet))
    fw.send("eth1", back(53, 5353, simple_udp_packet))
    fw.verify_packet(out(5353, 53, simple_udp_packet), "eth1")
    fw.verify_packet(back(53, 5353, simple_udp_packet), "eth0")
    fw.verify_no_other_packets()


def test_other_services_are_blocked(middlebox):
    fw = middlebox("firewall")
    fw.send("eth0", [out(40000, 23), out(40001, 25), out(40002, 123, simple_udp_packet)])
    fw.verify_no_other_packets()
    assert fw.drops("matched a drop rule", "allow") == 3           # IPFilter's `deny all`


def test_the_outside_cannot_open_connections(middlebox):
    fw = middlebox("firewall")
    fw.send("eth0", out(40000, 22))
    fw.verify_packet(out(40000, 22), "eth1")
    fw.send("eth1", [back(5555, 22),                           # a connection attempt
                     back(22, 40000, src=STRANGER, tcp_flags="SA"),   # right ports, wrong host
                     back(22, 40001, tcp_flags="SA")])                # right host, wrong port
    fw.verify_no_other_packets()
    assert fw.drops("no mapping, and the input spec drops new flows", "flows") == 3


def test_arp_crosses_both_ways(middlebox):
    fw = middlebox("firewall")
    who_has = simple_arp_packet(eth_src=INSIDE_MAC, ip_snd=INSIDE, ip_tgt=SERVER)
    fw.send("eth0", who_has)
    fw.verify_packets(who_has, ["eth1"])
    is_at = simple_arp_packet(eth_src=SERVER_MAC, eth_dst=INSIDE_MAC, arp_op=2, ip_snd=SERVER,
                              hw_tgt=INSIDE_MAC, ip_tgt=INSIDE)
    fw.send("eth1", is_at)
    fw.verify_packets(is_at, ["eth0"])


def test_the_flow_table_is_a_handler(middlebox):
    fw = middlebox("firewall")
    fw.send("eth0", out(40000, 443))
    fw.verify_packet(out(40000, 443), "eth1")
    assert fw.read("flows", "nmappings") == "1"
    table = fw.read("flows", "tcp_table")        # both directions of the flow, unrewritten
    assert f"({INSIDE}, 40000, {SERVER}, 443) => ({INSIDE}, 40000, {SERVER}, 443)" in table
    assert f"({SERVER}, 443, {INSIDE}, 40000) => ({SERVER}, 443, {INSIDE}, 40000)" in table
    fw.write("flows", "clear")                   # forget it: the reply is now unsolicited
    fw.send("eth1", back(443, 40000, tcp_flags="SA"))
    fw.verify_no_other_packets()
