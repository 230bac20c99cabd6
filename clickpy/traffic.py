"""Built-in traffic: frames for the demo and the benchmarks, built without scapy.

Plain struct packing keeps this fast and import-free; checksums are real, so
the frames are what a host would send (except the deliberately broken ones).
"""
from __future__ import annotations

import ipaddress
import random
import struct

BROADCAST = b"\xff" * 6


def mac(text: str) -> bytes:
    return bytes(int(x, 16) for x in text.split(":"))


def ip4(text: str) -> bytes:
    return ipaddress.IPv4Address(text).packed


def checksum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ether(dst: bytes, src: bytes, ethertype: int, payload: bytes) -> bytes:
    frame = dst + src + struct.pack("!H", ethertype) + payload
    return frame + b"\0" * max(0, 60 - len(frame))  # Ethernet minimum, as a NIC pads


def ipv4(src: str, dst: str, proto: int, payload: bytes, ttl: int = 64, ident: int = 0,
         df: bool = False, tos: int = 0) -> bytes:
    header = struct.pack("!BBHHHBBH4s4s", 0x45, tos, 20 + len(payload), ident,
                         0x4000 if df else 0, ttl, proto, 0, ip4(src), ip4(dst))
    return header[:10] + struct.pack("!H", checksum(header)) + header[12:] + payload


def udp(src: str, dst: str, sport: int, dport: int, data: bytes) -> bytes:
    length = 8 + len(data)
    pseudo = ip4(src) + ip4(dst) + struct.pack("!BBH", 0, 17, length)
    head = struct.pack("!HHHH", sport, dport, length, 0)
    c = checksum(pseudo + head + data) or 0xFFFF
    return struct.pack("!HHHH", sport, dport, length, c) + data


def arp(op: int, sha: bytes, spa: str, tha: bytes, tpa: str) -> bytes:
    return struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, op, sha, ip4(spa), tha, ip4(tpa))


def udp_frame(src_mac: bytes, dst_mac: bytes, src: str, dst: str, size: int, ttl: int = 64,
              sport: int = 1234, dport: int = 5678, ident: int = 0) -> bytes:
    """An Ethernet/IPv4/UDP frame of `size` bytes on the wire (without FCS)."""
    data = bytes(max(0, size - 14 - 20 - 8))
    return ether(dst_mac, src_mac, 0x0800,
                 ipv4(src, dst, 17, udp(src, dst, sport, dport, data), ttl=ttl, ident=ident))


IMIX = (60, 60, 60, 60, 60, 60, 60, 590, 590, 590, 590, 1514)  # 7:4:1 simple IMIX


def router_demo(packets: int = 20000, seed: int = 1) -> dict[str, list[bytes]]:
    """Traffic for configs/router.click's two interfaces (eth0, eth1).

    Mostly IMIX UDP between the two networks, plus what a router must cope
    with: ARP requests and replies, packets for the router itself, expiring
    TTLs, bad checksums, truncated frames, non-IP frames and destinations
    behind the default route.
    """
    rnd = random.Random(seed)
    r0, r1 = mac("00:00:0a:00:01:01"), mac("00:00:0a:00:02:01")
    hosts0 = [(f"10.0.1.{i}", mac(f"02:00:00:00:01:{i:02x}")) for i in range(2, 10)]
    hosts1 = [(f"10.0.2.{i}", mac(f"02:00:00:00:02:{i:02x}")) for i in range(2, 10)]
    eth0 = [ether(BROADCAST, hosts0[0][1], 0x0806, arp(1, hosts0[0][1], hosts0[0][0], bytes(6),
                                                          "10.0.1.1"))]
    eth0 += [ether(r0, m, 0x0806, arp(2, m, a, r0, "10.0.1.1")) for a, m in hosts0]
    eth1 = [ether(r1, m, 0x0806, arp(2, m, a, r1, "10.0.2.1")) for a, m in hosts1]
    for k in range(packets):
        a, m = rnd.choice(hosts0)
        b, _ = rnd.choice(hosts1)
        roll = rnd.random()
        size = rnd.choice(IMIX)
        if roll < 0.90:
            eth0.append(udp_frame(m, r0, a, b, size, ident=k & 0xFFFF))
        elif roll < 0.92:
            eth0.append(udp_frame(m, r0, a, b, 60, ttl=1, ident=k & 0xFFFF))
        elif roll < 0.94:
            bad = bytearray(udp_frame(m, r0, a, b, 60, ident=k & 0xFFFF))
            bad[24] ^= 0xFF  # IP checksum
            eth0.append(bytes(bad))
        elif roll < 0.95:
            eth0.append(udp_frame(m, r0, a, b, 60)[:rnd.randrange(14, 34)])
        elif roll < 0.951:
            eth0.append(ether(r0, m, 0x86DD, bytes(46)))  # IPv6: not for this router
        elif roll < 0.97:
            eth0.append(udp_frame(m, r0, a, "10.0.1.1", 60, ident=k & 0xFFFF))
        elif roll < 0.98:
            eth0.append(udp_frame(m, r0, a, "192.0.2.7", 60, ident=k & 0xFFFF))
        else:
            c, n = rnd.choice(hosts1)
            eth1.append(udp_frame(n, r1, c, a, size, ident=k & 0xFFFF))
    return {"eth0": eth0, "eth1": eth1}
