"""Harness for the shipped middleboxes: load, bind devices to pcap files, run, read.

A test names a middlebox (`Middlebox("nat", tmp_path)`), sends frames into its
interfaces and looks at what came out of the others, as a network engineer
would with tcpdump on each wire:

    mb = Middlebox("router", tmp_path)
    out = mb.feed("eth0", [frame, ...])   # frames arriving on eth0
    out["eth1"]                           # scapy packets the router sent on eth1

Devices are bound as `clickpy run --in/--out` binds them (clickpy.runtime.bind):
each FromDevice reads a pcap file, each ToDevice writes `out-DEV.pcap`, ToHost
writes `host.pcap`; the bound graph is checked again, then compiled into a
Router.  Every input and output device is always bound, so each
configuration compiles to one fused module, cached after the first run.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from scapy.layers.inet import ICMP, IP, TCP, UDP
from scapy.layers.l2 import ARP, Ether
from scapy.utils import rdpcap

from clickpy.check import check_graph
from clickpy.graph import build_graph
from clickpy.lang import load_file
from clickpy.pcap import write_pcap
from clickpy.runtime.bind import HOST, READERS, bind, device_of, devices
from clickpy.runtime.router import Router

ROOT = Path(__file__).resolve().parents[2]
CONFIGS = ROOT / "configs"
MIDDLEBOXES = ("router", "firewall", "nat", "loadbalancer", "monitor", "shaper", "bridge", "wire")

T0 = 1_700_000_000 * 10**9      # the simulated clock's start (ns since 1970): runs reproduce
TICK = 1_000_000                # one round is one millisecond of simulated time
IDLE_ROUNDS = 50                # rounds that move nothing before a run counts as finished

# The two-interface layout router, nat and loadbalancer share (see their headers).
BROADCAST = "ff:ff:ff:ff:ff:ff"
MAC0, IP0 = "00:00:0a:00:01:01", "10.0.1.1"     # interface 0 (eth0, inside)
MAC1, IP1 = "00:00:0a:00:02:01", "10.0.2.1"     # interface 1 (eth1, outside)


def host_mac(ip: str) -> str:
    """A made-up MAC for a host, derived from its address: 10.0.2.7 -> 02:00:00:00:02:07."""
    a, b, c, d = (int(x) for x in ip.split("."))
    return f"02:00:{a:02x}:{b:02x}:{c:02x}:{d:02x}" if a != 10 else f"02:00:00:00:{c:02x}:{d:02x}"


def config_path(name: str, yaml: bool = False) -> Path:
    return CONFIGS / f"{name}.{'yaml' if yaml else 'click'}"


def load(name: str, yaml: bool = False, **definitions: str):
    """A shipped configuration, flattened and checked (its Click or YAML form)."""
    result = check_graph(build_graph(load_file(str(config_path(name, yaml))), definitions or None))
    assert result.ok, [d.format() for d in result.errors]
    return result.graph


class Middlebox:
    """A shipped configuration bound to pcap files in a test's temporary folder.

    Two ways to drive it:

    run(eth0=[...], eth1=[...]) -- one shot, exactly as `clickpy run --in ...`
        does it: write the input files, bind, check again, build the Router,
        Router.run(idle_rounds=50) on the real clock.  Fine when the order
        of frames *across* interfaces does not matter.

    feed(dev, frames) -- in phases, on a simulated clock; see feed().
    """

    def __init__(self, name: str, tmp_path: Path, yaml: bool = False, **definitions: str):
        self.name, self.yaml = name, yaml
        self.graph = load(name, yaml, **definitions)
        self.inputs, self.outputs = (sorted(d) for d in devices(self.graph))
        self.folder = tmp_path / f"{name}-{'yaml' if yaml else 'click'}"
        self.folder.mkdir(parents=True, exist_ok=True)
        self.reader = {device_of(self.graph, n): n for n, d in self.graph.nodes(data=True)
                       if d["class_name"] in READERS}
        self.router: Router | None = None
        self.now = T0
        self._phase = 0
        self._seen = {dev: 0 for dev in self.outputs}

    # ---- files -----------------------------------------------------------------------------
    def out_path(self, dev: str) -> Path:
        return self.folder / ("host.pcap" if dev == HOST else f"out-{dev}.pcap")

    def _write_input(self, dev: str, frames, tag: str) -> str:
        path = self.folder / f"in-{dev}-{tag}.pcap"
        write_pcap(path, [(self.now + k * 1000, bytes(f)) for k, f in enumerate(frames)])
        return str(path)

    def _build(self, inputs: dict[str, str]) -> Router:
        bound = bind(self.graph, inputs, {dev: str(self.out_path(dev)) for dev in self.outputs})
        result = check_graph(bound)
        assert result.ok, [d.format() for d in result.errors]
        self.router = Router(result.graph)
        return self.router

    # ---- one shot --------------------------------------------------------------------------
    def run(self, **frames) -> dict[str, list]:
        """Every interface's frames at once; Router.run(idle_rounds=50); what each device sent."""
        assert self.router is None, "run() builds the router once; use feed() for phases"
        self._build({dev: self._write_input(dev, frames.get(dev, []), "all") for dev in self.inputs})
        self.router.run(idle_rounds=IDLE_ROUNDS)
        return self._new_output()

    # ---- phases ----------------------------------------------------------------------------
    def feed(self, dev: str, frames, idle_rounds: int = IDLE_ROUNDS) -> dict[str, list]:
        """Frames arriving on one interface, processed to the end before anything else.

        Returns what each output device ({"eth0": [...], "host": [...]})
        sent during this phase, as scapy packets.

        Why phases: a Router round runs each task in turn, FromDump's
        included, each for up to a batch of packets, so two input files
        interleave in an order the test does not choose.  When a reply must
        follow its request (an ARP reply after the query, a server's answer
        after the client's SYN, outside traffic after the inside opened the
        flow), the request has to be processed first.  So a device's input
        is swapped for a new pcap file per phase: the Router is built once,
        with every FromDump reading an empty file; feed() writes the frames to
        a new file, makes that device's FromDump read it (its state rebuilt by
        FromDump.state, as Click's FromDump reads a file at initialization),
        and steps rounds until `idle_rounds` rounds in a row move no packet.
        Only that file has unread packets, so everything the frames cause
        (replies, queries, errors) happens before the next feed(), and the
        test can build the next frames from what came out (a NAT's port).
        Element state (ARP tables, flow tables, learned addresses) carries
        over from phase to phase: it is one router run.

        The clock is simulated (T0, one TICK per round), so runs reproduce
        to the byte, timestamps included; input frames are stamped with the
        clock's time at their phase, one microsecond apart.
        """
        if dev not in self.reader:
            raise KeyError(f"{self.name} has no input device {dev!r} (it has {self.inputs})")
        if self.router is None:
            self._build({d: self._write_input(d, [], "empty") for d in self.inputs})
        self._phase += 1
        self._read_file(dev, self._write_input(dev, frames, str(self._phase)))
        self.settle(idle_rounds)
        return self._new_output()

    def _read_file(self, dev: str, path: str) -> None:
        """Point the device's FromDump at another file: its state, rebuilt from the new file."""
        r, node = self.router, self.reader[dev]
        i = r.element(node)
        values = dict(r.values[i], FILENAME=path)
        data = r.graph.nodes[node]
        state = tuple(r.classes[i].state(values, data["n_inputs"], data["n_outputs"]))
        r.values[i] = values
        r.S = r.S[:i] + (state,) + r.S[i + 1:]

    def step(self, rounds: int = 1) -> int:
        """Run rounds on the simulated clock; packets moved."""
        moved = 0
        for _ in range(rounds):
            self.now += TICK
            moved += self.router.step(now_ns=self.now)
        return moved

    def settle(self, idle_rounds: int = IDLE_ROUNDS) -> None:
        """Step until `idle_rounds` rounds in a row move nothing."""
        idle = 0
        while idle < idle_rounds:
            idle = 0 if self.step() else idle + 1

    def advance(self, seconds: float) -> dict[str, list]:
        """Let simulated time pass (whether or not packets move); what was sent meanwhile."""
        self.step(round(seconds * 1e9 / TICK))
        return self._new_output()

    # ---- results ---------------------------------------------------------------------------
    def _new_output(self) -> dict[str, list]:
        self.router.close()   # flushes the pcap files; ToDump appends to them if the run goes on
        out = {}
        for dev in self.outputs:
            packets = self.sent(dev)
            out[dev] = packets[self._seen[dev]:]
            self._seen[dev] = len(packets)
        return out

    def sent(self, dev: str) -> list:
        """Everything the device sent so far, as scapy Ether packets."""
        path = self.out_path(dev)
        return list(rdpcap(str(path))) if path.exists() and path.stat().st_size > 24 else []

    def account(self):
        return self.router.account()

    def read(self, element: str, handler: str) -> str:
        return self.router.read(element, handler)

    def drops(self, reason: str, element: str | None = None) -> int:
        """Packets the account shows dropped for `reason` (at elements named `element`,
        or of that class: anonymous elements are named CLASS@N)."""
        return sum(n for (name, why), n in self.account().drops.items()
                   if why == reason and (element is None or name == element
                                         or name.startswith(element + "@")))

    def account_summary(self) -> dict:
        """The account with anonymous element names reduced to their class (CheckIPHeader@2 ->
        CheckIPHeader), so that the Click and YAML forms of a middlebox compare."""
        a = self.account()
        strip = lambda name: re.sub(r"@\d+$", "", name)  # noqa: E731
        summary: dict = {"created": a.created, "held": a.held, "not_created": a.not_created}
        for kind, table in (("from", a.from_sources), ("forwarded", a.forwarded)):
            for name, n in table.items():
                key = (kind, strip(name))
                summary[key] = summary.get(key, 0) + n
        for (name, reason), n in a.drops.items():
            key = ("dropped", strip(name), reason)
            summary[key] = summary.get(key, 0) + n
        return summary

    def output_bytes(self) -> dict[str, bytes]:
        return {dev: self.out_path(dev).read_bytes() for dev in self.outputs
                if self.out_path(dev).exists()}


def same_behaviour(a: Middlebox, b: Middlebox) -> None:
    """Assert two runs (a config and its YAML twin) wrote the same bytes and accounted alike."""
    assert a.output_bytes() == b.output_bytes()
    assert a.account_summary() == b.account_summary()
    assert a.account().balanced and b.account().balanced


@pytest.fixture(params=["click", "yaml"])
def form(request) -> bool:
    """Run a test on the .click file and on its YAML twin: True for YAML."""
    return request.param == "yaml"


# ---- frames ------------------------------------------------------------------------------------

def arp_request(src_mac: str, src_ip: str, target_ip: str) -> Ether:
    return Ether(dst=BROADCAST, src=src_mac) / ARP(op=1, hwsrc=src_mac, psrc=src_ip,
                                                    hwdst="00:00:00:00:00:00", pdst=target_ip)


def arp_reply(src_mac: str, src_ip: str, dst_mac: str, dst_ip: str) -> Ether:
    """`src_ip is at src_mac`, sent to dst."""
    return Ether(dst=dst_mac, src=src_mac) / ARP(op=2, hwsrc=src_mac, psrc=src_ip,
                                                  hwdst=dst_mac, pdst=dst_ip)


def udp(src: str, dst: str, sport: int = 1234, dport: int = 5678, payload: bytes = b"hello",
        src_mac: str | None = None, dst_mac: str = MAC0, ttl: int = 64, **ip) -> Ether:
    return (Ether(src=src_mac or host_mac(src), dst=dst_mac)
            / IP(src=src, dst=dst, ttl=ttl, **ip) / UDP(sport=sport, dport=dport) / payload)


def tcp(src: str, dst: str, sport: int, dport: int, flags: str = "S", payload: bytes = b"",
        src_mac: str | None = None, dst_mac: str = MAC0, ttl: int = 64, **fields) -> Ether:
    return (Ether(src=src_mac or host_mac(src), dst=dst_mac)
            / IP(src=src, dst=dst, ttl=ttl) / TCP(sport=sport, dport=dport, flags=flags, **fields)
            / payload)


def icmp_echo(src: str, dst: str, src_mac: str | None = None, dst_mac: str = MAC0) -> Ether:
    return Ether(src=src_mac or host_mac(src), dst=dst_mac) / IP(src=src, dst=dst) / ICMP()


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
    layers = [L for L in (TCP, UDP, ICMP) if L in fresh and not (L is UDP and fresh[UDP].chksum == 0)]
    for L in layers:
        del fresh[L].chksum
    fresh = IP(bytes(fresh))
    return ip.chksum == fresh.chksum and all(ip[L].chksum == fresh[L].chksum for L in layers)


def flow(packet) -> tuple:
    """(src, sport, dst, dport) of a TCP or UDP packet."""
    l4 = packet[TCP] if TCP in packet else packet[UDP]
    return packet[IP].src, l4.sport, packet[IP].dst, l4.dport
