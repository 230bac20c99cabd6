"""configs/monitor.click: a passive flow monitor on eth0.

It forwards nothing (it has no output port at all) and counts what it sees;
the counters are read through handlers: frames, nonip, flows (IP packets of
TCP/UDP flows), notflow (other IP), and per protocol tcp, udp, icmp, other.
"""
from clickpy.testing import (simple_arp_packet, simple_icmp_packet, simple_tcp_packet,
                             simple_udp_packet)

COUNTERS = ("frames", "nonip", "flows", "notflow", "tcp", "udp", "icmp", "other")


def counters(monitor):
    return {name: int(monitor.read(name, "count")) for name in COUNTERS}


def test_counts_what_it_sees_by_protocol(middlebox):
    monitor = middlebox("monitor")
    monitor.send("eth0", [simple_tcp_packet(tcp_flags="S"), simple_tcp_packet(tcp_flags="A"),
                          simple_udp_packet(), simple_icmp_packet(), simple_arp_packet()])
    assert counters(monitor) == {"frames": 5, "nonip": 1, "flows": 3, "notflow": 1,
                                 "tcp": 2, "udp": 1, "icmp": 1, "other": 0}


def test_forwards_nothing(middlebox):
    monitor = middlebox("monitor")
    assert monitor.outputs == ()
    monitor.send("eth0", [simple_udp_packet()] * 10)
    monitor.verify_no_other_packets()
    assert monitor.drops("discarded", "Discard") == 10 and monitor.account().balanced


def test_counters_can_be_reset(middlebox):
    monitor = middlebox("monitor")
    monitor.send("eth0", simple_udp_packet())
    monitor.write("udp", "reset")
    assert monitor.read("udp", "count") == "0" and monitor.read("frames", "count") == "1"
