"""A kernel's cached code goes stale when a module it calls into changes.

Numba links the helpers a kernel calls (clickpy.packet, clickpy.rings...)
into the kernel's own cached code, but stamps the cache with the kernel's
file only: a changed constant in a helper's module (a ring size, say) would
otherwise run in its old value from the cache of every kernel that calls it.
clickpy.compile.callees stamps each kernel's entries with the digest of the
modules it imports (clickpy.compile.dependencies).
"""
import inspect

import numba
import pytest
from numba import njit, types

from clickpy.compile import callees, dependencies, parallel
from clickpy.rings import af_xdp

SIG = (types.uint32[::1], types.int64[::1])


def shadow_of_reap():
    """A new dispatcher of af_xdp.reap (a kernel calling clickpy.rings.shared_words), and
    its shadow: what a task links, with a cache of its own."""
    return callees.callee(njit(cache=True, _nrt=False)(af_xdp.reap.py_func))


@pytest.mark.skipif(numba.config.DISABLE_JIT, reason="nothing is compiled when interpreted")
def test_a_change_in_a_called_module_makes_a_kernels_cache_stale(monkeypatch, tmp_path):
    monkeypatch.setattr(numba.core.config, "CACHE_DIR", str(tmp_path))
    shadow_of_reap().compile(SIG)
    assert parallel._cached(shadow_of_reap(), SIG)          # a new process would load it
    getsource = inspect.getsource

    def source(obj):
        text = getsource(obj)
        return text + "\n# changed\n" if obj.__name__ == "clickpy.rings.shared_words" else text

    dependencies.digest.cache_clear()
    try:
        with monkeypatch.context() as m:
            m.setattr(inspect, "getsource", source)
            assert not parallel._cached(shadow_of_reap(), SIG)
    finally:
        dependencies.digest.cache_clear()
    assert parallel._cached(shadow_of_reap(), SIG)          # the unchanged sources: cached again
