"""Annotations an element needs must be set upstream on every path.

IPFilter, DecIPTTL and friends read the IP header annotation that
CheckIPHeader or MarkIPHeader sets; the routing tables and ARPQuerier read the
destination IP annotation.  Forgetting them is the crash Click users hit most,
so this pass proves, for every input, that each required annotation is set on
every path from a source, and otherwise names one path where it is not.
"""
from __future__ import annotations

from collections import deque
from typing import Iterable

import networkx as nx

from clickpy.diagnostics import Diagnostic
from clickpy.element import DST_IP, IP_HEADER, PAINT
from clickpy.graph import node_label

DESCRIPTIONS = {
    IP_HEADER: ("the IP header annotation", "CheckIPHeader or MarkIPHeader",
                "Strip(14) -> CheckIPHeader -> {node}"),
    DST_IP: ("the destination IP annotation", "CheckIPHeader, GetIPAddress(16) or SetIPAddress",
             "CheckIPHeader -> {node}"),
    PAINT: ("the paint annotation", "Paint", "Paint(1) -> {node}"),
}


def _ports(spec, n: int) -> range | tuple:
    return range(n) if spec is None else tuple(p for p in spec if p < n)


def annotations(graph: nx.MultiDiGraph) -> tuple[dict, dict]:
    """Annotations guaranteed on each input port and each output port (fixpoint)."""
    everything = frozenset(DESCRIPTIONS)
    at_in: dict[tuple, frozenset] = {}
    at_out: dict[tuple, frozenset] = {}
    for node, data in graph.nodes(data=True):
        for i in range(data.get("n_inputs", 0)):
            at_in[(node, i)] = everything
        for j in range(data.get("n_outputs", 0)):
            at_out[(node, j)] = everything
    work = deque(graph.nodes)
    queued = set(work)
    while work:
        node = work.popleft()
        queued.discard(node)
        data = graph.nodes[node]
        cls = data["element"]
        for i in range(data.get("n_inputs", 0)):
            sources = [at_out[(u, e["src_port"])] for u, _, e in graph.in_edges(node, data=True)
                       if e["dst_port"] == i and (u, e["src_port"]) in at_out]
            at_in[(node, i)] = frozenset.intersection(*sources) if sources else frozenset()
        for j in range(data.get("n_outputs", 0)):
            if cls is None:
                new = everything
            else:
                flow = cls.flow()
                feeding = [at_in[(node, i)] for i in range(data.get("n_inputs", 0))
                           if flow.flows(i, j)]
                if not feeding and not cls.is_source() and not cls.new_packets:
                    at_out[(node, j)] = everything  # nothing ever leaves here (Idle)
                    continue
                carried = frozenset() if cls.new_packets or not feeding \
                    else frozenset.intersection(*feeding)
                sets = cls.sets_for(data.get("values") or {})
                added = {a for a, ports in sets.items() if ports is None or j in ports}
                new = carried | added
            if new != at_out[(node, j)]:
                at_out[(node, j)] = new
                for _, v, e in graph.out_edges(node, data=True):
                    if e["src_port"] == j and v not in queued:
                        work.append(v)
                        queued.add(v)
    return at_in, at_out


def _witness(graph, at_out, node: str, port: int, anno: str) -> list[str]:
    """A path from a source to (node, port) along which `anno` is never set."""
    path = [node]
    seen = {node}
    current, cport = node, port
    while True:
        step = None
        for u, _, e in graph.in_edges(current, data=True):
            if e["dst_port"] == cport and anno not in at_out.get((u, e["src_port"]), frozenset()):
                step = (u, e["src_port"])
                break
        if step is None or step[0] in seen:
            break
        u, up = step
        path.append(f"{u} [{up}]" if graph.nodes[u].get("n_outputs", 1) > 1 else u)
        seen.add(u)
        cls = graph.nodes[u]["element"]
        inputs = [i for i in range(graph.nodes[u].get("n_inputs", 0))
                  if cls is None or cls.flow().flows(i, up)]
        if not inputs or (cls is not None and cls.new_packets):
            break
        current, cport = u, inputs[0]
    return list(reversed(path))


def run(graph: nx.MultiDiGraph) -> Iterable[Diagnostic]:
    at_in, at_out = annotations(graph)
    for node, data in graph.nodes(data=True):
        cls = data["element"]
        if cls is None:
            continue
        for anno, ports in cls.requires.items():
            for i in _ports(ports, data.get("n_inputs", 0)):
                if anno in at_in[(node, i)]:
                    continue
                what, setters, example = DESCRIPTIONS[anno]
                path = " -> ".join(_witness(graph, at_out, node, i, anno))
                yield Diagnostic(f"{node_label(graph, node)} needs {what} on input {i}, but packets "
                                 f"can arrive without it: {path}", data["pos"],
                                 f"put {setters} upstream, e.g. {example.format(node=node)}",
                                 check="preconditions")
                break
