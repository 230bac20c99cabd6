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
