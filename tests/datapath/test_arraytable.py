"""The array table: compiled code sees the very arrays the host owns, in both modes."""
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from clickpy.compile.arraytable import ENTRY, Layout, table

PROGRAM = textwrap.dedent("""
    import numpy as np
    from numba import njit
    from clickpy.compile.arraytable import Layout, view

    counts = np.arange(5, dtype=np.int64)
    bytes_ = np.zeros((3, 4), dtype=np.uint8)
    small = np.zeros(3, dtype=np.int32)
    layout = Layout()
    exprs = [layout.add(counts, "counts"), layout.add(bytes_, "bytes"), layout.add(small, "small")]
    source = f'''
    def touch(T):
        x = {exprs[0]}
        y = {exprs[1]}
        z = {exprs[2]}
        x[1] += 10
        y[2, 3] = 7
        z[0] = -1
        return x.sum() + y.shape[0] * 100 + y.shape[1] * 1000
    '''
    namespace = {"np": np, "view": view}
    exec(source, namespace)
    result = njit(_nrt=False)(namespace["touch"])(layout.table())
    print(result, counts.tolist(), bytes_[2].tolist(), small.tolist())
""")


@pytest.mark.parametrize("disable_jit", ["0", "1"])
def test_compiled_and_interpreted_code_write_through_to_the_host_arrays(disable_jit):
    run = subprocess.run([sys.executable, "-c", PROGRAM], capture_output=True, text=True,
                         env=dict(os.environ, NUMBA_DISABLE_JIT=disable_jit))
    assert run.returncode == 0, run.stderr
    assert run.stdout.split("\n")[0] == "4320 [0, 11, 2, 3, 4] [0, 0, 0, 7] [-1, 0, 0]"


def test_table_rows_hold_address_and_shape():
    a, b = np.zeros(7, dtype=np.int64), np.zeros((2, 9), dtype=np.uint8)
    t = table([a, b])
    assert t.tolist() == [a.ctypes.data, 7, 1, b.ctypes.data, 2, 9]
    assert len(t) == 2 * ENTRY


@pytest.mark.parametrize("bad, message", [
    (np.zeros((4, 4), dtype=np.int64)[:, 1], "C-contiguous"),
    (np.zeros((2, 2, 2), dtype=np.int64), "ndim 3"),
    (np.zeros(3, dtype=object), "dtype"),
    ([1, 2, 3], "must be numpy arrays"),
])
def test_arrays_the_table_cannot_describe_are_refused_with_the_owner_named(bad, message):
    with pytest.raises(TypeError, match=message) as e:
        Layout().add(bad, "x :: Counter state[0]")
    assert "x :: Counter state[0]" in str(e.value)


def test_a_tuple_expression_keeps_tuple_syntax_for_one_element():
    layout = Layout()
    assert layout.add_tuple([np.zeros(2, dtype=np.int64)], "s").endswith(",)")
    assert layout.add_tuple([], "empty") == "()"
