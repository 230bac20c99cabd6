"""clickpy.netns and `clickpy lab`: topologies built, used and removed without leftovers."""
import json
import os
import subprocess
import sys

import pytest
from conftest import needs_netns
from nettools import ping

from clickpy import netns
from clickpy.cli import main

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ROUTER_LAB = os.path.join(ROOT, "labs", "router.yaml")

PAIR = {
    "namespaces": {
        "x": {"interfaces": {"x0": {"mac": "02:00:00:00:00:01", "addrs": ["10.9.0.1/24"]}},
              "neighbours": [{"ip": "10.9.0.2", "mac": "02:00:00:00:00:02", "dev": "x0"}],
              "routes": ["10.8.0.0/16 via 10.9.0.2"]},
        "y": {"interfaces": {"y0": {"mac": "02:00:00:00:00:02", "addrs": ["10.9.0.2/24"],
                                    "mtu": 1400}},
              "sysctls": {"net.ipv4.ip_forward": 1}},
    },
    "links": [["x:x0", "y:y0"]],
}


@pytest.mark.parametrize("spec, message", [
    ({"links": []}, "'namespaces' must map"),
    ({"namespaces": {"a": {}}, "links": [["a:a0"]]}, "give two ends"),
    ({"namespaces": {"a": {}}, "links": [["a:a0", "b:b0"]]}, "no namespace 'b'"),
    ({"namespaces": {"a": {}, "b": {}}, "links": [["a:averyveryverylongname", "b:b0"]]},
     "must be 1 to 15"),
    ({"namespaces": {"a": {"interfaces": {"a0": {"addrs": ["10.0.0.1"]}}}, "b": {}},
      "links": [["a:a0", "b:b0"]]}, "needs a prefix length"),
    ({"namespaces": {"a": {"interfaces": {"a1": {}}}}}, "interface a1 is on no link"),
    ({"namespaces": {"a": {}, "b": {}}, "links": [["a:a0", "b:b0"], ["a:a0", "b:b1"]]},
     "already the end"),
    ({"namespaces": {"a": {"neighbours": [{"ip": "1.2.3.4", "mac": "zz", "dev": "a0"}]}}},
     "bad Ethernet address"),
    ({"namespaces": {"a": {}}, "wires": []}, "unknown topology key 'wires'"),
    ({"namespaces": {"a": {}, "b": {}}, "links": [{"ends": ["a:a0", "b:b0"], "queues": 0}]},
     "queues must be a number"),
    ({"namespaces": {"a": {}, "b": {}}, "links": [{"ends": ["a:a0", "b:b0"], "mtu": 9}]},
     "unknown key 'mtu'"),
])
def test_bad_specs_are_refused_before_anything_is_built(spec, message):
    with pytest.raises(netns.TopologyError, match=message):
        netns.Topology(spec)


def test_names_are_unique_per_run():
    a, b = netns.Topology(PAIR), netns.Topology(PAIR)
    assert a.names["x"] != b.names["x"] and a.names["x"].startswith("cp-")
    assert a.names["x"].endswith("-x")


@needs_netns
def test_pair_is_built_as_specified_and_removed(topology):
    t = topology(PAIR)
    names = list(t.names.values())
    assert all(netns.netns_exists(n) for n in names)
    assert t.mac("y", "y0") == "02:00:00:00:00:02"
    assert "mtu 1400" in t.run("y", ["ip", "link", "show", "y0"]).stdout
    assert t.run("y", ["cat", "/proc/sys/net/ipv4/ip_forward"]).stdout.strip() == "1"
    assert t.run("x", ["cat", "/proc/sys/net/ipv4/ip_forward"]).stdout.strip() == "0"
    assert t.run("x", ["cat", "/proc/sys/net/ipv6/conf/all/disable_ipv6"]).stdout.strip() == "1"
    neigh = t.run("x", ["ip", "neigh", "show", "dev", "x0"]).stdout
    assert "10.9.0.2 lladdr 02:00:00:00:00:02 PERMANENT" in neigh
    assert "10.8.0.0/16 via 10.9.0.2" in t.run("x", ["ip", "route"]).stdout
    r = ping(t, "x", "10.9.0.2", count=2)
    assert r.returncode == 0 and r.stdout.count("reply 10.9.0.2") == 2, r.stdout + r.stderr
    t.down()
    assert not any(netns.netns_exists(n) for n in names)


@needs_netns
def test_failure_midway_removes_what_was_built():
    spec = {"namespaces": {"a": {"routes": ["10.0.0.0/8 via 192.0.2.1"]}, "b": {}},
            "links": [["a:a0", "b:b0"]]}   # the gateway is unreachable: ip route add fails
    t = netns.Topology(spec, prefix="cpf")
    with pytest.raises(netns.TopologyError, match="route add"):
        t.up()
    assert not any(netns.netns_exists(n) for n in t.names.values())


@needs_netns
def test_context_manager_cleans_up_when_the_body_raises():
    t = netns.Topology(PAIR, prefix="cpe")
    with pytest.raises(RuntimeError):
        with t:
            p = t.popen("x", [sys.executable, "-c", "import time; time.sleep(60)"])
            raise RuntimeError("test failed")
    assert p.poll() is not None
    assert not any(netns.netns_exists(n) for n in t.names.values())


@needs_netns
def test_lab_up_status_down(tmp_path, capsys):
    state = str(tmp_path / "lab.json")
    assert main(["lab", "up", ROUTER_LAB, "--state", state, "--prefix", "cpl"]) == 0
    try:
        rec = json.load(open(state))
        names = rec["created"]
        assert len(names) == 3 and all(netns.netns_exists(n) for n in names)
        assert main(["lab", "up", ROUTER_LAB, "--state", state]) == 1      # already up
        assert "already up" in capsys.readouterr().err
        assert main(["lab", "status", ROUTER_LAB, "--state", state]) == 0
        out = capsys.readouterr().out
        assert "10.0.1.2/24" in out and "10.0.2.2/24" in out
    finally:
        assert main(["lab", "down", ROUTER_LAB, "--state", state]) == 0
    assert not any(netns.netns_exists(n) for n in names)
    assert not os.path.exists(state)


def test_lab_usage_errors(tmp_path, capsys):
    with pytest.raises(SystemExit) as e:
        main(["lab", "sideways", ROUTER_LAB])
    assert e.value.code == 2
    r = subprocess.run([sys.executable, "-m", "clickpy", "lab", "status", str(tmp_path / "x.yaml"),
                        "--state", str(tmp_path / "none.json")], capture_output=True, text=True,
                       cwd=ROOT)
    assert r.returncode == 0 and "not up" in r.stdout
