"""AF_XDP sockets on real interfaces: frames through, the host bypassed, queues, cleanup."""
import json
import os
import subprocess
import sys

import pytest
from conftest import needs_netns
from nettools import WIRE, X, Y, Middlebox, Sniffer, ping, send_frames

from clickpy.cli import main
from clickpy.rings import af_xdp

scapy = pytest.importorskip("scapy.all")
from scapy.all import IP, UDP, Ether, Raw  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TOOL = os.path.join(os.path.dirname(os.path.abspath(__file__)), "xsk_tool.py")
ENV = dict(os.environ, PYTHONPATH=ROOT)


def xdp_attached(t, ns, dev):
    return "prog/xdp" in t.run(ns, ["ip", "-d", "link", "show", "dev", dev]).stdout


@needs_netns
def test_frames_cross_two_sockets_byte_for_byte_and_the_host_does_not_see_them(topology):
    t = topology(WIRE)
    assert ping(t, "x", "10.7.0.254").returncode == 0            # m's stack answers...
    relay = t.popen("m", [sys.executable, TOOL, "relay", "eth0", "eth1", "20", "1000"],
                    cwd=ROOT, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                    text=True)
    assert relay.stdout.readline().strip() == "ready", relay.stderr.read()[-2000:]
    try:
        assert xdp_attached(t, "m", "eth0") and not xdp_attached(t, "m", "eth1")
        assert ping(t, "x", "10.7.0.254").returncode != 0        # ...not while redirected
        sniff = Sniffer(t, "y", "y0", seconds=8)
        frames = [Ether(src=X, dst=Y) / IP(src="10.7.0.1", dst="10.7.9.9", id=i)
                  / UDP(dport=9) / Raw(bytes(i % 256 for _ in range(i * 29 % 1450)))
                  for i in range(100)]     # more would overflow the sniffer's socket buffer
        send_frames(t, "x", "x0", frames)
        got = sniff.frames()
    finally:
        out, err = relay.communicate(timeout=60)
    result = json.loads(out.strip().splitlines()[-1])
    sent = [bytes(f) for f in frames]
    missing = [i for i, f in enumerate(sent) if f not in got]
    assert [f for f in got if f in sent] == sent, f"{missing} {result}"   # every byte, in order
    assert result["sent"] == result["got"] >= 100
    assert result["kernel_drops"] == 0 and result["corrupt"] == 0
    assert result["tx_free"] == 1024                               # every frame completed
    assert not result["zerocopy"]                                  # veth: copy mode
    assert not xdp_attached(t, "m", "eth0")                        # detached at the end
    assert ping(t, "x", "10.7.0.254").returncode == 0              # the host sees frames again


@needs_netns
def test_every_receive_queue_gets_a_socket(topology):
    t = topology({"namespaces": {"m": {}}, "links": []})
    t.run("m", ["ip", "link", "add", "qa", "numtxqueues", "2", "numrxqueues", "2", "type",
                "veth", "peer", "name", "qb", "numtxqueues", "2", "numrxqueues", "2"])
    for dev in ("qa", "qb"):
        t.run("m", ["ip", "link", "set", dev, "up"])
    r = t.run("m", [sys.executable, TOOL, "count", "qa", "qb", "64"], cwd=ROOT, env=ENV,
              timeout=120)
    result = json.loads(r.stdout.strip().splitlines()[-1])
    assert result["queues"] == 2
    assert result["got"] == 64 and sum(result["per_queue"]) == 64
    assert min(result["per_queue"]) > 0, result                   # both queues delivered
    assert result["kernel_drops"] == 0 and result["corrupt"] == 0
    assert not xdp_attached(t, "m", "qa")


@needs_netns
def test_frames_the_kernel_drops_are_each_counted_once(topology):
    """More frames than the receive rings hold, sent before any is read: an empty fill
    ring drops the rest, and Linux counts each such frame as rx_dropped and as
    rx_fill_ring_empty_descs too."""
    t = topology({"namespaces": {"m": {}}, "links": []})
    t.run("m", ["ip", "link", "add", "fa", "type", "veth", "peer", "name", "fb"])
    for dev in ("fa", "fb"):
        t.run("m", ["ip", "link", "set", dev, "up"])
    n = af_xdp.RX_RING + 600
    r = t.run("m", [sys.executable, TOOL, "flood", "fa", "fb", str(n)], cwd=ROOT, env=ENV,
              timeout=120)
    result = json.loads(r.stdout.strip().splitlines()[-1])
    assert 0 < result["got"] < n and result["corrupt"] == 0
    assert result["got"] + result["kernel_drops"] == n, result


def test_missing_interface_is_a_clean_error_with_afxdp(capsys):
    assert main(["run", "--quiet", "-e", "FromDevice(clickpy-nope0, METHOD AFXDP) -> Discard"]) == 1
    err = capsys.readouterr().err
    assert "no network interface 'clickpy-nope0' here" in err and "Traceback" not in err


@needs_netns
def test_workers_need_a_queue_each_with_afxdp(topology):
    """--workers 3 over a 2-queue veth: refused before anything is opened, with how to add
    queues; nothing attached."""
    t = topology({"namespaces": {"m": {}, "p": {}},
                  "links": [{"ends": ["m:qa", "p:qb"], "queues": 2}]})
    r = t.run("m", [sys.executable, "-m", "clickpy", "run", "--quiet", "--workers", "3", "-e",
                    "FromDevice(qa, METHOD AFXDP) -> Discard"], cwd=ROOT, env=ENV,
              check=False, timeout=300)
    assert r.returncode == 1, r.stderr[-2000:]
    assert "--workers 3: qa has 2 queues, and METHOD AFXDP needs one per worker" in r.stderr
    assert "ip link add qa numtxqueues 3 numrxqueues 3 type veth" in r.stderr
    assert "Traceback" not in r.stderr
    assert not xdp_attached(t, "m", "qa")


def test_outbound_is_refused_with_afxdp(capsys):
    assert main(["run", "--quiet", "-e",
                 "FromDevice(lo, METHOD AFXDP, OUTBOUND true) -> Discard"]) == 1
    err = capsys.readouterr().err
    assert "OUTBOUND is not available with METHOD AFXDP" in err and "Traceback" not in err


def assert_afxdp_refused(t, reason: str) -> None:
    """`clickpy run` of FromDevice(eth0, METHOD AFXDP) in m exits 1 with reason, no traceback."""
    r = t.run("m", [sys.executable, "-m", "clickpy", "run", "--quiet", "-e",
                    "FromDevice(eth0, METHOD AFXDP) -> Discard"], cwd=ROOT, check=False,
              timeout=300)
    assert r.returncode == 1
    assert reason in r.stderr, r.stderr[-2000:]
    assert "Traceback" not in r.stderr


@needs_netns
def test_an_interface_already_in_af_xdp_use_is_a_clean_error(topology):
    """A second AF_XDP user of an interface cannot have its queues: exit 1 with the
    reason, no traceback; the first keeps running."""
    t = topology(WIRE)
    relay = t.popen("m", [sys.executable, TOOL, "relay", "eth0", "eth1", "30", "1000"],
                    cwd=ROOT, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                    text=True)
    try:
        assert relay.stdout.readline().strip() == "ready", relay.stderr.read()[-2000:]
        assert_afxdp_refused(t, "queue 0 of eth0 already has an AF_XDP socket")
        assert relay.poll() is None
    finally:
        relay.kill()
        relay.communicate(timeout=30)


@needs_netns
def test_an_interface_with_another_xdp_program_is_a_clean_error(topology):
    t = topology(WIRE)
    holder = t.popen("m", [sys.executable, "-c",
                           "import socket, sys; from clickpy.rings.xdp_redirect import "
                           "XdpRedirect; x = XdpRedirect('eth0', socket.if_nametoindex('eth0'));"
                           " print('ready', flush=True); sys.stdin.read(); x.close()"],
                     cwd=ROOT, env=ENV, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                     text=True)
    try:
        assert holder.stdout.readline().strip() == "ready"
        assert_afxdp_refused(t, "eth0 already has an XDP program attached")
    finally:
        holder.communicate("", timeout=30)
    assert not xdp_attached(t, "m", "eth0")


@needs_netns
def test_fromdevice_afxdp_promisc_and_the_host_bypassed_whatever_sniffer_says(topology):
    """FromDevice(METHOD AFXDP): frames are counted by the element and never reach m's
    stack, SNIFFER true (the default) or not; PROMISC holds promiscuous mode while the
    run lasts; everything is undone at the end."""
    t = topology(WIRE)
    box = Middlebox(t, "m", ["-e", "fd :: FromDevice(eth0, METHOD AFXDP, PROMISC true) "
                                   "-> Discard", "-h", "fd.count", "-h", "fd.kernel_drops",
                             "-h", "fd.ring_errors"], cwd=ROOT)
    try:
        link = t.run("m", ["ip", "-d", "link", "show", "dev", "eth0"]).stdout
        assert "promiscuity 1 " in link and xdp_attached(t, "m", "eth0"), link
        assert ping(t, "x", "10.7.0.254", count=2).returncode != 0
    finally:
        rc, out, err = box.stop()
    assert rc == 0 and "Traceback" not in err, err[-2000:]
    lines = out.splitlines()
    values = {line: lines[i + 1] for i, line in enumerate(lines[:-1]) if line.startswith("fd.")}
    assert int(values["fd.count:"]) >= 2                        # the echoes (and ARP) came in
    assert values["fd.kernel_drops:"] == "0" and values["fd.ring_errors:"] == "0"
    link = t.run("m", ["ip", "-d", "link", "show", "dev", "eth0"]).stdout
    assert "promiscuity 0 " in link and not xdp_attached(t, "m", "eth0"), link
    # m's stack answers again; x's ARP entry, starved while XDP took the frames, may need
    # a retransmission (1 s apart) before the first echo gets through
    assert any(ping(t, "x", "10.7.0.254").returncode == 0 for _ in range(3))


@needs_netns
def test_a_driver_without_native_xdp_gets_the_generic_hook(topology):
    """The loopback device has no XDP of its own (nor zero-copy): the program goes on the
    generic hook and the socket binds in copy mode (this namespace's lo only)."""
    t = topology({"namespaces": {"m": {}}, "links": []})
    t.run("m", ["ip", "link", "set", "lo", "up"])
    r = t.run("m", [sys.executable, "-c",
                    "from clickpy.rings import af_xdp; p = af_xdp.acquire('lo', True); "
                    "print(p.redirect.mode, p.zerocopy, p.queues); af_xdp.release(p)"],
              cwd=ROOT, env=ENV)
    assert r.stdout.split() == ["generic", "False", "1"]
    assert not xdp_attached(t, "m", "lo")
