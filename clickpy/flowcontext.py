"""Click's flow-based router context: the nearest elements of a kind, down- or upstream.

An element that works with others near it (RED with the queues whose length it
watches) finds them as Click's Router::visit_downstream and visit_upstream
do: walk the connections from one of its ports, across each element from the
port a packet enters by to the ports its flow code lets it leave by, and stop
at each element of the kind sought, which is found.  Elements are listed in
the order first reached, each once.
"""
from __future__ import annotations

from typing import Callable

import networkx as nx

from clickpy.element import PUSH


def nearest(graph: nx.MultiDiGraph, node: str, port: int, downstream: bool,
            wanted: Callable[[type], bool]) -> list[str]:
    """The nearest elements whose class `wanted` accepts, from `node`'s output `port`
    (downstream) or input `port` (upstream)."""
    found: list[str] = []
    seen: set[tuple[str, int]] = set()
    todo = [(node, port)]
    while todo:
        at, p = todo.pop(0)
        for there, there_port in _neighbours(graph, at, p, downstream):
            if (there, there_port) in seen:
                continue
            seen.add((there, there_port))
            cls = graph.nodes[there]["element"]
            if cls is not None and wanted(cls):
                if there not in found:
                    found.append(there)
                continue
            if cls is None:
                continue
            flow = cls.flow()
            d = graph.nodes[there]
            if downstream:
                todo += [(there, j) for j in range(d["n_outputs"]) if flow.flows(there_port, j)]
            else:
                todo += [(there, i) for i in range(d["n_inputs"]) if flow.flows(i, there_port)]
    return found


def _neighbours(graph: nx.MultiDiGraph, node: str, port: int, downstream: bool):
    """(element, port) at the other end of each connection of node's port."""
    if downstream:
        return [(v, e["dst_port"]) for _, v, e in graph.out_edges(node, data=True)
                if e["src_port"] == port]
    return [(u, e["src_port"]) for u, _, e in graph.in_edges(node, data=True)
            if e["dst_port"] == port]


def nearby_storage(graph: nx.MultiDiGraph, node: str) -> list[str]:
    """The Storage elements (queues) nearest `node`: downstream of its output 0 when that
    is push, else upstream of its input 0 (as Click's RED finds its queues)."""
    data = graph.nodes[node]
    outs = data.get("out_processing") or []
    downstream = bool(outs) and outs[0] == PUSH
    return nearest(graph, node, 0, downstream, lambda cls: cls.storage is not None)
