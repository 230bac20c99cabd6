"""The shipped router (configs/router.click) between two real kernels, over each ring type.

Host a and host b are namespaces with ordinary Linux stacks; the router runs
as `python3 -m clickpy run configs/router.click METHOD=...` in the namespace
between them, on interfaces eth0 and eth1 (labs/router.yaml), once over
PACKET_MMAP rings (AFPACKET) and once over AF_XDP sockets (AFXDP).  Ping and a TCP
transfer go through it; scapy-crafted frames are checked on the far side;
malformed frames do not stop it and show up in its packet account.
"""
import os
import sys

import pytest
from conftest import needs_netns
from nettools import CLIENT, SERVER, Middlebox, Sniffer, ping, send_frames

from clickpy import netns

scapy = pytest.importorskip("scapy.all")
from scapy.all import ARP, ICMP, IP, UDP, Ether, IPerror, Raw, UDPerror  # noqa: E402

pytestmark = needs_netns

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
R0, R1 = "00:00:0a:00:01:01", "00:00:0a:00:02:01"      # the router's, from router.click
A, B = "02:00:00:00:01:02", "02:00:00:00:02:02"        # the hosts', from router.yaml


@pytest.fixture(scope="module", params=["AFPACKET", "AFXDP"])
def lab(request, tmp_path_factory):
    topo = netns.Topology.load(os.path.join(ROOT, "labs", "router.yaml"), prefix="cpr")
    topo.up()
    topo.method = request.param
    try:
        host = str(tmp_path_factory.mktemp("router") / "host.pcap")
        topo.router = Middlebox(topo, "r", ["configs/router.click", f"METHOD={topo.method}",
                                            "--out", f"host={host}"], cwd=ROOT)
        for _ in range(5):   # the first echo waits for ARP on both sides: give it time
            if ping(topo, "a", "10.0.2.2").returncode == 0:
                break
        yield topo
    finally:
        try:
            if getattr(topo, "router", None) is not None:
                topo.router.stop()
        finally:
            topo.down()


def test_the_ring_type_asked_for_is_in_use(lab):
    """METHOD=AFXDP attaches the XDP program that feeds the AF_XDP sockets; AFPACKET none."""
    for dev in ("eth0", "eth1"):
        link = lab.run("r", ["ip", "-d", "link", "show", "dev", dev]).stdout
        assert ("prog/xdp" in link) == (lab.method == "AFXDP"), link


def test_ping_through_the_router(lab):
    r = ping(lab, "a", "10.0.2.2", count=3)
    assert r.returncode == 0, r.stdout + r.stderr
    # b's reply (TTL 64) crossed the router once.
    assert r.stdout.count("reply 10.0.2.2 ttl 63") == 3, r.stdout


def test_tcp_transfer_through_the_router(lab):
    import subprocess
    server = lab.popen("b", [sys.executable, "-c", SERVER, "5001"], stdout=subprocess.PIPE,
                       text=True)
    assert server.stdout.readline().strip() == "listening"
    size = 2_000_000
    r = lab.run("a", [sys.executable, "-c", CLIENT, "10.0.2.2", "5001", str(size)], timeout=120)
    got_n, got_hash, sent_n, sent_hash = r.stdout.split()
    assert (int(got_n), got_hash) == (size, sent_hash) and int(sent_n) == size
    server.wait(30)


def test_crafted_udp_is_routed_ttl_checksum_and_macs(lab):
    sniff = Sniffer(lab, "b", "b0", seconds=3, count=2)
    frame = (Ether(src=A, dst=R0) / IP(src="10.0.1.2", dst="10.0.2.2", ttl=10, id=4242)
             / UDP(sport=4000, dport=5000) / Raw(b"clickpy end to end"))
    send_frames(lab, "a", "a0", [frame])
    got = [Ether(f) for f in sniff.frames()]
    ours = [p for p in got if IP in p and p[IP].id == 4242]
    assert len(ours) == 1, [p.summary() for p in got]
    p = ours[0]
    assert (p.src, p.dst) == (R1, B)                        # MACs rewritten for the next hop
    assert p[IP].ttl == 9                                   # TTL decremented once
    fresh = IP(bytes(p[IP]))
    fresh.chksum = None
    assert IP(bytes(fresh)).chksum == p[IP].chksum          # the checksum is right
    assert p[UDP].dport == 5000 and bytes(p[Raw]) == b"clickpy end to end"


def test_ttl_1_earns_icmp_time_exceeded(lab):
    sniff = Sniffer(lab, "a", "a0", seconds=3)
    frame = (Ether(src=A, dst=R0) / IP(src="10.0.1.2", dst="10.0.2.2", ttl=1, id=4343)
             / UDP(sport=4001, dport=5000) / Raw(b"expiring"))
    send_frames(lab, "a", "a0", [frame])
    errors = [p for p in (Ether(f) for f in sniff.frames()) if ICMP in p and p[ICMP].type == 11]
    assert errors, "no ICMP time exceeded came back"
    e = errors[0]
    assert (e.src, e.dst, e[IP].src, e[IP].dst) == (R0, A, "10.0.1.1", "10.0.1.2")
    assert e[ICMP].code == 0
    quoted = e[ICMP].payload
    assert quoted.id == 4343                                # the expired packet's header


def test_arp_for_the_router_is_answered(lab):
    sniff = Sniffer(lab, "a", "a0", seconds=3)
    query = Ether(src=A, dst="ff:ff:ff:ff:ff:ff") / ARP(op=1, hwsrc=A, psrc="10.0.1.2",
                                                          pdst="10.0.1.1")
    send_frames(lab, "a", "a0", [query])
    replies = [p for p in (Ether(f) for f in sniff.frames()) if ARP in p and p[ARP].op == 2]
    assert replies, "no ARP reply"
    r = replies[0]
    assert (r[ARP].psrc, r[ARP].hwsrc, r[ARP].pdst, r.dst) == ("10.0.1.1", R0, "10.0.1.2", A)


MALFORMED = {
    "truncated IP header": bytes(Ether(src=A, dst=R0) / IP(dst="10.0.2.2"))[:14 + 10],
    "bad IP checksum": bytes(Ether(src=A, dst=R0) / IP(dst="10.0.2.2", chksum=0x1234) / UDP()),
    "IP length past the frame": bytes(Ether(src=A, dst=R0) / IP(dst="10.0.2.2", len=1400) / UDP()),
    "IP header length 3": bytes(Ether(src=A, dst=R0) / IP(dst="10.0.2.2", ihl=3) / UDP()),
    "IPv5": bytes(Ether(src=A, dst=R0) / IP(dst="10.0.2.2", version=5) / UDP()),
    "garbage": bytes.fromhex("00000a000101020000000102" "0800") + os.urandom(46),
    "garbage ARP": bytes.fromhex("00000a000101020000000102" "0806") + os.urandom(10),
}


def test_malformed_frames_leave_the_router_running_and_are_accounted(lab):
    send_frames(lab, "a", "a0", [Raw(f) for f in MALFORMED.values()] * 3)
    r = ping(lab, "a", "10.0.2.2", count=2)
    assert r.returncode == 0, r.stdout + r.stderr
    assert lab.router.p.poll() is None


def test_account_at_the_end(lab):
    """Stopping the router (Ctrl-C) prints a balanced account naming the malformed drops."""
    rc, out, err = lab.router.stop()
    lab.router = None
    assert "Traceback" not in err, err[-3000:]
    assert "account balances" in out, out + err[-2000:]
    for reason in ("bad IP checksum", "bad IP length", "bad IP header length", "bad IP version"):
        assert f": {reason}" in out, out
    assert rc == 0, out + err[-2000:]


def test_nothing_left_attached_to_the_interfaces(lab):
    """After the run no XDP program stays on the router's interfaces (AFXDP attached one
    while it ran) and the host stack sees their frames again."""
    if lab.router is not None:
        lab.router.stop()
        lab.router = None
    for dev in ("eth0", "eth1"):
        link = lab.run("r", ["ip", "-d", "link", "show", "dev", dev]).stdout
        assert "prog/xdp" not in link and " xdp" not in link, link


# ---- no route: the shipped router with its default route removed, or sent to rt[3] ----

@pytest.fixture(scope="module", params=["unreachable", "removed"])
def noroute_lab(request):
    """The shipped router whose DEFAULT_ROUTE definition is '0.0.0.0/0 3' (what no route
    takes is answered by ICMP net unreachable) or empty (no default route at all)."""
    topo = netns.Topology.load(os.path.join(ROOT, "labs", "router.yaml"), prefix="cpn")
    topo.up()
    topo.default = {"unreachable": "0.0.0.0/0 3", "removed": ""}[request.param]
    topo.router = None
    try:
        topo.router = Middlebox(topo, "r", ["configs/router.click",
                                            f"DEFAULT_ROUTE={topo.default}", "-h", "rt.table"],
                                cwd=ROOT)
        for _ in range(5):   # the routes that remain work; ARP resolved on both sides
            if ping(topo, "a", "10.0.2.2").returncode == 0:
                break
        yield topo
    finally:
        try:
            if topo.router is not None:
                topo.router.stop()
        finally:
            topo.down()


def icmp_checksum_ok(packet) -> bool:
    raw = bytes(packet[ICMP])
    fresh = ICMP(raw)
    fresh.chksum = None
    return ICMP(bytes(fresh)).chksum == packet[ICMP].chksum


def test_a_packet_with_no_route(noroute_lab):
    """Off-net UDP from a: with the unreachable route a gets ICMP destination unreachable,
    net unreachable (type 3, code 0) from 10.0.1.1 quoting the packet, checksums right; with the route removed nothing comes back (as
    in Click's router).  Either way nothing reaches b, and the account names the drop."""
    lab = noroute_lab
    sniff_a = Sniffer(lab, "a", "a0", seconds=3)
    sniff_b = Sniffer(lab, "b", "b0", seconds=3)
    frame = (Ether(src=A, dst=R0) / IP(src="10.0.1.2", dst="198.51.100.7", ttl=17, id=4646)
             / UDP(sport=4002, dport=5002) / Raw(b"nowhere to go"))
    send_frames(lab, "a", "a0", [frame])
    back = [p for p in (Ether(f) for f in sniff_a.frames()) if ICMP in p]
    onward = [p for p in (Ether(f) for f in sniff_b.frames())
              if IP in p and p[IP].dst == "198.51.100.7"]
    assert onward == [], [p.summary() for p in onward]
    if lab.default == "":
        assert back == [], [p.summary() for p in back]
    else:
        assert len(back) == 1, [p.summary() for p in back]
        e = back[0]
        assert (e.src, e.dst, e[IP].src, e[IP].dst) == (R0, A, "10.0.1.1", "10.0.1.2")
        assert (e[ICMP].type, e[ICMP].code) == (3, 0)
        fresh = IP(bytes(e[IP]))
        fresh.chksum = None
        assert IP(bytes(fresh)).chksum == e[IP].chksum          # IP checksum right
        assert icmp_checksum_ok(e)                              # ICMP checksum right
        q = e[IPerror]                                          # the quoted header, as sent
        assert (q.src, q.dst, q.id, q.ttl, q.proto) == ("10.0.1.2", "198.51.100.7", 4646, 17, 17)
        assert (e[UDPerror].sport, e[UDPerror].dport) == (4002, 5002)
        # as Click's ICMPError: as much of the packet as fits in 576 bytes (RFC 1812), so
        # all of this short one, byte for byte
        assert bytes(q) == bytes(frame[IP])
    rc, out, err = lab.router.stop()
    lab.router = None
    assert rc == 0 and "Traceback" not in err, err[-3000:]
    assert "account balances" in out, out
    table = out.split("packets in:")[0]      # one -h: the table alone, then the account
    if lab.default == "":
        assert "0.0.0.0/0" not in table and "dropped at rt: no route" in out, out
    else:
        assert "0.0.0.0/0 - 3" in table, table
        assert "dropped at noroute: answered with an ICMP error" in out, out
