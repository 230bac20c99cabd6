"""The benchmark registry: a name, a one-line title, a function, and whether quick mode runs it.

A benchmark module registers its entries with @benchmark; perf/__main__.py
imports every module in MODULES and runs what was registered.  An entry
raises Skip(reason) when this machine cannot run it.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Callable

MODULES = ("perf.middleboxes", "perf.ipv4_path", "perf.batch_size", "perf.pcap_router",
           "perf.compile_start",
           "perf.scale_rules", "perf.scale_routes", "perf.scale_nat", "perf.click_driver",
           "perf.interfaces", "perf.unikernel")


class Skip(Exception):
    """This machine cannot run the benchmark; the message says why."""


@dataclass
class Benchmark:
    name: str
    title: str
    run: Callable           # run(ctx) -> Result
    group: str


REGISTRY: dict[str, Benchmark] = {}


def benchmark(name: str, title: str, group: str | None = None):
    def register(fn):
        REGISTRY[name] = Benchmark(name, title, fn, group or name.split(".")[0])
        return fn
    return register


def load_all() -> dict[str, Benchmark]:
    for m in MODULES:
        importlib.import_module(m)
    return REGISTRY


def select(names: list[str] | None) -> list[Benchmark]:
    """Entries named exactly, or every entry of a group (`--only mbox` runs mbox.*)."""
    reg = load_all()
    if not names:
        return list(reg.values())
    out = []
    for n in names:
        hits = [b for b in reg.values() if b.name == n or b.group == n]
        if not hits:
            raise KeyError(n)
        out += [b for b in hits if b not in out]
    return out
