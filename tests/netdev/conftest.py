"""Tests on real interfaces: namespaces and veth pairs this run makes and removes.

They need root and iproute2 (`ip netns`); elsewhere they are skipped with the
reason.  Every topology gets fresh names and is torn down even when a test
fails; traffic stays inside the namespaces the test made.
"""
import pytest

from clickpy import netns

WHY_NOT = netns.available()
needs_netns = pytest.mark.skipif(WHY_NOT is not None, reason=f"network namespaces: {WHY_NOT}")


@pytest.fixture
def topology():
    """Build a topology from a spec; removed at the end of the test, whatever happens."""
    made = []

    def build(spec, prefix="cpt"):
        t = netns.Topology(spec, prefix=prefix)
        made.append(t)
        return t.up()
    try:
        yield build
    finally:
        for t in made:
            t.down()
