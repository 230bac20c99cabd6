"""Find and check the configuration a test names: a shipped name, a file, or text.

`open_middlebox("router")` means configs/router.click (`yaml=True`:
configs/router.yaml); a path ending in .click, .yaml or .yml is read as it
is; anything with a newline, `->` or `::` is configuration text.  Errors in
the configuration raise ConfigError with every diagnostic, formatted as
`clickpy check` prints them.
"""
from __future__ import annotations

from pathlib import Path

import networkx as nx

from clickpy.check import check_graph
from clickpy.diagnostics import ConfigError
from clickpy.graph import build_graph
from clickpy.lang import load_file, load_text

CONFIGS = Path(__file__).resolve().parents[2] / "configs"


def shipped() -> list[str]:
    """Names of the shipped middleboxes (configs/*.click)."""
    return sorted(p.stem for p in CONFIGS.glob("*.click"))


def config_path(name: str, yaml: bool = False) -> Path:
    """A shipped middlebox's file, in Click language or YAML."""
    return CONFIGS / f"{name}.{'yaml' if yaml else 'click'}"


def _is_text(config: str) -> bool:
    return "\n" in config or "->" in config or "::" in config


def describe(config: str | Path, yaml: bool = False) -> str:
    """A short name for the configuration, for messages and folders."""
    if isinstance(config, Path) or (not _is_text(config) and Path(config).suffix):
        return Path(config).stem
    return "config" if _is_text(config) else config


def resolve(config: str | Path, yaml: bool = False) -> Path | str:
    """The file a name or path means, or the text itself."""
    if isinstance(config, Path):
        return config
    if _is_text(config):
        return config
    if Path(config).suffix in (".click", ".yaml", ".yml"):
        return Path(config)
    path = config_path(config, yaml)
    if not path.exists():
        raise FileNotFoundError(f"no shipped middlebox named {config!r} (shipped: "
                                f"{', '.join(shipped())}); or give a .click/.yaml path")
    return path


def load(config: str | Path, yaml: bool = False, **definitions: str) -> nx.MultiDiGraph:
    """The configuration, flattened and checked; ConfigError if it has errors."""
    where = resolve(config, yaml)
    if isinstance(where, Path):
        if not where.is_file():
            raise FileNotFoundError(f"cannot read {str(where)!r}: no such file")
        scope = load_file(str(where))
    else:
        scope = load_text(where, "<config>", yaml=yaml)
    result = check_graph(build_graph(scope, definitions or None))
    if result.errors:
        raise ConfigError(result.errors)
    return result.graph
