"""Warn about elements no packet can reach: nothing upstream of them produces packets."""
from __future__ import annotations

from typing import Iterable

import networkx as nx

from clickpy.diagnostics import WARNING, Diagnostic
from clickpy.graph import node_label


def run(graph: nx.MultiDiGraph) -> Iterable[Diagnostic]:
    sources = [n for n, d in graph.nodes(data=True)
               if d["element"] is None or d["element"].is_source()]
    reached = set(sources)
    for s in sources:
        reached |= nx.descendants(graph, s)
    for node, data in graph.nodes(data=True):
        cls = data["element"]
        if node in reached or cls is None or cls.info_only or data.get("n_inputs", 0) == 0:
            continue
        yield Diagnostic(f"no packet can reach {node_label(graph, node)}", data["pos"],
                         "nothing upstream of it produces packets (FromDevice, FromDump, "
                         "InfiniteSource...); connect it to a source or remove it",
                         severity=WARNING, check="reachability")
