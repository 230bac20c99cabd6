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
import importlib
import importlib.util
import inspect
import logging
import os
import re
import sys
from types import ModuleType

import numba
import numpy

import clickpy
from clickpy import kernel, packet
from clickpy.compile import arraytable, callees, inline
from clickpy.runtime import account, loopqueue

log = logging.getLogger(__name__)


def cache_dir() -> str:
    base = os.environ.get("CLICKPY_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "clickpy")
    return base


OWN_PACKAGES = ("clickpy", "elements")   # modules whose source the key covers


def _own(name: str) -> bool:
    return name.split(".")[0] in OWN_PACKAGES


def _module(name: str) -> ModuleType | None:
    if name in sys.modules:
        return sys.modules[name]
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


_IMPORT = re.compile(r"^[ \t]*(?:from[ \t]+(\.*[\w.]*)[ \t]+import[ \t]+(\([^)]*\)|[^\n#]*)"
                     r"|import[ \t]+([\w., \t]+))", re.M)


def _imports(mod: ModuleType, source: str) -> set[str]:
    """Names of the clickpy / elements modules that `mod` imports (anywhere in its source).

    A regular expression, not ast: parsing the router's 63 modules took 0.35 s of a
    cached start; this takes a few milliseconds."""
    found = set()
    for m in _IMPORT.finditer(source):
        if m.group(3) is not None:   # import a.b [as c], d
            found.update(n for n in (p.split()[0] for p in m.group(3).split(",") if p.strip()) if _own(n))
            continue
        base, names = m.group(1), m.group(2)
        if base.startswith("."):   # relative: from .x import y
            level = len(base) - len(base.lstrip("."))
            package = (mod.__package__ or "").split(".")
            rest = base.lstrip(".")
            base = ".".join(package[:len(package) - level + 1] + ([rest] if rest else []))
        if not _own(base):
            continue
        found.add(base)
        for part in names.strip("()").split(","):   # from clickpy.datapath import ipheader: a module
            name = part.split()[0] if part.split() else ""
            if name and name != "*" and (f"{base}.{name}" in sys.modules or _is_submodule(base, name)):
                found.add(f"{base}.{name}")
    return found


def _is_submodule(base: str, name: str) -> bool:
    parent = _module(base)
    return getattr(parent, "__path__", None) is not None and importlib.util.find_spec(f"{base}.{name}") is not None


def dependencies(modules) -> list[ModuleType]:
    """`modules` and every clickpy / elements module they import, transitively, by name."""
    seen: dict[str, tuple[ModuleType, str]] = {}
    todo = list(modules)
    while todo:
        mod = todo.pop()
        if mod is None or mod.__name__ in seen:
            continue
        source = inspect.getsource(mod)
        seen[mod.__name__] = (mod, source)
        todo += [_module(n) for n in _imports(mod, source) if n not in seen]
    return [seen[n][0] for n in sorted(seen)]


def key(source: str, classes) -> str:
    h = hashlib.sha256()
    h.update(source.encode())
    for mod in dependencies({inspect.getmodule(c) for c in classes}
                            | {kernel, packet, account, loopqueue, arraytable, callees, inline}):
        h.update(mod.__name__.encode())
        h.update(inspect.getsource(mod).encode())
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
