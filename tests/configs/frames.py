"""Frames for the middlebox tests, built with scapy, and checks on what comes out.

Addresses follow the two-interface layout of the shipped router, NAT and
load balancer (interface 0 = eth0 = 10.0.1.1/24, interface 1 = eth1 =
10.0.2.1/24); hosts get made-up MACs derived from their addresses.
"""
from __future__ import annotations

from scapy.layers.inet import ICMP, IP, TCP, UDP
from scapy.layers.l2 import ARP, Ether
from scapy.packet import Raw

BROADCAST = "ff:ff:ff:ff:ff:ff"
MAC0, IP0 = "00:00:0a:00:01:01", "10.0.1.1"     # interface 0 (eth0, inside)
MAC1, IP1 = "00:00:0a:00:02:01", "10.0.2.1"     # interface 1 (eth1, outside)


def host_mac(ip: str) -> str:
    """A made-up MAC for a host, from its address: 10.0.2.7 -> 02:00:00:00:02:07."""
    a, b, c, d = (int(x) for x in ip.split("."))
    return f"02:00:00:00:{c:02x}:{d:02x}" if a == 10 else f"02:00:{a:02x}:{b:02x}:{c:02x}:{d:02x}"


def built(frame: Ether) -> Ether:
    """The frame as it goes on the wire, dissected again: lengths and checksums filled in,
    padded to Ethernet's 60-byte minimum as a NIC pads it."""
    raw = bytes(frame)
    return Ether(raw + bytes(max(0, 60 - len(raw))))


# ---- frames ------------------------------------------------------------------------------------

def arp_request(src_mac: str, src_ip: str, target_ip: str) -> Ether:
    return built(Ether(dst=BROADCAST, src=src_mac)
                 / ARP(op=1, hwsrc=src_mac, psrc=src_ip, hwdst="00:00:00:00:00:00", pdst=target_ip))


def arp_reply(src_mac: str, src_ip: str, dst_mac: str, dst_ip: str) -> Ether:
    """`src_ip is at src_mac`, sent to dst."""
    return built(Ether(dst=dst_mac, src=src_mac) / ARP(op=2, hwsrc=src_mac, psrc=src_ip,
                                                        hwdst=dst_mac, pdst=dst_ip))


def udp(src: str, dst: str, sport: int = 1234, dport: int = 5678, payload: bytes = b"hello",
        src_mac: str | None = None, dst_mac: str = MAC0, ttl: int = 64, **ip) -> Ether:
    return built(Ether(src=src_mac or host_mac(src), dst=dst_mac)
                 / IP(src=src, dst=dst, ttl=ttl, **ip) / UDP(sport=sport, dport=dport) / payload)


def tcp(src: str, dst: str, sport: int, dport: int, flags: str = "S", payload: bytes = b"",
        src_mac: str | None = None, dst_mac: str = MAC0, ttl: int = 64, **fields) -> Ether:
    return built(Ether(src=src_mac or host_mac(src), dst=dst_mac)
                 / IP(src=src, dst=dst, ttl=ttl)
                 / TCP(sport=sport, dport=dport, flags=flags, **fields)
                 / payload)


def icmp_echo(src: str, dst: str, src_mac: str | None = None, dst_mac: str = MAC0) -> Ether:
    return built(Ether(src=src_mac or host_mac(src), dst=dst_mac) / IP(src=src, dst=dst) / ICMP())


def bad_ip_checksum(frame: Ether) -> bytes:
    """The frame with its IP header checksum broken."""
    raw = bytearray(bytes(frame))
    raw[24] ^= 0xFF
    return bytes(raw)


# ---- looking at packets ------------------------------------------------------------------------

def ip_only(packets) -> list:
    return [p for p in packets if IP in p]


def arp_only(packets, op: int | None = None) -> list:
    return [p for p in packets if ARP in p and (op is None or p[ARP].op == op)]


def checksums_ok(packet) -> bool:
    """Whether the IP header checksum and the TCP/UDP/ICMP checksum are what scapy
    computes for these bytes (a UDP checksum of 0 means none and is accepted)."""
    ip = IP(bytes(packet[IP]))
    fresh = ip.copy()
    del fresh.chksum
    layers = [L for L in (TCP, UDP, ICMP)
              if L in fresh and not (L is UDP and fresh[UDP].chksum == 0)]
    for L in layers:
        del fresh[L].chksum
    fresh = IP(bytes(fresh))
    return ip.chksum == fresh.chksum and all(ip[L].chksum == fresh[L].chksum for L in layers)


def unpadded(frame) -> bytes:
    """An IP frame's bytes up to the end of its IP packet, without Ethernet padding.

    CheckIPHeader trims trailing bytes to the IP length, as Click's does, so
    an IP frame leaves a middlebox unpadded; the NIC pads it again."""
    raw = bytes(frame)
    return raw[:14 + Ether(raw)[IP].len]


def payload(packet) -> bytes:
    """The transport payload (the Raw layer, Ethernet padding excluded)."""
    return packet[Raw].load if Raw in packet else b""


def ip_checksum_ok(packet) -> bool:
    """Whether the IP header checksum is what scapy computes for the header."""
    header = IP(bytes(packet[IP])[:packet[IP].ihl * 4])
    fresh = header.copy()
    del fresh.chksum
    return header.chksum == IP(bytes(fresh)).chksum


def flow(packet) -> tuple:
    """(src, sport, dst, dport) of a TCP or UDP packet."""
    l4 = packet[TCP] if TCP in packet else packet[UDP]
    return packet[IP].src, l4.sport, packet[IP].dst, l4.dport
