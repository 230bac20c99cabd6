"""The checks: small named passes over the element graph.

Each pass is a module with a `run(graph) -> Iterable[Diagnostic]` function;
PASSES lists them in the order they run.  Later passes may rely on what
earlier ones stored on the graph (parsed arguments, port counts, resolved
push/pull), and are skipped once an earlier pass found errors that would make
their findings noise.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import networkx as nx

from clickpy.check import (arguments, classes, connections, context, cycles, frontend, ports,
                           preconditions, processing, reachability)
from clickpy.diagnostics import Diagnostic

# (pass, whether it needs the earlier passes to have found no errors)
PASSES = (
    (frontend, False),
    (classes, False),
    (arguments, False),
    (ports, False),
    (processing, True),
    (context, True),
    (connections, True),
    (cycles, True),
    (reachability, True),
    (preconditions, True),
)


@dataclass
class CheckResult:
    """All findings, plus the graph annotated by the passes."""

    graph: nx.MultiDiGraph
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.is_error]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if not d.is_error]

    @property
    def ok(self) -> bool:
        return not self.errors


def check_graph(graph: nx.MultiDiGraph) -> CheckResult:
    """Run every pass; passes that need a sound graph stop at the first errors."""
    result = CheckResult(graph)
    for module, needs_clean in PASSES:
        if needs_clean and result.errors:
            break
        found = list(module.run(graph))
        result.diagnostics.extend(found)
    result.diagnostics.sort(key=lambda d: (d.pos.file, d.pos.line, d.pos.col))
    return result
