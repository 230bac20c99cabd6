"""All the arrays of a configuration, handed to compiled code as one int64 table.

A compiled task needs the pool, every element's state, the emit buffers, the
account and the loop queue.  Passed as Python tuples (nested, ~100 arrays for
the router), numba spends seconds per function just on the argument type and
its unboxing wrapper.  Instead each function takes one int64 array, the
table, holding for every array its address and shape; the generated code
rebuilds each array from that in a few loads (`expression`), as a C
program would take a pointer and a length.  Element kernels are unchanged:
they still receive ordinary arrays and tuples of arrays.

The table is also what an image needs: the same entries, pointing at arrays
laid out as initialized data.

Row k of the table (ENTRY words): address, shape[0], shape[1] (1 for 1-D).
The arrays must stay alive and C-contiguous while the table is used; the
owner (Router) keeps them.
"""
from __future__ import annotations

import ctypes

import numpy as np
from numba import config, types
from numba.core.extending import intrinsic
from numba.np.arrayobj import populate_array

ENTRY = 3
DTYPES = {np.dtype(np.uint8): "uint8", np.dtype(np.int32): "int32", np.dtype(np.int64): "int64",
          np.dtype(np.uint16): "uint16", np.dtype(np.uint32): "uint32",
          np.dtype(np.float64): "float64", np.dtype(np.int8): "int8", np.dtype(np.int16): "int16",
          np.dtype(np.uint64): "uint64", np.dtype(np.float32): "float32"}


def table(arrays: list[np.ndarray]) -> np.ndarray:
    """The int64 table describing `arrays`, in order."""
    t = np.zeros(ENTRY * max(len(arrays), 1), dtype=np.int64)
    for k, a in enumerate(arrays):
        check(a, f"array {k}")
        t[ENTRY * k] = a.ctypes.data
        t[ENTRY * k + 1] = a.shape[0]
        t[ENTRY * k + 2] = a.shape[1] if a.ndim == 2 else 1
    return t


def check(a, what: str) -> None:
    """Refuse arrays the table cannot describe (a bug in an element's state())."""
    if not isinstance(a, np.ndarray):
        raise TypeError(f"{what}: element state must be numpy arrays, not {type(a).__name__}")
    if a.ndim not in (1, 2) or not a.flags.c_contiguous or a.dtype not in DTYPES:
        raise TypeError(f"{what}: element state arrays must be 1-D or 2-D, C-contiguous, of a "
                        f"plain numeric dtype; got {a.dtype}, ndim {a.ndim}, "
                        f"contiguous {a.flags.c_contiguous}")


def expression(a: np.ndarray, k: int) -> str:
    """Generated code that rebuilds array k (`a` as it is now) from the table T."""
    return f"view(T, {k}, {a.ndim}, np.{DTYPES[a.dtype]})"


def _view_python(T, k, ndim, dtype):
    """Interpreted mode: a numpy array over the memory row k of T describes."""
    address, shape = int(T[ENTRY * k]), tuple(int(x) for x in T[ENTRY * k + 1:ENTRY * k + 1 + ndim])
    ctype = np.ctypeslib.as_ctypes_type(np.dtype(dtype))
    buf = (ctype * int(np.prod(shape))).from_address(address)
    return np.frombuffer(buf, dtype=dtype).reshape(shape)


@intrinsic(prefer_literal=True)
def _view_compiled(typingctx, T, k, ndim, dtype):
    """The array struct that row k of the table T describes, built in place.

    An intrinsic rather than numba.carray: carray is a function returning a
    new array, which numba refuses without NRT; an intrinsic is inlined.  It
    reads the row itself (k and ndim constants) rather than taking T[...]
    items: numba types and lowers each array index as a call of its own, and
    a task's prologue had some 300 of them (about a third of the router's
    host_work compile).
    """
    if not (isinstance(k, types.IntegerLiteral) and isinstance(ndim, types.IntegerLiteral)):
        return None
    row, n = k.literal_value, ndim.literal_value
    array_type = types.Array(dtype.dtype, n, "C")

    def codegen(context, builder, signature, args):
        words = context.make_array(signature.args[0])(context, builder, args[0]).data

        def word(j):
            return builder.load(builder.gep(words, [context.get_constant(types.intp, j)]))
        shapes = [word(ENTRY * row + 1 + d) for d in range(n)]
        array = context.make_array(array_type)(context, builder)
        itemsize = context.get_abi_sizeof(context.get_data_type(array_type.dtype))
        strides, step = [], context.get_constant(types.intp, itemsize)
        for dim in reversed(shapes):
            strides.insert(0, step)
            step = builder.mul(step, dim)
        populate_array(array, data=builder.inttoptr(word(ENTRY * row), array.data.type),
                       shape=shapes, strides=strides,
                       itemsize=context.get_constant(types.intp, itemsize), meminfo=None)
        return array._getvalue()
    return array_type(T, k, ndim, dtype), codegen


view = _view_python if config.DISABLE_JIT else _view_compiled


class Layout:
    """Arrays in table order, and the generated code that rebuilds each one."""

    def __init__(self):
        self.arrays: list[np.ndarray] = []

    def add(self, a: np.ndarray, what: str) -> str:
        check(a, what)
        self.arrays.append(a)
        return expression(a, len(self.arrays) - 1)

    def add_tuple(self, arrays, what: str) -> str:
        """A tuple of arrays (an element's state, the pool) as one expression."""
        parts = [self.add(a, f"{what}[{k}]") for k, a in enumerate(arrays)]
        return "(" + "".join(p + ", " for p in parts).rstrip(" ") + ")"

    def table(self) -> np.ndarray:
        return table(self.arrays)
