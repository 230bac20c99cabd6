"""Port indices must be within the element's port count, and none may be left unused.

Like Click, an element has as many ports as its highest connected index + 1
(within its declared range, or exactly what its configuration implies), and
every one of them must be connected.  Stores `n_inputs` / `n_outputs`.
"""
from __future__ import annotations

from typing import Iterable

import networkx as nx

from clickpy.diagnostics import Diagnostic
from clickpy.graph import node_label


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def run(graph: nx.MultiDiGraph) -> Iterable[Diagnostic]:
    for node, data in graph.nodes(data=True):
        cls = data["element"]
        used_in: dict[int, object] = {}
        used_out: dict[int, object] = {}
        for _, _, e in graph.in_edges(node, data=True):
            used_in.setdefault(e["dst_port"], e["dst_pos"])
        for _, _, e in graph.out_edges(node, data=True):
            used_out.setdefault(e["src_port"], e["pos"])
        n_in = max(used_in, default=-1) + 1
        n_out = max(used_out, default=-1) + 1
        data["n_inputs"], data["n_outputs"] = n_in, n_out
        if cls is None:
            continue
        label = node_label(graph, node)
        spec = cls.ports()
        want_in, want_out = cls.port_counts_for(data.get("values") or {})
        in_range = spec.inputs
        if n_in not in in_range:
            bad = [p for p in used_in if p >= (in_range.high or 0)]
            if bad:
                p = max(bad)
                yield Diagnostic(f"{label} has no input {p}", used_in[p],
                                 f"{cls.class_name} has {in_range} input{'s' if in_range.high != 1 else ''}"
                                 f" (port count {cls.port_count})", check="ports")
                n_in = min(n_in, in_range.high or 0)
            elif want_in is None:
                yield Diagnostic(f"{label} needs {in_range} input{'s' if in_range.low != 1 else ''}, "
                                 f"but {_plural(n_in, 'input')} connected", data["pos"],
                                 f"connect its input {n_in}, e.g. Idle -> [{n_in}]{node}", check="ports")
        out_range = spec.output_range(max(n_in, in_range.low))
        if want_out is not None and want_out not in out_range:
            want_out = None
        if want_out is not None and n_out > want_out:
            p = max(used_out)
            yield Diagnostic(f"{label} has no output {p}", used_out[p],
                             f"its configuration gives it {_plural(want_out, 'output')}", check="ports")
            n_out = want_out
        elif n_out not in out_range and want_out is None:
            bad = [p for p in used_out if out_range.high is not None and p >= out_range.high]
            if bad:
                p = max(bad)
                yield Diagnostic(f"{label} has no output {p}", used_out[p],
                                 f"{cls.class_name} has {out_range} output"
                                 f"{'s' if out_range.high != 1 else ''} (port count {cls.port_count})",
                                 check="ports")
                n_out = out_range.high or 0
            else:
                yield Diagnostic(f"{label} needs {out_range} output{'s' if out_range.low != 1 else ''}, "
                                 f"but {_plural(n_out, 'output')} connected", data["pos"],
                                 f"connect its output {n_out}, e.g. {node}[{n_out}] -> Discard",
                                 check="ports")
        if want_in is not None:
            n_in = max(n_in, want_in)
        if want_out is not None:
            n_out = max(n_out, want_out)
        for p in range(n_in):
            if p not in used_in:
                yield Diagnostic(f"{label} input {p} is not connected", data["pos"],
                                 f"connect something to it, e.g. Idle -> [{p}]{node}", check="ports")
        for p in range(n_out):
            if p not in used_out:
                yield Diagnostic(f"{label} output {p} is not connected", data["pos"],
                                 f"send it somewhere, e.g. {node}[{p}] -> Discard", check="ports")
        data["n_inputs"], data["n_outputs"] = n_in, n_out
        where = data["config_pos"] or data["pos"]
        if not data.get("args_ok"):
            continue
        for issue in cls.check_ports(data["values"], n_in, n_out):
            yield Diagnostic(f"{label}: {issue.message}", issue.pos or where, issue.hint,
                             issue.severity, check="ports")
