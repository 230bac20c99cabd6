"""configs/monitor.click: a passive flow monitor on one device (eth0).

The monitor forwards nothing: it counts what it sees, with counters read
through handlers (`clickpy run ... -h tcp.count`): frames, nonip, flows
(IP packets of TCP/UDP flows), notflow (other IP packets), and tcp, udp,
icmp, other (every checked IP packet, by protocol).  Damaged IP headers are
dropped by CheckIPHeader and counted only as frames.  AggregateIPFlows
numbers each TCP/UDP flow (both directions share the number); with
VERBOSE=true every IP packet is printed in Click's IPPrint format, with its
flow number.
"""
import re

import pytest
from scapy.layers.inet import IP
from scapy.layers.l2 import Ether

from frames import (MAC0, arp_reply, arp_request, bad_ip_checksum, built, host_mac, icmp_echo,
                    tcp, udp)

A, B, C = "10.0.1.2", "10.0.2.2", "10.0.2.3"
COUNTERS = ("frames", "nonip", "flows", "notflow", "tcp", "udp", "icmp", "other")


def gre(src, dst):
    return built(Ether(src=host_mac(src), dst=MAC0) / IP(src=src, dst=dst, proto=47) / b"gre!")


def sample():
    """3 TCP packets (one flow, both ways), 2 UDP flows, 2 pings, 1 GRE, 2 ARP, 1 damaged."""
    return [tcp(A, B, 40000, 80, "S"), tcp(B, A, 80, 40000, "SA"), tcp(A, B, 40000, 80, "A"),
            udp(A, B, 5353, 53), udp(C, A, 123, 123),
            icmp_echo(A, B), icmp_echo(B, A),
            gre(A, C),
            arp_request(host_mac(A), A, B), arp_reply(host_mac(B), B, host_mac(A), A),
            bad_ip_checksum(udp(A, B))]


def counters(mb):
    return {name: int(mb.read(name, "count")) for name in COUNTERS}


def test_counts_packets_per_protocol_through_handlers(middlebox):
    mb = middlebox("monitor")
    mb.run(eth0=sample())
    assert counters(mb) == {"frames": 11, "nonip": 2, "flows": 5, "notflow": 3,
                            "tcp": 3, "udp": 2, "icmp": 2, "other": 1}
    assert mb.account().balanced


def test_forwards_nothing_every_packet_ends_in_the_monitor(middlebox):
    mb = middlebox("monitor")
    out = mb.run(eth0=sample())
    assert out == {}                                   # no output device at all
    acct = mb.account()
    assert acct.entered == 11 and acct.forwarded == {} and acct.held == 0
    assert mb.drops("discarded", "Discard") == 10
    assert mb.drops("bad IP checksum", "CheckIPHeader") == 1
    assert acct.balanced


def test_damaged_ip_headers_count_only_as_frames(middlebox):
    mb = middlebox("monitor")
    mb.run(eth0=[bad_ip_checksum(udp(A, B)), bytes(udp(A, B))[:14 + 10]])
    assert counters(mb) == dict.fromkeys(COUNTERS, 0) | {"frames": 2}
    assert mb.drops("bad IP checksum", "CheckIPHeader") == 1
    assert mb.drops("tiny packet", "CheckIPHeader") == 1
    assert mb.account().balanced


def test_counters_add_up_over_several_captures(middlebox):
    mb = middlebox("monitor")
    mb.feed("eth0", sample())
    mb.feed("eth0", [udp(A, B, 5353, 53), arp_request(host_mac(A), A, B)])
    c = counters(mb)
    assert (c["frames"], c["udp"], c["nonip"], c["flows"]) == (13, 3, 3, 6)
    assert c["frames"] == c["nonip"] + c["flows"] + c["notflow"] + 1      # + the damaged one
    assert c["flows"] + c["notflow"] == c["tcp"] + c["udp"] + c["icmp"] + c["other"]
    assert mb.account().balanced


def test_is_quiet_unless_verbose(middlebox, capfd):
    mb = middlebox("monitor")
    mb.feed("eth0", sample()[:8])
    assert capfd.readouterr().err == ""
    assert mb.read("print", "active") == "false"
    assert mb.account().balanced


def test_verbose_prints_every_ip_packet_with_its_flow_number(middlebox, capfd):
    mb = middlebox("monitor", VERBOSE="true")
    mb.feed("eth0", sample()[:8])
    lines = [line for line in capfd.readouterr().err.splitlines() if re.match(r"\d+\.\d+: ", line)]
    assert len(lines) == 8
    flow_of = [int(re.search(r": #(\d+): ", line).group(1)) for line in lines]
    # One TCP flow (both directions), two UDP flows, then packets of no flow (#0).
    assert flow_of == [1, 1, 1, 2, 3, 0, 0, 0]
    assert "10.0.1.2.40000 > 10.0.2.2.80: S" in lines[0]
    assert "10.0.2.2.80 > 10.0.1.2.40000: S" in lines[1] and " ack " in lines[1]
    assert "10.0.1.2.5353 > 10.0.2.2.53: udp" in lines[3]
    assert "10.0.1.2 > 10.0.2.2: icmp echo" in lines[5]
    assert "10.0.1.2 > 10.0.2.3: ip-proto-47" in lines[7]
    assert mb.account().balanced


@pytest.mark.parametrize("verbose", ["false", "true"])
def test_yaml_twin_counts_identically(middlebox, verbose):
    click = middlebox("monitor", VERBOSE=verbose)
    yaml = middlebox("monitor", yaml=True, VERBOSE=verbose)
    for mb in (click, yaml):
        mb.feed("eth0", sample())
    assert counters(click) == counters(yaml)
    click.behaves_like(yaml)
