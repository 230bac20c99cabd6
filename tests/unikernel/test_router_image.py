"""The shipped router as an image between two taps in namespaces of the test's own."""
import os
import signal
import subprocess
import time

import pytest
from conftest import accel, clickpy, needs_vm
from scapy.all import ARP, ICMP, IP, UDP, Ether
from taps import Port, exists, unique

from clickpy.unikernel import vm

pytestmark = needs_vm

R0, R1 = "00:00:0a:00:01:01", "00:00:0a:00:02:01"
HA, HB = "02:00:00:00:00:0a", "02:00:00:00:00:0b"


@pytest.fixture
def router(images, run_dir):
    image = images("router")
    a, b = Port("cka"), Port("ckb")
    name = f"router{os.getpid()}"
    try:
        v = vm.boot(image, {"eth0": a.tap, "eth1": b.tap}, name=name, accel=accel())
        a.move()
        b.move()
        yield v, a, b
    finally:
        try:
            vm.stop(vm.find(name))
        except vm.VMError:
            pass
        a.close()
        b.close()


def udp(ttl=64, n=20):
    return bytes(Ether(dst=R0, src=HA) / IP(src="10.0.1.2", dst="10.0.2.2", ttl=ttl)
                 / UDP(sport=1000, dport=2000) / (b"x" * n))


def resolve(port, ip="10.0.2.2", mac=HB, rmac=R1, rip="10.0.2.1"):
    """Answer the router's ARP query for `ip` on `port`."""
    got = port.recv_all(3.0, until=lambda g: any(ARP in Ether(f) for f in g))
    q = [Ether(f) for f in got if ARP in Ether(f)]
    assert q and q[0][ARP].op == 1 and q[0][ARP].pdst == ip, [Ether(f).summary() for f in got]
    port.send(bytes(Ether(dst=rmac, src=mac) / ARP(op=2, hwsrc=mac, psrc=ip, hwdst=rmac, pdst=rip)))


def resolve_b(b):
    resolve(b)


def handler(v, target):
    r = clickpy("handler", "read", v.name, target, timeout=120)
    assert r.returncode == 0, r.stderr
    return r.stdout.strip()


def test_arp_answered(router):
    v, a, b = router
    a.send(bytes(Ether(dst="ff:ff:ff:ff:ff:ff", src=HA)
                 / ARP(op=1, hwsrc=HA, psrc="10.0.1.2", pdst="10.0.1.1")))
    got = [Ether(f) for f in a.recv_all(3.0, until=lambda g: len(g) >= 1)]
    assert got and got[0][ARP].op == 2 and got[0][ARP].hwsrc == R0 and got[0][ARP].psrc == "10.0.1.1"
    assert got[0].dst == HA


def test_forwards_with_ttl_checksum_and_macs(router):
    v, a, b = router
    a.send(udp())
    resolve_b(b)
    got = [Ether(f) for f in b.recv_all(3.0, until=lambda g: any(IP in Ether(f) for f in g))]
    ip = [f for f in got if IP in f]
    assert ip, [f.summary() for f in got]
    f = ip[0]
    assert (f.src, f.dst) == (R1, HB)
    assert f[IP].ttl == 63 and f[IP].dst == "10.0.2.2"
    sent = f[IP].chksum
    del f[IP].chksum
    assert Ether(bytes(f))[IP].chksum == sent
    assert v.wait_for(vm.FORWARDED, 5.0)      # console text goes out in idle rounds
    # and a burst: every packet through, counted by the devices' handlers
    for k in range(30):
        a.send(udp(n=20 + k))
    more = b.recv_all(5.0, until=lambda g: len(g) >= 30)
    assert len([m for m in more if IP in Ether(m)]) == 30
    # configs/router.click's anonymous FromDevice($IF0) and ToDevice($IF1)
    names = v.meta()["names"]
    assert "FromDevice@7" in names and "ToDevice@18" in names
    assert handler(v, "FromDevice@7.count") == "31"
    assert handler(v, "ToDevice@18.count") == "32"       # and the ARP query


def test_time_exceeded_and_malformed_frames(router):
    v, a, b = router
    junk = [b"\x00" * 14, bytes(Ether(dst=R0, src=HA, type=0x0800) / b"\x45\x00"),
            bytes(Ether(dst=R0, src=HA) / IP(src="10.0.1.2", dst="10.0.2.2", ihl=15)),
            bytes(Ether(dst=R0, src=HA)) + os.urandom(200), b"\xff" * 1514]
    for j in junk:
        a.send(j)
    a.send(udp(ttl=1))
    resolve(a, "10.0.1.2", HA, R0, "10.0.1.1")     # the error goes back to the sender
    got = [Ether(f) for f in a.recv_all(3.0, until=lambda g: any(ICMP in Ether(f) for f in g))]
    icmp = [f for f in got if ICMP in f]
    assert icmp and icmp[0][ICMP].type == 11 and icmp[0][IP].src == "10.0.1.1"
    a.send(udp())                       # still forwarding after all that
    resolve_b(b)
    assert any(IP in Ether(f) for f in b.recv_all(3.0, until=lambda g: any(IP in Ether(f) for f in g)))
    assert vm.find(v.name).alive()


def test_stopped_or_killed_guest_leaves_nothing(images, run_dir):
    image = images("router")
    # taps QEMU makes itself (not persistent): they must vanish with it
    taps = {"eth0": unique("ckq"), "eth1": unique("ckq")}
    v = vm.boot(image, taps, name=f"stop{os.getpid()}", accel=accel())
    try:
        assert all(exists(t) for t in taps.values())
        r = clickpy("stop", v.name, timeout=60)
        assert r.returncode == 0, r.stderr
        assert not v.alive() and not os.path.exists(v.folder)
        assert not any(exists(t) for t in taps.values())
        assert clickpy("stop", v.name, timeout=60).returncode == 1   # nothing left to stop
        v = vm.boot(image, taps, name=f"kill{os.getpid()}", accel=accel())
        os.kill(v.pid, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while (v.alive() or any(exists(t) for t in taps.values())) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not v.alive() and not any(exists(t) for t in taps.values())
        assert clickpy("stop", v.name, timeout=60).returncode == 0   # removes its folder
        assert not os.path.exists(v.folder) and os.listdir(run_dir) == []
    finally:
        if v.alive():
            vm.stop(v)
        for t in taps.values():
            subprocess.run(["ip", "link", "del", t], capture_output=True)


def test_handler_write_reaches_the_data_path(router):
    v, a, b = router
    r = clickpy("handler", "write", v.name, "arpq1.insert", f"10.0.2.2 {HB}", timeout=120)
    assert r.returncode == 0, r.stderr
    assert "10.0.2.2 1 02-00-00-00-00-0B" in handler(v, "arpq1.table")   # Click's format
    a.send(udp())
    got = [Ether(f) for f in b.recv_all(3.0, until=lambda g: len(g) >= 1)]
    assert got and IP in got[0] and got[0].dst == HB    # no ARP query first: the entry is used
    r = clickpy("handler", "read", v.name, "arpq1.nosuch", timeout=120)
    assert r.returncode == 1 and "no read handler" in r.stderr
