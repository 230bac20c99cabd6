"""Configuration front ends: Click language and YAML, into one syntax tree.

`load_file` picks the front end by extension (.yaml/.yml, anything else is
Click), follows `require(library FILE)` / YAML `include:` inclusions, and
returns a Scope whose declarations, classes and defines include the
included files'.
"""
from __future__ import annotations

import os

from clickpy.diagnostics import ConfigError, SourcePos, error
from clickpy.lang.ast import Scope

MAX_INCLUDE_DEPTH = 16
MAX_FILE_BYTES = 64 * 1024 * 1024
YAML_SUFFIXES = (".yaml", ".yml")


def is_yaml(path: str) -> bool:
    return path.lower().endswith(YAML_SUFFIXES)


def parse_text(text: str, file: str = "<config>", yaml: bool | None = None) -> Scope:
    """Parse one configuration text (no inclusion)."""
    if yaml is None:
        yaml = is_yaml(file)
    if yaml:
        from clickpy.lang.yaml_loader import parse_yaml
        return parse_yaml(text, file)
    from clickpy.lang.click_parser import parse_click
    return parse_click(text, file)


def read_text(path: str, pos: SourcePos | None = None) -> str:
    """A configuration file's text; unreadable files are user errors, not tracebacks."""
    where = pos or SourcePos(path, 0, 0)
    try:
        size = os.path.getsize(path)
        if size > MAX_FILE_BYTES:
            raise error(f"{path}: file too large ({size} bytes)", where,
                        f"configurations are limited to {MAX_FILE_BYTES} bytes")
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        raise error(f"cannot read {path}: {e.strerror}", where,
                    "check the file name and permissions") from None
    return data.decode("utf-8", errors="surrogateescape")


def load_file(path: str) -> Scope:
    """Parse a configuration file and everything it includes."""
    return _load(path, None, ())


def load_text(text: str, file: str = "<config>", yaml: bool | None = None) -> Scope:
    """Parse configuration text (from `-e`, say); inclusions are relative to the cwd."""
    scope = parse_text(text, file, yaml)
    _include(scope, os.getcwd(), (file,))
    return scope


def _load(path: str, pos: SourcePos | None, chain: tuple[str, ...]) -> Scope:
    real = os.path.realpath(path)
    if real in chain:
        raise error(f"{path} includes itself", pos or SourcePos(path, 0, 0),
                    "inclusion chain: " + " -> ".join(chain + (real,)))
    if len(chain) >= MAX_INCLUDE_DEPTH:
        raise error(f"inclusions nested more than {MAX_INCLUDE_DEPTH} deep", pos or SourcePos(path, 0, 0))
    scope = parse_text(read_text(path, pos), path)
    _include(scope, os.path.dirname(path) or ".", chain + (real,))
    return scope


def _include(scope: Scope, base: str, chain: tuple[str, ...]) -> None:
    """Merge `require(library F)` files into scope; included definitions come first."""
    for req in scope.requires:
        if req.kind != "library":
            continue
        target = req.value.strip().strip('"').strip("'")
        path = target if os.path.isabs(target) else os.path.join(base, target)
        try:
            included = _load(path, req.pos, chain)
        except ConfigError:
            raise
        scope.classes[:0] = included.classes
        scope.defines[:0] = included.defines
        scope.declarations[:0] = included.declarations
        scope.connections[:0] = included.connections
