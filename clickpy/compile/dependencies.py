"""Which clickpy and elements modules a module depends on, and a digest of their sources.

Numba links a callee's code into its callers: a task holds the kernels it
calls, a kernel the helpers it calls from other modules (clickpy.packet,
clickpy.rings...).  Numba's disk cache checks only the caller's own file, so
compiled code that holds another module's functions must be keyed by that
module's source too: clickpy.compile.cache keys the generated task modules
with modules(), clickpy.compile.stamps stamps each kernel's cache entries
with digest().
"""
from __future__ import annotations

import functools
import hashlib
import importlib
import importlib.util
import inspect
import re
import sys
from types import ModuleType

OWN_PACKAGES = ("clickpy", "elements")   # the modules followed


def own(name: str) -> bool:
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


def imports(mod: ModuleType, source: str) -> set[str]:
    """Names of the clickpy / elements modules that `mod` imports (anywhere in its source).

    A regular expression, not ast: parsing the router's 63 modules took 0.35 s of a
    cached start; this takes a few milliseconds."""
    found = set()
    for m in _IMPORT.finditer(source):
        if m.group(3) is not None:   # import a.b [as c], d
            found.update(n for n in (p.split()[0] for p in m.group(3).split(",") if p.strip()) if own(n))
            continue
        base, names = m.group(1), m.group(2)
        if base.startswith("."):   # relative: from .x import y
            level = len(base) - len(base.lstrip("."))
            package = (mod.__package__ or "").split(".")
            rest = base.lstrip(".")
            base = ".".join(package[:len(package) - level + 1] + ([rest] if rest else []))
        if not own(base):
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


def _walk(roots) -> dict[str, tuple[ModuleType, str]]:
    """Name -> (module, source) for `roots` and every clickpy / elements module they
    import, transitively."""
    seen: dict[str, tuple[ModuleType, str]] = {}
    todo = list(roots)
    while todo:
        mod = todo.pop()
        if mod is None or mod.__name__ in seen:
            continue
        source = inspect.getsource(mod)
        seen[mod.__name__] = (mod, source)
        todo += [_module(n) for n in imports(mod, source) if n not in seen]
    return seen


def modules(roots) -> list[ModuleType]:
    """`roots` and every clickpy / elements module they import, transitively, by name."""
    seen = _walk(roots)
    return [seen[n][0] for n in sorted(seen)]


def hash_sources(h, roots) -> None:
    """Feed hash `h` the name and source of each module of modules(roots), in that order."""
    for name, (_, source) in sorted(_walk(roots).items()):
        h.update(name.encode())
        h.update(source.encode())


@functools.lru_cache(maxsize=None)
def digest(name: str) -> str:
    """A hash of the sources of module `name` and of every module it depends on (once
    per process: sources do not change under a running program)."""
    h = hashlib.sha256()
    hash_sources(h, {_module(name)})
    return h.hexdigest()[:24]
