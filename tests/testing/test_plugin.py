"""The pytest plugin: fixtures, markers and the mode option, in an inner pytest run."""
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytest_plugins = ["pytester"]

INNER = '''
import pytest
from clickpy.testing import simple_udp_packet

def test_memory(middlebox, clickpy_mode):
    wire = middlebox("wire")
    wire.send("eth0", simple_udp_packet())
    wire.verify_packets(simple_udp_packet(), ["eth1"])
    assert clickpy_mode == "memory"

@pytest.mark.clickpy_network
def test_network(middlebox):
    raise AssertionError("must not run: network mode is not available")

@pytest.mark.clickpy_image
def test_image():
    raise AssertionError("must not run: image mode is not available")

@pytest.mark.clickpy_modes("memory", reason="counts rounds")
def test_rounds(middlebox):
    assert middlebox("wire").step(3) == 0
'''


def _installed():
    from importlib.metadata import entry_points
    return any(ep.value == "clickpy.testing.plugin" for ep in entry_points(group="pytest11"))


# Installed, clickpy's pytest11 entry point loads the plugin; `-p` again would register it twice.
PLUGIN = [] if _installed() else ["-p", "clickpy.testing.plugin"]


@pytest.fixture(autouse=True)
def this_tree(monkeypatch, tmp_path):
    """Inner runs import this tree's clickpy (not another installed one), and find no
    `ip`, qemu or gcc on their PATH: network and image mode are unavailable there."""
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    empty = tmp_path / "no-tools"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))


def test_markers_skip_with_the_reason(pytester):
    pytester.makepyfile(INNER)
    result = pytester.runpytest_subprocess(*PLUGIN, "-rs", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=2, skipped=2)
    result.stdout.fnmatch_lines(["*SKIPPED*network mode needs*", "*SKIPPED*image mode needs*"])


def test_the_mode_option_runs_middlebox_tests_in_each_mode(pytester):
    pytester.makepyfile(INNER)
    result = pytester.runpytest_subprocess(*PLUGIN, "-rs", "-p", "no:cacheprovider",
                                "--clickpy-mode=memory,image", "-k", "test_memory")
    result.assert_outcomes(passed=1, skipped=1)
    result.stdout.fnmatch_lines(["*SKIPPED*image mode needs*"])
    only = pytester.runpytest_subprocess(*PLUGIN, "-rs", "-p", "no:cacheprovider",
                                         "--clickpy-mode=memory,network", "-k", "test_rounds")
    only.assert_outcomes(passed=1, skipped=1)
    only.stdout.fnmatch_lines(["*SKIPPED*network mode: counts rounds*"])
    bad = pytester.runpytest_subprocess(*PLUGIN, "--clickpy-mode=cloud")
    assert bad.ret != 0
    bad.stderr.fnmatch_lines(["*unknown mode 'cloud'*"])


def test_installed_or_not_the_plugin_is_registered_once(pytester, monkeypatch):
    """tests/conftest.py loads the plugin only when no pytest11 entry point does."""
    conftest = (ROOT / "tests" / "conftest.py").read_text()
    pytester.makeconftest(conftest)
    pytester.makepyfile(INNER)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-k", "test_memory")
    result.assert_outcomes(passed=1)                     # from a source tree: conftest loads it
    site = pytester.mkdir("site")
    dist = site / "clickpy_fake-0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: clickpy-fake\nVersion: 0\n")
    (dist / "entry_points.txt").write_text("[pytest11]\nclickpy = clickpy.testing.plugin\n")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(site), str(ROOT)]))
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-k", "test_memory")
    result.assert_outcomes(passed=1)                     # installed: the entry point loads it
