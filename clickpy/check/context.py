"""What an element needs of the configuration around it must be there.

Some elements ask their router about the elements near them when they are
configured (Element.graph_values): RED finds its queues, as Click's
flow-based router context does.  The Router does that when it is built;
this pass does it for `clickpy check`, so that a RED with no queue near it
is reported with its position before anything runs (Element.check_context).
"""
from __future__ import annotations

from typing import Iterable

import networkx as nx

from clickpy.diagnostics import Diagnostic
from clickpy.graph import node_label


def run(graph: nx.MultiDiGraph) -> Iterable[Diagnostic]:
    classes = {n: d["element"] for n, d in graph.nodes(data=True)}
    for node, data in graph.nodes(data=True):
        cls = data["element"]
        if cls is None or not data.get("args_ok", True):
            continue
        values = dict(data.get("values") or {}, **cls.graph_values(graph, node))
        where = data["config_pos"] or data["pos"]
        for issue in cls.check_context(values, classes):
            yield Diagnostic(f"{node_label(graph, node)}: {issue.message}", issue.pos or where,
                             issue.hint, issue.severity, check="context")
