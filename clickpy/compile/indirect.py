"""Calling a compiled function at its address, from compiled code.

When numba code calls another numba function directly, numba links the
callee's code into the caller's module and LLVM optimizes it all again: a
function calling every task would compile the whole configuration a second
time.  The round function (codegen's `run_rounds`) instead calls each task,
`timers`, `drain` and `host_work` through its address, which the Router
writes into the array table after compiling them: the call costs an
indirect jump, nothing is linked, and the caller, which holds no address
itself, still goes to numba's disk cache.

address(f, sig) is what to write; call(address, T) and
call_budget(address, T, budget) make the call, in numba's own calling
convention (so an exception in the callee, such as an out-of-bounds index
under NUMBA_BOUNDSCHECK, reaches Python as usual).  Under
NUMBA_DISABLE_JIT, an address is a key into a table of the Python
functions.
"""
from __future__ import annotations

from numba import config, types
from numba.core import cgutils
from numba.core.extending import intrinsic

_python_functions: dict[int, object] = {}   # NUMBA_DISABLE_JIT: "address" -> function


def address(f, sig: tuple) -> int:
    """The address of f's compiled code for sig (compiled or loaded first if needed);
    f must return an int64."""
    if config.DISABLE_JIT:
        _python_functions[id(f)] = f
        return id(f)
    f.compile(sig)
    cres = f.overloads[tuple(sig)]
    if cres.signature.return_type != types.int64:
        raise TypeError(f"{f.__name__} returns {cres.signature.return_type}, not int64")
    return cres.library.get_pointer_to_function(cres.fndesc.llvm_func_name)


def _codegen(context, builder, signature, args):
    """int64 f(args...) for the numba function at args[0]."""
    argtys = list(signature.args[1:])
    fnty = context.call_conv.get_function_type(types.int64, argtys)
    f = builder.inttoptr(args[0], fnty.as_pointer())
    status, result = context.call_conv.call_function(builder, f, types.int64, argtys,
                                                     list(args[1:]))
    with cgutils.if_unlikely(builder, status.is_error):
        context.call_conv.return_status_propagate(builder, status)
    return result


@intrinsic
def _call(typingctx, address, T):
    return types.int64(address, T), _codegen


@intrinsic
def _call_budget(typingctx, address, T, budget):
    return types.int64(address, T, budget), _codegen


def _call_python(address, *args):
    return _python_functions[int(address)](*args)


call = _call_python if config.DISABLE_JIT else _call
call_budget = _call_python if config.DISABLE_JIT else _call_budget
