"""Eleven costs of numba's compiling and loading that buy nothing here, made small.

Each was found profiling the router's cold compile (fresh caches); the
first two, bookkeeping around the typing of each call, were some 15% of
the time its kernels took to compile:

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

5. Typing the same call again.  To type a call of a builtin function
   (operator.add on two int64, getitem on an array...) numba tries every
   template registered for it, numpy's ufunc rules among them, each time
   it meets one, and lowering types most calls a second time.  The
   router's cold compile typed some 11,000 such calls, about 10 tries each
   (some 14% of a profile of it).  install() has each function type
   remember the signature a template gave it for those argument types (and
   typing context and target), so a repeat is a dictionary lookup.  A
   failure is not remembered: it is typed again, and raises again.

6. Listing an instruction's variables.  Numba's IR analyses (variable
   lifetimes, after most passes; definitions; dels) ask each instruction
   for the variables it uses, which walks its attributes recursively,
   building and extending a list at every level and testing each value
   against four classes (abstract ones among them): some 2 million calls
   in the router's cold compile, 9% of a profile of it.  install() walks
   them into one list, with each class's kind looked up once; the
   variables come in the same order.

7. Loading from the disk cache.  Before it loads a function's code from
   its cache, numba refreshes its target context: imports and installs
   every typing and lowering registry it has (numpy's, typed containers,
   jitclass, random generators...), which only compiling uses -- and
   compiling refreshes them itself.  On a cached start that was 0.3-0.5 s
   of the first load.  install() has a load initialise only numba's
   runtime (NRT), which loaded code may call.  perf.first_packet router,
   cached, five pairs alternating: 1.03-1.11 s against 1.58-1.92 s (this
   alone, the machine slow); later, with 5, 6 and 8 and the machine faster,
   six pairs: 0.97-1.25 s against 1.07-1.66 s.

8. Refreshing when nothing is new.  Numba refreshes its contexts (imports
   its registry modules, installs what they registered since the last
   time) before each compile, and in lowering every time it looks for an
   implementation that is not there -- which it does on purpose, to fall
   back on another (an array's __array__, static_getitem on an array):
   some 2,400 refreshes in the router's cold compile, 0.7 s.  install()
   has a refresh do nothing when no registry it installed has grown and
   none was added since the last one.

9. Inlining closures where there are none.  Numba's untyped pipeline
   runs InlineClosureLikes on every function: it recomputes the variable
   lifetimes with dels, looks up every call's callee, finds the loops to
   inline list-building ones, strips the dels and recomputes the lifetimes
   again (0.5 s of the router's cold compile, in one process).  It only
   changes a function that makes a closure or a list (make_function,
   build_list), calls functools.reduce or a stencil, and install() skips it
   for the rest (with no `with` block either, so the IR and its lifetimes
   are still those IRProcessing computed); it still fixes up the scope.

10. Lifetimes nobody reads.  After every pass that changes a function's
   control flow (some seven per function), numba's PostProcessor computes
   which variables are alive on entry to each block, forcing its use-def,
   live and dead maps.  Only object-mode lowering and generators read
   those entry sets; the passes that want the maps (a VariableLifetime,
   which numba's own passes also set up lazily) compute them when they
   ask.  install() leaves them to be computed when first read, except for
   generators and where dels are emitted: 1.1 s of post-processing became
   0.45 s in a one-process cold compile of the router, and the optimised
   LLVM code of every function came out the same, byte for byte.

11. Asking each implementation for its signature.  Lowering wraps every
   implementation it calls and asks inspect.signature whether it takes a
   `loc` argument, some 6,000 times in the router's cold compile.
   install() remembers the answer per function.

Measured (1 and 2): the router's 30 kernel calls compiled (one process each, fresh
caches, alternating with the code before, on a noisy machine) in 21.0,
19.1, 18.8, 17.1 and 21.5 CPU s against 25.2, 21.7, 21.5, 19.8 and 19.0:
19.5 against 21.4 on average.  Whole cold compiles vary more than that.
"""
from __future__ import annotations

import functools
import importlib.util
import sys
import weakref

import llvmlite.binding as llvm
from numba.core import (analysis, base, caching, errors, ir, postproc, targetconfig, transforms,
                        untyped_passes)
from numba.core.ir_utils import fixup_var_define_in_scope
from numba.core.typing import context as typing_context
from numba.core.runtime import rtsys
from numba.core.target_extension import get_local_target
from numba.core.types import functions

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
    functions.BaseFunction.get_call_type = _remembered(functions.BaseFunction.get_call_type)
    ir.Inst._rec_list_vars = _rec_list_vars
    caching.Cache.load_overload = _load_overload
    for context_class in (base.BaseContext, typing_context.BaseContext):
        context_class.refresh = _refresh_when_new(context_class.refresh)
    inline_pass = untyped_passes.InlineClosureLikes
    inline_pass.run_pass = _when_closure_like(inline_pass.run_pass)
    postproc.PostProcessor.run = _lifetimes_when_read(postproc.PostProcessor.run)
    ir.FunctionIR.get_block_entry_vars = _entry_vars
    base._has_loc = _remembered_has_loc(base._has_loc)
    _installed = True


def _remembered(get_call_type):
    """BaseFunction.get_call_type, remembering each signature it found (5 above)."""
    def remembered(self, context, args, kws):
        key = (context, get_local_target(context), tuple(args),
               tuple(sorted(kws.items())) if kws else ())
        memo = self.__dict__.setdefault("_clickpy_signatures", {})
        try:
            return memo[key]
        except KeyError:
            pass
        except TypeError:       # a type that cannot be hashed: type it as numba does
            return get_call_type(self, context, args, kws)
        sig = memo[key] = get_call_type(self, context, args, kws)
        return sig
    remembered.__wrapped__ = get_call_type
    return remembered


def _rec_list_vars(self, value) -> list:
    """The variables in value, as numba's Inst._rec_list_vars (6 above)."""
    found = []
    _collect_vars(value, found)
    return found


_VAR, _INST, _ITEMS, _MAPPING, _OTHER = range(5)
_kinds: dict[type, int] = {ir.Var: _VAR, list: _ITEMS, tuple: _ITEMS, dict: _MAPPING}


def _kind(cls: type) -> int:
    kind = _kinds.get(cls)
    if kind is None:
        kind = _kinds[cls] = (_VAR if issubclass(cls, ir.Var) else
                              _INST if issubclass(cls, ir.Inst) else
                              _ITEMS if issubclass(cls, (list, tuple)) else
                              _MAPPING if issubclass(cls, dict) else _OTHER)
    return kind


def _collect_vars(value, found: list) -> None:
    kind = _kinds.get(type(value))
    if kind is None:
        kind = _kind(type(value))
    if kind == _VAR:
        found.append(value)
    elif kind == _INST:
        found.extend(value.list_vars())
    elif kind != _OTHER:
        for v in (value.values() if kind == _MAPPING else value):
            item = _kinds.get(type(v))      # the common cases without a call
            if item == _VAR:
                found.append(v)
            elif item != _OTHER:
                _collect_vars(v, found)


def _load_overload(self, sig, target_context):
    """numba's Cache.load_overload, initialising only the runtime (7 above)."""
    rtsys.initialize(target_context)
    with self._guard_against_spurious_io_errors():
        return self._load_overload(sig, target_context)


def _registered(context) -> tuple:
    """How many registries a context installed and how many items they hold."""
    return (len(context._registries),
            sum(len(getattr(registry, items)) for registry, loader in context._registries.items()
                for items in loader.registry_items))


def _refresh_when_new(refresh):
    """A context's refresh(), skipped when nothing was registered since the last one (8)."""
    def refreshed(self):
        typing = getattr(self, "typing_context", None)    # a target context refreshes it too
        stamp = _registered(self) + (() if typing is None else _registered(typing))
        if self.__dict__.get("_clickpy_registered") == stamp:
            return
        refresh(self)
        self._clickpy_registered = _registered(self) + (
            () if typing is None else _registered(typing))
    refreshed.__wrapped__ = refresh
    return refreshed


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


def closure_like(func_ir) -> bool:
    """Whether InlineClosureLikes may change func_ir (9 above): it makes a closure or a
    list, calls functools.reduce or a stencil, or has a `with` block."""
    for block in func_ir.blocks.values():
        for stmt in block.body:
            if isinstance(stmt, ir.EnterWith):
                return True
            value = getattr(stmt, "value", None)
            if isinstance(value, ir.Expr) and value.op in ("make_function", "build_list"):
                return True
            if isinstance(value, (ir.Global, ir.FreeVar)) and (
                    value.value is functools.reduce or value.value is functools
                    or type(value.value).__name__ == "StencilFunc"):
                return True
    return False


def _when_closure_like(run_pass):
    """InlineClosureLikes.run_pass, only where it has something to inline (9 above)."""
    def run_when_closure_like(self, state):
        if closure_like(state.func_ir):
            return run_pass(self, state)
        fixup_var_define_in_scope(state.func_ir.blocks)
        return True
    run_when_closure_like.__wrapped__ = run_pass
    return run_when_closure_like


def _lifetimes_when_read(run):
    """PostProcessor.run, leaving the variables' lifetimes to be computed when read (10)."""
    def run_lazily(self, emit_dels: bool = False, extend_lifetimes: bool = False):
        func_ir = self.func_ir
        if emit_dels or func_ir.is_generator:
            run(self, emit_dels, extend_lifetimes)
            func_ir._clickpy_entry_vars_due = False
            return
        func_ir.blocks = transforms.canonicalize_cfg(func_ir.blocks)
        func_ir.variable_lifetime = postproc.VariableLifetime(func_ir.blocks)
        func_ir.generator_info = None
        func_ir._clickpy_entry_vars_due = True
    run_lazily.__wrapped__ = run
    return run_lazily


def _entry_vars(self, block):
    """FunctionIR.get_block_entry_vars, computing them first when a lazy run left them (10)."""
    if self.__dict__.get("_clickpy_entry_vars_due") and self.variable_lifetime is not None:
        vlt = self.variable_lifetime
        live = analysis.compute_live_variables(vlt.cfg, self.blocks, vlt.usedefs.defmap,
                                               vlt.deadmaps.combined)
        for offset, each in self.blocks.items():
            self.block_entry_vars[each] = live[offset]
        self._clickpy_entry_vars_due = False
    return self.block_entry_vars[block]


def _remembered_has_loc(has_loc):
    """numba.core.base._has_loc, answering once per function (11 above)."""
    answers = weakref.WeakKeyDictionary()      # not keeping closures (and what they hold)

    def remembered(fn) -> bool:
        try:
            return answers[fn]
        except KeyError:
            answer = answers[fn] = has_loc(fn)
            return answer
        except TypeError:       # cannot be weakly referenced or hashed
            return has_loc(fn)
    remembered.__wrapped__ = has_loc
    return remembered
