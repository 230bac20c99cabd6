"""Every element must name a known element class."""
from __future__ import annotations

from typing import Iterable

import networkx as nx

from clickpy.diagnostics import Diagnostic, did_you_mean
from clickpy.element import registry


def run(graph: nx.MultiDiGraph) -> Iterable[Diagnostic]:
    for node, data in graph.nodes(data=True):
        if data["element"] is not None:
            continue
        cls = data["class_name"]
        hint = did_you_mean(cls, registry())
        if hint is None:
            hint = "`clickpy elements` lists the element classes"
        if data["anonymous"] and data["config"] is None:
            hint += f"; if '{cls}' is meant to be an element, declare it: {cls} :: Class"
        yield Diagnostic(f"unknown element class '{cls}'", data["pos"], hint, check="classes")
