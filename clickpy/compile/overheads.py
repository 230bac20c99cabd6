"""Four costs of numba's compiling and loading that buy nothing here, made small.

Profiling the router's kernels compiling (about 30 of them, fresh caches)
put some 15% of the time in bookkeeping around the typing of each call:

1. Flags.  Numba keys its caches of typed overloads on the compiler Flags
   in force (numba.core.typing.templates._get_impl): every call it types
   hashes them and compares them with the cached key's, and
   TargetConfig.values(), which both use, reads some forty options each
   through a Python property.  install() gives TargetConfig the same
   values(), == and hash (numba's hashes the option names alone), from a
   table of each class's defaults updated with the options set.

2. Error markup.  Typing tries overload templates that do not match and
   formats an error message for each; with colorama installed, numba
   wraps every fragment in ANSI bold, initialising colorama's stream
   wrappers each time.  install() makes its colour scheme return the
   text as it is (as numba does without colorama).

3. LLVM lock events.  Numba has llvmlite call it back on every call into
   LLVM (some 150,000 in a cold compile of the router) to start and end a
   "numba:llvm_lock" event, which only times LLVM for each compile's
   metadata.  install() removes those callbacks: 150,000 llvmlite calls
   took 0.41-0.50 s without them, 1.11-1.42 s with them (metadata
   "timers" then say 0 for llvm_lock).

4. scipy.linalg.  When numba first loads or compiles anything it imports
   numba.np.arraymath, which asks whether scipy's BLAS loads (importing
   scipy.linalg: 0.3-0.5 s of every start, cached ones too, where scipy
   is installed) only to choose how np.cov and np.correlate multiply
   floats.  install() imports it with that question answered by whether
   scipy is installed; np.dot and numba.np.linalg still import scipy when
   code uses them.

Measured (1 and 2): the router's 30 kernel calls compiled (one process each, fresh
caches, alternating with the code before, on a noisy machine) in 21.0,
19.1, 18.8, 17.1 and 21.5 CPU s against 25.2, 21.7, 21.5, 19.8 and 19.0:
19.5 against 21.4 on average.  Whole cold compiles vary more than that.
"""
from __future__ import annotations

import importlib.util
import sys

import llvmlite.binding as llvm
from numba.core import errors, targetconfig

_installed = False


def _defaults(cls) -> dict:
    table = cls.__dict__.get("_clickpy_defaults")
    if table is None:   # the options are fixed when the class is made (its metaclass)
        table = {k: option.default for k, option in cls.options.items()}
        cls._clickpy_defaults = table
        cls._clickpy_hash = hash(tuple(sorted(table)))
    return table


def values(self) -> dict:
    """Every option's value (as TargetConfig.values)."""
    out = dict(_defaults(type(self)))
    out.update(self._values)
    return out


def equal(self, other):
    if not isinstance(other, targetconfig.TargetConfig):
        return NotImplemented
    if type(self) is type(other) and self._values == other._values:
        return True
    return values(self) == values(other)


def hashed(self) -> int:
    _defaults(type(self))
    return type(self)._clickpy_hash


def _plain(msg, *_):
    return msg


def install() -> None:
    global _installed
    if _installed:
        return
    targetconfig.TargetConfig.values = values
    targetconfig.TargetConfig.__eq__ = equal
    targetconfig.TargetConfig.__hash__ = hashed
    scheme = errors.termcolor()   # one instance, which numba's modules hold
    if hasattr(scheme, "_markup"):
        scheme._markup = _plain
    for enter, leave in list(llvm_lock_callbacks()):
        llvm.ffi.unregister_lock_callback(enter, leave)
    _import_arraymath()
    _installed = True


def _import_arraymath() -> None:
    """Import numba.np.arraymath (once) without its scipy.linalg import (4 above)."""
    if "numba.np.arraymath" in sys.modules:
        return
    from numba.np import linalg
    ensure_blas = linalg.ensure_blas

    def scipy_installed():
        if importlib.util.find_spec("scipy") is None:
            raise ImportError("scipy is not installed")

    linalg.ensure_blas = scipy_installed    # what arraymath asks when imported
    try:
        from numba.np import arraymath
    finally:
        linalg.ensure_blas = ensure_blas
    arraymath.ensure_blas = ensure_blas     # its later checks (np.dot...) as numba's


def llvm_lock_callbacks() -> list:
    """Numba's callbacks around llvmlite's calls (numba.core.base registers them)."""
    return [(enter, leave) for enter, leave in llvm.ffi.lib._lock._cblist
            if getattr(enter, "__module__", "").startswith("numba.")]
