"""`clickpy run --workers N`: one configuration on several processes, input spread by flow."""
import os
import re

import pytest
import yaml
from conftest import needs_netns
from nettools import Middlebox, Sniffer, ping, send_frames, who, who_server

from clickpy import netns
from clickpy.cli import main

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@needs_netns
def test_two_workers_forward_between_namespaces_and_both_see_packets():
    topo = netns.Topology.load(os.path.join(ROOT, "labs", "router.yaml"), prefix="cpw")
    topo.up()
    box = server = None
    replies = []
    try:
        box = Middlebox(topo, "r", ["configs/router.click", "--workers", "2",
                                    "-h", "arpq0.count", "-h", "out0.capacity",
                                    "-h", "rt.lookup 10.0.2.9"], cwd=ROOT)
        for _ in range(5):   # the first echo waits for ARP on both sides (in each worker)
            if ping(topo, "a", "10.0.2.2").returncode == 0:
                break
        assert ping(topo, "a", "10.0.2.2", count=3).returncode == 0
        server = who_server(topo, "b", 5001, connections=8)
        replies = [who(topo, "a", "10.0.2.2", 5001, size=50_000, timeout=10) for _ in range(8)]
    finally:
        try:
            if box is not None:
                rc, out, err = box.stop()
        finally:
            if server is not None:
                server.kill()
            topo.down()
    assert all(r.split() == ["10.0.1.2", "10.0.2.2", "50000"] for r in replies), replies
    assert rc == 0 and "Traceback" not in err, err[-3000:]
    m = re.search(r"packets in per worker: worker 0 (\d+), worker 1 (\d+)", err)
    assert m, err[-2000:]
    assert int(m.group(1)) > 0 and int(m.group(2)) > 0     # 8 TCP flows: both got some
    assert "account balances" in out
    values = out.split("out0.capacity:\n")[1].splitlines()[0]
    assert values == "200"                                   # equal in every worker: once
    assert out.split("rt.lookup 10.0.2.9:\n")[1].split()[0] == "2"   # a read with a parameter


def router_lab(queues: int, prefix: str) -> netns.Topology:
    """labs/router.yaml with `queues` receive and transmit queues on every veth."""
    with open(os.path.join(ROOT, "labs", "router.yaml")) as f:
        spec = yaml.safe_load(f)
    spec["links"] = [{"ends": link, "queues": queues} for link in spec["links"]]
    return netns.Topology(spec, prefix=prefix)


def xdp_attached(topo, ns: str, dev: str) -> bool:
    link = topo.run(ns, ["ip", "-d", "link", "show", "dev", dev]).stdout
    return "prog/xdp" in link or " xdp " in link


@needs_netns
def test_two_afxdp_workers_split_the_queues_and_forward_ping_and_udp_flows():
    """METHOD AFXDP under --workers 2 on veths with 2 queues: worker w reads queue w of
    each interface through one XDP program per interface; ping, 32 UDP flows and 4 TCP
    transfers cross the shipped router, both workers take packets in, and nothing stays
    attached."""
    scapy = pytest.importorskip("scapy.all")
    topo = router_lab(2, "cpwx").up()
    box = None
    try:
        box = Middlebox(topo, "r", ["configs/router.click", "METHOD=AFXDP", "--workers", "2",
                                    "-h", "arpq1.count"], cwd=ROOT)
        assert all(xdp_attached(topo, "r", dev) for dev in ("eth0", "eth1"))
        for _ in range(5):   # the first echo waits for ARP on both sides (in each worker)
            if ping(topo, "a", "10.0.2.2").returncode == 0:
                break
        r = ping(topo, "a", "10.0.2.2", count=3)
        assert r.returncode == 0 and r.stdout.count("reply 10.0.2.2 ttl 63") == 3, r.stdout
        frames = [scapy.Ether(src="02:00:00:00:01:02", dst="00:00:0a:00:01:01")
                  / scapy.IP(src="10.0.1.2", dst="10.0.2.2", ttl=10, id=5000 + i)
                  / scapy.UDP(sport=20000 + 7 * i, dport=5000) / scapy.Raw(b"flow %d" % i)
                  for i in range(32)]
        got = []
        for _ in range(3):   # a worker that has not resolved b yet holds its first packets
            sniff = Sniffer(topo, "b", "b0", seconds=3)
            send_frames(topo, "a", "a0", [f for f in frames if f[scapy.IP].id not in got])
            for raw in sniff.frames():
                p = scapy.Ether(raw)
                if scapy.UDP in p and p[scapy.UDP].dport == 5000 and p[scapy.IP].ttl == 9:
                    assert p.src == "00:00:0a:00:02:01" and p.dst == "02:00:00:00:02:02"
                    got.append(p[scapy.IP].id)
            if len(set(got)) == 32:
                break
        assert sorted(set(got)) == list(range(5000, 5032)), sorted(got)
        server = who_server(topo, "b", 5001, connections=4)
        try:
            replies = [who(topo, "a", "10.0.2.2", 5001, size=50_000, timeout=10)
                       for _ in range(4)]
        finally:
            server.kill()
        assert all(r.split() == ["10.0.1.2", "10.0.2.2", "50000"] for r in replies), replies
    finally:
        try:
            if box is not None:
                rc, out, err = box.stop()
            attached = [dev for dev in ("eth0", "eth1") if xdp_attached(topo, "r", dev)]
        finally:
            topo.down()
    assert rc == 0 and "Traceback" not in err, err[-3000:]
    m = re.search(r"packets in per worker: worker 0 (\d+), worker 1 (\d+)", err)
    assert m, err[-2000:]
    assert int(m.group(1)) > 0 and int(m.group(2)) > 0, m.group(0)   # both queues used
    assert "account balances" in out, out
    assert attached == []                                  # the parent detached them


@needs_netns
def test_afxdp_workers_are_refused_on_an_interface_with_too_few_queues():
    topo = router_lab(1, "cpwq").up()
    try:
        r = topo.run("r", ["python3", "-m", "clickpy", "run", "configs/router.click",
                           "METHOD=AFXDP", "--workers", "2"], cwd=ROOT, check=False, timeout=300)
        attached = [dev for dev in ("eth0", "eth1") if xdp_attached(topo, "r", dev)]
    finally:
        topo.down()
    assert r.returncode == 1, r.stderr[-2000:]
    assert "eth0 has 1 queue, and METHOD AFXDP needs one per worker" in r.stderr, r.stderr
    assert "numtxqueues 2 numrxqueues 2" in r.stderr and "Traceback" not in r.stderr
    assert attached == []


def test_address_rewriters_are_refused_with_a_reason(capsys):
    cfg = ("FromDevice(lo) -> Strip(14) -> CheckIPHeader -> rw :: IPRewriter(pattern 1.0.0.1 "
           "1024-65535 - - 0 1); rw[0] -> Discard; rw[1] -> Discard;")
    assert main(["run", "--quiet", "--workers", "2", "-e", cfg]) == 1
    err = capsys.readouterr().err
    assert "rw :: IPRewriter rewrites addresses" in err and "Traceback" not in err


def test_pcap_bindings_are_refused(tmp_path, capsys):
    assert main(["run", "--quiet", "--workers", "2", "--in", f"eth0={tmp_path}/x.pcap", "-e",
                 "FromDevice(eth0) -> Discard"]) == 1
    assert "--workers cannot bind devices to pcap files" in capsys.readouterr().err
    assert main(["run", "--workers", "0", "-e", "Idle -> Discard"]) == 2


def test_handler_values_are_summed_for_counters_shown_once_when_equal_else_per_worker():
    from clickpy.runtime.router import HandlerError
    from clickpy.runtime.workers import handler_text
    assert handler_text("c.count", ["3\n", "4\n"]) == "7"
    assert handler_text("q.capacity", ["200", "200"]) == "200"
    assert handler_text("q.capacity", ["200", "100"]) == "worker 0: 200\nworker 1: 100"
    assert handler_text("rt.table", ["a", "b"]) == "worker 0: a\nworker 1: b"
    assert handler_text("c.count", ["1", HandlerError("no")]) == "worker 0: 1\nworker 1: no"


def test_the_account_of_a_run_is_the_sum_of_the_workers():
    from clickpy.runtime.account import Account, combine
    a = Account(from_sources={"fd": 5}, forwarded={"td": 3}, drops={("c", "x"): 1}, held=1)
    b = Account(from_sources={"fd": 2}, created=1, forwarded={"td": 3})
    total = combine([a, b])
    assert total.from_sources == {"fd": 7} and total.forwarded == {"td": 6}
    assert total.drops == {("c", "x"): 1} and total.held == 1 and total.created == 1
    assert total.balanced and a.balanced and b.balanced
