"""Generated modules on disk, keyed by everything they depend on.

The key hashes the generated source, the source of every element module and
of the runtime modules it calls, of every clickpy or elements module those
import (transitively: clickpy.rings, clickpy.datapath, clickpy.rules... whose
numba functions the kernels call and numba links into the tasks), and the
numba, numpy and Python versions.
The module is written once under the cache folder and imported from there,
so numba's own `cache=True` finds its compiled code on the next start.
"""
from __future__ import annotations

import hashlib
import importlib.util
import inspect
import logging
import os
import sys
from types import ModuleType

import numba
import numpy

import clickpy
from clickpy import kernel, packet
from clickpy.compile import arraytable, callees, dependencies, indirect, inline
from clickpy.runtime import account, loopqueue

log = logging.getLogger(__name__)


def cache_dir() -> str:
    base = os.environ.get("CLICKPY_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "clickpy")
    return base


def key(source: str, classes) -> str:
    h = hashlib.sha256()
    h.update(source.encode())
    dependencies.hash_sources(h, {inspect.getmodule(c) for c in classes}
                              | {kernel, packet, account, loopqueue, arraytable, callees, indirect,
                                 inline})
    h.update(f"{clickpy.__version__} {numba.__version__} {numpy.__version__} {sys.version}".encode())
    return h.hexdigest()[:24]


def load(source: str, classes) -> ModuleType:
    """Import the generated module, writing it to the cache folder first if new."""
    inline.install()
    digest = key(source, classes)
    name = f"clickpy_tasks_{digest}"
    if name in sys.modules:
        return sys.modules[name]
    folder = cache_dir()
    path = os.path.join(folder, name + ".py")
    try:
        os.makedirs(folder, exist_ok=True)
        if not os.path.exists(path):
            tmp = f"{path}.{os.getpid()}.tmp"
            with open(tmp, "w") as f:
                f.write(source)
            os.replace(tmp, path)
            log.info("wrote %s", path)
        else:
            log.info("reusing %s", path)
    except OSError as e:  # read-only home: compile without the disk cache
        log.warning("cannot write the compile cache (%s); compiling in memory", e)
        module = ModuleType(name)
        exec(compile(source.replace("cache=True, ", ""), f"<{name}>", "exec"),
             module.__dict__)
        sys.modules[name] = module
        return module
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module
