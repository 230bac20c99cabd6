"""ToHost and FromHost over tap devices: the host's own stack as the configuration's device."""
import os
import sys

import pytest
from conftest import needs_netns
from nettools import Middlebox, Sniffer, ping

from clickpy import netns

scapy = pytest.importorskip("scapy.all")
from scapy.all import ICMP, IP, Ether  # noqa: E402

pytestmark = [needs_netns, pytest.mark.skipif(not os.path.exists("/dev/net/tun"),
                                              reason="no /dev/net/tun (tun driver)")]

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TAP_MAC, BOX_MAC = "02:00:00:00:09:01", "02:00:00:00:09:02"
# Click's test-tap.click idiom: the host reaches a pretend neighbour 10.9.0.2 through the
# tap; the configuration answers its ARP queries and its pings.
PINGED = f"""
fh :: FromHost(fh0, 10.9.0.1/24, ETHER {TAP_MAC})
    -> c :: Classifier(12/0806 20/0001, 12/0800, -);
toh :: ToHost(fh0);
c[0] -> ARPResponder(10.9.0.2 {BOX_MAC}) -> toh;
c[1] -> Strip(14) -> CheckIPHeader -> ICMPPingResponder
     -> EtherEncap(0x0800, {BOX_MAC}, {TAP_MAC}) -> toh;
c[2] -> Discard;
"""


def handlers(out):
    lines = out.splitlines()
    return {lines[i][:-1]: lines[i + 1].strip() for i in range(len(lines) - 1)
            if lines[i].endswith(":") and "." in lines[i]}


def test_the_host_pings_a_configuration_through_fromhost_and_tohost(topology):
    t = topology({"namespaces": {"h": {}}, "links": []}, prefix="cph")
    box = Middlebox(t, "h", ["-e", PINGED, "-h", "fh.count", "-h", "toh.count",
                             "-h", "toh.drops", "-h", "fh.dev_name"], cwd=ROOT)
    try:
        link = t.run("h", ["ip", "-o", "addr", "show", "dev", "fh0"]).stdout
        assert "10.9.0.1/24" in link
        r = ping(t, "h", "10.9.0.2", count=3)
    finally:
        rc, out, err = box.stop()
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.count("reply 10.9.0.2 ttl") == 3
    assert rc == 0 and "Traceback" not in err, err[-2000:]
    h = handlers(out)
    assert int(h["fh.count"]) >= 4              # an ARP query and three echo requests
    assert int(h["toh.count"]) >= 4 and h["toh.drops"] == "0" and h["fh.dev_name"] == "fh0"
    assert "account balances" in out
    gone = t.run("h", ["ip", "link", "show", "fh0"], check=False)
    assert gone.returncode != 0                   # the tap went with the process


def test_the_shipped_router_delivers_to_the_host_through_a_tap():
    topo = netns.Topology.load(os.path.join(ROOT, "labs", "router.yaml"), prefix="cpt")
    topo.up()
    box = None
    try:
        box = Middlebox(topo, "r", ["configs/router.click", "-h", "toh.count"], cwd=ROOT)
        sniff = Sniffer(topo, "r", "tohost0", seconds=6)
        for _ in range(3):                       # to the router's own address: rt[0] -> toh
            ping(topo, "a", "10.0.1.1", timeout=30)
        frames = [Ether(f) for f in sniff.frames()]
    finally:
        try:
            if box is not None:
                rc, out, err = box.stop()
        finally:
            topo.down()
    echoes = [f for f in frames if IP in f and ICMP in f and f[IP].dst == "10.0.1.1"
              and f[ICMP].type == 8]
    assert echoes, [f.summary() for f in frames]
    assert echoes[0][IP].src == "10.0.1.2" and echoes[0].type == 0x0800
    assert rc == 0, err[-2000:]
    assert int(out.splitlines()[0]) >= len(echoes)     # one -h: its value alone, as Click


def test_a_device_that_is_not_a_tap_is_a_clean_error(topology):
    t = topology({"namespaces": {"h": {}}, "links": []}, prefix="cpe")
    t.run("h", ["ip", "link", "add", "notatap", "type", "veth", "peer", "name", "notatap1"])
    r = t.run("h", [sys.executable, "-m", "clickpy", "run", "--quiet", "-e",
                    "Idle -> ToHost(notatap)"],
              cwd=ROOT, check=False)
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert "notatap: cannot create the tap device" in r.stderr, r.stderr
