"""Push/pull resolution, with conflicts named.

Each port is push, pull or agnostic (Click's processing codes).  Agnostic
ports take the processing of what they connect to, and agnostic ports of one
element that packets flow between (its flow code) must agree.  Whatever is
still agnostic at the end becomes push, as in Click.  A push output meeting a
pull input needs a Queue; a pull output meeting a push input an Unqueue.
Stores `in_processing` / `out_processing` (lists of "push"/"pull") on nodes.
"""
from __future__ import annotations

from collections import deque
from typing import Iterable

import networkx as nx

from clickpy.diagnostics import Diagnostic
from clickpy.element import AGNOSTIC, PULL, PUSH
from clickpy.graph import node_label

Port = tuple[str, str, int]  # (node, "in" | "out", index)


def _describe(graph, port: Port) -> str:
    node, side, idx = port
    return f"{node_label(graph, node)} {'input' if side == 'in' else 'output'} {idx}"


def resolve(graph: nx.MultiDiGraph) -> tuple[dict[Port, str], dict[Port, Port], list[Diagnostic]]:
    """Resolve every port; returns processing, what forced each port, and conflicts."""
    proc: dict[Port, str] = {}
    origin: dict[Port, Port] = {}
    declared_agnostic: set[Port] = set()
    for node, data in graph.nodes(data=True):
        cls = data["element"]
        code = cls.processing_code() if cls is not None else None
        for side, n in (("in", data["n_inputs"]), ("out", data["n_outputs"])):
            for i in range(n):
                value = AGNOSTIC if code is None else (code.input(i) if side == "in" else code.output(i))
                proc[(node, side, i)] = value
                if value == AGNOSTIC:
                    declared_agnostic.add((node, side, i))
                else:
                    origin[(node, side, i)] = (node, side, i)
    problems: list[Diagnostic] = []
    reported: set[tuple] = set()

    def conflict(a: Port, b: Port, where) -> None:
        key = tuple(sorted((a, b)))
        if key in reported:
            return
        reported.add(key)
        push, pull = (a, b) if proc[a] == PUSH else (b, a)
        why_push = _because(graph, push, origin)
        why_pull = _because(graph, pull, origin)
        if push[1] == "out" and pull[1] == "in":
            msg = f"push output meets pull input: {_describe(graph, push)}{why_push} is connected to " \
                  f"{_describe(graph, pull)}{why_pull}"
            hint = f"put a Queue between them: {push[0]} [{push[2]}] -> Queue -> [{pull[2]}] {pull[0]}"
        elif push[1] == "in" and pull[1] == "out" and push[0] != pull[0]:
            msg = f"pull output meets push input: {_describe(graph, pull)}{why_pull} is connected to " \
                  f"{_describe(graph, push)}{why_push}"
            hint = f"put an Unqueue between them: {pull[0]} [{pull[2]}] -> Unqueue -> [{push[2]}] {push[0]}"
        else:
            msg = f"agnostic element {node_label(graph, push[0])} is used both ways: its " \
                  f"{'input' if push[1] == 'in' else 'output'} {push[2]} is push{why_push} but its " \
                  f"{'input' if pull[1] == 'in' else 'output'} {pull[2]} is pull{why_pull}"
            hint = "packets flow between these ports, so they must agree; insert a Queue where push " \
                   "should become pull"
        problems.append(Diagnostic(msg, where, hint, check="processing"))

    # Ports linked by an edge, or by the flow code inside one element, must agree.
    links: dict[Port, list[tuple[Port, object]]] = {p: [] for p in proc}
    for u, v, e in graph.edges(data=True):
        a, b = (u, "out", e["src_port"]), (v, "in", e["dst_port"])
        if a in proc and b in proc:
            links[a].append((b, e["pos"]))
            links[b].append((a, e["pos"]))
    for node, data in graph.nodes(data=True):
        cls = data["element"]
        if cls is None:
            continue
        flow = cls.flow()
        for i in range(data["n_inputs"]):
            a = (node, "in", i)
            if a not in declared_agnostic:
                continue
            for j in range(data["n_outputs"]):
                b = (node, "out", j)
                if b in declared_agnostic and flow.flows(i, j):
                    links[a].append((b, data["pos"]))
                    links[b].append((a, data["pos"]))
    work = deque(p for p, v in proc.items() if v != AGNOSTIC)
    while work:
        p = work.popleft()
        for q, where in links[p]:
            if proc[q] == AGNOSTIC:
                proc[q], origin[q] = proc[p], origin[p]
                work.append(q)
            elif proc[q] != proc[p]:
                conflict(p, q, where)
    for port, value in proc.items():
        if value == AGNOSTIC:
            proc[port] = PUSH
    return proc, origin, problems


def _because(graph, port: Port, origin: dict[Port, Port]) -> str:
    src = origin.get(port)
    if src is None or src[0] == port[0]:
        return ""
    return f" (because of {node_label(graph, src[0])})"


def run(graph: nx.MultiDiGraph) -> Iterable[Diagnostic]:
    proc, _, problems = resolve(graph)
    for node, data in graph.nodes(data=True):
        data["in_processing"] = [proc[(node, "in", i)] for i in range(data["n_inputs"])]
        data["out_processing"] = [proc[(node, "out", j)] for j in range(data["n_outputs"])]
    return problems


def paths(graph: nx.MultiDiGraph) -> tuple[list[str], list[str]]:
    """Where push paths start and pull paths end (the tasks a compiler plans).

    A push path starts at an element with a push output and no push input
    (a source, or an Unqueue-like element); a pull path is driven by an
    element with a pull input and no pull output (ToDevice, Unqueue, Discard).
    """
    push_starts, pull_ends = [], []
    for node, data in graph.nodes(data=True):
        ins, outs = data.get("in_processing", []), data.get("out_processing", [])
        if PUSH in outs and PUSH not in ins:
            push_starts.append(node)
        if PULL in ins and PULL not in outs:
            pull_ends.append(node)
    return push_starts, pull_ends
