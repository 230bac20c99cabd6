"""Numba's disk cache, stamped with the sources a function's module depends on.

Numba keys a function's cache entries with its own file's time and size,
but the compiled code holds the helpers it calls from other modules (numba
links them in): after a change to clickpy.packet or clickpy.rings, a kernel
calling into them would load its old code from the cache.  Seen: a larger
AF_XDP receive ring left FromDevice's cached kernels reading rx descriptors
with the old mask, and old frames were forwarded again.  install() makes
the cache of every clickpy or elements function add to its stamp the digest
of the sources its module depends on (clickpy.compile.dependencies), at its
first load or save, when the imports are done.  The generated task modules
are keyed by all of them already (clickpy.compile.cache).
"""
from __future__ import annotations

from numba.core import caching

from clickpy.compile import dependencies

_installed = False


def stamp(cache: caching.Cache) -> None:
    """Add the digest of the function's dependencies to `cache`'s stamp (once)."""
    files = cache._cache_file
    if files.__dict__.get("_clickpy_stamped"):
        return
    files._clickpy_stamped = True
    module = getattr(cache._py_func, "__module__", None) or ""
    if not dependencies.own(module):
        return
    try:
        files._source_stamp = (files._source_stamp, dependencies.digest(module))
    except (OSError, TypeError):   # a module without source (frozen): numba's stamp alone
        pass


def install() -> None:
    """Wrap numba's cache loads and saves (once per process)."""
    global _installed
    if _installed:
        return
    # the inner load: clickpy.compile.overheads replaces the outer one
    load, save = caching.Cache._load_overload, caching.Cache.save_overload

    def load_overload(self, sig, target_context):
        stamp(self)
        return load(self, sig, target_context)

    def save_overload(self, sig, data):
        stamp(self)
        return save(self, sig, data)

    caching.Cache._load_overload = load_overload
    caching.Cache.save_overload = save_overload
    _installed = True
