"""The shipped firewall, NAT and load balancer between real kernels, over PACKET_MMAP."""
import os
import sys
import textwrap

from conftest import needs_netns
from nettools import Middlebox, Sniffer, ping, who, who_server
from scapy.layers.inet import ICMP, IP
from scapy.layers.l2 import Ether

pytestmark = needs_netns

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
R0, R1 = "00:00:0a:00:01:01", "00:00:0a:00:02:01"
# A connected UDP socket's send to HOST:PORT, then what comes back: "refused" when an ICMP
# port unreachable for it arrives, "data" or "timeout" otherwise.
UDP_PROBE = textwrap.dedent("""
    import socket, sys
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.connect((sys.argv[1], int(sys.argv[2])))
    s.settimeout(3)
    s.send(b"anyone there?")
    try:
        s.recv(100)
        print("data")
    except ConnectionRefusedError:
        print("refused")
    except socket.timeout:
        print("timeout")
""")


def two_hosts(a_addrs, b_addrs, a_routes=(), b_routes=(), middle_macs=(None, None)):
    """a <-> m <-> b; m's eth0/eth1 carry no addresses: the middlebox is the configuration."""
    m0, m1 = ({"mac": mac} if mac else {} for mac in middle_macs)
    return {
        "namespaces": {
            "a": {"interfaces": {"a0": {"mac": "02:00:00:00:01:02", "addrs": list(a_addrs)}},
                  "routes": list(a_routes)},
            "m": {"interfaces": {"eth0": m0, "eth1": m1}},
            "b": {"interfaces": {"b0": {"mac": "02:00:00:00:02:02", "addrs": list(b_addrs)}},
                  "routes": list(b_routes)},
        },
        "links": [["a:a0", "m:eth0"], ["m:eth1", "b:b0"]],
    }


def finish(box):
    rc, out, err = box.stop()
    assert "Traceback" not in err and "account balances" in out, out + err[-2000:]


def test_firewall_allows_listed_flows_and_their_replies_only(topology):
    t = topology(two_hosts(["10.0.0.1/24"], ["10.0.0.2/24"]))
    box = Middlebox(t, "m", ["configs/firewall.click"], cwd=ROOT)
    try:
        server = who_server(t, "b", 80, 1)
        assert who(t, "a", "10.0.0.2", 80) == "10.0.0.1 10.0.0.2 100000"   # allowed, replies in
        server.wait(10)
        who_server(t, "b", 8080, 1)
        assert who(t, "a", "10.0.0.2", 8080, timeout=2) == "failed TimeoutError"   # not listed
        who_server(t, "a", 80, 1)
        assert who(t, "b", "10.0.0.1", 80, timeout=2) == "failed TimeoutError"     # outside in
        # Pings go out and their replies come back; the outside cannot ping in.
        r = ping(t, "a", "10.0.0.2", count=2)
        assert r.returncode == 0 and r.stdout.count("reply 10.0.0.2") == 2, r.stdout + r.stderr
        assert ping(t, "b", "10.0.0.1").returncode == 1
    finally:
        finish(box)


def test_nat_rewrites_both_ways(topology):
    t = topology(two_hosts(["10.0.1.2/24"], ["10.0.2.2/24"], ["default via 10.0.1.1"], (),
                           (R0, R1)))
    box = Middlebox(t, "m", ["configs/nat.click"], cwd=ROOT)
    try:
        server = who_server(t, "b", 80, 2)
        # The outside sees the NAT's address; the inside gets its replies back.
        assert who(t, "a", "10.0.2.2", 80) == "10.0.2.1 10.0.2.2 100000"
        assert who(t, "a", "10.0.2.2", 80, size=1_000_000) == "10.0.2.1 10.0.2.2 1000000"
        server.wait(10)
        who_server(t, "a", 80, 1)
        assert who(t, "b", "10.0.1.2", 80, timeout=2).startswith("failed")   # no way in
        # Pings too: b sees them come from the NAT, a gets the replies from b.
        sniff = Sniffer(t, "b", "b0", seconds=4)
        r = ping(t, "a", "10.0.2.2", count=2)
        assert r.returncode == 0 and r.stdout.count("reply 10.0.2.2") == 2, r.stdout + r.stderr
        echoes = [Ether(f)[IP] for f in sniff.frames()
                  if ICMP in Ether(f) and Ether(f)[ICMP].type == 8]
        assert len(echoes) == 2 and {e.src for e in echoes} == {"10.0.2.1"}
        assert ping(t, "b", "10.0.1.2").returncode == 1
        # b's kernel answers UDP to a closed port with ICMP port unreachable, sent to the
        # NAT's address; ICMPRewriter brings it back to a, whose socket sees the refusal.
        r = t.run("a", [sys.executable, "-c", UDP_PROBE, "10.0.2.2", "9"], check=False,
                  timeout=30)
        assert r.stdout.strip() == "refused", r.stdout + r.stderr
    finally:
        finish(box)


def test_load_balancer_spreads_flows_over_backends(topology):
    backends = ["10.0.1.11/24", "10.0.1.12/24", "10.0.1.13/24"]
    t = topology(two_hosts(backends, ["10.0.2.2/24"], ["10.0.2.0/24 via 10.0.1.1"], (),
                           (R0, R1)))
    box = Middlebox(t, "m", ["configs/loadbalancer.click"], cwd=ROOT)
    try:
        server = who_server(t, "a", 80, 6)
        seen = [who(t, "b", "10.0.2.100", 80, size=10_000) for _ in range(6)]
        server.wait(10)
        r = ping(t, "b", "10.0.2.100", count=2)      # the balancer answers for its address
        assert r.returncode == 0 and r.stdout.count("reply 10.0.2.100") == 2, r.stdout + r.stderr
    finally:
        finish(box)
    locals_ = [s.split()[1] for s in seen]
    assert all(s.split()[0] == "10.0.2.2" and s.endswith(" 10000") for s in seen), seen
    # Round robin: each backend gets two of the six flows.
    assert sorted(locals_) == ["10.0.1.11", "10.0.1.11", "10.0.1.12", "10.0.1.12",
                               "10.0.1.13", "10.0.1.13"], seen
