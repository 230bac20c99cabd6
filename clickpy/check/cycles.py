"""Push cycles that no element can leave: a packet pushed in would circulate forever.

A push loop is legitimate when some element on it can send packets off the
loop (the IP router's rt -> ... -> DecIPTTL[1] -> ICMPError -> rt is one);
it is an error when every element on it has one output, the next hop.
"""
from __future__ import annotations

from typing import Iterable

import networkx as nx

from clickpy.diagnostics import Diagnostic
from clickpy.element import PUSH


def _push_graph(graph: nx.MultiDiGraph) -> nx.DiGraph:
    g = nx.DiGraph()
    for u, v, e in graph.edges(data=True):
        procs = graph.nodes[u].get("out_processing", [])
        if e["src_port"] < len(procs) and procs[e["src_port"]] == PUSH:
            ins = graph.nodes[v].get("in_processing", [])
            if e["dst_port"] < len(ins) and ins[e["dst_port"]] == PUSH:
                g.add_edge(u, v, pos=e["pos"])
    return g


def run(graph: nx.MultiDiGraph) -> Iterable[Diagnostic]:
    g = _push_graph(graph)
    for component in nx.strongly_connected_components(g):
        if len(component) == 1:
            (n,) = component
            if not g.has_edge(n, n):
                continue
        if any(graph.nodes[n].get("n_outputs", 0) > 1 for n in component):
            continue
        sub = g.subgraph(component)
        cycle = nx.find_cycle(sub)
        names = [u for u, _ in cycle] + [cycle[0][0]]
        first = min(component, key=lambda n: graph.nodes[n]["pos"])
        yield Diagnostic(f"push cycle with no way out: {' -> '.join(names)}",
                         graph.nodes[first]["pos"],
                         "every element on this loop forwards to the next, so a packet pushed in "
                         "never leaves; give it an exit (a Classifier or a Switch) or break it with a "
                         "Queue", check="cycles")
