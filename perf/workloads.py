"""Benchmark traffic per shipped middlebox: frames that take each box's main path.

Each workload is a warm-up part (ARP replies so next hops are known, the
first packet of each flow so flow tables hold them) and a main part (what
the benchmark loops over).  Sizes are on the wire with the 4-byte FCS, as
benchmark reports quote them: "64" is a 60-byte captured frame, "imix" the
simple IMIX 7:4:1 of 64/570/1518 (60/566/1514 captured).
"""
from __future__ import annotations

import random
import struct
from dataclasses import dataclass, field

from clickpy.traffic import BROADCAST, arp, checksum, ether, ip4, ipv4, mac, udp

SIZES = ("64", "imix")
IMIX = (64,) * 7 + (570,) * 4 + (1518,)
R0, R1 = mac("00:00:0a:00:01:01"), mac("00:00:0a:00:02:01")   # the boxes' own MACs
INSIDE = [(f"10.0.1.{i}", mac(f"02:00:00:00:01:{i:02x}")) for i in range(2, 34)]
OUTSIDE = [(f"10.0.2.{i}", mac(f"02:00:00:00:02:{i:02x}")) for i in range(2, 34)]
GATEWAY = ("10.0.2.254", mac("02:00:00:00:02:fe"))


@dataclass
class Workload:
    """Frames per input device: `arp` then `warm` are played once, `main` is looped and measured.

    ARP replies come first, on every device, so that no warm-up packet waits
    for a next hop (the baselines drop rather than queue such packets)."""
    arp: dict[str, list[bytes]] = field(default_factory=dict)
    warm: dict[str, list[bytes]] = field(default_factory=dict)
    main: dict[str, list[bytes]] = field(default_factory=dict)
    notes: str = ""

    def add(self, part: str, dev: str, frame: bytes) -> None:
        getattr(self, part).setdefault(dev, []).append(frame)

    def devices(self) -> list[str]:
        return sorted(set(self.arp) | set(self.warm) | set(self.main))

    def setup(self) -> list[tuple[str, bytes]]:
        """The frames played once before the main part, in order."""
        return self.interleaved("arp") + self.interleaved("warm")

    def count(self, part: str = "main") -> int:
        return sum(len(v) for v in getattr(self, part).values())

    def interleaved(self, part: str, chunk: int = 64) -> list[tuple[str, bytes]]:
        """One stream of (device, frame): `chunk` frames from each device in turn,
        the order a driver polling the devices round robin sees them."""
        lists = {d: getattr(self, part).get(d, []) for d in self.devices()}
        out, at = [], 0
        while any(at < len(v) for v in lists.values()):
            for d, v in lists.items():
                out.extend((d, f) for f in v[at:at + chunk])
            at += chunk
        return out


def sizes(kind: str, n: int, rnd: random.Random) -> list[int]:
    """Captured frame lengths (wire size minus FCS)."""
    if kind == "64":
        return [60] * n
    if kind == "imix":
        return [rnd.choice(IMIX) - 4 for _ in range(n)]
    raise ValueError(f"unknown packet size {kind!r} (64 or imix)")


def tcp(src: str, dst: str, sport: int, dport: int, data: bytes, flags: int = 0x10,
        seq: int = 1) -> bytes:
    head = struct.pack("!HHIIBBHHH", sport, dport, seq, 0, 5 << 4, flags, 65535, 0, 0)
    pseudo = ip4(src) + ip4(dst) + struct.pack("!BBH", 0, 6, len(head) + len(data))
    c = checksum(pseudo + head + data)
    return head[:16] + struct.pack("!H", c) + head[18:] + data


def frame(src_mac: bytes, dst_mac: bytes, src: str, dst: str, proto: int, sport: int,
          dport: int, size: int, ttl: int = 64, ident: int = 0) -> bytes:
    """An Ethernet/IPv4 TCP or UDP frame of `size` captured bytes."""
    head = 14 + 20 + (20 if proto == 6 else 8)
    data = bytes(max(0, size - head))
    l4 = tcp(src, dst, sport, dport, data) if proto == 6 else udp(src, dst, sport, dport, data)
    return ether(dst_mac, src_mac, 0x0800, ipv4(src, dst, proto, l4, ttl=ttl, ident=ident))


def icmp_echo(src_mac: bytes, dst_mac: bytes, src: str, dst: str, size: int) -> bytes:
    body = struct.pack("!BBHHH", 8, 0, 0, 1, 1) + bytes(max(0, size - 14 - 20 - 8))
    body = body[:2] + struct.pack("!H", checksum(body)) + body[4:]
    return ether(dst_mac, src_mac, 0x0800, ipv4(src, dst, 1, body))


def arp_replies(part: Workload, dev: str, hosts, router_mac: bytes, router_ip: str) -> None:
    for a, m in hosts:
        part.add("arp", dev, ether(router_mac, m, 0x0806, arp(2, m, a, router_mac, router_ip)))


# ---- one function per middlebox ---------------------------------------------------------------

def router(kind: str, n: int, seed: int = 1) -> Workload:
    """UDP between the router's two networks, 9:1 from IF0 to IF1; every packet forwarded."""
    rnd, w = random.Random(seed), Workload(notes="UDP 10.0.1.0/24 <-> 10.0.2.0/24, 90% eth0->eth1")
    arp_replies(w, "eth0", INSIDE, R0, "10.0.1.1")
    arp_replies(w, "eth1", OUTSIDE, R1, "10.0.2.1")
    for k, size in enumerate(sizes(kind, n, rnd)):
        (a, ma), (b, mb) = rnd.choice(INSIDE), rnd.choice(OUTSIDE)
        if k % 10:
            w.add("main", "eth0", frame(ma, R0, a, b, 17, 1024 + k % 4096, 5678, size, ident=k & 0xFFFF))
        else:
            w.add("main", "eth1", frame(mb, R1, b, a, 17, 5678, 1024 + k % 4096, size, ident=k & 0xFFFF))
    return w


def wire(kind: str, n: int, seed: int = 1) -> Workload:
    rnd, w = random.Random(seed), Workload(notes="UDP frames, 90% eth0->eth1")
    for k, size in enumerate(sizes(kind, n, rnd)):
        (a, ma), (b, mb) = rnd.choice(INSIDE), rnd.choice(OUTSIDE)
        if k % 10:
            w.add("main", "eth0", frame(ma, mb, a, b, 17, 1024 + k % 4096, 5678, size))
        else:
            w.add("main", "eth1", frame(mb, ma, b, a, 17, 5678, 1024 + k % 4096, size))
    return w


def shaper(kind: str, n: int, seed: int = 1) -> Workload:
    w = wire(kind, n, seed)
    w.notes = "UDP frames, 90% into the shaped direction (offered far above RATE)"
    return w


def bridge(kind: str, n: int, seed: int = 1) -> Workload:
    """Hosts on both sides announce themselves (learning), then talk unicast across."""
    rnd, w = random.Random(seed), Workload(notes="unicast between learned hosts, 90% eth0->eth1")
    for a, m in INSIDE:
        w.add("warm", "eth0", ether(BROADCAST, m, 0x0806, arp(1, m, a, bytes(6), "10.0.1.1")))
    for a, m in OUTSIDE:
        w.add("warm", "eth1", ether(BROADCAST, m, 0x0806, arp(1, m, a, bytes(6), "10.0.2.1")))
    for k, size in enumerate(sizes(kind, n, rnd)):
        (a, ma), (b, mb) = rnd.choice(INSIDE), rnd.choice(OUTSIDE)
        if k % 10:
            w.add("main", "eth0", frame(ma, mb, a, b, 17, 1024 + k % 4096, 5678, size))
        else:
            w.add("main", "eth1", frame(mb, ma, b, a, 17, 5678, 1024 + k % 4096, size))
    return w


FIREWALL_ALLOWED = ((6, 22), (6, 80), (6, 443), (17, 53))


def firewall(kind: str, n: int, seed: int = 1, flows: int = 256) -> Workload:
    """Allowed flows from inside (opened in warm-up), their return traffic, and 10% denied."""
    rnd = random.Random(seed)
    w = Workload(notes=f"{flows} allowed flows: 60% inside->out, 30% replies, 10% denied")
    fl = []
    for i in range(flows):
        (a, ma), (b, mb) = INSIDE[i % len(INSIDE)], OUTSIDE[(i // len(INSIDE)) % len(OUTSIDE)]
        proto, dport = FIREWALL_ALLOWED[i % len(FIREWALL_ALLOWED)]
        fl.append((a, ma, b, mb, proto, 10000 + i, dport))
        w.add("warm", "eth0", frame(ma, mb, a, b, proto, 10000 + i, dport, 60))
    for k, size in enumerate(sizes(kind, n, rnd)):
        a, ma, b, mb, proto, sp, dp = rnd.choice(fl)
        roll = k % 10
        if roll < 6:
            w.add("main", "eth0", frame(ma, mb, a, b, proto, sp, dp, size))
        elif roll < 9:
            w.add("main", "eth1", frame(mb, ma, b, a, proto, dp, sp, size))
        else:
            w.add("main", "eth0", frame(ma, mb, a, b, 6, sp, 8080, size))   # denied port
    return w


def nat_flows(count: int, servers: int = 256) -> list[tuple]:
    """Flows (inside ip, mac, server ip, sport, dport, proto) whose reply keys are all distinct.

    NAT keeps an inside source port when it is free (Click's pattern prefers
    the packet's own port), so distinct (server, sport) pairs give distinct
    mappings and predictable replies.
    """
    out = []
    for i in range(count):
        a, ma = INSIDE[i % len(INSIDE)]
        srv = i % servers
        server = f"198.{18 + (srv >> 16)}.{(srv >> 8) & 255}.{srv & 255}"
        sport = 1024 + (i // servers) % 64000
        proto = 6 if i % 2 else 17
        out.append((a, ma, server, sport, 80 if proto == 6 else 53, proto))
    return out


def nat(kind: str, n: int, seed: int = 1, flows: int = 256) -> Workload:
    """Inside hosts to servers behind the default gateway (rewritten), 30% replies."""
    rnd = random.Random(seed)
    w = Workload(notes=f"{flows} TCP/UDP flows through the translation: 70% out, 30% replies")
    arp_replies(w, "eth0", INSIDE, R0, "10.0.1.1")
    arp_replies(w, "eth1", [GATEWAY], R1, "10.0.2.1")
    fl = nat_flows(flows)
    for a, ma, server, sp, dp, proto in fl:
        w.add("warm", "eth0", frame(ma, R0, a, server, proto, sp, dp, 60))
    for k, size in enumerate(sizes(kind, n, rnd)):
        a, ma, server, sp, dp, proto = rnd.choice(fl)
        if k % 10 < 7:
            w.add("main", "eth0", frame(ma, R0, a, server, proto, sp, dp, size))
        else:
            w.add("main", "eth1", frame(GATEWAY[1], R1, server, "10.0.2.1", proto, dp, sp, size))
    return w


BACKENDS = ("10.0.1.11", "10.0.1.12", "10.0.1.13")


def loadbalancer(kind: str, n: int, seed: int = 1, flows: int = 255) -> Workload:
    """Clients to the virtual address (warm-up opens flows round robin), 30% backend replies."""
    rnd = random.Random(seed)
    w = Workload(notes=f"{flows} client flows to 10.0.2.100: 70% requests, 30% backend replies")
    backends = [(b, mac(f"02:00:00:00:01:{11 + i:02x}")) for i, b in enumerate(BACKENDS)]
    arp_replies(w, "eth0", backends, R0, "10.0.1.1")
    arp_replies(w, "eth1", OUTSIDE, R1, "10.0.2.1")
    fl = []
    for i in range(flows):
        c, mc = OUTSIDE[i % len(OUTSIDE)]
        proto = 6 if i % 2 else 17
        f = (c, mc, 20000 + i, 80 if proto == 6 else 53, proto, backends[i % 3])
        fl.append(f)
        w.add("warm", "eth1", frame(mc, R1, c, "10.0.2.100", proto, f[2], f[3], 60))
    for k, size in enumerate(sizes(kind, n, rnd)):
        c, mc, sp, dp, proto, (b, mb) = rnd.choice(fl)
        if k % 10 < 7:
            w.add("main", "eth1", frame(mc, R1, c, "10.0.2.100", proto, sp, dp, size))
        else:
            w.add("main", "eth0", frame(mb, R0, b, c, proto, dp, sp, size))
    return w


def monitor(kind: str, n: int, seed: int = 1) -> Workload:
    """TCP, UDP, ICMP and a little non-IP, over 512 flows."""
    rnd = random.Random(seed)
    w = Workload(notes="45% TCP, 45% UDP, 5% ICMP, 5% non-IP over 512 flows")
    for k, size in enumerate(sizes(kind, n, rnd)):
        (a, ma), (b, mb) = rnd.choice(INSIDE), rnd.choice(OUTSIDE)
        roll = k % 20
        sp = 1024 + rnd.randrange(16)
        if roll < 9:
            f = frame(ma, mb, a, b, 6, sp, 80, size)
        elif roll < 18:
            f = frame(ma, mb, a, b, 17, sp, 53, size)
        elif roll < 19:
            f = icmp_echo(ma, mb, a, b, size)
        else:
            f = ether(mb, ma, 0x86DD, bytes(size - 14))
        w.add("main", "eth0", f)
    return w


def ipv4_path(kind: str, n: int, seed: int = 1) -> Workload:
    """UDP 10.0.1.x -> 10.0.2.x port 5678: allowed by the path's IPFilter, routed."""
    rnd, w = random.Random(seed), Workload(notes="UDP to port 5678, every packet forwarded")
    for k, size in enumerate(sizes(kind, n, rnd)):
        (a, ma), (b, _) = rnd.choice(INSIDE), rnd.choice(OUTSIDE)
        w.add("main", "eth0", frame(ma, R0, a, b, 17, 1024 + k % 4096, 5678, size))
    return w


MIDDLEBOXES = {"router": router, "firewall": firewall, "nat": nat,
               "loadbalancer": loadbalancer, "monitor": monitor, "shaper": shaper,
               "bridge": bridge, "wire": wire}
