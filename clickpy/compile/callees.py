"""How numba compiles a function that numba code calls (a kernel, or a helper of one).

Numba compiles a callee as if Python might call it: for each signature, its
own typing and lowering, a CPython wrapper (unboxing every argument: a
kernel's pool and state tuples of arrays make that large) and a C wrapper,
LLVM optimisation of the whole, and machine code.  But the tasks only ever
link a callee's LLVM IR into their own module (and, with
clickpy.compile.inline, inline it), so the wrappers and the machine code are
never used.  On the router configuration (configs/router.click) a cold
compile spent, of 63 s: 12 s compiling clickpy.runtime.account.dropped 86
times, once per distinct pair of constants the tasks pass it; about 17 s of
lowering, of which the wrappers were some 40%; and 6 s making machine code
for kernels.

install() changes these things (1 and 2 for calls from numba code only):

1. Constants are not specialised on: a call first tries the callee with
   its arguments' plain types (int64 for Literal[int](7)); only when that
   does not type (a callee that needs the constant, say to index a
   heterogeneous tuple) does it fall back to numba's literal specialisation.
   The code is as fast: LLVM propagates the constants once it inlines.

2. The callee compiled for numba callers is a shadow dispatcher of the same
   Python function (callee()), with no CPython or C wrapper, whose code
   library stops at optimised LLVM IR: it is never added to the JIT engine
   (no machine code), and is cached as bitcode.  The user's dispatcher is
   untouched: calling a kernel from Python (tests do) compiles it as before.

3. Fewer LLVM module pipelines.  A shadow's library gets none: its code
   (after numba's per-function passes) is linked into its callers, and the
   task's -O3 module pipeline optimises it there again anyway, inlined.
   Other code without NRT reference counts (the tasks: _nrt=False) gets one,
   not two: numba runs a "cheap" -O3 module pipeline, prunes reference
   counts, then the full -O3 one; with no reference counts to prune the
   first is wasted work.

4. Every clickpy or elements function's disk cache is stamped with the
   sources of the modules it imports, not only its own file
   (clickpy.compile.stamps): its code holds the helpers it calls from them.

5. Numba's flag comparisons and error markup while typing cost less
   (clickpy.compile.overheads).

Measured (perf.first_packet router, fresh caches, one run each): 69 s before,
62 s with 1 alone, 38 s with 1 and 2.  3: 32.1 s against 34.6, 40.0 against
42.4 (two pairs, back to back, with CLICKPY_COMPILE_JOBS=1, on a machine
shared with other work); perf.ipv4_path 8.74 and 9.00 Mpps against 9.09
and 9.10, within its run-to-run spread.
"""
from __future__ import annotations

import types as pytypes
import uuid

from numba.core import caching, codegen, cpu, dispatcher, errors, sigutils, types
from numba import _dynfunc

from clickpy.compile import overheads, stamps

CALLEE = "__callee"   # suffix of a shadow's qualified name, and so of its code library's name
_installed = False


def callee(d: dispatcher.Dispatcher) -> dispatcher.Dispatcher:
    """The shadow of dispatcher `d` that numba code calls (created once)."""
    shadow = d.__dict__.get("_clickpy_callee")
    if shadow is None:
        f = d.py_func
        g = pytypes.FunctionType(f.__code__, f.__globals__, f.__name__, f.__defaults__, f.__closure__)
        g.__qualname__ = f.__qualname__ + CALLEE   # its own cache files and symbol names
        g.__module__, g.__doc__ = f.__module__, f.__doc__
        shadow = type(d)(g, targetoptions=dict(
            d.targetoptions, no_cpython_wrapper=True, no_cfunc_wrapper=True))
        shadow._clickpy_is_callee = True
        if not isinstance(d._cache, caching.NullCache):
            shadow.enable_caching()
            # numba names a cache entry's data file by the count of entries: two processes
            # saving two signatures at once (clickpy.compile.parallel) would write the same
            # file, and one index entry would name the other's code.  A unique name each.
            files = shadow._cache._cache_file
            pattern = files._data_name_pattern.replace("{number:d}", "{}")
            files._data_name = lambda number: pattern.format(uuid.uuid4().hex[:16])
        d._clickpy_callee = shadow
    return shadow


def _is_callee(library) -> bool:
    return library.name.endswith(CALLEE)


def install() -> None:
    """Patch numba's dispatcher typing and CPU code libraries (once per process)."""
    global _installed
    if _installed:
        return
    get_call_template = dispatcher.Dispatcher.get_call_template
    get_overload = dispatcher.Dispatcher.get_overload
    finalize_final_module = codegen.CPUCodeLibrary._finalize_final_module
    serialize = codegen.CPUCodeLibrary.serialize_using_object_code
    get_executable = cpu.CPUContext.get_executable
    set_env = codegen.JITCPUCodegen.set_env
    optimize_final = codegen.CPUCodeLibrary._optimize_final_module
    stamps.install()
    overheads.install()

    def call_template(self, args, kws):
        """Typing a call from numba code: compile (or find) the shadow, for plain types."""
        if not getattr(self, "_clickpy_is_callee", False):
            return callee(self).get_call_template(args, kws)
        plain = tuple(types.unliteral(a) for a in args)
        plain_kws = {k: types.unliteral(v) for k, v in kws.items()}
        if plain != tuple(args) or plain_kws != kws:
            try:
                return get_call_template(self, plain, plain_kws)
            except (errors.TypingError, errors.ForceLiteralArg):
                pass
        return get_call_template(self, args, kws)

    def overload(self, sig):
        """Lowering a call from numba code: the shadow's compiled function."""
        shadow = self.__dict__.get("_clickpy_callee")
        if shadow is not None:
            args, _ = sigutils.normalize_signature(sig)
            if tuple(args) in shadow.overloads:
                return shadow.get_overload(sig)
        return get_overload(self, sig)

    def finalize(self):
        """A shadow's library is only ever linked into others: no JIT engine, no machine code."""
        if not _is_callee(self):
            return finalize_final_module(self)
        self._finalize_dynamic_globals()
        self._verify_declare_only_symbols()
        self._finalized = True

    def optimize(self):
        """None for a shadow (its IR is only linked into callers, whose module pipeline
        optimises it with them); one, not two, for code without NRT reference counts."""
        if _is_callee(self):
            return
        if any(fn.name.startswith("NRT_") for fn in self._final_module.functions):
            return optimize_final(self)
        mpm, mpb = self._codegen._module_pass_manager()
        with self._recorded_timings.record("Module passes (full optimization)", mpb):
            mpm.run(self._final_module, mpb)

    def serialized(self):
        if not _is_callee(self):
            return serialize(self)
        self._ensure_finalized()
        return (self.name, "bitcode", self._final_module.as_bitcode())

    def executable(self, library, fndesc, env):
        """A shadow has no wrapper to call from Python: a placeholder function object
        (numba keys the callers' linking on it), and no environment to set."""
        if not _is_callee(library):
            return get_executable(self, library, fndesc, env)
        library._ensure_finalized()
        return _dynfunc.make_function(fndesc.lookup_module(), fndesc.qualname.split(".")[-1],
                                      "linked into numba callers only", 0, env, (library,))

    def env_setter(self, env_name, env):
        """A shadow loaded from the cache names its environments; they are not in the
        JIT engine (its callers' copies are): nothing to set."""
        if self._engine.get_global_value_address(env_name):
            set_env(self, env_name, env)

    dispatcher.Dispatcher.get_call_template = call_template
    dispatcher.Dispatcher.get_overload = overload
    codegen.CPUCodeLibrary._finalize_final_module = finalize
    codegen.CPUCodeLibrary._optimize_final_module = optimize
    codegen.CPUCodeLibrary.serialize_using_object_code = serialized
    cpu.CPUContext.get_executable = executable
    codegen.JITCPUCodegen.set_env = env_setter
    _installed = True
