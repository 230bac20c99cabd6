"""Every shipped middlebox, compiled and interpreted, on the same traffic: the same result.

Each configs/*.click is run twice on one mix of frames (clickpy.traffic's
router demo, the protocols the firewall, NAT and load balancer care about,
and damaged frames of many kinds): compiled by numba in this process, and
interpreted in a subprocess, `python -m clickpy run CONFIG --in ... --out ...`
with NUMBA_DISABLE_JIT=1, which runs the very same kernels as plain Python.
Both runs drive the Router the same way (the CLI's batch of 64 and
idle_rounds=200), so they must write the same pcap files, byte for byte, and
print the same packet account.  A kernel that reads past a packet, overflows
an integer or depends on uninitialised memory shows up here: numba does not
check bounds or overflow, Python does.

Some things are timed by the wall clock, so the traffic and the comparison
keep them out of the way:
  * ARPQuerier re-sends a query at most every 100 ms: every next hop the
    traffic needs answers ARP at the start of its file, in the first round.
  * Packets a router makes itself carry the clock's time: ICMPError stamps
    its errors with the router's clock, and ToDump stamps packets that have
    no timestamp (ARPResponder's replies) when it writes them.  Every input
    frame has a distinct timestamp, so an output record whose timestamp is
    no input's was stamped by a clock; the comparison requires the same
    records to be clock-stamped in both runs and compares all their bytes
    but those 8 (the record's seconds and microseconds).
  * IPGWOptions writes the time into IP timestamp options that have room:
    the mix's timestamp options have none, or a bad pointer.
The `-q` flag is not used: it would hide the account (stdout gets the
account, stderr the live counters).
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from scapy.layers.inet import IP, UDP
from scapy.layers.l2 import Dot1Q, Ether

from clickpy.check import check_graph
from clickpy.graph import build_graph
from clickpy.lang import load_file
from clickpy.pcap import read_pcap, write_pcap
from clickpy.runtime.bind import bind, devices
from clickpy.runtime.router import Router
from clickpy.traffic import router_demo
from frames import (IP0, IP1, MAC0, MAC1, arp_reply, bad_ip_checksum, built, host_mac,
                    icmp_echo, tcp, udp)

ROOT = Path(__file__).resolve().parents[2]
CONFIGS = sorted((ROOT / "configs").glob("*.click"))
T0 = 1_600_000_000 * 10**9
BATCH, IDLE_ROUNDS = 64, 200          # what `clickpy run` uses with --in files
VIP, BACKENDS, GATEWAY = "10.0.2.100", ("10.0.1.11", "10.0.1.12", "10.0.1.13"), "10.0.2.254"
INSIDE = [f"10.0.1.{i}" for i in range(2, 10)]
OUTSIDE = [f"10.0.2.{i}" for i in range(2, 10)]


def damaged(src: str, dst: str, to_mac: str) -> list[bytes]:
    """Frames that exercise every check and every length test."""
    good = bytes(udp(src, dst, dst_mac=to_mac, payload=b"x" * 30))
    frames = [good[:k] for k in (1, 6, 11, 13, 14, 15, 20, 33, 34, 41)]     # cut short
    for offset, value in ((14, 0x44), (14, 0x46), (14, 0x4F), (14, 0x65),  # ihl 4, 6, 15; v6
                          (16, 0x00), (17, 0x05), (16, 0xFF),              # total length
                          (20, 0x20), (20, 0x1F), (21, 0xFF),              # MF, fragment offset
                          (22, 0x00), (23, 0x06), (23, 0x01), (23, 0x00)):  # TTL 0, proto
        f = bytearray(good)
        f[offset] = value
        frames.append(bytes(f))
    frames.append(bad_ip_checksum(udp(src, dst, dst_mac=to_mac)))
    frames.append(bytes(udp(src, dst, dst_mac=to_mac, options=[b"\x07\x07\x04" + bytes(5)])))
    # Timestamp options with no room left (the router counts an overflow) and with a bad
    # pointer (parameter problem); one with room would get the clock's time written in.
    frames.append(bytes(udp(src, dst, dst_mac=to_mac, options=[b"\x44\x0c\x0d\x00" + bytes(8)])))
    frames.append(bytes(udp(src, dst, dst_mac=to_mac, options=[b"\x44\x0c\x03\x00" + bytes(8)])))
    frames.append(bytes(tcp(src, dst, 1, 80, dst_mac=to_mac))[:14 + 20 + 10])   # half a TCP header
    frames.append(bytes(built(Ether(src=host_mac(src), dst=to_mac) / Dot1Q(vlan=5)
                              / IP(src=src, dst=dst) / UDP())))
    frames.append(bytes(udp(src, dst, dst_mac=to_mac, payload=bytes(1700))))   # over the MTU
    frames.append(bytes(udp(src, dst, dst_mac=to_mac, payload=bytes(1700), flags="DF")))
    frames.append(bytes(udp(src, "255.255.255.255", dst_mac="ff:ff:ff:ff:ff:ff")))
    frames.append(bytes(udp(src, "224.0.0.9", dst_mac="01:00:5e:00:00:09")))
    frames.append(bytes(arp_reply(host_mac(src), src, to_mac, dst))[:30])        # truncated ARP
    return frames


def flows_out(k: int) -> list[bytes]:
    """Connections and queries from the inside (eth0): allowed and not by the firewall."""
    a, b = INSIDE[k % 8], OUTSIDE[k % 8]
    return [bytes(tcp(a, b, 40000 + k, port, dst_mac=MAC0)) for port in (22, 80, 443, 25)] + [
        bytes(udp(a, b, 30000 + k, 53, dst_mac=MAC0)), bytes(icmp_echo(a, b)),
        bytes(udp(a, INSIDE[(k + 1) % 8], dst_mac=MAC0))]              # earns a redirect


def flows_back(k: int) -> list[bytes]:
    """Their answers from the outside (eth1), as to a transparent firewall and to a NAT,
    and clients of the load balancer."""
    a, b = INSIDE[k % 8], OUTSIDE[k % 8]
    frames = []
    for dst in (a, IP1):
        frames += [bytes(tcp(b, dst, port, 40000 + k, "SA", dst_mac=MAC1))
                   for port in (22, 443, 25)]
        frames += [bytes(udp(b, dst, 53, 30000 + k, dst_mac=MAC1, payload=b"answer"))]
    frames += [bytes(tcp(b, VIP, 50000 + k, 80, dst_mac=MAC1)),
               bytes(udp(b, VIP, 50000 + k, 53, dst_mac=MAC1)),
               bytes(icmp_echo(b, VIP, dst_mac=MAC1))]
    return frames


def backends_back(k: int) -> list[bytes]:
    """The load balancer's backends answering its clients (eth0)."""
    b = OUTSIDE[k % 8]
    return [bytes(tcp(BACKENDS[k % 3], b, 80, 50000 + k, "SA", dst_mac=MAC0)),
            bytes(udp(BACKENDS[(k + 1) % 3], b, 53, 50000 + k, dst_mac=MAC0))]


def mixed_traffic(packets: int = 160, seed: int = 11) -> dict[str, list[bytes]]:
    """A few hundred frames per interface; next hops answer ARP first (see the module doc)."""
    demo = router_demo(packets, seed)
    eth0, eth1 = demo["eth0"], demo["eth1"]
    arp0 = [bytes(arp_reply(host_mac(h), h, MAC0, IP0)) for h in BACKENDS]
    arp1 = [bytes(arp_reply(host_mac(h), h, MAC1, IP1)) for h in (GATEWAY, VIP)]   # VIP: for
    # the router, a host like any other on eth1
    n0 = 1 + len(INSIDE)                          # the demo's ARP request and replies
    n1 = len(OUTSIDE)
    eth0 = eth0[:n0] + arp0 + [f for k in range(6) for f in flows_out(k)] + eth0[n0:] + [
        f for k in range(6) for f in backends_back(k)] + damaged(INSIDE[0], OUTSIDE[0], MAC0)
    eth1 = eth1[:n1] + arp1 + eth1[n1:] + [f for k in range(6) for f in flows_back(k)] + damaged(
        OUTSIDE[1], INSIDE[1], MAC1)
    return {"eth0": eth0, "eth1": eth1}


def stamp(frames: list[bytes], base: int) -> list[tuple[int, bytes]]:
    return [(base + 1000 * k, f) for k, f in enumerate(frames)]


def normalized(path: Path, input_stamps: set[int]) -> tuple:
    """A pcap file's header and records, clock-given timestamps replaced by "clock"."""
    trace = read_pcap(path)
    return path.read_bytes()[:24], [(r.ts_ns if r.ts_ns in input_stamps else "clock", r.wirelen,
                                     r.data) for r in trace]


def account_lines(stdout: str) -> list[str]:
    lines = stdout.splitlines()
    return lines[next(i for i, line in enumerate(lines) if line.startswith("packets in:")):]


def handler_values(stdout: str) -> dict[str, str]:
    lines = stdout.splitlines()
    return {lines[i][:-1]: lines[i + 1] for i in range(len(lines) - 1)
            if lines[i].endswith(":") and not lines[i].startswith("packets ")}


@pytest.mark.parametrize("config", CONFIGS, ids=lambda p: p.stem)
def test_compiled_and_interpreted_runs_agree(config, tmp_path):
    graph = check_graph(build_graph(load_file(str(config)))).graph
    reads, writes = (sorted(d) for d in devices(graph))
    traffic = mixed_traffic()
    inputs, stamps = {}, set()
    for k, dev in enumerate(reads):
        path = tmp_path / f"in-{dev}.pcap"
        records = stamp(traffic[("eth0", "eth1")[k % 2]], T0 + k * 10**9)
        write_pcap(path, records)
        stamps |= {ts for ts, _ in records}
        inputs[dev] = str(path)
    out = {mode: {dev: tmp_path / mode / f"{dev}.pcap" for dev in writes}
           for mode in ("compiled", "interpreted")}
    for mode in out:
        (tmp_path / mode).mkdir()
    counters = sorted(n for n, d in graph.nodes(data=True) if d["class_name"] == "Counter")

    # Compile first (a budget of 0 moves no packet): ARPQuerier's retries follow
    # the wall clock, so a cold compile inside the timed run would change them.
    bound = check_graph(bind(graph, inputs, {dev: str(p) for dev, p in out["compiled"].items()}))
    assert bound.ok, [d.format() for d in bound.errors]
    router = Router(bound.graph, batch=BATCH)
    router.compile()

    # Interpreted, through the command line (started first; runs alongside).
    args = [sys.executable, "-m", "clickpy", "run", str(config), "--batch", str(BATCH)]
    args += [f"--in={dev}={path}" for dev, path in inputs.items()]
    args += [f"--out={dev}={path}" for dev, path in out["interpreted"].items()]
    args += [f"-h{name}.count" for name in counters]
    env = {**os.environ, "NUMBA_DISABLE_JIT": "1",
           "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    interpreted = subprocess.Popen(args, cwd=ROOT, env=env, text=True,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    # Compiled, here, as cmd_run would do it.
    router.run(idle_rounds=IDLE_ROUNDS)
    compiled_account = router.account()
    compiled_counters = {f"{name}.count": router.read(name, "count") for name in counters}

    stdout, stderr = interpreted.communicate(timeout=300)
    assert interpreted.returncode == 0, stderr[-3000:]
    assert compiled_account.balanced
    assert account_lines(stdout) == compiled_account.lines(), stdout
    assert handler_values(stdout) == compiled_counters
    assert compiled_account.entered >= sum(len(traffic[d]) for d in ("eth0", "eth1")[:len(reads)])
    for dev in writes:
        compiled = normalized(out["compiled"][dev], stamps)
        assert normalized(out["interpreted"][dev], stamps) == compiled, dev
        assert compiled[1] or dev == "host", f"nothing came out of {dev}"
