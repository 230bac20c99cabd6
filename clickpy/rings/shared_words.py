"""Acquire loads and release stores of 32-bit ring words shared with the kernel.

An AF_XDP ring is a single-producer single-consumer queue in memory that the
kernel and the compiled loop share.  The producer writes descriptors, then
publishes them by storing its index with release semantics; the consumer
loads that index with acquire semantics before it reads the descriptors.
Plain numpy stores would leave LLVM free to reorder them; these intrinsics
emit LLVM atomic accesses with those orderings (on x86 ordinary moves, but
the compiler keeps their order).  Plain external-free code, so numba's
on-disk cache keeps working.
"""
from __future__ import annotations

from llvmlite import ir
from numba import njit, types
from numba.extending import intrinsic


@intrinsic
def _load_acquire(typingctx, address):
    sig = types.int64(types.int64)

    def codegen(context, builder, signature, args):
        i32 = ir.IntType(32)
        ptr = builder.inttoptr(args[0], i32.as_pointer())
        value = builder.load_atomic(ptr, "acquire", 4)
        return builder.zext(value, ir.IntType(64))
    return sig, codegen


@intrinsic
def _store_release(typingctx, address, value):
    sig = types.void(types.int64, types.int64)

    def codegen(context, builder, signature, args):
        i32 = ir.IntType(32)
        ptr = builder.inttoptr(args[0], i32.as_pointer())
        builder.store_atomic(builder.trunc(args[1], i32), ptr, "release", 4)
        return context.get_dummy_value()
    return sig, codegen


@njit(cache=True, _nrt=False)
def load_acquire(words, i):
    """words[i] of a uint32 array, loaded before anything the caller reads after it;
    0 when i is outside the array."""
    if i < 0 or i >= words.size:
        return 0
    return _load_acquire(words.ctypes.data + 4 * i)


@njit(cache=True, _nrt=False)
def store_release(words, i, value):
    """words[i] = value (low 32 bits), stored after everything the caller wrote before."""
    if 0 <= i < words.size:
        _store_release(words.ctypes.data + 4 * i, value)
