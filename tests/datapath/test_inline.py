"""Kernels are inlined into the tasks (clickpy.compile.inline), except where a Router says not."""
import re

import numba
import pytest

from clickpy.check import check_graph
from clickpy.graph import build_graph
from clickpy.lang import parse_text
from clickpy.runtime.router import Router
from clickpy.traffic import mac, udp_frame

FRAME = udp_frame(mac("02:00:00:00:01:02"), mac("00:00:0a:00:01:01"), "10.0.1.2", "10.0.2.2", 64)
PATH = (f"InfiniteSource(DATA \\<{FRAME.hex()}>, LIMIT 4, BURST 4) -> Strip(14) -> CheckIPHeader "
        "-> c :: Counter -> Discard")


def task_calls(inline: bool) -> tuple[int, Router]:
    """Calls to element kernels left in the LLVM code of the configuration's one task."""
    result = check_graph(build_graph(parse_text(PATH, "t.click", yaml=False)))
    r = Router(result.graph, inline=inline)
    fresh = numba.njit(_nrt=False)(r.module.task_0.py_func)   # not from the disk cache: its IR
    fresh(r.T, 8)
    ir = fresh.overloads[fresh.signatures[0]].library.get_llvm_str()
    return len(re.findall(r"\bcall \S+ @_ZN8elements", ir)), r


@pytest.mark.skipif(numba.config.DISABLE_JIT, reason="LLVM code exists only when compiled")
def test_kernels_are_inlined_into_the_task():
    calls, r = task_calls(inline=True)
    assert r.module.INLINE_KERNELS is True
    assert calls == 0
    assert r.read("c", "count") == "4"


@pytest.mark.skipif(numba.config.DISABLE_JIT, reason="LLVM code exists only when compiled")
def test_an_image_router_keeps_kernel_calls():
    calls, r = task_calls(inline=False)
    assert r.module.INLINE_KERNELS is False
    assert calls > 0


ARITY = {"many": 40}     # i64 arguments of the test functions (1 unless named here)


def _function(name: str, instructions: int, calls: tuple[str, ...] = (), linkage="linkonce_odr"):
    """LLVM text of a function of `instructions` instructions that calls `calls` in order."""
    params = ", ".join(f"i64 %x{i}" for i in range(ARITY.get(name, 1)))
    body = ["  %v0 = add i64 %x0, 1"]
    body += [f"  %v{i} = add i64 %v{i - 1}, 1" for i in range(1, instructions - 1 - len(calls))]
    last = f"%v{len(body) - 1}"
    for k, callee in enumerate(calls):
        args = ", ".join([f"i64 {last}"] * ARITY.get(callee, 1))
        body.append(f"  %c{k} = call i64 @{callee}({args})")
        last = f"%c{k}"
    return (f"define {linkage} i64 @{name}({params}) {{\n" + "\n".join(body)
            + f"\n  ret i64 {last}\n}}\n")


def test_inlining_counts_the_copies_every_call_site_makes():
    """A kernel is inlined when it is small and its copies, over all call sites (those in
    inlined callers counted once per copy of the caller), stay within MAX_COPIED
    instructions more than the calls they replace."""
    import llvmlite.binding as llvm
    from clickpy.compile import inline
    assert 3 * 600 > inline.MAX_COPIED >= 2 * 600 and inline.MAX_INSTRUCTIONS >= 600
    task_calls = (("small",) * 3 + ("big",) * 3 + ("twice",) * 2 + ("single",) + ("mid",) * 3
                  + ("many",) * 60)
    ir = "".join([
        _function("task", 80, task_calls, linkage="external"),
        _function("small", 100),           # 3 copies of 100: inlined
        _function("big", 600, ("leaf",)),   # 3 copies of 600: a call; its body holds one leaf
        _function("twice", 600),           # 2 copies of 600: inlined
        _function("single", 600),          # 1 copy: inlined
        _function("mid", 50, ("inner",)),  # inlined at 3 sites...
        _function("inner", 500),           # ...so 3 copies of inner: 1500, a call
        _function("leaf", 600),            # called from big's one body: inlined
        _function("huge", inline.MAX_INSTRUCTIONS + 50),   # too big, whatever its callers
        _function("many", 30),             # 60 sites, but smaller than a call passing 40
    ])
    llvm.initialize_native_target()
    module = llvm.parse_assembly(ir)
    inline._mark_always_inline(module)
    inlined = {fn.name for fn in module.functions
               if any(b"alwaysinline" in a for a in fn.attributes)}
    assert inlined == {"small", "twice", "single", "mid", "leaf", "many"}


@pytest.mark.skipif(numba.config.DISABLE_JIT, reason="LLVM code exists only when compiled")
def test_a_task_skips_per_function_passes_that_a_kernel_keeps():
    """A generated task's functions go to the module pipeline unoptimised (it runs the same
    passes after inlining); any other function is optimised as numba does, first."""
    import llvmlite.binding as llvm
    from numba.core.registry import cpu_target
    from clickpy.compile import inline
    inline.install()
    body = ("(i64 %x) {\n  %p = alloca i64\n  store i64 %x, ptr %p\n"
            "  %v = load i64, ptr %p\n  ret i64 %v\n}\n")
    task = "_ZN38clickpy_tasks_0123456789abcdef012345675drainB2v1E"
    kernel = "_ZN38clickpy_tasks_0123456789abcdef0123456717SIMPLE_ACTION_5__calleeE"
    library = cpu_target.target_context.codegen().create_library("t")
    for name, kept in ((task, True), (kernel, False), ("plain", False)):
        module = llvm.parse_assembly(f"define i64 @{name}{body}")
        library._optimize_functions(module)
        assert ("alloca" in str(module.get_function(name))) is kept, name


def test_sizes_and_calls_read_from_the_text_match_llvm_s_instructions():
    """_size and _calls read a function's IR text: they agree with walking its instructions
    through llvmlite, with a switch's case lines, tail calls and quoted callee names."""
    import llvmlite.binding as llvm
    from clickpy.compile import inline
    ir = """
declare i64 @"odd.name$1"(i64)
define i64 @g(i64 %x) {
  ret i64 %x
}
define i64 @f(i64 %x, ptr %p) {
entry:
  switch i64 %x, label %a [
    i64 0, label %b
    i64 1, label %c
  ]
a:
  %r = tail call i64 @g(i64 %x)
  %s = call i64 @"odd.name$1"(i64 %r)
  call void @llvm.donothing()
  %i = call i64 %p(i64 %s)
  ret i64 %i
b:
  %t = call i64 @g(i64 1)
  ret i64 %t
c:
  ret i64 0
}
declare void @llvm.donothing()
"""
    llvm.initialize_native_target()
    module = llvm.parse_assembly(ir)
    fn = module.get_function("f")
    functions = {f.name for f in module.functions}
    walked = sum(1 for block in fn.blocks for _ in block.instructions)
    named = [list(i.operands)[-1].name for block in fn.blocks for i in block.instructions
             if i.opcode == "call"]
    assert inline._size(str(fn)) == walked == 9
    assert inline._calls(str(fn)) == {"g": 2, "odd.name$1": 1, "llvm.donothing": 1}
    # the walk also names the argument %p, called indirectly: not a function
    assert sorted(n for n in named if n in functions) == sorted(inline._calls(str(fn)).elements())
