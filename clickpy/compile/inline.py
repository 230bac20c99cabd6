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
`alwaysinline` first,
up to MAX_INSTRUCTIONS LLVM instructions (counted after the function's
own optimisation).  That takes in every per-packet kernel of the shipped
paths; the packet builders of ICMPError, IPFragmenter and ARPQuerier
(800-950 instructions) stay calls: inlined at each of their call sites,
they made the router's compile 36 CPU s (limit 1000) or 118 (no limit),
against 25 with this one.
Kernels compiled on their own, and any other numba code, are untouched.
The tasks' compiled code is cached as before (the cache key includes this
file, cache.py), so the cost is paid once per configuration.
"""
from __future__ import annotations

import re
import sys

import llvmlite.binding as llvm
from numba.core import codegen

TASK_MODULE = re.compile(r"clickpy_tasks_[0-9a-f]{24}")   # cache.load names them so (cache.key)
MAX_INSTRUCTIONS = 700
_installed = False


def _wants_inlining(module) -> bool:
    """Whether the LLVM module holds a generated task whose Python module asks for inlining."""
    for fn in module.functions:
        found = None if fn.is_declaration else TASK_MODULE.search(fn.name)
        if found:
            return getattr(sys.modules.get(found.group()), "INLINE_KERNELS", False)
    return False


def _size(fn) -> int:
    return sum(1 for block in fn.blocks for _ in block.instructions)


def _mark_always_inline(module) -> None:
    for fn in module.functions:
        if (not fn.is_declaration and fn.linkage == llvm.Linkage.linkonce_odr
                and _size(fn) <= MAX_INSTRUCTIONS):
            fn.add_function_attribute("alwaysinline")


def install() -> None:
    """Wrap numba's CPUCodeLibrary._optimize_final_module (once per process)."""
    global _installed
    if _installed:
        return
    original = codegen.CPUCodeLibrary._optimize_final_module

    def optimize_final_module(self):
        if _wants_inlining(self._final_module):
            _mark_always_inline(self._final_module)
        return original(self)

    codegen.CPUCodeLibrary._optimize_final_module = optimize_final_module
    _installed = True
