"""python3 -m perf.compile_breakdown NAME: where a cold compile's time goes, by phase.

Runs perf.first_packet NAME in this process and charges every second to
exactly one phase (exclusive times): numba's compiler passes (typing,
lowering...), the LLVM steps of numba's code libraries (per-function and
module optimisation, machine code), the disk cache, and the rest.  Also per
compiled function: the generated tasks against the kernels and their helpers
(`kernels`).  Use fresh caches to see a cold compile:

    d=$(mktemp -d); NUMBA_CACHE_DIR=$d/n CLICKPY_CACHE_DIR=$d/c \\
        CLICKPY_COMPILE_JOBS=1 python3 -m perf.compile_breakdown router

(CLICKPY_COMPILE_JOBS=1: with 2, clickpy.compile.parallel compiles part of
the tasks in a child process, which this process does not see.)
"""
from __future__ import annotations

import collections
import runpy
import sys
import time

from numba.core import codegen as cg
from numba.core import event as ev

LLVM_STEPS = ((cg.CPUCodeLibrary, "_optimize_functions", "llvm: per-function optimisation"),
              (cg.CPUCodeLibrary, "_optimize_final_module", "llvm: module optimisation"),
              (cg.JITCodeLibrary, "_finalize_specific", "llvm: machine code"),
              (cg.CPUCodeLibrary, "add_ir_module", "llvm: IR to text, parse, verify"),
              (cg.CPUCodeLibrary, "serialize_using_object_code", "cache: serialise"))


class Clock:
    def __init__(self):
        self.phases = collections.Counter()      # phase -> s
        self.functions = collections.Counter()   # (function, phase kind) -> s
        self.compiles = collections.Counter()    # function -> compiles
        self.stack: list[str] = []
        self.owners: list[str] = []
        self.last = time.perf_counter()

    def _charge(self):
        now = time.perf_counter()
        dt, self.last = now - self.last, now
        phase = self.stack[-1] if self.stack else "outside numba's compiler (imports, run)"
        self.phases[phase] += dt
        if self.owners:
            owner = self.owners[-1]
            kind = phase if phase.startswith(("llvm", "cache")) else "numba frontend"
            self.functions[(owner, kind)] += dt

    def enter(self, phase: str):
        self._charge()
        self.stack.append(phase)

    def leave(self):
        self._charge()
        self.stack.pop()


def main() -> int:
    from clickpy.compile import callees, inline
    callees.install()   # they replace some of the steps timed below: time theirs
    inline.install()
    clock = Clock()
    for cls, name, phase in LLVM_STEPS:
        original = getattr(cls, name)

        def timed(self, *a, _original=original, _phase=phase, **k):
            clock.enter(_phase)
            try:
                return _original(self, *a, **k)
            finally:
                clock.leave()
        setattr(cls, name, timed)

    class Passes(ev.Listener):
        def on_start(self, e):
            clock.enter("pass: " + e.data["name"].split(" [")[0])

        def on_end(self, e):
            clock.leave()

    class Compiles(ev.Listener):
        def on_start(self, e):
            f = e.data["dispatcher"].py_func
            name = (f.__qualname__ if f.__module__.startswith("clickpy_tasks_")
                    else f"{f.__module__}.{f.__qualname__}")
            clock.compiles[name] += 1
            clock.enter("numba: dispatcher")
            clock.owners.append(name)

        def on_end(self, e):
            clock.leave()
            clock.owners.pop()

    ev.register("numba:run_pass", Passes())
    ev.register("numba:compile", Compiles())
    start = time.perf_counter()
    sys.argv = ["perf.first_packet"] + sys.argv[1:]
    try:
        runpy.run_module("perf.first_packet", run_name="__main__")
    except SystemExit:
        pass
    clock._charge()
    print(f"total {time.perf_counter() - start:.1f} s; by phase (exclusive):")
    for phase, s in clock.phases.most_common(16):
        print(f"  {s:7.2f}  {phase}")
    tasks = {n for n in clock.compiles if "." not in n}
    print(f"{len(clock.compiles)} functions compiled, {sum(clock.compiles.values())} times; "
          f"by function (tasks by name, the rest as `kernels`):")
    merged = collections.Counter()
    for (owner, kind), s in clock.functions.items():
        merged[(owner if owner in tasks else "kernels", kind)] += s
    for (owner, kind), s in sorted(merged.items()):
        print(f"  {s:7.2f}  {owner:10s} {kind}")
    per_kernel = collections.Counter()
    for (owner, kind), s in clock.functions.items():
        if owner not in tasks:
            per_kernel[owner] += s
    print("kernels and helpers taking longest (all phases):")
    for owner, s in per_kernel.most_common(25):
        print(f"  {s:7.2f}  {owner}")
    print("most compiled:", ", ".join(f"{n} x{c}" for n, c in clock.compiles.most_common(5)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
