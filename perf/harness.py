"""Drive a compiled configuration over in-memory traffic, with no per-packet Python.

Devices are bound the way `clickpy run --in` binds them (clickpy.runtime.bind):
each FromDevice becomes a FromDump of a pcap file that holds the workload's
warm-up frames followed by its main frames.  FromDump reads the whole file
into memory when the configuration starts, so the data path replays it from
memory; when a source reaches the end of the main part, the host rewinds it
with FromDump's `filepos` handler (once per pass over the trace, not per
packet).  Each ToDevice and ToHost becomes a Discard whose `count` handler
tells how many packets left by that device.

Only Router's public API is used: Router(graph, batch=), step, read, write,
account, close.
"""
from __future__ import annotations

import os
import shutil
import tempfile
import time

import networkx as nx

from clickpy.check import check_graph
from clickpy.element import lookup
from clickpy.graph import build_graph
from clickpy.lang import load_file, parse_text
from clickpy.pcap import write_pcap
from clickpy.runtime.bind import READERS, WRITERS, bind, device_of
from clickpy.runtime.router import Router
from perf.workloads import Workload

PCAP_HEADER, RECORD_HEADER = 24, 16
T0 = 1_700_000_000 * 10**9          # trace timestamps (ns): one microsecond apart
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def config_path(name: str) -> str:
    return os.path.join(ROOT, "configs", f"{name}.click")


def load(config: str, text: bool = False, **defs: str) -> nx.MultiDiGraph:
    scope = parse_text(config, "bench.click", yaml=False) if text else load_file(config)
    result = check_graph(build_graph(scope, defs or None))
    if not result.ok:
        raise ValueError("; ".join(d.format() for d in result.errors))
    return result.graph


def sink_devices(graph: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """A copy with every ToDevice/ToHost replaced by a Discard named `to_<device>[_k]`."""
    g = graph.copy()
    mapping, used = {}, {}
    for n in list(g.nodes):
        d = g.nodes[n]
        if d["class_name"] not in WRITERS + ("ToHost",):
            continue
        dev = device_of(g, n)
        k = used.get(dev, 0)
        used[dev] = k + 1
        mapping[n] = f"to_{dev}" + (f"_{k}" if k else "")
        d.update(class_name="Discard", config="BURST 1000000", element=lookup("Discard"),
                 config_pos=d["pos"], arg_positions=[d["pos"]])
        for key in ("values", "args_ok", "in_processing", "out_processing"):
            d.pop(key, None)
    return nx.relabel_nodes(g, mapping)


class Box:
    """A configuration compiled with its devices bound to a workload's frames."""

    def __init__(self, graph: nx.MultiDiGraph, work: Workload, batch: int = 128,
                 folder: str | None = None, tweak=None):
        self._own_folder = folder is None
        self.folder = folder or tempfile.mkdtemp(prefix="clickpy-perf-")
        self.batch = batch
        self.regions: dict[str, dict[str, tuple[int, int, int]]] = {"arp": {}, "warm": {}, "main": {}}
        readers = {device_of(graph, n): n for n in graph.nodes
                   if graph.nodes[n]["class_name"] in READERS}
        missing = set(work.devices()) - set(readers)
        if missing:
            raise ValueError(f"the configuration reads no device named {sorted(missing)}")
        inputs = {}
        for dev in sorted(readers):
            parts = [(part, getattr(work, part).get(dev, [])) for part in self.regions]
            path = os.path.join(self.folder, f"{dev}.pcap")
            frames = [f for _, part in parts for f in part]
            write_pcap(path, [(T0 + 1000 * k, f) for k, f in enumerate(frames)])
            inputs[dev] = path
            pos = PCAP_HEADER
            for part, frames in parts:
                start = pos
                pos += sum(RECORD_HEADER + len(f) for f in frames)
                self.regions[part][dev] = (start, len(frames), pos)
        result = check_graph(sink_devices(bind(graph, inputs, {})))
        if not result.ok:
            raise ValueError("; ".join(d.format() for d in result.errors))
        g = result.graph
        if tweak is not None:                 # e.g. arguments too large for the text front end
            tweak(g)
        self.sources = {dev: n for dev, n in readers.items() if dev in inputs}
        self.sinks = sorted(n for n in g.nodes if n.startswith("to_"))
        t = time.perf_counter()
        self.router = Router(g, batch=batch)
        for n in self.sources.values():       # nothing plays until a region is chosen
            self.router.write(n, "active", "false")
        self.router.step(1)                   # compile (or load from the cache) now
        self.start_seconds = time.perf_counter() - t

    def count(self, name: str) -> int:
        return int(self.router.read(name, "count"))

    def _seek(self, dev: str, part: str) -> int:
        start, n, _ = self.regions[part][dev]
        name = self.sources[dev]
        self.router.write(name, "filepos", str(start))
        self.router.write(name, "active", "true" if n else "false")
        return self.count(name)

    def play(self, part: str, settle: int = 4) -> int:
        """Play one part once on every device; returns packets emitted."""
        left = {d: self.regions[part][d][1] for d in self.sources}
        base = {d: self._seek(d, part) for d in self.sources}
        while any(left.values()):
            budget = min(min(v for v in left.values() if v), self.batch)
            self.router.step(budget)
            for d, name in self.sources.items():
                if left[d]:
                    left[d] = self.regions[part][d][1] - (self.count(name) - base[d])
                    if not left[d]:
                        self.router.write(name, "active", "false")
        idle = 0
        while idle < settle:               # drain queues
            idle = idle + 1 if self.router.step() == 0 else 0
        return sum(self.count(n) - base[d] for d, n in self.sources.items())

    def loop(self, seconds: float) -> tuple[int, float]:
        """Replay the main part for about `seconds`; (packets emitted, elapsed seconds).

        The host checks the sources only when one may have reached the end of
        the trace: each source emits at most `batch` packets per round.
        """
        r, batch = self.router, self.batch
        devs = [d for d in self.sources if self.regions["main"][d][1]]
        length = {d: self.regions["main"][d][1] for d in devs}
        base = {d: self._seek(d, "main") for d in devs}
        done = {d: 0 for d in devs}
        total = 0
        t0 = time.perf_counter()
        end = t0 + seconds
        while True:
            for d in devs:
                c = self.count(self.sources[d])
                total += c - base[d] - done[d]
                done[d] = c - base[d]
                if done[d] >= length[d]:
                    base[d] = self._seek(d, "main")
                    done[d] = 0
            now = time.perf_counter()
            if now >= end:
                return total, now - t0
            rem = min(length[d] - done[d] for d in devs)
            if rem >= batch:
                for _ in range(rem // batch):
                    r.step(batch)
            else:
                r.step(rem)

    def setup(self) -> int:
        """Play the ARP and warm-up parts once."""
        return self.play("arp") + self.play("warm")

    def outputs(self) -> dict[str, int]:
        return {n[3:]: self.count(n) for n in self.sinks}

    def close(self) -> None:
        self.router.close()
        if self._own_folder:
            shutil.rmtree(self.folder, ignore_errors=True)


def measure(graph: nx.MultiDiGraph, work: Workload, seconds: float, repeats: int,
            counter: str | None = None, tweak=None) -> tuple[list[float], float, dict[str, int]]:
    """(Mpps per repeat, seconds to build and compile, counts per output after one pass)."""
    box = Box(graph, work, tweak=tweak)
    try:
        box.setup()
        box.play("main")
        out = box.outputs()
        if counter:
            out[counter] = box.count(counter)
        runs = []
        for _ in range(repeats):
            n, dt = box.loop(seconds)
            runs.append(n / dt / 1e6)
        return runs, box.start_seconds, out
    finally:
        box.close()
