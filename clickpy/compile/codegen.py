"""Write the fused forwarding code of one configuration as Python source.

Each task becomes ONE function: a push task runs a source's run_task and
pushes every packet through the graph; a pull task pulls from upstream into
its sink.  The code of every element on the way is written inline, in the
task, as a call to the element's kernel followed by branches on its output
ports that continue with the next element: there is no per-element dispatch
at run time, and numba compiles one function per task (rather than one per
element, whose signatures carry the whole configuration's state).
Packets crossing an edge that closes a push loop go to the loop queue;
`drain` delivers them.  A round runs `timers` (when HAS_TIMERS: element
timers that are due), then each task in TASKS, each followed by drain (when
HAS_LOOPS and the queue holds packets), then, when HOST_WORK names
elements, asks `host_work` which of their host_flush calls have work.
`run_rounds` runs rounds in one call, calling those functions through
their addresses (clickpy.compile.indirect), which the Router writes into F,
until a round moves nothing or leaves work for Python: under load a
forwarder runs tens of thousands of rounds a second, and a return to the
Python driver after each cost it about a third of its CPU.

Generated functions take one argument, T, the table of every array of the
configuration (clickpy.compile.arraytable), and rebuild from it what they
use: P the pool tuple, S<i> element i's state tuple, X<i> its emit buffer,
A the packet account, R the loop queue, F the addresses run_rounds calls.
Kernels get ordinary arrays.
"""
from __future__ import annotations

import itertools
import re

import networkx as nx

from clickpy.compile.plan import Plan
from clickpy.compile.tickets import task_tickets
from clickpy.element import PULL, PUSH
from clickpy.runtime.account import FIRST_REASON, UNCONNECTED

ARGS = "T"
KINDS = ("simple_action", "push", "pull", "run_task", "pull_choice", "pull_held", "pull_offer",
         "pull_gate", "task_budget", "run_timer", "host_pending")
HOST_WORK_BITS = 62     # elements host_work can answer for; host_flush runs every round for more
# run_rounds' slots in F, the table of addresses (and two words clock_gettime writes)
F_TIMERS, F_DRAIN, F_HOST_WORK, F_CLOCK, F_CLOCK_SCRATCH, F_TASKS = 0, 1, 2, 3, 4, 6
STEP = "    "


def last_column(cls) -> int:
    """The account column of the element's last drop reason (a bound for bad codes)."""
    return FIRST_REASON + max(len(cls.drop_reasons), 1) - 1


def pulled_input(cls, ins: list[str], port: int) -> int:
    """The input a pull on output `port` pulls from: the first pull input the flow code
    links to it (Click's Element::pull pulls input(port); "#/#" links only those), else
    the first pull input."""
    flow = cls.flow()
    for j, proc in enumerate(ins):
        if proc == PULL and flow.flows(j, port):
            return j
    return ins.index(PULL)


def kernel(cls, kind: str) -> str:
    """The module-level name the generated code uses for a class's kernel."""
    return f"{kind.upper()}_{cls.class_name}"


class _Writer:
    def __init__(self, plan: Plan, graph: nx.MultiDiGraph, views: dict, inline: bool,
                 kernels: dict[int, str]):
        self.plan, self.g, self.views, self.inline = plan, graph, views, inline
        self.kernels = kernels
        tasks = list(plan.push_tasks) + list(plan.pull_tasks)
        self.task_index = {name: k for k, name in enumerate(tasks)}
        self.tickets = task_tickets(graph, tasks)
        self.lines: list[str] = []
        self._ids = itertools.count()

    def fresh(self, stem: str) -> str:
        return f"{stem}{next(self._ids)}"

    def cls(self, i: int):
        return self.g.nodes[self.plan.order[i]]["element"]

    def action(self, i: int) -> str:
        """The name of element i's simple_action: its specialized kernel when it has one."""
        return f"SIMPLE_ACTION_{i}" if i in self.kernels else kernel(self.cls(i), "simple_action")

    def label(self, i: int) -> str:
        return f"{self.plan.order[i]} :: {self.cls(i).class_name}"

    def drop(self, i: int, column: str, slot: str, ind: str) -> list[str]:
        return [f"{ind}dropped(P, A, {i}, {column}, {slot})"]

    # ---- a packet pushed into element i ---------------------------------------------
    def push_into(self, i: int, port: str, slot: str, ind: str) -> list[str]:
        cls = self.cls(i)
        out = [f"{ind}# {self.label(i)}"]
        if cls.push is not None:
            out += self.emitted(i, f"{kernel(cls, 'push')}(P, {port}, {slot}, S{i}, X{i})", ind)
        elif cls.simple_action is not None:
            r = self.fresh("r")
            out += [f"{ind}{r} = {self.action(i)}(P, {slot}, S{i})"]
            out += self.after_action(i, r, slot, ind)
        else:
            out += self.drop(i, str(UNCONNECTED), slot, ind)
        return out

    def emitted(self, i: int, call: str, ind: str) -> list[str]:
        """Run a kernel that emits (output, slot) pairs into X<i>, then deliver each."""
        cls = self.cls(i)
        n, k, o, t = self.fresh("n"), self.fresh("k"), self.fresh("o"), self.fresh("t")
        out = [f"{ind}{n} = {call}",
               f"{ind}for {k} in range({n}):",
               f"{ind}{STEP}{o} = X{i}[2 * {k}]",
               f"{ind}{STEP}{t} = X{i}[2 * {k} + 1]",
               f"{ind}{STEP}if {o} < 0:",
               f"{ind}{STEP * 2}dropped(P, A, {i}, min(-{o}, {last_column(cls)}), {t})",
               f"{ind}{STEP}else:"]
        return out + self.dispatch(i, o, t, ind + STEP * 2)

    def dispatch(self, i: int, port: str, slot: str, ind: str,
                 skip_port: int | None = None) -> list[str]:
        """Continue with whatever output `port` of element i leads to."""
        name = self.plan.order[i]
        branches = []
        for j, proc in enumerate(self.g.nodes[name]["out_processing"]):
            if proc != PUSH or j == skip_port or (name, j) not in self.plan.push_next:
                continue
            v, q = self.plan.push_next[(name, j)]
            vi = self.plan.index[v]
            if (name, j) in self.plan.queued_edges:
                body = [f"{ind}{STEP}loopqueue.put(R, {vi}, {q}, {slot})  # queued for {v}"]
            else:
                body = self.push_into(vi, str(q), slot, ind + STEP)
            branches.append((j, body))
        if port.isdigit():  # a constant output: no branch needed
            for j, body in branches:
                if j == int(port):
                    return [line[len(STEP):] for line in body]
            return self.drop(i, str(UNCONNECTED), slot, ind)
        out = []
        for k, (j, body) in enumerate(branches):
            out.append(f"{ind}{'if' if k == 0 else 'elif'} {port} == {j}:")
            out += body
        if out:
            out.append(f"{ind}else:")
            out += self.drop(i, str(UNCONNECTED), slot, ind + STEP)
            return out
        return self.drop(i, str(UNCONNECTED), slot, ind)

    def after_action(self, i: int, r: str, slot: str, ind: str,
                     skip_port: int | None = None) -> list[str]:
        """Branches on a simple_action result `r` for packet `slot`."""
        cls = self.cls(i)
        kept = f"{ind}{STEP}A[{i}, 0] += 1" if cls.sink == "forwarded" else f"{ind}{STEP}pass"
        return ([f"{ind}if {r} >= 0:"]
                + self.dispatch(i, r, slot, ind + STEP, skip_port)
                + [f"{ind}elif {r} == STOLEN:", kept,
                   f"{ind}else:",
                   f"{ind}{STEP}dropped(P, A, {i}, min(-{r}, {last_column(cls)}), {slot})"])

    # ---- a packet pulled from element i's output `port`, into variable `target` ----------
    def pull_from(self, i: int, port: int, target: str, ind: str) -> list[str]:
        cls = self.cls(i)
        name = self.plan.order[i]
        ins = self.g.nodes[name]["in_processing"]
        out = [f"{ind}# pull from {self.label(i)}", f"{ind}{target} = -1"]
        if cls.pull is not None and cls.push is not None and PULL in ins:
            return out + self.pull_through_keeper(i, port, target, ind)
        body_ind = ind
        if cls.task_budget is not None:
            out.append(f"{ind}if {kernel(cls, 'task_budget')}(P, S{i}) > 0:")
            body_ind = ind + STEP
        if cls.pull is not None:
            out.append(f"{body_ind}{target} = {kernel(cls, 'pull')}(P, {port}, S{i})")
        elif cls.run_task is not None:
            out += [f"{body_ind}{target} = {kernel(cls, 'run_task')}(P, S{i})",
                    f"{body_ind}if {target} >= 0:",
                    f"{body_ind}{STEP}A[{i}, 0] += 1"]
        elif cls.pull_choice is not None:
            sources = [(j, self.plan.pull_prev[(name, j)]) for j, proc in enumerate(ins)
                       if proc == PULL and (name, j) in self.plan.pull_prev]
            a, j, x = self.fresh("a"), self.fresh("j"), self.fresh("x")
            out += [f"{body_ind}for {a} in range({len(sources)}):",
                    f"{body_ind}{STEP}{j} = {kernel(cls, 'pull_choice')}(P, S{i}, {a})",
                    f"{body_ind}{STEP}if {j} < 0:",
                    f"{body_ind}{STEP * 2}break",
                    f"{body_ind}{STEP}{x} = -1"]
            pull_ind = body_ind + STEP
            if cls.pull_held is not None:      # a packet it kept from that input comes first
                out += [f"{pull_ind}{x} = {kernel(cls, 'pull_held')}(P, S{i}, {j})",
                        f"{pull_ind}if {x} < 0:"]
                pull_ind += STEP
            for n, (jj, (u, up)) in enumerate(sources):
                out.append(f"{pull_ind}{'if' if n == 0 else 'elif'} {j} == {jj}:")
                out += self.pull_from(self.plan.index[u], up, x, pull_ind + STEP)
            if cls.pull_offer is not None:     # it may keep the packet, or take none
                out.append(f"{body_ind}{STEP}{x} = {kernel(cls, 'pull_offer')}(P, S{i}, {j}, {x})")
            out += [f"{body_ind}{STEP}if {x} >= 0:",
                    f"{body_ind}{STEP * 2}{target} = {x}",
                    f"{body_ind}{STEP * 2}break"]
        elif cls.pulls_past_drops and cls.push is None and cls.simple_action is not None \
                and PULL in ins:
            out += self.pull_past_drops(i, port, target, body_ind)
        elif (cls.push is not None or cls.simple_action is not None) and PULL in ins:
            j = pulled_input(cls, ins, port)
            u, up = self.plan.pull_prev[(name, j)]
            x = self.fresh("x")
            if cls.pull_gate is not None:
                out.append(f"{body_ind}if {kernel(cls, 'pull_gate')}(P, {port}, S{i}):")
                body_ind += STEP
            out += self.pull_from(self.plan.index[u], up, x, body_ind)
            out.append(f"{body_ind}if {x} >= 0:")
            ind2 = body_ind + STEP
            if cls.push is not None:
                n, k, o, t = self.fresh("n"), self.fresh("k"), self.fresh("o"), self.fresh("t")
                out += [f"{ind2}{n} = {kernel(cls, 'push')}(P, {j}, {x}, S{i}, X{i})",
                        f"{ind2}for {k} in range({n}):",
                        f"{ind2}{STEP}{o} = X{i}[2 * {k}]",
                        f"{ind2}{STEP}{t} = X{i}[2 * {k} + 1]",
                        f"{ind2}{STEP}if {o} == {port} and {target} < 0:",
                        f"{ind2}{STEP * 2}{target} = {t}",
                        f"{ind2}{STEP}elif {o} < 0:",
                        f"{ind2}{STEP * 2}dropped(P, A, {i}, min(-{o}, {last_column(cls)}), {t})",
                        f"{ind2}{STEP}else:"]
                out += self.dispatch(i, o, t, ind2 + STEP * 2, skip_port=port)
            else:
                r = self.fresh("r")
                out += [f"{ind2}{r} = {self.action(i)}(P, {x}, S{i})",
                        f"{ind2}if {r} == {port}:",
                        f"{ind2}{STEP}{target} = {x}",
                        f"{ind2}else:"]
                out += self.after_action(i, r, x, ind2 + STEP, skip_port=port)
        return out

    def pull_past_drops(self, i: int, port: int, target: str, ind: str) -> list[str]:
        """A pull through a simple_action element that pulls again after each packet it
        does not return (Element.pulls_past_drops: RED), until one comes back on `port`
        or upstream has none."""
        name = self.plan.order[i]
        j = self.g.nodes[name]["in_processing"].index(PULL)
        u, up = self.plan.pull_prev[(name, j)]
        x, r = self.fresh("x"), self.fresh("r")
        out = [f"{ind}while True:"]
        out += self.pull_from(self.plan.index[u], up, x, ind + STEP)
        out += [f"{ind}{STEP}if {x} < 0:",
                f"{ind}{STEP * 2}break",
                f"{ind}{STEP}{r} = {self.action(i)}(P, {x}, S{i})",
                f"{ind}{STEP}if {r} == {port}:",
                f"{ind}{STEP * 2}{target} = {x}",
                f"{ind}{STEP * 2}break"]
        return out + self.after_action(i, r, x, ind + STEP, skip_port=port)

    def pull_through_keeper(self, i: int, port: int, target: str, ind: str) -> list[str]:
        """A pull through an element that keeps what it pulls (DelayShaper: a pull input,
        push and pull kernels): when its task_budget allows (always, without one) it pulls
        one packet from upstream into its push kernel, which keeps it (or emits it, as
        push does); then its pull kernel answers with what it has ready, or -1."""
        cls = self.cls(i)
        name = self.plan.order[i]
        j = self.g.nodes[name]["in_processing"].index(PULL)
        u, up = self.plan.pull_prev[(name, j)]
        x = self.fresh("x")
        out, body_ind = [], ind
        if cls.task_budget is not None:
            out.append(f"{ind}if {kernel(cls, 'task_budget')}(P, S{i}) > 0:")
            body_ind = ind + STEP
        out += self.pull_from(self.plan.index[u], up, x, body_ind)
        out.append(f"{body_ind}if {x} >= 0:")
        out += self.emitted(i, f"{kernel(cls, 'push')}(P, {j}, {x}, S{i}, X{i})", body_ind + STEP)
        out.append(f"{ind}{target} = {kernel(cls, 'pull')}(P, {port}, S{i})")
        return out

    # ---- functions --------------------------------------------------------------------
    def function(self, head: str, doc: str, body: list[str]) -> None:
        """A compiled function of T (the array table): it first rebuilds what it uses."""
        text = "\n".join(body)
        prologue = [f"    {name} = {self.views[name]}" for name in ("P", "A", "R", "F", "K")
                    if re.search(rf"\b{name}\b", text)]
        for stem in ("S", "X"):
            used = sorted({int(k) for k in re.findall(rf"\b{stem}(\d+)\b", text)})
            prologue += [f"    {stem}{k} = {self.views[stem][k]}" for k in used]
        # No NRT in task functions: nothing in the data path allocates, and without it
        # numba does not reference-count every array passed to a kernel (2x faster).
        self.lines += (["", "", "@njit(cache=True, _nrt=False)", head, f'    """{doc}"""']
                       + prologue + body)

    def share(self, name: str) -> list[str]:
        """The task's budget scaled by its ScheduleInfo tickets over the most any task has
        (clickpy.compile.tickets), the remainder carried to the next round in its credit
        K[k], as Click's stride scheduler runs a BURST 1 source with half the tickets every
        other time; none with tickets 0 (Click never schedules it)."""
        t, most = self.tickets[name], max(self.tickets.values())
        if t == most:
            return []
        if t == 0:
            return ["    budget = 0"]
        k = self.task_index[name]
        return [f"    credit = K[{k}] + budget * {t}",
                f"    budget = credit // {most}",
                f"    K[{k}] = credit - budget * {most}"]

    def push_task(self, name: str) -> str:
        i = self.plan.index[name]
        cls = self.cls(i)
        body = ["    n = 0"]
        if cls.task_budget is not None:  # asked once per round, like one Click task scheduling
            body.append(f"    budget = min(budget, {kernel(cls, 'task_budget')}(P, S{i}))")
        body += self.share(name)
        body += ["    for _ in range(budget):",
                 f"        s = {kernel(cls, 'run_task')}(P, S{i})",
                 "        if s < 0:",
                 "            break",
                 f"        A[{i}, 0] += 1"]
        body += self.dispatch(i, "0", "s", "        ")
        body += ["        n += 1", "    return n"]
        self.function(f"def task_{i}({ARGS}, budget):", f"Push task: packets from {name}.", body)
        return f"task_{i}"

    def pull_task(self, name: str) -> str:
        i = self.plan.index[name]
        cls = self.cls(i)
        port = self.g.nodes[name]["in_processing"].index(PULL)
        u, up = self.plan.pull_prev[(name, port)]
        body = ["    n = 0"]
        each_pull = cls.task_budget is not None and cls.budget_each_pull
        if cls.task_budget is not None and not each_pull:
            body.append(f"    budget = min(budget, {kernel(cls, 'task_budget')}(P, S{i}))")
        body += self.share(name)
        body += ["    for _ in range(budget):"]
        if each_pull:      # room for one more depends on the packets already taken
            body += [f"        if {kernel(cls, 'task_budget')}(P, S{i}) <= 0:",
                     "            break"]
        body += self.pull_from(self.plan.index[u], up, "s", "        ")
        body += ["        if s < 0:", "            break"]
        body += self.push_into(i, str(port), "s", "        ")
        body += ["        n += 1", "    return n"]
        self.function(f"def task_{i}({ARGS}, budget):", f"Pull task: {name} pulls from {u}.", body)
        return f"task_{i}"

    def timers(self) -> bool:
        """One function running every element's timer kernel; False when none has one."""
        timed = [i for i, n in enumerate(self.plan.order) if self.cls(i).run_timer is not None]
        if not timed:
            return False
        body = []
        for i in timed:
            body.append(f"    # timer of {self.label(i)}")
            body += self.emitted(i, f"{kernel(self.cls(i), 'run_timer')}(P, S{i}, X{i})", "    ")
        body.append("    return np.int64(0)")  # int64: run_rounds calls it by address
        self.function(f"def timers({ARGS}):", "Run every element timer that is due.", body)
        return True

    def host_work(self) -> list[int]:
        """One function asking each element with a host_pending kernel whether its
        host_flush has work: bit k of the answer for the k-th element returned."""
        polled = [i for i, n in enumerate(self.plan.order)
                  if self.cls(i).host_pending is not None][:HOST_WORK_BITS]
        if not polled:
            return []
        body = ["    m = 0"]
        for k, i in enumerate(polled):
            body += [f"    # {self.label(i)}",
                     f"    if {kernel(self.cls(i), 'host_pending')}(P, S{i}):",
                     f"        m |= {1 << k}"]
        body.append("    return m")
        self.function(f"def host_work({ARGS}):",
                      "Which elements' host_flush has work after this round (bit k: HOST_WORK[k]).",
                      body)
        return polled

    def drain(self) -> None:
        targets = sorted({(self.plan.index[v], v)
                          for v, _ in (self.plan.push_next[e] for e in self.plan.queued_edges)})
        body = []
        if targets:
            body += ["    while R[-1] > 0:", "        e, port, s = loopqueue.take(R)"]
            for k, (t, _) in enumerate(targets):
                body.append(f"        {'if' if k == 0 else 'elif'} e == {t}:")
                body += self.push_into(t, "port", "s", "            ")
        body.append("    return np.int64(0)")  # int64: run_rounds calls it by address
        self.function(f"def drain({ARGS}):", "Deliver packets waiting in the loop queue.", body)

    def run_rounds(self, tasks: list[str], has_timers: bool, polled: list[int]) -> None:
        """Rounds as Router.step runs them, in one call: each calls timers, each task and
        drain at their addresses in F (slots F_TIMERS, F_TASKS + k, F_DRAIN), then asks
        host_work (F_HOST_WORK) whether Python has work; the clock (C_NOW) is read
        with clock_gettime at F_CLOCK before every round but the first."""
        loops = bool(self.plan.queued_edges)
        drain = (["        if R[-1] > 0:", f"            indirect.call(F[{F_DRAIN}], T)"]
                 if loops else [])
        body = ["    n = 0", "    k = 0", "    work = 0", "    while True:", "        moved = 0"]
        if has_timers:
            body += [f"        indirect.call(F[{F_TIMERS}], T)"] + drain
        for k, name in enumerate(tasks):
            body += [f"        moved += indirect.call_budget(F[{F_TASKS + k}], T, budget)"
                     f"  # {name}"] + drain
        body += ["        n += moved", "        k += 1"]
        if polled:
            body.append(f"        work = indirect.call(F[{F_HOST_WORK}], T)")
        body += ["        if moved == 0 or work != 0 or k >= rounds or P[5][C_STOP] != 0:",
                 "            break",
                 f"        now = libc.clock_ns(F[{F_CLOCK}], F, {F_CLOCK_SCRATCH})",
                 "        if now >= until:",
                 "            break",
                 "        P[5][C_NOW] = now",
                 "    return n, k, work, moved"]
        self.function(f"def run_rounds({ARGS}, budget, rounds, until):",
                      "Up to `rounds` rounds, until one moves nothing or leaves host work, an "
                      "element stops the router or the clock reaches `until` (ns): (packets "
                      "moved, rounds run, the last round's host work and packets moved).", body)

    def source(self) -> str:
        classes = {}
        for n in self.plan.order:
            cls = self.g.nodes[n]["element"]
            classes[cls.class_name] = cls
        self.lines += ["# Generated by clickpy: the fused data path of one configuration. Do not edit.",
                       "import numpy as np",
                       "from numba import njit", "",
                       "from clickpy.compile import indirect, libc",
                       "from clickpy.compile.arraytable import view",
                       "from clickpy.kernel import STOLEN",
                       "from clickpy.packet import C_NOW, C_STOP",
                       "from clickpy.runtime import loopqueue",
                       "from clickpy.runtime.account import dropped"]
        for cname, cls in sorted(classes.items()):
            self.lines.append(f"from {cls.__module__} import {cls.__name__} as {cname}_class")
        self.lines.append("")
        for cname, cls in sorted(classes.items()):
            for kind in KINDS:
                if getattr(cls, kind) is not None:
                    self.lines.append(f"{kernel(cls, kind)} = {cname}_class.{kind}")
        for i, text in sorted(self.kernels.items()):
            self.lines += ["", "", f"# {self.label(i)}: simple_action specialized to its configuration"]
            self.lines += text.strip("\n").replace(
                "def kernel(", f"@njit(cache=True, _nrt=False)\ndef SIMPLE_ACTION_{i}(", 1).splitlines()
        tasks = [self.push_task(n) for n in self.plan.push_tasks]
        tasks += [self.pull_task(n) for n in self.plan.pull_tasks]
        has_timers = self.timers()
        polled = self.host_work()
        self.drain()
        self.run_rounds(tasks, has_timers, polled)
        # run_rounds calls each task, then drain, at their addresses: calling them directly
        # would link and optimize all their code again (numba re-optimizes callees).
        self.lines += ["", "", f"TASKS = ({''.join(t + ', ' for t in tasks)})",
                       f"HAS_LOOPS = {bool(self.plan.queued_edges)}",
                       f"HAS_TIMERS = {has_timers}",
                       f"HOST_WORK = ({''.join(f'{i}, ' for i in polled)})  # host_work's bits",
                       f"INLINE_KERNELS = {self.inline}  # read by clickpy.compile.inline"]
        self.lines.append("")
        return "\n".join(self.lines)


def generate(plan: Plan, graph: nx.MultiDiGraph, views: dict, inline: bool = True,
             kernels: dict[int, str] | None = None) -> str:
    """The Python source of the configuration's fused tasks.

    views: how the code rebuilds each array from the table T (arraytable.Layout
    expressions): "P" the pool tuple, "A" the account, "R" the loop queue, "S"
    and "X" lists of each element's state tuple and emit buffer.
    inline: whether LLVM inlines the kernels into the tasks (clickpy.compile.inline):
    faster code, against smaller code for unikernel images.
    kernels: element index -> its specialized simple_action (Element.kernel_source).
    """
    return _Writer(plan, graph, views, inline, kernels or {}).source()
