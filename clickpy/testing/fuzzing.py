"""Fuzzing: random and mutated frames through a configuration, bounds checked.

A corpus of well-formed frames is built with scapy for every protocol the
shipped middleboxes classify (Ethernet, ARP, IPv4 with TCP, UDP and ICMP,
IP options, fragments, 802.1Q), addressed to and from the addresses the
configuration names (so frames reach past its classifiers and lookups),
plus scapy's fuzz() of each layer stack.  Volume comes from numpy: each
batch picks corpus frames and mutates them (bit flips, truncation, random
tails, bad lengths and checksums written into the header fields that carry
them, random bytes), then sends the batch through the configuration in
memory mode, on every input port.

A run fails on any exception from the data path (with NUMBA_BOUNDSCHECK=1,
an IndexError is an out-of-bounds access), a process that dies (a crash),
or a packet account that does not balance.  Bounds checking must be on
before numba compiles anything, and numba's cache does not tell a
bounds-checked compile from an unchecked one, so `fuzz()` runs the
campaign in a child process with NUMBA_BOUNDSCHECK=1 and its own compile
caches (`boundscheck_env`).
"""
from __future__ import annotations

import contextlib
import json
import logging
import os
import random
import re
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

MTU_FRAME = 1514
BATCH = 4096                      # frames per port per batch
_IP = re.compile(r"\b(?:\d{1,3}\.){3}\d{1,3}\b")
_MAC = re.compile(r"\b(?:[0-9A-Fa-f]{1,2}:){5}[0-9A-Fa-f]{1,2}\b")


@dataclass
class FuzzReport:
    config: str
    packets: int = 0
    seconds: float = 0.0
    seed: int = 0
    boundscheck: bool = False
    failure: str | None = None
    account: list[str] = field(default_factory=list)
    saved: str | None = None

    @property
    def ok(self) -> bool:
        return self.failure is None

    @property
    def rate(self) -> float:
        return self.packets / self.seconds if self.seconds else 0.0

    def lines(self) -> list[str]:
        head = (f"{self.config}: {self.packets} fuzzed frames in {self.seconds:.1f} s "
                f"({self.rate:,.0f} frames/s; a million in {1e6 / self.rate:,.0f} s)"
                if self.rate else f"{self.config}: {self.packets} fuzzed frames")
        out = [head, f"seed {self.seed}, bounds checking {'on' if self.boundscheck else 'OFF'}"]
        out += ([f"FAILED: {self.failure}"] + ([f"frames of the failing batch: {self.saved}"]
                                               if self.saved else [])) if self.failure else ["ok"]
        return out + self.account


# ---- the corpus --------------------------------------------------------------------------------

def addresses(graph) -> tuple[list[str], list[str]]:
    """IPv4 and Ethernet addresses the configuration names (its interfaces, hosts, VIPs)."""
    ips, macs = set(), set()
    for _, data in graph.nodes(data=True):
        text = str(data.get("config") or "")
        ips |= {a for a in _IP.findall(text) if all(int(x) < 256 for x in a.split("."))}
        macs |= {m.lower() for m in _MAC.findall(text)}
    return sorted(ips), sorted(macs)


def corpus(graph, rnd: random.Random, n_fuzzed: int = 300) -> list[bytes]:
    """Well-formed frames of every protocol, plus scapy's fuzz() of each layer stack."""
    from scapy.layers.inet import ICMP, IP, TCP, UDP, IPOption_RR
    from scapy.layers.l2 import ARP, Dot1Q, Ether
    from scapy.packet import fuzz
    ips, macs = addresses(graph)
    ips = ips + ["10.0.1.2", "10.0.2.2", "192.0.2.7", "255.255.255.255", "224.0.0.9", "0.0.0.0"]
    macs = macs + ["02:00:00:00:01:02", "ff:ff:ff:ff:ff:ff", "01:00:5e:00:00:09"]
    ip, mac = (lambda: rnd.choice(ips)), (lambda: rnd.choice(macs))
    port = lambda: rnd.choice([22, 25, 53, 80, 123, 443, 1024, 40000, rnd.randrange(65536)])  # noqa: E731
    payload = lambda: bytes(rnd.randrange(256) for _ in range(rnd.choice([0, 1, 8, 64, 300])))  # noqa: E731
    flags = lambda: rnd.choice(["S", "SA", "A", "PA", "F", "R", "FA", ""])  # noqa: E731

    def l3(**kw):
        return IP(src=ip(), dst=ip(), ttl=rnd.choice([0, 1, 2, 64, 255]),
                  flags=rnd.choice([0, "DF", "MF"]), **kw)

    makers = [
        lambda: Ether(src=mac(), dst=mac()) / l3() / TCP(sport=port(), dport=port(), flags=flags()) / payload(),
        lambda: Ether(src=mac(), dst=mac()) / l3() / UDP(sport=port(), dport=port()) / payload(),
        lambda: Ether(src=mac(), dst=mac()) / l3() / ICMP(type=rnd.choice([0, 3, 8, 11, 5])) / payload(),
        lambda: Ether(src=mac(), dst=mac()) / l3(options=[IPOption_RR(routers=["0.0.0.0"] * 2)]) / UDP(),
        lambda: Ether(src=mac(), dst=mac()) / l3(frag=rnd.choice([0, 1, 185])) / UDP() / payload(),
        lambda: Ether(src=mac(), dst="ff:ff:ff:ff:ff:ff") / ARP(op=rnd.choice([1, 2]), hwsrc=mac(), psrc=ip(),
                                                                pdst=ip(), hwdst=mac()),
        lambda: Ether(src=mac(), dst=mac()) / Dot1Q(vlan=rnd.randrange(4096)) / l3() / UDP() / payload(),
        lambda: Ether(src=mac(), dst=mac(), type=rnd.choice([0x86DD, 0x88CC, 0x8100, 0x0806, 0x0800]))
        / payload(),
        lambda: Ether(src=mac(), dst=mac()) / l3() / UDP(sport=port(), dport=port()) / bytes(1400),
    ]
    stacks = [lambda: Ether() / IP() / TCP(), lambda: Ether() / IP() / UDP(),
              lambda: Ether() / IP() / ICMP(), lambda: Ether() / ARP(),
              lambda: Ether() / Dot1Q() / IP() / UDP(), lambda: Ether() / IP()]
    frames = [bytes(rnd.choice(makers)()) for _ in range(len(makers) * 30)]
    for _ in range(n_fuzzed):
        p = fuzz(rnd.choice(stacks)())
        if Ether in p:
            p[Ether].src, p[Ether].dst = mac(), mac()
        try:
            frames.append(bytes(p)[:MTU_FRAME])
        except Exception:            # scapy cannot build some random field combinations
            continue
    return [f for f in frames if f]


# ---- mutation ------------------------------------------------------------------------------------

# Header bytes that carry lengths, checksums and dispatch (Ethernet type, VLAN, IP version/IHL,
# total length, flags/fragment, TTL, protocol, checksum, options, UDP/TCP lengths and checksums).
HOT = np.array([12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 34, 35, 36, 37, 38, 39,
                40, 41, 46, 47, 50, 51], dtype=np.int64)


class Mutator:
    """Batches of mutated frames from a corpus, with numpy."""

    def __init__(self, frames: list[bytes], seed: int):
        self.rng = np.random.default_rng(seed)
        self.lengths = np.array([len(f) for f in frames], dtype=np.int64)
        self.base = np.zeros((len(frames), MTU_FRAME), dtype=np.uint8)
        for k, f in enumerate(frames):
            self.base[k, :len(f)] = np.frombuffer(f, dtype=np.uint8)

    def batch(self, n: int) -> list[bytes]:
        rng = self.rng
        pick = rng.integers(0, len(self.lengths), n)
        buf = self.base[pick].copy()
        length = self.lengths[pick].copy()
        kind = rng.integers(0, 8, n)
        rows = np.arange(n)
        # 0: unchanged.  1: bit flips anywhere.
        m = kind == 1
        for _ in range(3):
            pos = (rng.random(n) * np.maximum(length, 1)).astype(np.int64)
            buf[rows[m], pos[m]] ^= (1 << rng.integers(0, 8, n)).astype(np.uint8)[m]
        # 2: random values in the header fields that carry lengths, checksums, types.
        m = kind == 2
        for _ in range(2):
            pos = HOT[rng.integers(0, len(HOT), n)]
            buf[rows[m], pos[m]] = rng.integers(0, 256, n, dtype=np.uint8)[m]
        # 3: truncation.
        m = kind == 3
        length[m] = (rng.random(n) * (length + 1)).astype(np.int64)[m]
        # 4: a random tail (frames longer than their headers say).
        r = np.flatnonzero(kind == 4)
        tail = np.minimum(length[r] + rng.integers(1, 200, len(r)), MTU_FRAME)
        cols = np.arange(MTU_FRAME)[None, :]
        grow = (cols >= length[r][:, None]) & (cols < tail[:, None])
        sub = buf[r]
        sub[grow] = rng.integers(0, 256, int(grow.sum()), dtype=np.uint8)
        buf[r] = sub
        length[r] = tail
        # 5: boundary values in the hot fields (0, 0xff) and a truncation.
        m = kind == 5
        pos = HOT[rng.integers(0, len(HOT), n)]
        buf[rows[m], pos[m]] = np.where(rng.random(n) < 0.5, 0, 255).astype(np.uint8)[m]
        length[m] = np.maximum(1, length - rng.integers(0, 40, n))[m]
        # 6: random bytes of a random length.
        r = np.flatnonzero(kind == 6)
        length[r] = rng.integers(1, MTU_FRAME + 1, len(r))
        buf[r] = rng.integers(0, 256, (len(r), MTU_FRAME), dtype=np.uint8)
        # 7: several flips in the first 64 bytes.
        m = kind == 7
        for _ in range(6):
            pos = rng.integers(0, 64, n)
            buf[rows[m], pos[m]] ^= rng.integers(1, 256, n, dtype=np.uint8)[m]
        length = np.maximum(length, 1)
        return [buf[k, :length[k]].tobytes() for k in range(n)]


# ---- a campaign --------------------------------------------------------------------------------

def fuzz_here(config, packets: int = 100_000, seed: int = 0, yaml: bool = False,
              save_dir: str | None = None, quiet: bool = True, **definitions) -> FuzzReport:
    """Run a campaign in this process (bounds checked only if NUMBA_BOUNDSCHECK was set
    before numba compiled anything here).  quiet: what the configuration prints (Print,
    IPPrint: a line per fuzzed frame) goes to /dev/null."""
    with open(os.devnull, "w") as null, \
            contextlib.redirect_stderr(null if quiet else sys.stderr):
        return _campaign(config, packets, seed, yaml, save_dir, definitions)


def _campaign(config, packets, seed, yaml, save_dir, definitions) -> FuzzReport:
    from clickpy.testing.config import describe, load
    from clickpy.testing.memory import MemoryBackend
    graph = load(config, yaml, **definitions)
    report = FuzzReport(describe(config, yaml), seed=seed,
                        boundscheck=os.environ.get("NUMBA_BOUNDSCHECK") == "1")
    rnd = random.Random(seed)
    mutator = Mutator(corpus(graph, rnd), seed)
    mb = MemoryBackend(graph)              # driven directly: no scapy on the way out
    mb.step(1)                              # compile before the clock starts
    started = time.perf_counter()
    sent = 0
    ports = mb.inputs
    while sent < packets and ports:
        frames_by_port = {}
        share = min(BATCH, -(-(packets - sent) // len(ports)))    # spread over the ports
        for port in ports:
            n = min(share, packets - sent)
            if n <= 0:
                break
            frames_by_port[port] = mutator.batch(n)
            sent += n
        try:
            for port, frames in frames_by_port.items():
                mb.send(port, [(mb.now, f) for f in frames])
            mb.settle(idle_rounds=2)
            for port in mb.outputs:
                mb.receive(port)
        except Exception as e:             # an IndexError is an out-of-bounds access
            report.failure = f"{type(e).__name__}: {e}"
            report.saved = _save(save_dir, report, frames_by_port)
            break
        finally:
            report.packets = sent
        acct = mb.account()
        if not acct.balanced:
            report.failure = f"the packet account does not balance ({acct.entered} in, " \
                             f"{acct.left} out)"
            report.saved = _save(save_dir, report, frames_by_port)
            break
    report.seconds = time.perf_counter() - started
    report.account = mb.account().lines()
    mb.close()
    return report


def _save(save_dir, report: FuzzReport, frames_by_port) -> str | None:
    if not save_dir:
        return None
    from clickpy.pcap import write_pcap
    Path(save_dir).mkdir(parents=True, exist_ok=True)
    paths = []
    for port, frames in frames_by_port.items():
        path = Path(save_dir) / f"fuzz-{report.config}-seed{report.seed}-{port}.pcap"
        write_pcap(path, [(1000 * k, f) for k, f in enumerate(frames)])
        paths.append(str(path))
    return ", ".join(paths)


def boundscheck_env(env: dict | None = None) -> dict:
    """An environment with numba's bounds checking on and compile caches of its own."""
    env = dict(os.environ if env is None else env)
    from clickpy.compile.cache import cache_dir
    base = os.path.join(cache_dir(), "boundscheck")
    env.update(NUMBA_BOUNDSCHECK="1", NUMBA_CACHE_DIR=os.path.join(base, "numba"),
               CLICKPY_CACHE_DIR=base)
    return env


def fuzz(config, packets: int = 100_000, seed: int = 0, yaml: bool = False,
         save_dir: str | None = None, timeout: float | None = None, **definitions) -> FuzzReport:
    """Run a campaign with bounds checking on, in a child process; a crash (the child dying
    from a signal) is reported as a failure."""
    root = str(Path(__file__).resolve().parents[2])
    env = boundscheck_env()
    env["PYTHONPATH"] = os.pathsep.join([root, env.get("PYTHONPATH", "")])
    args = [sys.executable, "-m", "clickpy", "fuzz", str(config), "-n", str(packets),
            "--seed", str(seed), "--json"] + (["--yaml"] if yaml else []) \
        + (["--save", save_dir] if save_dir else []) + [f"{k}={v}" for k, v in definitions.items()]
    proc = subprocess.run(args, env=env, capture_output=True, text=True, timeout=timeout)
    last = proc.stdout.strip().splitlines()[-1:] 
    if last and last[0].startswith("{"):
        data = json.loads(last[0])
        return FuzzReport(**data)
    how = f"killed by signal {-proc.returncode}" if proc.returncode < 0 \
        else f"exit status {proc.returncode}"
    return FuzzReport(str(config), seed=seed, boundscheck=True,
                      failure=f"the fuzzing process crashed ({how}): {proc.stderr[-2000:]}")


def report_json(report: FuzzReport) -> str:
    return json.dumps(asdict(report))
