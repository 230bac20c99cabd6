"""The compile cache's key covers every clickpy module the element modules import.

A change to a module that kernels call (clickpy.rings, clickpy.datapath,
clickpy.rules...) changes the code numba links into the tasks, so it must
change the key of the generated module (clickpy.compile.cache): otherwise the
next start would run the stale cached task.
"""
import inspect

import pytest

from clickpy.compile import cache, dependencies
from elements.ip.checkipheader import CheckIPHeader
from elements.standard.classifier import Classifier
from elements.standard.queue import Queue


def key_with_changed(monkeypatch, classes, changed: str) -> str:
    """The key when module `changed` has one more comment line in its source."""
    getsource = inspect.getsource

    def source(obj):
        text = getsource(obj)
        return text + "\n# changed\n" if getattr(obj, "__name__", None) == changed else text

    with monkeypatch.context() as m:
        m.setattr(cache.inspect, "getsource", source)
        return cache.key("generated", classes)


@pytest.mark.parametrize("classes, module", [
    ({CheckIPHeader}, "clickpy.datapath.ipheader"),       # imported by the element module
    ({Classifier}, "clickpy.rules.decision_tree"),       # imported by the element module
    ({Classifier}, "clickpy.rules.ipfilter_expr"),       # imported by decision_tree: transitively
    ({Queue}, "elements.standard.simplequeue"),          # the base class's kernels
])
def test_a_change_in_an_imported_module_changes_the_key(monkeypatch, classes, module):
    assert module in {m.__name__ for m in dependencies.modules({inspect.getmodule(c) for c in classes})}
    assert key_with_changed(monkeypatch, classes, module) != cache.key("generated", classes)


def test_the_key_ignores_modules_not_imported(monkeypatch):
    assert (key_with_changed(monkeypatch, {CheckIPHeader}, "clickpy.rules.decision_tree")
            == cache.key("generated", {CheckIPHeader}))


def test_relative_and_plain_imports_are_read():
    class Fake:
        __name__ = "elements.ip.fake"
        __package__ = "elements.ip"
    source = ("import clickpy.packet as packet, numpy\n"
              "from . import checkipheader\n"
              "from ..standard.queue import Queue\n"
              "from clickpy.datapath import (\n    ipheader,\n    ipheader as h)\n"
              "def f():\n    from clickpy.rules import decision_tree\n")
    assert dependencies.imports(Fake, source) == {
        "clickpy.packet", "elements.ip", "elements.ip.checkipheader", "elements.standard.queue",
        "clickpy.datapath", "clickpy.datapath.ipheader", "clickpy.rules",
        "clickpy.rules.decision_tree"}
