"""The C library functions compiled code calls: send() to kick a ring, the clock.

A round's kick (one sendto() per transmit ring) and the clock the driver
sets before each round were Python calls; under load a forwarder runs tens
of thousands of rounds a second, and the Python around them cost about a
third of its CPU.  Compiled code calls them here instead.

numba can call a ctypes function, but the function's address then becomes
a constant of the code, which numba refuses to cache ("dynamic globals"),
and which would be wrong in another process anyway (libc moves with ASLR).
So the addresses are data: the host writes them (SENDTO, ERRNO_LOCATION,
CLOCK_GETTIME, looked up at import) into a control array and the code calls
through them (call_int, call_long), as clickpy.compile.indirect calls
compiled functions.  Under NUMBA_DISABLE_JIT the same calls go through
ctypes.
"""
from __future__ import annotations

import ctypes

import numpy as np
from llvmlite import ir
from numba import config, njit, types
from numba.core import errors
from numba.core.extending import intrinsic

_libc = ctypes.CDLL(None)
SENDTO, ERRNO_LOCATION, CLOCK_GETTIME = (
    ctypes.cast(getattr(_libc, name), ctypes.c_void_p).value
    for name in ("sendto", "__errno_location", "clock_gettime"))
MSG_DONTWAIT = 0x40
CLOCK_REALTIME = 0


def _codegen(bits: int):
    """C `int<bits>_t f(int64_t...)` at args[0], the arguments from the tuple args[1]."""
    def codegen(context, builder, signature, args):
        i64 = ir.IntType(64)
        argtys = signature.args[1].types
        values = [context.cast(builder, builder.extract_value(args[1], k), t, types.int64)
                  for k, t in enumerate(argtys)]
        fnty = ir.FunctionType(ir.IntType(bits), [i64] * len(values))
        result = builder.call(builder.inttoptr(args[0], fnty.as_pointer()), values)
        return builder.sext(result, i64) if bits < 64 else result
    return codegen


def _typed(address, args):
    if not isinstance(args, types.BaseTuple) or not all(isinstance(t, types.Integer)
                                                        for t in args.types):
        raise errors.TypingError("libc calls take a tuple of integers (pointers as addresses)")
    return types.int64(address, args)


@intrinsic
def _call_int(typingctx, address, args):
    return _typed(address, args), _codegen(32)


@intrinsic
def _call_long(typingctx, address, args):
    return _typed(address, args), _codegen(64)


@intrinsic
def _errno(typingctx, address):
    def codegen(context, builder, signature, args):
        fnty = ir.FunctionType(ir.IntType(32).as_pointer(), [])
        where = builder.call(builder.inttoptr(args[0], fnty.as_pointer()), [])
        return builder.sext(builder.load(where), ir.IntType(64))
    return types.int64(address), codegen


def _python(restype):
    def call(address, args):
        if not all(isinstance(a, (int, np.integer)) for a in args):
            raise TypeError("libc calls take a tuple of integers (pointers as addresses)")
        f = ctypes.CFUNCTYPE(restype, *[ctypes.c_int64] * len(args))(int(address))
        return int(f(*(int(a) for a in args)))
    return call


def _python_errno(address):
    where = ctypes.CFUNCTYPE(ctypes.c_void_p)(int(address))()
    return ctypes.c_int.from_address(where).value


if config.DISABLE_JIT:
    call_int, call_long, last_errno = _python(ctypes.c_int), _python(ctypes.c_long), _python_errno
else:
    call_int, call_long, last_errno = _call_int, _call_long, _errno


@njit(cache=True, _nrt=False)
def send_nowait(sendto, errno_location, fd):
    """send(fd, "", 0, MSG_DONTWAIT), as a kick: 0, or the errno it failed with."""
    if call_long(sendto, (fd, 0, 0, MSG_DONTWAIT, 0, 0)) >= 0:
        return 0
    return last_errno(errno_location)


@njit(cache=True, _nrt=False)
def clock_ns(clock_gettime, scratch, at):
    """time.time_ns(): clock_gettime(CLOCK_REALTIME) into scratch[at], scratch[at + 1]
    (an int64 array); 0 when they are outside it."""
    if at < 0 or at + 1 >= scratch.size:
        return 0
    call_int(clock_gettime, (CLOCK_REALTIME, scratch.ctypes.data + 8 * at))
    return scratch[at] * 1_000_000_000 + scratch[at + 1]
