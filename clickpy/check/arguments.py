"""Arguments must parse: count, keywords and types, as Click's configure() would see them.

Stores each element's parsed arguments on its node as `values`.
"""
from __future__ import annotations

from typing import Iterable

import networkx as nx

from clickpy.args import ParseContext, parse_args, split_config
from clickpy.diagnostics import ERROR, Diagnostic
from clickpy.graph import node_label


def context(graph: nx.MultiDiGraph) -> ParseContext:
    """Names other arguments may use: AddressInfo entries, element names and
    IPRewriterPatterns patterns (whose own addresses may be AddressInfo names)."""
    ctx = ParseContext(element_names=set(graph.nodes))
    for node, data in graph.nodes(data=True):
        cls = data["element"]
        if cls is not None and hasattr(cls, "address_table"):
            try:
                ctx.addresses.update(cls.address_table(data["config"]))
            except Exception:  # noqa: BLE001 - its own argument check reports the problem
                pass
    for node, data in graph.nodes(data=True):
        cls = data["element"]
        if cls is not None and hasattr(cls, "pattern_table"):
            where = data["config_pos"] or data["pos"]
            items = split_config(data["config"], where, data["arg_positions"] or None)
            for name, pos, pattern in cls.pattern_table(items, ctx):
                ctx.patterns.setdefault(name, []).append((node, pos, pattern))
    return ctx


def run(graph: nx.MultiDiGraph) -> Iterable[Diagnostic]:
    ctx = context(graph)
    for node, data in graph.nodes(data=True):
        cls = data["element"]
        if cls is None:
            continue
        where = data["config_pos"] or data["pos"]
        items = split_config(data["config"], where, data["arg_positions"] or None)
        values, issues = parse_args(cls.class_name, cls.args, items, ctx, where)
        if not any(i.severity == ERROR for i in issues):
            issues = issues + cls.check_config(values, ctx)
        data["values"] = values
        data["args_ok"] = not any(i.severity == ERROR for i in issues)
        for issue in issues:
            yield Diagnostic(f"{node_label(graph, node)}: {issue.message}", issue.pos or where,
                             issue.hint, issue.severity, check="arguments")
