"""read() and write() on a file descriptor from compiled code, without Python.

A tap device has no shared ring: each frame is one read() or write() system
call.  These intrinsics emit direct calls to libc's read and write, so a
kernel (ToHost, FromHost) does that I/O inside the compiled loop.  They are
plain external calls, so numba's on-disk cache keeps working (a ctypes
function pointer would be a "dynamic global" and turn the cache off).
The descriptor must be non-blocking: a kernel never waits.  Both return
what the system call returns: a byte count, or -1 (nothing to read, the
queue is full, an error: the data path treats them alike).
"""
from __future__ import annotations

from llvmlite import ir
from numba import njit, types
from numba.core import cgutils
from numba.extending import intrinsic


def _libc_call(name: str):
    @intrinsic
    def call(typingctx, fd, address, count):
        sig = types.int64(types.int64, types.int64, types.int64)

        def codegen(context, builder, signature, args):
            i64, i32, ptr = ir.IntType(64), ir.IntType(32), ir.IntType(8).as_pointer()
            fn = cgutils.get_or_insert_function(builder.module,
                                                ir.FunctionType(i64, [i32, ptr, i64]), name)
            f, a, n = args
            return builder.call(fn, [builder.trunc(f, i32), builder.inttoptr(a, ptr), n])
        return sig, codegen
    return call


_read = _libc_call("read")
_write = _libc_call("write")


@njit(cache=True, _nrt=False)
def read_into(fd, buf, at, count):
    """read(fd) into the contiguous uint8 array buf from index `at`, at most `count` bytes
    (clipped to buf's end)."""
    if at < 0 or count <= 0 or at >= buf.size:
        return -1
    count = min(count, buf.size - at)
    return _read(fd, buf.ctypes.data + at, count)


@njit(cache=True, _nrt=False)
def write_from(fd, buf, at, count):
    """write(fd) `count` bytes of the contiguous uint8 array buf from index `at`."""
    if at < 0 or count <= 0 or at + count > buf.size:
        return -1
    return _write(fd, buf.ctypes.data + at, count)
