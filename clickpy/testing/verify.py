"""PTF's verbs as functions, the middlebox in the place of PTF's test object.

    send_packet(mb, "eth0", pkt)          verify_packet(mb, pkt, "eth1")
    verify_packets(mb, pkt, ["eth1"])     verify_no_packet(mb, pkt, "eth0")
    verify_no_other_packets(mb)           verify_packet_any_port(mb, pkt, ["eth0", "eth1"])
    count_matched_packets(mb, pkt, "eth1")

Ports are the configuration's device names ("eth0"; "host" for ToHost).
"""
from __future__ import annotations


def send_packet(mb, port, pkt, count=1):
    mb.send(port, pkt, count=count)


def verify_packet(mb, pkt, port):
    return mb.verify_packet(pkt, port)


def verify_packets(mb, pkt, ports):
    mb.verify_packets(pkt, ports)


def verify_no_packet(mb, pkt, port):
    mb.verify_no_packet(pkt, port)


def verify_no_other_packets(mb):
    mb.verify_no_other_packets()


def verify_packet_any_port(mb, pkt, ports):
    return mb.verify_packet_any_port(pkt, ports)


def count_matched_packets(mb, pkt, port):
    return mb.count_matched_packets(pkt, port)
