"""A straightforward pure-Python packet graph: what a Python programmer would write.

Packets are bytearrays with a few annotations; an element is a plain
function `fn(pkt) -> port` (-1 drops, a tuple of ports copies the packet);
a graph maps each (element, port) to the next element.  No numpy, no
compilation: the baseline that clickpy's compiled data path is measured
against.  scapy's pipetool runs the same graphs (perf/baselines/scapy_pipes.py).
"""
from __future__ import annotations

import time
from collections import Counter


class Pkt:
    __slots__ = ("data", "off", "nh", "dst", "paint", "agg", "dev")

    def __init__(self, data, dev: str = "", off: int = 0):
        self.data = data
        self.off = off          # where the packet starts (Strip moves it, encap moves it back)
        self.nh = -1            # IP header offset in data (CheckIPHeader sets it)
        self.dst = 0            # destination IP annotation
        self.paint = 0
        self.agg = 0
        self.dev = dev

    def copy(self) -> "Pkt":
        p = Pkt(bytearray(self.data), self.dev, self.off)
        p.nh, p.dst, p.paint, p.agg = self.nh, self.dst, self.paint, self.agg
        return p


HEADROOM = 32   # room for EtherEncap / ARPQuerier to prepend without copying


class Graph:
    """Elements, their connections, the element each input device feeds, and output sinks.

    Sinks are elements named `to_<device>` (what leaves by that device) or
    counters; their counts are what the benchmark compares with clickpy.
    """

    def __init__(self, name: str):
        self.name = name
        self.fns: dict[str, object] = {}
        self.next: dict[str, list] = {}
        self.entry: dict[str, str] = {}
        self.counts: Counter = Counter()
        self.tasks: list = []          # host-scheduled work (pull paths): task(now)
        self.clock = time.monotonic

    def add(self, name: str, fn, nout: int = 1) -> str:
        self.fns[name] = fn
        self.next[name] = [None] * nout
        return name

    def sink(self, name: str) -> str:
        self.fns[name] = None
        self.next[name] = []
        return name

    def chain(self, *names: str) -> None:
        for a, b in zip(names, names[1:]):
            self.connect(a, 0, b)

    def connect(self, src: str, port: int, dst: str) -> None:
        self.next[src][port] = dst

    def feed(self, dev: str, name: str) -> None:
        self.entry[dev] = name

    # ---- running ---------------------------------------------------------------------------
    def push(self, name: str, p: Pkt) -> None:
        """Run one packet from element `name` until it leaves or is dropped."""
        fns, nxt, counts = self.fns, self.next, self.counts
        while True:
            fn = fns[name]
            if fn is None:
                counts[name] += 1
                return
            r = fn(p)
            if r.__class__ is int:
                if r < 0:
                    return
                name = nxt[name][r]
                if name is None:
                    return
                continue
            for port in r[1:]:                  # copies first, the original last
                target = nxt[name][port]
                if target is not None:
                    self.push(target, p.copy())
            name = nxt[name][r[0]]
            if name is None:
                return

    def run(self, stream, batch: int = 128) -> None:
        """Process (device, frame) pairs in order; tasks run after every batch."""
        entry, push = self.entry, self.push
        k = 0
        for dev, frame in stream:
            data = bytearray(HEADROOM)
            data += frame
            push(entry[dev], Pkt(data, dev, HEADROOM))
            k += 1
            if k == batch:
                k = 0
                self.run_tasks()
        self.run_tasks()

    def run_tasks(self) -> None:
        if self.tasks:
            now = self.clock()
            for t in self.tasks:
                t(now)

    def outputs(self) -> dict[str, int]:
        return {n[3:]: c for n, c in self.counts.items() if n.startswith("to_")}
