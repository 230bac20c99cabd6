"""A kernel's cached code goes stale when a module it calls into changes.

Numba links the helpers a kernel calls (clickpy.packet, clickpy.rings...)
into the kernel's own cached code, but stamps the cache with the kernel's
file only: a changed constant in a helper's module (a ring size, say) would
otherwise run in its old value from the cache of every kernel that calls it.
clickpy.compile.stamps adds the digest of the modules a function's module
imports (clickpy.compile.dependencies) to the stamp, for the shadows the
tasks link (clickpy.compile.callees) and for kernels called from Python.
"""
import inspect

import numba
import pytest
from numba import njit, types

from clickpy.compile import callees, dependencies, parallel
from clickpy.rings import af_xdp

SIG = (types.uint32[::1], types.int64[::1])


def plain():
    """A new dispatcher of af_xdp.reap (a kernel calling clickpy.rings.shared_words)."""
    return njit(cache=True, _nrt=False)(af_xdp.reap.py_func)


def shadow():
    """The shadow of a new dispatcher of af_xdp.reap: what a task links."""
    return callees.callee(plain())


@pytest.mark.skipif(numba.config.DISABLE_JIT, reason="nothing is compiled when interpreted")
@pytest.mark.parametrize("make", [shadow, plain])
def test_a_change_in_a_called_module_makes_a_kernels_cache_stale(monkeypatch, tmp_path, make):
    monkeypatch.setattr(numba.core.config, "CACHE_DIR", str(tmp_path))
    make().compile(SIG)
    assert parallel._cached(make(), SIG)          # a new process would load it
    getsource = inspect.getsource

    def source(obj):
        text = getsource(obj)
        return text + "\n# changed\n" if obj.__name__ == "clickpy.rings.shared_words" else text

    dependencies.digest.cache_clear()
    try:
        with monkeypatch.context() as m:
            m.setattr(inspect, "getsource", source)
            assert not parallel._cached(make(), SIG)
    finally:
        dependencies.digest.cache_clear()
    assert parallel._cached(make(), SIG)          # the unchanged sources: cached again
