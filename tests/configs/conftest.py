"""Harness for the shipped middleboxes: load, bind devices to pcap files, run, read.

A test names a middlebox, sends frames into its interfaces and looks at what
came out of the others, as a network engineer would with tcpdump on each wire:

    def test_something(middlebox):           # the fixture below
        mb = middlebox("router")              # configs/router.click (yaml=True: router.yaml)
        out = mb.feed("eth0", [frame, ...])   # frames arriving on eth0
        out["eth1"]                           # scapy packets the router sent on eth1
        assert mb.account().balanced

Devices are bound as `clickpy run --in/--out` binds them (clickpy.runtime.bind):
each FromDevice reads a pcap file, each ToDevice writes `out-DEV.pcap`, ToHost
writes `host.pcap`; the bound graph is checked again, then compiled into a
Router.  Every input and output device is always bound, so each
configuration compiles to one fused module, cached after the first run.
"""
from __future__ import annotations

import re
import struct
from pathlib import Path

import pytest
from scapy.layers.l2 import Ether
from scapy.packet import Raw

from clickpy.check import check_graph
from clickpy.graph import build_graph
from clickpy.lang import load_file
from clickpy.pcap import read_pcap, write_pcap
from clickpy.runtime.bind import HOST, READERS, bind, device_of, devices
from clickpy.runtime.router import Router

ROOT = Path(__file__).resolve().parents[2]
CONFIGS = ROOT / "configs"

T0 = 1_700_000_000 * 10**9      # the simulated clock's start (ns since 1970): runs reproduce
TICK = 1_000_000                # one round is one millisecond of simulated time
IDLE_ROUNDS = 50                # rounds that move nothing before a run counts as finished


def _dissect(data: bytes):
    """A frame as scapy sees it (Raw bytes when too short for an Ethernet header)."""
    try:
        return Ether(data)
    except struct.error:
        return Raw(data)


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

    def __init__(self, name: str, tmp_path: Path, yaml: bool = False, tick_ns: int = TICK,
                 **definitions: str):
        self.name, self.yaml = name, yaml
        self.graph = load(name, yaml, **definitions)
        self.inputs, self.outputs = (sorted(d) for d in devices(self.graph))
        base = tmp_path / f"{name}-{'yaml' if yaml else 'click'}"
        self.folder, k = base, 1
        while self.folder.exists():          # several middleboxes in one test
            k += 1
            self.folder = base.with_name(f"{base.name}-{k}")
        self.folder.mkdir(parents=True)
        self.reader = {device_of(self.graph, n): n for n, d in self.graph.nodes(data=True)
                       if d["class_name"] in READERS}
        self.router: Router | None = None
        self.now = T0
        self._latest = T0          # the latest timestamp an input frame was given
        self.tick = tick_ns        # simulated time per round
        self._phase = 0
        self._seen = {dev: 0 for dev in self.outputs}

    # ---- files -----------------------------------------------------------------------------
    def out_path(self, dev: str) -> Path:
        return self.folder / ("host.pcap" if dev == HOST else f"out-{dev}.pcap")

    def _write_input(self, dev: str, frames, tag: str) -> str:
        path = self.folder / f"in-{dev}-{tag}.pcap"
        write_pcap(path, [(self.now + k * 1000, bytes(f)) for k, f in enumerate(frames)])
        self._latest = max(self._latest, self.now + 1000 * len(frames))
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
        self._build({dev: self._write_input(dev, frames.get(dev, []), "all")
                     for dev in self.inputs})
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

        The clock is simulated (T0, tick_ns per round), so runs reproduce
        to the byte, timestamps included; input frames are stamped with the
        clock's time at their phase, one microsecond apart.  idle_rounds=0
        only hands the frames to the device: advance() then runs the clock.
        """
        if dev not in self.reader:
            raise KeyError(f"{self.name} has no input device {dev!r} (it has {self.inputs})")
        if self.router is None:
            self._build({d: self._write_input(d, [], "empty") for d in self.inputs})
        self._phase += 1
        self._read_file(dev, self._write_input(dev, frames, str(self._phase)))
        if idle_rounds:
            self.settle(idle_rounds)
        return self._new_output()

    def _read_file(self, dev: str, path: str) -> None:
        """Point the device's FromDump at another file: its state, rebuilt from the new file."""
        self.router.reconfigure(self.reader[dev], FILENAME=path)

    def step(self, rounds: int = 1) -> int:
        """Run rounds on the simulated clock; packets moved."""
        moved = 0
        for _ in range(rounds):
            self.now += self.tick
            moved += self.router.step(now_ns=self.now)
        return moved

    def settle(self, idle_rounds: int = IDLE_ROUNDS) -> None:
        """Step until `idle_rounds` rounds in a row move nothing."""
        idle = 0
        while idle < idle_rounds:
            idle = 0 if self.step() else idle + 1

    def advance(self, seconds: float) -> dict[str, list]:
        """Let simulated time pass (whether or not packets move); what was sent meanwhile."""
        self.step(round(seconds * 1e9 / self.tick))
        return self._new_output()

    # ---- results ---------------------------------------------------------------------------
    def _new_output(self) -> dict[str, list]:
        self.router.close()   # flushes the pcap files; ToDump appends to them if the run goes on
        out = {}
        for dev in self.outputs:
            records = self._records(dev)
            out[dev] = [_dissect(r.data) for r in records[self._seen[dev]:]]
            self._seen[dev] = len(records)
        return out

    def _records(self, dev: str) -> list:
        path = self.out_path(dev)
        return list(read_pcap(path)) if path.exists() else []

    def sent(self, dev: str) -> list:
        """Everything the device sent so far, as scapy Ether packets."""
        return [_dissect(r.data) for r in self._records(dev)]

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

    def records(self, dev: str) -> list[tuple]:
        """The device's output file as (timestamp, wire length, bytes) records.

        Packets made without a timestamp (ARPResponder's replies) are stamped
        by ToDump when written, with the wall clock rather than the router's
        (simulated) clock; their timestamp reads "wall clock" here, so that
        two runs compare."""
        latest = max(self.now, self._latest)
        return [(r.ts_ns if T0 <= r.ts_ns <= latest else "wall clock", r.wirelen, r.data)
                for r in self._records(dev)]

    def behaves_like(self, other: "Middlebox") -> None:
        """Assert another run (the YAML twin's, say) sent the same packets, byte for byte
        and with the same timestamps (see records()), and accounted for them alike."""
        for dev in self.outputs:
            assert self.records(dev) == other.records(dev), dev
        assert self.account_summary() == other.account_summary()
        assert self.account().balanced and other.account().balanced


@pytest.fixture
def middlebox(tmp_path):
    """Middlebox factory for this test: middlebox("nat", yaml=True, RATE="1Mbps")."""
    return lambda name, yaml=False, tick_ns=TICK, **definitions: Middlebox(
        name, tmp_path, yaml, tick_ns, **definitions)
