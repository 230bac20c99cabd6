"""Bind a configuration's devices to pcap files, to run it without interfaces.

FromDevice(eth0) reading eth0 becomes FromDump(FILE) when eth0 is bound to an
input file; ToDevice(eth0) becomes ToDump(FILE) for an output file; ToHost
can be bound as the device "host".  The rest of the graph is untouched, so a
router runs exactly as it would on its interfaces, on recorded traffic.
"""
from __future__ import annotations

import networkx as nx

from clickpy.args import ParseContext, parse_args, split_config
from clickpy.element import lookup

READERS = ("FromDevice", "PollDevice")
WRITERS = ("ToDevice",)
HOST = "host"


def quote(path: str) -> str:
    """path as a Click string argument (double-quoted, backslashes and quotes escaped)."""
    return '"' + path.replace("\\", "\\\\").replace('"', '\\"') + '"'


def device_of(graph: nx.MultiDiGraph, node: str) -> str | None:
    """The device a device element names (its DEVNAME argument), or "host" for ToHost."""
    data = graph.nodes[node]
    cls = data["element"]
    if cls is None:
        return None
    if cls.class_name == "ToHost":
        return HOST
    if cls.class_name not in READERS + WRITERS:
        return None
    values, _ = parse_args(cls.class_name, cls.args, split_config(data["config"]), ParseContext(),
                           data["pos"])
    dev = values.get("DEVNAME")
    return None if dev is None else str(getattr(dev, "name", dev))


def devices(graph: nx.MultiDiGraph) -> tuple[set[str], set[str]]:
    """The devices the configuration reads from and writes to."""
    reads, writes = set(), set()
    for n, data in graph.nodes(data=True):
        dev = device_of(graph, n)
        if dev is None:
            continue
        (reads if data["class_name"] in READERS else writes).add(dev)
    return reads, writes


def bind(graph: nx.MultiDiGraph, inputs: dict[str, str], outputs: dict[str, str]) -> nx.MultiDiGraph:
    """A copy of the graph with bound device elements replaced by dump elements.

    The copy must be checked again (clickpy.check.check_graph) to parse the
    new arguments and resolve processing.
    """
    g = graph.copy()
    used_out: dict[str, int] = {}
    for n in list(g.nodes):
        data = g.nodes[n]
        dev = device_of(g, n)
        if dev is None:
            continue
        if data["class_name"] in READERS and dev in inputs:
            _replace(g, n, "FromDump", quote(inputs[dev]))
        elif data["class_name"] not in READERS and dev in outputs:
            k = used_out.get(dev, 0)
            used_out[dev] = k + 1
            path = outputs[dev] if k == 0 else f"{outputs[dev]}.{k}"
            _replace(g, n, "ToDump", quote(path))
    return g


def _replace(g: nx.MultiDiGraph, node: str, class_name: str, config: str) -> None:
    data = g.nodes[node]
    data.update(class_name=class_name, config=config, element=lookup(class_name),
                config_pos=data["pos"], arg_positions=[data["pos"]])
    for key in ("values", "args_ok", "in_processing", "out_processing"):
        data.pop(key, None)
