"""clickpy.compile.overheads: numba's flags compare as before, its messages come plain."""
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
