"""Have LLVM inline the element kernels into the task that calls them.

Numba links each kernel's code into the task's LLVM module (as linkonce_odr
functions) and leaves inlining to LLVM's cost model, which keeps many of
them as real calls whatever its threshold: a kernel takes the pool as a
tuple of six arrays, so a call passes some fifty scalars, and a kernel that
LLVM did inline exposes its own helpers as calls that it will not inline.
On the IPv4 path (perf/ipv4_path.py) those calls cost 40% of the time
per packet: 4.4 Mpps with them, 7.2 Mpps without, in one run.

install() wraps numba's final optimisation of a code library: when the
library holds a generated task (a function from a `clickpy_tasks_*`
module) and that module says INLINE_KERNELS (unikernel images do not: they
keep calls, for size), every function linked into it is marked
`alwaysinline` first, up to MAX_INSTRUCTIONS LLVM instructions (counted
after the function's own optimisation) and as long as its inlined copies
together come to at most MAX_COPIED instructions more than the calls they
replace (a call passes each array argument as 7-9 scalars).  That takes in
every per-packet kernel of the shipped paths, also where a configuration uses an
element class twice (the router's two output paths); the packet builders of
ICMPError, IPFragmenter and ARPQuerier (800-950 instructions) stay calls:
inlined at each of their call sites, they made the router's compile 36 CPU s
(limit 1000) or 118 (no limit), against 25 with this one.  Without the
second limit the router's drain inlined ICMPError's error builder at nine
call sites and ARPQuerier's table upkeep at four; with it, numba's lowering
of the drain (LLVM, mostly) took 7.6-8.4 s against 11.3-12.4 s before, the
kernels cached, alternating, on a machine at half its usual speed, and a
cold start of the router 28.7 and 29.1 s against 31.2 and 30.7
(perf.first_packet); perf --only mbox.router forwarded as fast.
Kernels compiled on their own, and any other numba code, are untouched.
The tasks' compiled code is cached as before (the cache key includes this
file, cache.py), so the cost is paid once per configuration.

install() also skips numba's per-function optimisation of a task's own
functions, which numba runs on each function as it is added, before
linking: the module pipeline that follows runs the same function passes on
them again, after inlining.  On the router (kernels cached, so only the
tasks compiled), LLVM took 3.5-3.6 s instead of 4.1-5.2 s, alternating;
the kernels, whose optimised IR is cached and sized for inlining, keep it.
"""
from __future__ import annotations

import graphlib
import re
import sys
from collections import Counter

import llvmlite.binding as llvm
from numba.core import codegen

TASK_MODULE = re.compile(r"clickpy_tasks_[0-9a-f]{24}")   # cache.load names them so (cache.key)
MAX_INSTRUCTIONS = 700
MAX_COPIED = 2 * MAX_INSTRUCTIONS     # a function's inlined copies, all call sites together
_installed = False


def _is_task(module) -> bool:
    """Whether the LLVM module holds a generated task (not a kernel specialized in a
    task module: those are callees, optimised on their own like every kernel)."""
    return any(TASK_MODULE.search(fn.name) and "__callee" not in fn.name
               for fn in module.functions if not fn.is_declaration)


def _wants_inlining(module) -> bool:
    """Whether the LLVM module holds a generated task whose Python module asks for inlining."""
    for fn in module.functions:
        found = None if fn.is_declaration else TASK_MODULE.search(fn.name)
        if found:
            return getattr(sys.modules.get(found.group()), "INLINE_KERNELS", False)
    return False


# Read from the function's IR text: walking its instructions through llvmlite's
# binding costs several calls into LLVM per instruction (0.6 s of a one-process cold
# compile of the router, against 0.2 s for the text; the counts are the same).
_INSTRUCTION = re.compile(r"^  [^ \]]", re.M)     # a switch's cases are indented further
_CALL = re.compile(r'^  (?:%\S+ = )?(?:(?:tail|musttail|notail) )?(?:call|invoke)\b[^@\n]*'
                   r'@("[^"]*"|[-\w$.]+)\(', re.M)
_ESCAPE = re.compile(r"\\([0-9A-Fa-f]{2})")


def _size(text: str) -> int:
    """The number of instructions in a function's IR text."""
    return len(_INSTRUCTION.findall(text))


def _calls(text: str) -> Counter:
    """The functions a function's IR text calls by name, with their number of call sites."""
    found = Counter()
    for name in _CALL.findall(text):
        if name.startswith('"'):
            name = _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), name[1:-1])
        found[name] += 1
    return found


def _mark_always_inline(module) -> None:
    """Callers before callees: a linked function is inlined when it is small and the copies
    its callers' bodies (inlined or not) would hold of it are small together."""
    defined = {fn.name: fn for fn in module.functions if not fn.is_declaration}
    texts = {name: str(fn) for name, fn in defined.items()}
    calls = {name: _calls(text) for name, text in texts.items()}
    callers = {name: {c for c in calls if name in calls[c]} for name in defined}
    try:
        order = list(graphlib.TopologicalSorter(callers).static_order())
    except graphlib.CycleError:     # recursion: none of it can be inlined everywhere anyway
        order = []
    copies = {}     # how many times a function's body ends up in the module
    for name in order:
        fn = defined[name]
        copies[name] = 1
        if fn.linkage != llvm.Linkage.linkonce_odr:
            continue
        sites = sum(calls[c][name] * copies[c] for c in callers[name])
        size = _size(texts[name])
        # a call passes every scalar of its arguments (an array is 7-9): account.dropped,
        # 26 instructions and about 60 scalars, is smaller inlined than called
        grows = size - len(list(fn.arguments))
        if size <= MAX_INSTRUCTIONS and sites * grows <= MAX_COPIED:
            fn.add_function_attribute("alwaysinline")
            copies[name] = sites


def install() -> None:
    """Wrap numba's CPUCodeLibrary._optimize_final_module and _optimize_functions
    (once per process)."""
    global _installed
    if _installed:
        return
    original = codegen.CPUCodeLibrary._optimize_final_module
    optimize_functions = codegen.CPUCodeLibrary._optimize_functions

    def optimize_final_module(self):
        if _wants_inlining(self._final_module):
            _mark_always_inline(self._final_module)
        return original(self)

    def optimize_task_functions(self, ll_module):
        """Numba's per-function passes, except on a task's functions (the module
        pipeline runs them)."""
        if not _is_task(ll_module):
            return optimize_functions(self, ll_module)
        ll_module.data_layout = self._codegen._data_layout

    codegen.CPUCodeLibrary._optimize_final_module = optimize_final_module
    codegen.CPUCodeLibrary._optimize_functions = optimize_task_functions
    _installed = True
