"""The image's data-path entry: one round of the compiled tasks as a C function.

    int64_t clickpy_round(int64_t *table, int64_t words, int64_t budget);

`table` is the Router's array table (clickpy.compile.arraytable): for every
array the tasks use, its address and shape.  A numba cfunc runs each task of
the generated module once on it (and drains the loop queue after each), as
the host's run_round does, but calling them directly: an image links all its
code, and has no addresses in its table (the host's F).  Its LLVM IR is
retargeted to x86_64-unknown-none, everything but a plain C-ABI wrapper
around numba's inner function is internalized, dead code is removed, and
llvmlite emits a static object that needs nothing from CPython, numba's
runtime or libc.
"""
from __future__ import annotations

import re
import subprocess

TRIPLE = "x86_64-unknown-none-elf"
ENTRY = "clickpy_round"
# What the C runtime provides if LLVM turns copy loops into calls.
RUNTIME_SYMBOLS = {"memcpy", "memset", "memmove", "memcmp"}


class EntryError(Exception):
    """The compiled tasks need something an image cannot provide."""


def wrapper_source(module) -> str:
    """Python source of the cfunc: the Router's round (clickpy.runtime.router), in numba."""
    body = ["def clickpy_round(Tp, n, budget):", "    T = carray(Tp, (n,))", "    moved = 0"]
    if module.HAS_TIMERS:
        body.append("    timers(T)")
        if module.HAS_LOOPS:
            body.append("    drain(T)")
    for k in range(len(module.TASKS)):
        body.append(f"    moved += task{k}(T, budget)")   # direct calls, inlined
        if module.HAS_LOOPS:
            body.append("    drain(T)")
    body += ["    return moved", ""]
    return "\n".join(body)


def compile_ir(module) -> tuple[str, str]:
    """(LLVM IR of the cfunc's library, name of its inner numba-ABI function)."""
    from numba import carray, cfunc, types
    ns = {"carray": carray, "drain": module.drain, "timers": getattr(module, "timers", None)}
    ns.update({f"task{k}": task for k, task in enumerate(module.TASKS)})
    exec(compile(wrapper_source(module), "<clickpy image entry>", "exec"), ns)
    sig = types.int64(types.CPointer(types.int64), types.int64, types.int64)
    fn = cfunc(sig, nopython=True, boundscheck=False)(ns["clickpy_round"])
    return fn._library.get_llvm_str(), fn.native_name[len("cfunc."):]


_WRAPPER = """
define dso_local i64 @{entry}(ptr %t, i64 %n, i64 %b) #90 {{
entry:
  %ret = alloca i64, align 8
  store i64 0, ptr %ret, align 8
  %exc = alloca ptr, align 8
  store ptr null, ptr %exc, align 8
  %st = call i32 @"{inner}"(ptr %ret, ptr %exc, ptr %t, i64 %n, i64 %b)
  %r = load i64, ptr %ret, align 8
  %ok = icmp eq i32 %st, 0
  %res = select i1 %ok, i64 %r, i64 -1
  ret i64 %res
}}
attributes #90 = {{ nounwind "frame-pointer"="none" }}
"""


def freestanding_object(ir: str, inner: str) -> tuple[bytes, str]:
    """(ELF object bytes, its optimized IR) for the bare-metal target."""
    import llvmlite.binding as llvm
    llvm.initialize_native_target()
    llvm.initialize_native_asmprinter()
    ir = re.sub(r'target triple = "[^"]*"', f'target triple = "{TRIPLE}"', ir)
    # numba tags functions with the build host's CPU; the guest's is a generic x86-64.
    ir = re.sub(r'"target-cpu"="[^"]*"', '"target-cpu"="x86-64"', ir)
    ir = re.sub(r'"target-features"="[^"]*"', '"target-features"=""', ir)
    mod = llvm.parse_assembly(ir + _WRAPPER.format(entry=ENTRY, inner=inner))
    for f in mod.functions:
        if not f.is_declaration and f.name != ENTRY:
            f.linkage = "internal"
    for g in mod.global_variables:
        if not g.is_declaration:
            g.linkage = "internal"
    tm = llvm.Target.from_triple(TRIPLE).create_target_machine(
        cpu="x86-64", features="", opt=3, reloc="static", codemodel="small")
    pto = llvm.create_pipeline_tuning_options(speed_level=3)
    pb = llvm.create_pass_builder(tm, pto)
    mpm = pb.getModulePassManager()
    mpm.add_global_dead_code_eliminate_pass()
    mpm.add_strip_dead_prototype_pass()
    mpm.run(mod, pb)
    mod.verify()
    return tm.emit_object(mod), str(mod)


def undefined_symbols(obj_path: str) -> set[str]:
    out = subprocess.run(["nm", "-u", obj_path], capture_output=True, text=True, check=True).stdout
    return {line.split()[-1] for line in out.splitlines() if line.strip()}
