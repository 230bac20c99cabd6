"""Loads clickpy's pytest plugin when running from a source tree.

Installed, clickpy registers the plugin through its `pytest11` entry point;
loading it here as well would register it twice, so this only loads it when
that entry point is absent (or plugin autoloading is off).
"""
import os
from importlib.metadata import entry_points


def _installed() -> bool:
    if os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD"):
        return False
    return any(ep.value == "clickpy.testing.plugin" for ep in entry_points(group="pytest11"))


pytest_plugins = [] if _installed() else ["clickpy.testing.plugin"]
