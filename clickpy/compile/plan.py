"""Which tasks a configuration needs, and how packets move between elements.

Reads what the checks stored on the graph (resolved push/pull per port).
Push loops (the router's rt -> ... -> ICMPError -> rt) cannot be nested
calls, so the edge that closes each loop is marked: packets crossing it go
through a small loop queue that each task drains.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import networkx as nx

from clickpy.diagnostics import Diagnostic
from clickpy.element import PULL, PUSH
from clickpy.graph import config_order

Port = tuple[str, int]


class PlanError(Exception):
    """The configuration checks clean but uses something the data path cannot run yet."""

    def __init__(self, diagnostics: list[Diagnostic]):
        super().__init__("\n".join(d.format() for d in diagnostics))
        self.diagnostics = diagnostics


@dataclass
class Plan:
    order: list[str]                                   # element id -> name
    index: dict[str, int]
    push_next: dict[Port, Port] = field(default_factory=dict)   # push output -> input it feeds
    pull_prev: dict[Port, Port] = field(default_factory=dict)   # pull input -> output feeding it
    loop_edges: set[Port] = field(default_factory=set)          # push outputs that close a loop
    junction_edges: set[Port] = field(default_factory=set)      # push outputs into a junction
    push_tasks: list[str] = field(default_factory=list)         # sources whose output is push
    pull_tasks: list[str] = field(default_factory=list)         # elements that drive pulls

    @property
    def queued_edges(self) -> set[Port]:
        """Push outputs whose packets go through the loop queue (see drain)."""
        return self.loop_edges | self.junction_edges


def _pulls_several(cls, ins: list[str], outs: list[str]) -> bool:
    """Whether a pull on some output could pull from several inputs: the flow code links
    it to more than one pull input (not so for Suppressor's "#/#", input i to output i)."""
    flow = cls.flow()
    pulled = [j for j, proc in enumerate(ins) if proc == PULL]
    return any(sum(flow.flows(j, o) for j in pulled) > 1
               for o, proc in enumerate(outs) if proc == PULL)


def make_plan(graph: nx.MultiDiGraph) -> Plan:
    order = config_order(graph)
    plan = Plan(order, {n: i for i, n in enumerate(order)})
    problems: list[Diagnostic] = []
    not_runnable: dict[str, list[str]] = {}
    for u, v, e in graph.edges(data=True):
        outs = graph.nodes[u]["out_processing"]
        if outs[e["src_port"]] == PUSH:
            plan.push_next[(u, e["src_port"])] = (v, e["dst_port"])
        else:
            plan.pull_prev[(v, e["dst_port"])] = (u, e["src_port"])
    for n in order:
        data = graph.nodes[n]
        cls = data["element"]
        if not cls.runnable():
            not_runnable.setdefault(cls.class_name, []).append(n)
            continue
        ins, outs = data["in_processing"], data["out_processing"]
        if cls.run_task is not None and outs and outs[0] == PUSH:
            plan.push_tasks.append(n)
        if PULL in outs and _pulls_several(cls, ins, outs) and cls.pull_choice is None:
            problems.append(Diagnostic(f"{n} :: {cls.class_name} pulls from several inputs but has "
                                       "no pull_choice kernel", data["pos"], check="compile"))
        if PULL in ins and PULL not in outs:
            if ins.count(PULL) > 1 and cls.pull_choice is None:
                problems.append(Diagnostic(f"{n} :: {cls.class_name} pulls from several inputs, "
                                           "which the compiled data path cannot do yet", data["pos"],
                                           check="compile"))
            plan.pull_tasks.append(n)
    for class_name, names in not_runnable.items():
        first = graph.nodes[names[0]]
        others = f" (and {len(names) - 1} more)" if len(names) > 1 else ""
        problems.append(Diagnostic(f"{names[0]} :: {class_name}{others} cannot run yet: the compiled "
                                   f"data path has no kernel for {class_name}", first["pos"],
                                   "`clickpy elements` marks the classes that run", check="compile"))
    if problems:
        problems.sort(key=lambda d: d.pos)
        raise PlanError(problems)
    _mark_loops(plan)
    _mark_junctions(plan)
    return plan


JUNCTION_MIN_ELEMENTS = 4


def _mark_junctions(plan: Plan) -> None:
    """Edges into a junction -- an element several push edges feed, with a large push
    subgraph behind it (the router's lookup table) -- also go through the queue.

    Otherwise each path into the junction would carry its own copy of the whole
    subgraph behind it, and numba compiles (and LLVM optimizes) every copy:
    that, not the running, is what made the router slow to compile.  Small
    subgraphs (a Queue, a Discard) stay inline: a queue hop per packet costs
    more than the copy.
    """
    into: dict[str, list[Port]] = {}
    succ: dict[str, list[str]] = {}
    for (u, up), (v, _) in plan.push_next.items():
        into.setdefault(v, []).append((u, up))
        succ.setdefault(u, []).append(v)
    for v, edges in into.items():
        if len(edges) < 2:
            continue
        behind, todo = {v}, [v]
        while todo and len(behind) < JUNCTION_MIN_ELEMENTS:
            for w in succ.get(todo.pop(), []):
                if w not in behind:
                    behind.add(w)
                    todo.append(w)
        if len(behind) >= JUNCTION_MIN_ELEMENTS:
            plan.junction_edges.update(e for e in edges if e not in plan.loop_edges)


def _mark_loops(plan: Plan) -> None:
    """Depth-first over push edges, sources first; edges back into the stack close loops."""
    succ: dict[str, list[tuple[int, str]]] = {}
    for (u, up), (v, _) in plan.push_next.items():
        succ.setdefault(u, []).append((up, v))
    state: dict[str, int] = {}  # 1 on stack, 2 done
    starts = plan.push_tasks + plan.pull_tasks + plan.order
    for root in starts:
        if root in state:
            continue
        stack = [(root, iter(sorted(succ.get(root, []))))]
        state[root] = 1
        while stack:
            node, it = stack[-1]
            step = next(it, None)
            if step is None:
                state[node] = 2
                stack.pop()
                continue
            port, nxt = step
            if state.get(nxt) == 1:
                plan.loop_edges.add((node, port))
            elif nxt not in state:
                state[nxt] = 1
                stack.append((nxt, iter(sorted(succ.get(nxt, [])))))


def describe(plan: Plan) -> list[str]:
    """Human-readable task list, for `clickpy run -v`."""
    lines = [f"push task from {n}" for n in plan.push_tasks]
    lines += [f"pull task into {n}" for n in plan.pull_tasks]
    lines += [f"loop edge {u}[{p}] (through the loop queue)" for u, p in sorted(plan.loop_edges)]
    lines += [f"junction edge {u}[{p}] (through the loop queue)"
              for u, p in sorted(plan.junction_edges)]
    return lines



