"""clickpy.compile.overheads: numba's flags compare as before, its messages come plain."""
import functools

import numba
import numpy as np
from numba.core import errors
from numba.core.compiler import Flags

from clickpy.compile import overheads


def test_flags_compare_and_hash_as_numba_defines_them():
    overheads.install()
    plain, nrt, explicit = Flags(), Flags(), Flags()
    nrt.nrt = True
    explicit.nrt = False                       # set, but to its default
    for f in (plain, nrt, explicit):
        assert f.values() == {k: getattr(f, k) for k in f.options}   # the properties' view
    assert plain == explicit and plain != nrt and Flags(copy_from=nrt) == nrt
    assert hash(plain) == hash(nrt) == hash(tuple(sorted(Flags.options)))
    assert {plain: 1}[explicit] == 1


def test_numba_error_text_comes_without_terminal_markup():
    overheads.install()
    assert errors.termcolor().errmsg("no match") == "no match"
    assert errors.termcolor().highlight("x") == "x"


def test_numba_no_longer_hears_of_every_llvm_call():
    import numba
    overheads.install()
    assert overheads.llvm_lock_callbacks() == []
    assert numba.njit(lambda x: x + 1)(41) == 42     # compiling still works


def test_compiling_does_not_import_scipy_linalg_until_code_needs_it():
    import subprocess
    import sys
    code = ("import sys, numba, numpy as np, clickpy.kernel\n"
            "assert numba.njit(lambda x: x + 1)(1) == 2\n"
            "print('scipy.linalg' in sys.modules)\n"
            "import importlib.util\n"
            "if importlib.util.find_spec('scipy'):\n"
            "    assert numba.njit(lambda a: np.dot(a, a))(np.ones(3)) == 3.0\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["False"]


def test_a_call_typed_again_is_looked_up_and_a_failure_is_typed_again():
    import operator

    import pytest
    from numba.core import types
    from numba.core.registry import cpu_target
    overheads.install()
    ctx = cpu_target.typing_context
    ctx.refresh()
    add = ctx.resolve_value_type(operator.add)
    first = add.get_call_type(ctx, (types.int64, types.int64), {})
    assert first.return_type == types.int64
    assert add.get_call_type(ctx, (types.int64, types.int64), {}) is first
    assert add.get_call_type(ctx, (types.float64, types.int64), {}).return_type == types.float64
    for _ in range(2):
        with pytest.raises(errors.TypingError):
            add.get_call_type(ctx, (types.none, types.int64), {})
    assert all(sig is not None for sig in add._clickpy_signatures.values())


def _numbas_rec_list_vars(val) -> list:
    """numba.core.ir.Inst._rec_list_vars as numba 0.68 writes it."""
    from numba.core import ir
    if isinstance(val, ir.Var):
        return [val]
    if isinstance(val, ir.Inst):
        return val.list_vars()
    if isinstance(val, (list, tuple)):
        return [v for item in val for v in _numbas_rec_list_vars(item)]
    if isinstance(val, dict):
        return [v for item in val.values() for v in _numbas_rec_list_vars(item)]
    return []


def test_an_instructions_variables_come_as_numba_lists_them():
    from numba.core import compiler, ir

    from elements.devices import fromdump
    overheads.install()
    func_ir = compiler.run_frontend(fromdump.ip_header_offset.py_func)
    statements = [s for block in func_ir.blocks.values() for s in block.body]
    assert any(isinstance(s, ir.Assign) and isinstance(s.value, ir.Expr) for s in statements)
    for s in statements:
        got, want = s.list_vars(), _numbas_rec_list_vars(s.__dict__)
        assert len(got) == len(want) and all(a is b for a, b in zip(got, want)), s


def test_a_cached_load_does_not_import_what_only_compiling_needs(tmp_path):
    import subprocess
    import sys
    (tmp_path / "mod.py").write_text(
        "import numba\n@numba.njit(cache=True)\ndef f(x):\n    return x * 2 + 1\n")
    only_compiling = "numba.np.polynomial"      # numba's refresh() imports it
    code = ("import sys, clickpy.kernel, mod, numba\n"
            "print(mod.f(20), %r in sys.modules)\n"
            "print(numba.njit(lambda x: x - 1)(43), %r in sys.modules)\n"
            % (only_compiling, only_compiling))
    env = {**__import__("os").environ, "NUMBA_CACHE_DIR": str(tmp_path / "cache"),
           "PYTHONPATH": f"{tmp_path}:{__import__('os').getcwd()}"}
    runs = [subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           timeout=120, env=env, cwd=tmp_path) for _ in range(2)]
    for run in runs:
        assert run.returncode == 0, run.stderr
    assert runs[0].stdout.split() == ["41", "True", "42", "True"]     # compiled
    assert runs[1].stdout.split() == ["41", "False", "42", "True"]    # loaded, then compiled


def test_a_refresh_runs_again_only_once_something_new_is_registered():
    from numba.core import imputils, types
    from numba.core.registry import cpu_target
    from numba.core.typing import signature
    overheads.install()
    ctx = cpu_target.target_context
    ctx.refresh()
    calls = []
    loader = type(ctx).load_additional_registries
    type(ctx).load_additional_registries = lambda self: calls.append(1) or loader(self)
    try:
        ctx.refresh()
        assert calls == []                         # nothing new: nothing done

        def _nothing():
            pass

        @imputils.lower_builtin(_nothing)
        def _lower_nothing(context, builder, sig, args):
            return context.get_dummy_value()

        ctx.refresh()
        assert calls == [1]                        # a new lowering: installed
        assert ctx.get_function(_nothing, signature(types.none)) is not None
    finally:
        type(ctx).load_additional_registries = loader


def _reduced(a):
    return functools.reduce(lambda u, v: u + v, a)


def _closure(x):
    def add(y):
        return y + x
    return add(2)


def _listed(n):
    found = []
    for i in range(n):
        found.append(i * 2)
    return np.array(found)


def _plain(a, n):
    total = 0
    for i in range(n):
        total += a[i]
    return total


def test_closures_are_inlined_only_where_a_function_has_some():
    """InlineClosureLikes runs where it may change something (closures, list building,
    functools.reduce: numba 0.68 compiles none of its calls) and still does its work
    there; elsewhere it is skipped."""
    from numba.core.compiler import run_frontend
    overheads.install()
    for f in (_reduced, _closure, _listed):
        assert overheads.closure_like(run_frontend(f)), f.__name__
    assert not overheads.closure_like(run_frontend(_plain))
    a = np.arange(5)
    assert numba.njit(_closure)(40) == 42
    assert list(numba.njit(_listed)(3)) == [0, 2, 4]
    assert numba.njit(_plain)(a, 5) == 10


def _counting_up(n):
    for i in range(n):
        yield i


def test_block_entry_lifetimes_are_computed_when_read_as_numba_computes_them():
    """After a lazy post-processing run, a block's entry variables are computed when asked,
    the same as numba's eager run; generators are still post-processed eagerly."""
    from numba.core import postproc
    from numba.core.compiler import run_frontend
    overheads.install()
    lazy, eager = run_frontend(_plain), run_frontend(_plain)
    postproc.PostProcessor(lazy).run()
    assert lazy._clickpy_entry_vars_due
    postproc.PostProcessor.run.__wrapped__(postproc.PostProcessor(eager))
    assert eager.block_entry_vars and sorted(lazy.blocks) == sorted(eager.blocks)
    for offset in eager.blocks:
        assert (lazy.get_block_entry_vars(lazy.blocks[offset])
                == eager.get_block_entry_vars(eager.blocks[offset]))
    assert not lazy._clickpy_entry_vars_due
    generator = run_frontend(_counting_up)
    postproc.PostProcessor(generator).run()
    assert not generator._clickpy_entry_vars_due and generator.generator_info is not None
    assert list(numba.njit(_counting_up)(3)) == [0, 1, 2]


def test_whether_an_implementation_takes_loc_is_asked_once():
    asked = []

    def has_loc(fn):
        asked.append(fn)
        return "loc" in fn.__code__.co_varnames

    remembered = overheads._remembered_has_loc(has_loc)

    def with_loc(context, builder, sig, args, loc=None):
        pass

    def without(context, builder, sig, args):
        pass
    assert [remembered(f) for f in (with_loc, without, with_loc, without)] == [
        True, False, True, False]
    assert asked == [with_loc, without]
