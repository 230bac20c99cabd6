"""A compiled configuration, ready to run: pool, element state, fused tasks.

`Router` is what `clickpy run` drives and what tests use: build it from a
checked graph, call `run()` (or `step()` yourself), read handlers, and ask
for the packet account.
"""
from __future__ import annotations

import logging
import select
import time
from typing import Callable

import networkx as nx
import numba
import numpy as np
from numba.core.dispatcher import Dispatcher

from clickpy.compile import cache, indirect, libc, parallel
from clickpy.compile.arraytable import ENTRY, Layout, table
from clickpy.compile.codegen import F_CLOCK, F_DRAIN, F_HOST_WORK, F_TASKS, F_TIMERS, generate
from clickpy.compile.plan import PlanError, describe, make_plan
from clickpy.diagnostics import Diagnostic
from clickpy.element import IDLE_POLL, STANDARD_HANDLERS, Element, element_handlers
from clickpy.packet import C_CREATED, C_NOSLOT, C_NOW, C_STOP, Pool
from clickpy.runtime import loopqueue
from clickpy.runtime.account import FIRST_REASON, Account, account, columns

log = logging.getLogger(__name__)
# Router.run's bursts of rounds in compiled code: at most this long, and this many rounds.
BURST_SECONDS = 0.02
BURST_ROUNDS = 1 << 30


class HandlerError(Exception):
    """A handler that does not exist, or a write it refused; message is for users."""


class Router:
    def __init__(self, graph: nx.MultiDiGraph, pool_slots: int = 8192, batch: int = 256,
                 inline: bool = True, config_text: str | None = None):
        """config_text: the configuration as given, for the router's `config` handler
        (its flat form when None)."""
        self.graph = graph
        self.config_text = config_text
        self.plan = make_plan(graph)
        self.batch = batch
        self.names = self.plan.order
        self.classes = [graph.nodes[n]["element"] for n in self.names]
        self.values = [graph.nodes[n].get("values") or {} for n in self.names]
        self.pool = Pool(pool_slots)
        # Rewriter specs may name an IPMapper element, or a pattern an IPRewriterPatterns
        # defines (names global to the router); their state needs those patterns.
        mappers = {n: c.mapper_patterns(v) for n, c, v in zip(self.names, self.classes, self.values)
                   if hasattr(c, "mapper_patterns")}
        patterns = {name: p for c, v in zip(self.classes, self.values)
                    if hasattr(c, "named_patterns") for name, p in c.named_patterns(v).items()}
        shared = {k: v for k, v in (("_mappers", mappers), ("_patterns", patterns)) if v}
        if shared:
            self.values = [dict(v, **shared) for v in self.values]
        self.values = [dict(v, **c.graph_values(graph, n))
                       for n, c, v in zip(self.names, self.classes, self.values)]
        states, emits, problems = [()] * len(self.names), [], []
        # Elements that read others' state (Element.peers) are built after all the others.
        later = [bool(c.peers(v)) for c, v in zip(self.classes, self.values)]
        for i in sorted(range(len(self.names)), key=lambda i: later[i]):
            n, cls, values = self.names[i], self.classes[i], self.values[i]
            d = graph.nodes[n]
            if later[i]:
                values = self._with_peers(values, cls, states)
            try:  # configure time: files opened, tables built
                states[i] = tuple(cls.state(values, d["n_inputs"], d["n_outputs"]))
            except (ValueError, OSError) as e:
                problems.append(Diagnostic(f"{n} :: {cls.class_name}: {e}", d["pos"],
                                           getattr(e, "hint", None), check="configure"))
        for n, cls, values in zip(self.names, self.classes, self.values):
            emits.append(np.zeros(2 * max(1, cls.emits(values, graph.nodes[n]["n_outputs"])),
                                  dtype=np.int64))
        drivers = [i for i, (c, v) in enumerate(zip(self.classes, self.values)) if c.drives(v)]
        for i in drivers[1:]:
            n, cls = self.names[i], self.classes[i]
            problems.append(Diagnostic(f"{n} :: {cls.class_name}: router has more than one "
                                       "Script element", graph.nodes[n]["pos"],
                                       "a router takes one DRIVER script (DriverManager, or "
                                       f"Script(TYPE DRIVER, ...)); {self.names[drivers[0]]} is "
                                       "one", check="configure"))
        # The element given the stop requests, if any; True once it said the run ends.
        self._driver = drivers[0] if drivers else None
        self._halted = False
        if problems:
            raise PlanError(problems)
        self.S = tuple(states)
        self.X = tuple(emits)
        self.A = np.zeros((len(self.names), columns(max((len(c.drop_reasons) for c in self.classes),
                                                       default=1))), dtype=np.int64)
        self.R = loopqueue.make(pool_slots)
        self.F = np.zeros(F_TASKS + len(self.plan.push_tasks) + len(self.plan.pull_tasks),
                          dtype=np.int64)   # what run_rounds calls (see _round)
        self.F[F_CLOCK] = libc.CLOCK_GETTIME
        # Each task's scheduling credit, for ScheduleInfo shares (codegen's share()).
        self.K = np.zeros(max(1, len(self.plan.push_tasks) + len(self.plan.pull_tasks)),
                          dtype=np.int64)
        layout = Layout()
        views = {"P": layout.add_tuple(self.pool.arrays, "pool"),
                 "A": layout.add(self.A, "account"), "R": layout.add(self.R, "loop queue"),
                 "F": layout.add(self.F, "round calls"), "K": layout.add(self.K, "task credits"),
                 "X": [layout.add(x, f"{n} emit buffer") for n, x in zip(self.names, self.X)],
                 "S": []}
        self._state_rows = []   # element i's state arrays: rows [first, first + len) of T
        for n, c, st in zip(self.names, self.classes, self.S):
            self._state_rows.append(len(layout.arrays))
            views["S"].append(layout.add_tuple(st, f"{n} :: {c.class_name} state"))
        self.T = layout.table()   # the arrays above stay alive as long as the Router
        self._views, self._inline = views, inline
        self.kernels = {}        # element index -> its specialized simple_action source
        for i, (c, v, st) in enumerate(zip(self.classes, self.values, self.S)):
            text = c.kernel_source(v, st)
            if text is not None:
                self.kernels[i] = text
        base_flush = Element.host_flush.__func__
        self._flushers = [i for i, c in enumerate(self.classes)
                          if c.host_flush.__func__ is not base_flush]
        base_calls = Element.take_handler_calls.__func__
        self._callers = [i for i, c in enumerate(self.classes)
                         if c.take_handler_calls.__func__ is not base_calls]
        base_serve = Element.host_serve.__func__
        self._servers = [i for i, c in enumerate(self.classes)
                         if c.host_serve.__func__ is not base_serve]
        self._load()
        self.compile_seconds = 0.0
        base_fds, base_wake = Element.wait_fds.__func__, Element.wake_after.__func__
        self._waiters = [i for i, c in enumerate(self.classes)
                         if c.wait_fds.__func__ is not base_fds
                         or c.wake_after.__func__ is not base_wake
                         or c.wake_after(self.values[i], self.S[i]) is not None]
        for line in describe(self.plan):
            log.info("%s", line)
        self.rounds = 0
        base_start = Element.host_start.__func__
        for i, c in enumerate(self.classes):
            if c.host_start.__func__ is not base_start:
                c.host_start(self.values[i], self.S[i], self)

    def _round(self, budget: int, rounds: int = 1, until_ns: int = 0) -> tuple:
        """Up to `rounds` rounds in one call into compiled code (codegen's run_rounds):
        (packets moved, rounds run, host work of the last, packets it moved)."""
        self.compile()
        return self.module.run_rounds(self.T, budget, rounds, until_ns)

    def _address_round_calls(self) -> None:
        """Write into F the addresses run_rounds calls (compiling what is not yet)."""
        module, table = self.module, numba.typeof(self.T)
        if module.HAS_TIMERS:
            self.F[F_TIMERS] = indirect.address(module.timers, (table,))
        if module.HAS_LOOPS:
            self.F[F_DRAIN] = indirect.address(module.drain, (table,))
        if module.HOST_WORK:
            self.F[F_HOST_WORK] = indirect.address(module.host_work, (table,))
        for k, task in enumerate(module.TASKS):
            self.F[F_TASKS + k] = indirect.address(task, (table, numba.int64))

    def compile(self) -> None:
        """Compile (or load from the cache) the round's functions now, running nothing: the
        first round then reads the clock (C_NOW) after it, so that timers start from the
        run, not from before a compile that may take seconds (TimedSource(0.1s, LIMIT 5)
        sent its five packets at once after a cached start, as missed expiries)."""
        if self._compiled:
            return
        t = time.perf_counter()
        self._compiled = True
        # A cold start compiles the tasks in two processes at once (clickpy.compile.parallel):
        # the router's cold first packet 25 s against 36-37 s with CLICKPY_COMPILE_JOBS=1
        # when the machine's other core was mostly free; 32-33 s against 37 s when another
        # engineer's process held it.
        parallel.compile_tasks(self.module, self.T)
        self._address_round_calls()
        run_rounds = self.module.run_rounds
        if isinstance(run_rounds, Dispatcher):      # (plain Python under NUMBA_DISABLE_JIT)
            run_rounds.compile((numba.typeof(self.T),) + (numba.int64,) * 3)
        self.compile_seconds += time.perf_counter() - t

    def _load(self) -> None:
        """Generate the task module and load it (compiled, or from the cache)."""
        self.source = generate(self.plan, self.graph, self._views, self._inline, self.kernels)
        t = time.perf_counter()
        self.module = cache.load(self.source, set(self.classes))
        self.load_seconds = time.perf_counter() - t
        self._compiled = False     # its tasks not compiled yet (see _round)
        # host_flush and handler calls after a round: of elements with a host_pending kernel
        # (HOST_WORK), only those it names (a Python call each cost the router ~20% of its
        # time under load); of the others, all.
        polled = self.module.HOST_WORK
        self._polled = [(1 << k, i) for k, i in enumerate(polled)]
        self._unpolled = [i for i in self._flushers if i not in polled]
        self._unpolled_callers = [i for i in self._callers if i not in polled]

    def reconfigure(self, name: str, **changes) -> None:
        """Configure element `name` again with some arguments changed (Click's hot swap of
        one element): its state is rebuilt by its class, as at initialization, and the
        compiled code sees the new state from the next round.  The new state must have
        the same arrays (kinds and dimensions) as before; sizes may differ.  An element
        whose kernel is specialized to its configuration (Element.kernel_source) has
        the task module generated and compiled again when that kernel changes.
        """
        i = self.element(name)
        data = self.graph.nodes[name]
        readers = [n for n, c, v in zip(self.names, self.classes, self.values)
                   if name in c.peers(v)]
        if readers:
            raise HandlerError(f"{name}: {', '.join(readers)} read its state; build a new "
                               "Router instead")
        values = dict(self.values[i], **changes)
        try:
            state = tuple(self.classes[i].state(self._with_peers(values, self.classes[i],
                                                                 self.S),
                                                data["n_inputs"], data["n_outputs"]))
        except (ValueError, OSError) as e:
            raise HandlerError(f"{name} :: {self.classes[i].class_name}: {e}") from None
        old = self.S[i]
        if [(a.dtype, a.ndim) for a in old] != [(a.dtype, a.ndim) for a in state]:
            raise HandlerError(f"{name}: the new configuration changes the kind of state the "
                               "compiled code uses; build a new Router instead")
        first = self._state_rows[i]
        self.T[ENTRY * first:ENTRY * (first + len(state))] = table(list(state))[:ENTRY * len(state)]
        self.values[i] = values
        self.S = self.S[:i] + (state,) + self.S[i + 1:]
        text = self.classes[i].kernel_source(values, state)
        if text != self.kernels.get(i):
            if text is None:
                del self.kernels[i]
            else:
                self.kernels[i] = text
            self._load()

    def _with_peers(self, values: dict, cls, states) -> dict:
        """values with "_peers": (class, state) of each element cls.peers names."""
        names = cls.peers(values)
        if not names:
            return values
        index = {name: k for k, name in enumerate(self.names)}
        return dict(values, _peers={p: (self.classes[index[p]], states[index[p]])
                                    for p in names if p in index})

    # ---- running ---------------------------------------------------------------
    @property
    def stopped(self) -> bool:
        """A stop was requested (C_STOP counts the requests); with a driver script, the
        script said so (_give_stops)."""
        if self._driver is not None:
            return self._halted
        return bool(self.pool.ctl[C_STOP])

    def step(self, budget: int | None = None, now_ns: int | None = None) -> int:
        """One round: every task once; returns packets moved."""
        return self._rounds(budget, now_ns)[0]

    def _rounds(self, budget: int | None = None, now_ns: int | None = None, rounds: int = 1,
                until_ns: int = 0) -> tuple[int, int]:
        """Up to `rounds` rounds (see _round), then the Python work the last one left:
        (packets moved, packets the last round moved)."""
        self.compile()                      # before the clock is read for the round
        self.pool.ctl[C_NOW] = time.time_ns() if now_ns is None else now_ns
        n, ran, work, last = self._round(budget or self.batch, rounds, until_ns)
        self.rounds += ran
        for i in self._unpolled:
            self._flush(i)
        if work:
            for bit, i in self._polled:
                if work & bit:
                    self._flush(i)
                    self._take_calls(i)
        for i in self._unpolled_callers:
            self._take_calls(i)
        for i in self._servers:
            self.classes[i].host_serve(self.values[i], self.S[i], self)
        if self._driver is not None:
            self._give_stops()
        return int(n), int(last)

    def _give_stops(self) -> None:
        """Click's driver check with a DriverManager: the stop requests made since the last
        look step the driver script, one each, and the run ends only when the script says
        so.  Steps may ask for more (a script's own `stop`): those are given too."""
        ctl, i = self.pool.ctl, self._driver
        while not self._halted and ctl[C_STOP] > 0:
            n = int(ctl[C_STOP])
            ctl[C_STOP] = 0
            if self.classes[i].driver_steps(self.values[i], self.S[i], n):
                self._halted = True
                ctl[C_STOP] = 1         # the compiled rounds see the stop too

    def _take_calls(self, i: int) -> None:
        for call in self.classes[i].take_handler_calls(self.values[i], self.S[i]):
            self.call(call, self.names[i])

    def run(self, duration: float | None = None, idle_rounds: int | None = None,
            progress: Callable[["Router"], None] | None = None, every: float = 0.5) -> None:
        """Run until an element stops the router, `duration` passes, or nothing moves.

        idle_rounds: stop after that many consecutive rounds that moved no
        packet (None: only STOP, duration or Ctrl-C end the run, as in Click).
        Rounds run in bursts inside compiled code (at most BURST_SECONDS each,
        so that Ctrl-C, progress and the duration are seen in time) unless an
        element needs Python after every round (a host_flush or handler calls
        without a host_pending kernel to say when).
        """
        start = last = time.monotonic()
        rounds = 1 if self._unpolled or self._unpolled_callers else BURST_ROUNDS
        idle = 0
        try:
            while not self.stopped:
                now = time.monotonic()
                ends = [t for t in (None if duration is None else start + duration,
                                    None if progress is None else last + every) if t is not None]
                burst = max(0.0, min(ends + [now + BURST_SECONDS]) - now)
                moved, moved_last = self._rounds(None, None, rounds,
                                                 time.time_ns() + int(burst * 1e9))
                idle = 0 if moved_last else (idle + 1 if moved == 0 else 1)
                if idle_rounds is not None and idle >= idle_rounds:
                    break
                now = time.monotonic()
                if duration is not None and now - start >= duration:
                    break
                if progress is not None and now - last >= every:
                    progress(self)
                    last = now
                if not moved_last and not self.stopped:   # (a script's stop, between rounds)
                    limits = [t for t in (None if duration is None else start + duration - now,
                                          None if progress is None else last + every - now)
                              if t is not None]
                    self.idle_wait(min(limits) if limits else None)
        finally:
            self.close()

    def idle_wait(self, limit: float | None = None) -> None:
        """A round moved nothing: block until an element may have work -- a device's fd
        readable (Element.wait_fds) or the earliest clock-driven wake-up
        (Element.wake_after) -- or `limit` seconds pass (None: no limit)."""
        fds, timeout = [], limit
        for i in self._waiters:
            cls, values, st = self.classes[i], self.values[i], self.S[i]
            fds.extend(cls.wait_fds(values, st))
            w = cls.wake_after(values, st)
            if w is not None:
                timeout = w if timeout is None else min(timeout, w)
        try:
            select.select(fds, (), (), None if timeout is None else max(0.0, timeout))
        except (OSError, ValueError) as e:   # an fd closed under us: fall back to a short nap
            log.debug("idle wait on %s failed (%s); sleeping instead", fds, e)
            time.sleep(IDLE_POLL)

    def _flush(self, i: int) -> None:
        drops = self.classes[i].host_flush(self.values[i], self.S[i], self.pool)
        if drops:
            self._count_host_drops(i, drops)

    def close(self) -> None:
        for i, cls in enumerate(self.classes):
            if i in self._flushers:
                self._flush(i)
            cls.host_close(self.values[i], self.S[i], self.pool)

    def _count_host_drops(self, i: int, drops: dict[int, int] | None) -> None:
        for reason, n in (drops or {}).items():
            self.A[i, FIRST_REASON + reason] += n

    # ---- control --------------------------------------------------------------
    def element(self, name: str) -> int:
        if name not in self.plan.index:
            raise HandlerError(f"no element named {name!r}")
        return self.plan.index[name]

    def read(self, name: str, handler: str, param: str | None = None) -> str:
        """A read handler's text; `param` for handlers that take one (Click's READ h PARAM)."""
        i = self.element(name)
        key = handler if param is None else f"{handler} {param}"
        try:
            return self.classes[i].read_handler(key, self.values[i], self.S[i])
        except KeyError:
            if param is None and handler in {h.name for h in STANDARD_HANDLERS}:
                return self._standard_handler(i, handler)
            raise HandlerError(f"{name} :: {self.classes[i].class_name} has no read handler "
                               f"{handler!r}") from None
        except ValueError as e:
            raise HandlerError(f"{name}.{handler}: {e}") from None

    def _standard_handler(self, i: int, handler: str) -> str:
        """name, class, config or handlers of element i (element.STANDARD_HANDLERS)."""
        cls = self.classes[i]
        if handler == "name":
            return self.names[i] + "\n"
        if handler == "class":
            return cls.class_name + "\n"
        if handler == "config":
            return (self.graph.nodes[self.names[i]].get("config") or "") + "\n"
        node = self.graph.nodes[self.names[i]]
        mine = element_handlers(cls, node.get("n_inputs", 0), node.get("n_outputs", 0),
                                node.get("values"))
        own = {h.name for h in mine}     # a class's own config handler, say
        listed = [h for h in STANDARD_HANDLERS if h.name not in own] + list(mine)
        return "".join(f"{h.name}\t{'r' if h.read else ''}{'w' if h.write else ''}\n"
                       for h in listed)

    def write(self, name: str, handler: str, text: str = "") -> None:
        i = self.element(name)
        try:
            self.classes[i].write_handler(handler, text, self.values[i], self.S[i])
        except KeyError:
            raise HandlerError(f"{name} :: {self.classes[i].class_name} has no write handler "
                               f"{handler!r}") from None
        except ValueError as e:
            raise HandlerError(f"{name}.{handler}: {e}") from None

    def call(self, call, caller: str = "") -> None:
        """Make a handler call an element asked for (END_CALL ...), as Click's call_write.

        Router-wide `stop` stops the driver; a failing call is reported, as Click
        reports it, and the run goes on.
        """
        try:
            if call.element is None:
                if call.handler != "stop":
                    raise HandlerError(f"no router handler {call.handler!r}")
                self.stop()
            else:
                self.write(call.element, call.handler, call.value)
        except HandlerError as e:
            log.error("%s: handler call %s failed: %s", caller, call, e)

    def stop(self) -> None:
        """Ask to end the run after this round (Click's router handler `stop`): a stop
        request, which a driver script (DriverManager) takes instead when there is one."""
        self.pool.ctl[C_STOP] += 1

    def account(self) -> Account:
        ctl = self.pool.ctl
        return account(self.names, self.classes, self.A, int(ctl[C_CREATED]), self.pool.in_use(),
                       int(ctl[C_NOSLOT]))

