"""Run a numba function as plain Python while it is cold and its input is small.

Configuring some elements runs numba code once, before anything else is
compiled: StaticIPLookup and its kin paint their route table (table_build),
FromDump indexes its pcap file (clickpy.pcap_records).  On a cold start,
compiling that code took 1.5-3 s of the router's start, all of it before the
compile processes (clickpy.compile.parallel) fork, so nothing overlapped it;
for a dozen routes or a demo trace, Python does the same work in
milliseconds.  call() runs the compiled function when this process has
compiled it already or the input is large, and otherwise the function's own
Python code, in which the numba functions it calls from its module are plain
Python too (as with NUMBA_DISABLE_JIT=1, for one call).  Kernels already run
both ways (the differential tests), so the results are the same.
"""
from __future__ import annotations

import types as pytypes

from numba.core.dispatcher import Dispatcher

_plain: dict[Dispatcher, pytypes.FunctionType] = {}


def plain(d: Dispatcher) -> pytypes.FunctionType:
    """d's Python function, calling the plain versions of the numba functions in its globals."""
    f = _plain.get(d)
    if f is None:
        py = d.py_func
        scope = dict(py.__globals__)
        f = pytypes.FunctionType(py.__code__, scope, py.__name__, py.__defaults__, py.__closure__)
        _plain[d] = f   # before its callees: a function may call itself
        for name, value in py.__globals__.items():
            if isinstance(value, Dispatcher) and name in py.__code__.co_names:
                scope[name] = plain(value)
    return f


def call(d: Dispatcher, small: bool, *args):
    """d(*args), compiled unless d is not compiled in this process yet and `small`
    (under NUMBA_DISABLE_JIT=1, d is a plain function already)."""
    if small and isinstance(d, Dispatcher) and not d.overloads:
        return plain(d)(*args)
    return d(*args)
