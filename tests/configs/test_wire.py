"""configs/wire.click: a wire; every frame from eth0 leaves by eth1 and the other way round.

Nothing is parsed, so nothing is judged: IP or not, well-formed or not, each
frame crosses byte for byte, in the order it came, and none is lost or made.
"""
import random

from scapy.layers.l2 import Ether

from frames import MAC0, MAC1, arp_request, bad_ip_checksum, built, icmp_echo, tcp, udp


def assorted(seed, n=300):
    """IP of all kinds, ARP, damaged frames, runts, jumbo frames, random bytes."""
    rnd = random.Random(seed)
    kinds = [lambda k: udp("10.0.1.2", "10.0.2.2", sport=k, payload=bytes(rnd.randrange(1400))),
             lambda k: tcp("10.0.1.2", "10.0.2.2", k, 80, "PA", payload=b"GET /"),
             lambda k: icmp_echo("10.0.2.2", "10.0.1.2"),
             lambda k: arp_request("02:00:00:00:01:02", "10.0.1.2", "10.0.1.1"),
             lambda k: bad_ip_checksum(udp("10.0.1.2", "10.0.2.2")),
             lambda k: bytes(udp("10.0.1.2", "10.0.2.2"))[:rnd.randrange(1, 34)],
             lambda k: built(Ether(src=MAC0, dst=MAC1, type=0x86DD) / bytes(1800)),
             lambda k: rnd.randbytes(rnd.randrange(1, 1514))]
    return [bytes(rnd.choice(kinds)(k)) for k in range(n)]


def test_frames_from_eth0_leave_by_eth1_unchanged_and_in_order(middlebox):
    mb = middlebox("wire")
    sent = assorted(1)
    out = mb.feed("eth0", sent)
    assert [bytes(p) for p in out["eth1"]] == sent
    assert out["eth0"] == []
    assert mb.account().balanced


def test_frames_from_eth1_leave_by_eth0_unchanged_and_in_order(middlebox):
    mb = middlebox("wire")
    sent = assorted(2)
    out = mb.feed("eth1", sent)
    assert [bytes(p) for p in out["eth0"]] == sent
    assert out["eth1"] == []
    assert mb.account().balanced


def test_both_directions_at_once_nothing_lost_or_made(middlebox):
    mb = middlebox("wire")
    east, west = assorted(3, 1000), assorted(4, 700)
    out = mb.run(eth0=east, eth1=west)           # one run, both files read together
    assert [bytes(p) for p in out["eth1"]] == east
    assert [bytes(p) for p in out["eth0"]] == west
    acct = mb.account()
    assert acct.entered == 1700 and acct.created == 0 and acct.held == 0
    assert sorted(acct.forwarded.values()) == [700, 1000] and acct.drops == {}
    assert acct.balanced


def test_timestamps_and_lengths_are_kept(middlebox):
    mb = middlebox("wire")
    sent = assorted(5, 50)
    mb.feed("eth0", sent)
    records = mb.records("eth1")
    assert [(wire, data) for _, wire, data in records] == [(len(f), f) for f in sent]
    stamps = [ts for ts, _, _ in records]
    assert stamps == sorted(stamps) and len(set(stamps)) == 50   # the input's, 1 us apart
    assert mb.account().balanced


def test_yaml_twin_is_the_same_wire(middlebox):
    click, yaml = middlebox("wire"), middlebox("wire", yaml=True)
    for mb in (click, yaml):
        mb.feed("eth0", assorted(6, 100))
        mb.feed("eth1", assorted(7, 100))
    click.behaves_like(yaml)
