"""Problems found while flattening: duplicate names, unknown endpoints, compound misuse."""
from __future__ import annotations

from typing import Iterable

import networkx as nx

from clickpy.diagnostics import Diagnostic


def run(graph: nx.MultiDiGraph) -> Iterable[Diagnostic]:
    return list(graph.graph.get("diagnostics", []))
