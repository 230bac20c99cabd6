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


def _scapy_offline() -> None:
    """Frames built as Ether()/IP(dst=...) leave the destination MAC to scapy, which would
    find it by ARPing (or sending neighbour solicitations) on this machine's own interface.
    Tests send only inside namespaces they made: such frames get the broadcast address,
    which is what scapy falls back to when it cannot resolve."""
    try:
        from scapy.layers.l2 import Neighbor
    except ImportError:
        return
    Neighbor.resolve = lambda self, l2, l3: None


_scapy_offline()


def _kernel_caches_follow_their_helpers() -> None:
    """Tests call kernels from Python, and numba loads those from its disk cache too: have
    their entries stamped with the sources of the modules they call into, as a run's are
    (clickpy.compile.stamps), so that a changed helper is never tested in its old form."""
    from clickpy.compile import stamps
    stamps.install()


_kernel_caches_follow_their_helpers()
