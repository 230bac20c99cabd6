"""One connection per push output and per pull input.

A pushed packet goes to exactly one place, and a pull has exactly one
upstream to ask; fan-out and fan-in need explicit elements (Tee, schedulers).
"""
from __future__ import annotations

from collections import defaultdict
from typing import Iterable

import networkx as nx

from clickpy.diagnostics import Diagnostic
from clickpy.element import PULL, PUSH
from clickpy.graph import node_label


def run(graph: nx.MultiDiGraph) -> Iterable[Diagnostic]:
    outs: dict[tuple, list] = defaultdict(list)
    ins: dict[tuple, list] = defaultdict(list)
    for u, v, e in graph.edges(data=True):
        outs[(u, e["src_port"])].append((v, e))
        ins[(v, e["dst_port"])].append((u, e))
    for (node, port), targets in sorted(outs.items(), key=lambda kv: str(kv[0])):
        procs = graph.nodes[node].get("out_processing", [])
        if len(targets) > 1 and port < len(procs) and procs[port] == PUSH:
            where = ", ".join(f"{v} [{e['dst_port']}] at {e['dst_pos']}" for v, e in targets)
            yield Diagnostic(f"push output {port} of {node_label(graph, node)} is connected to "
                             f"{len(targets)} inputs: {where}", targets[1][1]["pos"],
                             f"a pushed packet can go to one place only; to copy it use a Tee: "
                             f"{node} [{port}] -> t :: Tee -> ..., t[1] -> ...", check="connections")
    for (node, port), sources in sorted(ins.items(), key=lambda kv: str(kv[0])):
        procs = graph.nodes[node].get("in_processing", [])
        if len(sources) > 1 and port < len(procs) and procs[port] == PULL:
            where = ", ".join(f"{u} [{e['src_port']}] at {e['pos']}" for u, e in sources)
            yield Diagnostic(f"pull input {port} of {node_label(graph, node)} is fed by "
                             f"{len(sources)} outputs: {where}", sources[1][1]["dst_pos"],
                             "a pull input asks one upstream element; merge pull paths with a "
                             "scheduler: a -> [0]s :: RoundRobinSched, b -> [1]s, s -> ...",
                             check="connections")
