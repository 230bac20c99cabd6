"""Calls through a function's address (clickpy.compile.indirect), compiled and interpreted."""
import os
import subprocess
import sys
import textwrap

import pytest

PROGRAM = textwrap.dedent("""
    import numpy as np
    import numba
    from numba import njit
    from clickpy.compile import indirect

    @njit(_nrt=False, boundscheck=True)
    def target(T):
        T[1] += 5
        return T[T[0]]

    @njit(_nrt=False)
    def driver(T):
        return indirect.call(T[2], T) + 1

    @njit(_nrt=False)
    def scaled(T, budget):
        return T[1] * budget

    @njit(_nrt=False)
    def driver_budget(T, budget):
        return indirect.call_budget(T[2], T, budget)

    T = np.array([1, 10, 0], dtype=np.int64)
    T[2] = indirect.address(target, (numba.typeof(T),))
    print(driver(T), T[1])
    T[0] = 99
    try:
        driver(T)
    except IndexError as e:
        print("IndexError")
    T[2] = indirect.address(scaled, (numba.typeof(T), numba.int64))
    print(driver_budget(T, 3))
""")


@pytest.mark.parametrize("disable_jit", ["0", "1"])
def test_a_call_through_an_address_returns_and_raises_as_a_direct_call(disable_jit):
    run = subprocess.run([sys.executable, "-c", PROGRAM], capture_output=True, text=True,
                         env=dict(os.environ, NUMBA_DISABLE_JIT=disable_jit))
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["16", "15", "IndexError", "60"]


def test_only_int64_functions_have_an_address():
    import numba
    import numpy as np
    from numba import njit

    from clickpy.compile import indirect

    @njit
    def floats(T):
        return 1.5

    T = np.zeros(3, dtype=np.int64)
    with pytest.raises(TypeError, match="not int64"):
        indirect.address(floats, (numba.typeof(T),))
