"""Write the fused forwarding code of one configuration as Python source.

For every element there is `in_<i>` (a packet pushed into it) and, when it is
pulled, `out_<i>` (a packet pulled from it).  Each calls the element's kernel
directly and turns its output ports into branches that call the next
element: there is no per-element dispatch at run time.  Tasks loop over a
batch: a push task runs a source's run_task and pushes each packet through;
a pull task pulls from upstream into its sink.  `round_` runs every task once.

All generated functions take the same arguments: P the pool tuple, S the
per-element state tuples, X the per-element emit buffers, A the packet
account, R the loop queue.
"""
from __future__ import annotations

import networkx as nx

from clickpy.compile.plan import Plan
from clickpy.element import PULL, PUSH
from clickpy.runtime.account import FIRST_REASON, UNCONNECTED

ARGS = "P, S, X, A, R"


def last_column(cls) -> int:
    """The account column of the element's last drop reason (a bound for bad codes)."""
    return FIRST_REASON + max(len(cls.drop_reasons), 1) - 1


def _kernel_names(cls) -> dict[str, str]:
    return {kind: f"{kind.upper()}_{cls.class_name}"
            for kind in ("simple_action", "push", "pull", "run_task", "pull_choice", "ready")
            if getattr(cls, kind) is not None}


class _Writer:
    def __init__(self, plan: Plan, graph: nx.MultiDiGraph):
        self.plan, self.g = plan, graph
        self.lines: list[str] = []

    def cls(self, i: int):
        return self.g.nodes[self.plan.order[i]]["element"]

    def emit(self, *lines: str) -> None:
        self.lines.extend(lines)

    # ---- dispatch of a packet leaving element i by output `port_var` ----------
    def dispatch(self, i: int, port_var: str, slot_var: str, indent: str,
                 skip_port: int | None = None) -> list[str]:
        name = self.plan.order[i]
        branches = []
        for j, proc in enumerate(self.g.nodes[name]["out_processing"]):
            if proc != PUSH or j == skip_port or (name, j) not in self.plan.push_next:
                continue
            v, q = self.plan.push_next[(name, j)]
            vi = self.plan.index[v]
            if (name, j) in self.plan.loop_edges:
                call = f"loopqueue.put(R, {vi}, {q}, {slot_var})  # loop back to {v}"
            else:
                call = f"in_{vi}({ARGS}, {q}, {slot_var})  # -> [{q}]{v}"
            branches.append((j, call))
        drop = f"dropped(P, A, {i}, {UNCONNECTED}, {slot_var})"
        if not branches:
            return [f"{indent}{drop}"]
        out = []
        for k, (j, call) in enumerate(branches):
            out.append(f"{indent}{'if' if k == 0 else 'elif'} {port_var} == {j}:")
            out.append(f"{indent}    {call}")
        out.append(f"{indent}else:")
        out.append(f"{indent}    {drop}")
        return out

    def after_action(self, i: int, indent: str, skip_port: int | None = None) -> list[str]:
        """Branches on a simple_action result `r` for packet `s`."""
        cls = self.cls(i)
        stolen = f"{indent}    A[{i}, 0] += 1" if cls.sink == "forwarded" else f"{indent}    pass"
        return ([f"{indent}if r >= 0:"]
                + self.dispatch(i, "r", "s", indent + "    ", skip_port)
                + [f"{indent}elif r == STOLEN:", stolen,
                   f"{indent}else:",
                   f"{indent}    dropped(P, A, {i}, min(-r, {last_column(cls)}), s)"])

    # ---- functions --------------------------------------------------------
    def gen_in(self, i: int) -> None:
        cls = self.cls(i)
        k = _kernel_names(cls)
        name = self.plan.order[i]
        self.emit("", "", "@njit(cache=True)", f"def in_{i}({ARGS}, port, s):",
                  f'    """A packet arrives at {name} :: {cls.class_name}."""')
        if cls.push is not None:
            self.emit(f"    E = X[{i}]",
                      f"    n = {k['push']}(P, port, s, S[{i}], E)",
                      "    for k in range(n):",
                      "        o = E[2 * k]",
                      "        t = E[2 * k + 1]")
            self.emit(*self.dispatch(i, "o", "t", "        "))
        elif cls.simple_action is not None:
            self.emit(f"    r = {k['simple_action']}(P, s, S[{i}])")
            self.emit(*self.after_action(i, "    "))
        else:
            self.emit(f"    dropped(P, A, {i}, {UNCONNECTED}, s)  # cannot receive pushes")

    def gen_out(self, i: int) -> None:
        cls = self.cls(i)
        k = _kernel_names(cls)
        name = self.plan.order[i]
        self.emit("", "", "@njit(cache=True)", f"def out_{i}({ARGS}, port):",
                  f'    """Pull a packet from {name} :: {cls.class_name}."""')
        ins = self.g.nodes[name]["in_processing"]
        if "ready" in k:
            self.emit(f"    if {k['ready']}(P, S[{i}]) <= 0:", "        return -1")
        if cls.pull is not None:
            self.emit(f"    return {k['pull']}(P, port, S[{i}])")
        elif cls.pull_choice is not None:
            sources = [(j, self.plan.pull_prev[(name, j)]) for j, proc in enumerate(ins)
                       if proc == PULL and (name, j) in self.plan.pull_prev]
            self.emit(f"    for attempt in range({len(sources)}):",
                      f"        j = {k['pull_choice']}(P, S[{i}], attempt)",
                      "        s = -1")
            for n, (j, (u, up)) in enumerate(sources):
                self.emit(f"        {'if' if n == 0 else 'elif'} j == {j}:",
                          f"            s = out_{self.plan.index[u]}({ARGS}, {up})  # <- {u}[{up}]")
            self.emit("        elif j < 0:", "            return -1",
                      "        if s >= 0:")
            if cls.simple_action is not None:
                self.emit(f"            r = {k['simple_action']}(P, s, S[{i}])",
                          "            if r == port:", "                return s")
                self.emit(*self.after_action(i, "            "))
                self.emit("            return -1")
            else:
                self.emit("            return s")
            self.emit("    return -1")
        elif cls.run_task is not None:
            self.emit(f"    s = {k['run_task']}(P, S[{i}])",
                      "    if s >= 0:",
                      f"        A[{i}, 0] += 1",
                      "    return s")
        elif cls.simple_action is not None and PULL in ins:
            u, up = self.plan.pull_prev[(name, ins.index(PULL))]
            self.emit(f"    s = out_{self.plan.index[u]}({ARGS}, {up})  # <- {u}[{up}]",
                      "    if s < 0:",
                      "        return -1",
                      f"    r = {k['simple_action']}(P, s, S[{i}])",
                      "    if r == port:",
                      "        return s")
            self.emit(*self.after_action(i, "    "))
            self.emit("    return -1")
        else:
            self.emit("    return -1  # nothing to pull")

    def gen_push_task(self, name: str) -> str:
        i = self.plan.index[name]
        k = _kernel_names(self.cls(i))
        fn = f"task_{i}"
        self.emit("", "", "@njit(cache=True)", f"def {fn}({ARGS}, budget):",
                  f'    """Push task: packets from {name} pushed through."""',
                  "    n = 0",
                  "    for _ in range(budget):",
                  f"        s = {k['run_task']}(P, S[{i}])",
                  "        if s < 0:",
                  "            break",
                  f"        A[{i}, 0] += 1")
        self.emit(*self.dispatch(i, "0", "s", "        "))
        self.emit("        n += 1", f"    drain({ARGS})", "    return n")
        return fn

    def gen_pull_task(self, name: str) -> str:
        i = self.plan.index[name]
        ins = self.g.nodes[name]["in_processing"]
        port = ins.index(PULL)
        u, up = self.plan.pull_prev[(name, port)]
        fn = f"task_{i}"
        k = _kernel_names(self.cls(i))
        self.emit("", "", "@njit(cache=True)", f"def {fn}({ARGS}, budget):",
                  f'    """Pull task: {name} pulls from {u}."""',
                  "    n = 0")
        if "ready" in k:
            self.emit(f"    budget = min(budget, {k['ready']}(P, S[{i}]))")
        self.emit("    for _ in range(budget):",
                  f"        s = out_{self.plan.index[u]}({ARGS}, {up})",
                  "        if s < 0:",
                  "            break",
                  f"        in_{i}({ARGS}, {port}, s)",
                  "        n += 1",
                  f"    drain({ARGS})",
                  "    return n")
        return fn

    def gen_drain(self) -> None:
        targets = sorted({self.plan.index[self.plan.push_next[e][0]] for e in self.plan.loop_edges})
        self.emit("", "", "@njit(cache=True)", f"def drain({ARGS}):",
                  '    """Deliver packets waiting in the loop queue."""')
        if not targets:
            self.emit("    return")
            return
        self.emit("    while R[-1] > 0:", "        e, port, s = loopqueue.take(R)")
        for k, t in enumerate(targets):
            self.emit(f"        {'if' if k == 0 else 'elif'} e == {t}:",
                      f"            in_{t}({ARGS}, port, s)")

    def source(self) -> str:
        classes = {}
        for n in self.plan.order:
            cls = self.g.nodes[n]["element"]
            classes[cls.class_name] = cls
        self.emit("# Generated by clickpy: the fused data path of one configuration. Do not edit.",
                  "from numba import njit", "",
                  "from clickpy.kernel import STOLEN",
                  "from clickpy.runtime import loopqueue",
                  "from clickpy.runtime.account import dropped")
        for cname, cls in sorted(classes.items()):
            self.emit(f"from {cls.__module__} import {cls.__name__} as {cname}_class")
        self.emit("")
        for cname, cls in sorted(classes.items()):
            for kind, ident in _kernel_names(cls).items():
                self.emit(f"{ident} = {cname}_class.{kind}")
        pulled = {u for (u, _) in self.plan.pull_prev.values()}
        for i, n in enumerate(self.plan.order):
            self.gen_in(i)
            if n in pulled:
                self.gen_out(i)
        tasks = [self.gen_push_task(n) for n in self.plan.push_tasks]
        tasks += [self.gen_pull_task(n) for n in self.plan.pull_tasks]
        self.gen_drain()
        self.emit("", "", "@njit(cache=True)", f"def round_({ARGS}, budget):",
                  '    """Run every task once, each for at most `budget` packets."""',
                  "    n = 0")
        for fn in tasks:
            self.emit(f"    n += {fn}({ARGS}, budget)")
        self.emit("    return n", "")
        return "\n".join(self.lines)


def generate(plan: Plan, graph: nx.MultiDiGraph) -> str:
    """The Python source of the configuration's fused tasks."""
    return _Writer(plan, graph).source()
