"""pytest plugin: clickpy's toolkit as fixtures and markers.

Registered through the `pytest11` entry point (`clickpy = "clickpy.testing.plugin"`),
so installing clickpy is enough; from a source tree, `-p clickpy.testing.plugin`
(the project's own pyproject does that) loads it once either way.

Fixtures
    middlebox        factory: middlebox("router", yaml=False, tick_ns=..., NAME=value ...)
                     -> clickpy.testing.Middlebox, closed after the test
    clickpy_mode     the mode the factory opens configurations in ("memory" unless the
                     test is marked clickpy_network / clickpy_image, or parametrized)
Markers
    clickpy_network  the test runs its configurations over veth pairs in network namespaces
    clickpy_image    the test runs them on a booted unikernel image
    clickpy_modes("memory", reason="...")
                     the test runs only in the modes listed (under --clickpy-mode, the
                     others are skipped with the reason): for tests that need simulated
                     time or rounds, say
    Where the machine cannot run the mode, the test is skipped and the reason names
    what is missing: root, iproute2's `ip`, QEMU, gcc.  A verb a mode cannot do (a
    port an image does not have, step() on a real wire) raises ModeUnavailable, which
    skips the test in that mode with the reason.
Option
    --clickpy-mode=memory,network,image   run every test that uses `middlebox` in each
                                          listed mode (default: memory)
"""
from __future__ import annotations

import pytest

from clickpy.testing.backend import MODES, ModeUnavailable, unavailable

MARKERS = {"clickpy_network": "network", "clickpy_image": "image"}


def pytest_addoption(parser):
    group = parser.getgroup("clickpy")
    group.addoption("--clickpy-mode", default="memory", metavar="MODES",
                    help="comma-separated modes to run `middlebox` tests in "
                         f"({', '.join(MODES)}; default memory)")


def _modes(config) -> list[str]:
    return [m.strip() for m in config.getoption("clickpy_mode").split(",") if m.strip()]


def pytest_configure(config):
    for m in _modes(config):
        if m not in MODES:
            raise pytest.UsageError(f"--clickpy-mode: unknown mode {m!r} (modes: {', '.join(MODES)})")
    config.addinivalue_line("markers", "clickpy_network: runs configurations over veth pairs in "
                                       "network namespaces (skipped where the machine cannot)")
    config.addinivalue_line("markers", "clickpy_image: runs configurations on a booted unikernel "
                                       "image (skipped where the machine cannot)")
    config.addinivalue_line("markers", "clickpy_modes(*modes, reason): the test runs only in "
                                       "these modes; the others skip with the reason")


def _marked_mode(node) -> str | None:
    for marker, mode in MARKERS.items():
        if node.get_closest_marker(marker) is not None:
            return mode
    return None


def pytest_generate_tests(metafunc):
    if "middlebox" not in metafunc.fixturenames or _marked_mode(metafunc.definition):
        return
    for marker in metafunc.definition.iter_markers("parametrize"):
        names = marker.args[0] if marker.args else ""
        if "clickpy_mode" in (names.replace(" ", "").split(",") if isinstance(names, str)
                              else names):
            return                          # the test chose its modes itself
    modes = _modes(metafunc.config)
    if modes != ["memory"]:
        metafunc.parametrize("clickpy_mode", modes, indirect=True)


def pytest_runtest_setup(item):
    mode = _marked_mode(item)
    if mode is not None:
        reason = unavailable(mode)
        if reason:
            pytest.skip(reason)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A verb the test's mode cannot do (ModeUnavailable) skips the test, with the reason."""
    outcome = yield
    report = outcome.get_result()
    if report.failed and call.excinfo is not None and call.excinfo.errisinstance(ModeUnavailable):
        path, line, _ = item.location
        report.outcome = "skipped"
        report.longrepr = (str(item.path), (line or 0) + 1, f"Skipped: {call.excinfo.value}")


@pytest.fixture
def clickpy_mode(request) -> str:
    """The mode `middlebox` opens configurations in."""
    mode = getattr(request, "param", None) or _marked_mode(request.node) or "memory"
    only = request.node.get_closest_marker("clickpy_modes")
    if only is not None and mode not in only.args:
        pytest.skip(f"{mode} mode: " + only.kwargs.get("reason", "the test runs only in "
                                                       + ", ".join(only.args) + " mode"))
    reason = unavailable(mode)
    if reason:
        pytest.skip(reason)
    return mode


@pytest.fixture
def middlebox(clickpy_mode):
    """Factory: middlebox("nat", yaml=True, RATE="1Mbps") opens a configuration (a shipped
    name, a .click/.yaml path, or text) in the test's mode; all are closed afterwards."""
    from clickpy.testing.middlebox import open_middlebox
    opened = []

    def factory(config, yaml: bool = False, tick_ns: int | None = None, **definitions):
        try:
            mb = open_middlebox(config, clickpy_mode, yaml=yaml, tick_ns=tick_ns, **definitions)
        except ModeUnavailable as e:
            pytest.skip(str(e))
        opened.append(mb)
        return mb

    yield factory
    for mb in opened:
        mb.close()
