"""Each task's share of a round, from the configuration's ScheduleInfo elements.

Click gives every task tickets (1024 by default) and schedules it in
proportion; ScheduleInfo sets them.  A clickpy round runs every task once,
moving up to what one scheduling of it may move (the round's budget, cut by
the element's task_budget), so codegen scales each task's budget by its
tickets over the most any task has: the same proportions.
The lookup follows Click's ScheduleInfo::query: an element `a/b/x` has a
parameter at each level of its name (`a`, `a/b`, `a/b/x`), the final one being
their product; ScheduleInfo elements are read from the innermost compound out,
and each one's most specific name in the chain replaces the levels up to it
(`ScheduleInfo(c 4, c/i 10.5)` gives c/i 10.5, not 42, as Click documents).
"""
from __future__ import annotations

import logging

import networkx as nx

DEFAULT_TICKETS = 1 << 10
MAX_TICKETS = 1 << 15

log = logging.getLogger(__name__)


def _prefix(node: str) -> str:
    """The compound a node belongs to, as a name prefix ("" at the top, "c/" inside c)."""
    return node[:node.rfind("/") + 1]


def task_tickets(graph: nx.MultiDiGraph, names) -> dict[str, int]:
    """Tickets of each of `names` (task elements)."""
    tables = sorted(((_prefix(n), d["element"].schedule_params(d.get("values") or {}))
                     for n, d in graph.nodes(data=True)
                     if hasattr(d.get("element"), "schedule_params")),
                    key=lambda t: -len(t[0]))                       # innermost first
    out = {}
    for name in names:
        parts = name.split("/")
        levels = ["/".join(parts[:k]) for k in range(1, len(parts) + 1)]
        tickets = [DEFAULT_TICKETS] * len(levels)
        for prefix, params in tables:
            if not name.startswith(prefix):
                continue
            found = False
            for k in range(len(levels) - 1, -1, -1):
                if len(levels[k]) <= len(prefix):
                    break
                if found:
                    tickets[k] = DEFAULT_TICKETS
                elif levels[k][len(prefix):] in params:
                    tickets[k] = params[levels[k][len(prefix):]]
                    found = True
        total = DEFAULT_TICKETS
        for t in tickets:
            if t != DEFAULT_TICKETS:
                total = (total * t) >> 10
        if total > MAX_TICKETS:
            log.warning("%s: ScheduleInfo too high; reduced to 32", name)
            total = MAX_TICKETS
        out[name] = total
    return out
