"""configs/shaper.click: eth0 -> eth1 limited to RATE (10 Mbps by default); eth1 -> eth0 free.

Frames from eth0 wait in a 1000-frame queue and leave by eth1 no faster than
RATE, through a token bucket (BandwidthRatedUnqueue: 20 ms of burst); none is
changed or lost while the queue has room, and frames arriving to a full queue
are dropped there and counted (`shaped.drops`).  Frames from eth1 cross to
eth0 as fast as they come.  These tests drive the router's clock themselves
to measure the rate over simulated seconds: 0.1 ms per round, since a
BandwidthRatedUnqueue, like Click's, moves at most one frame per round.
"""
import pytest

from frames import host_mac, udp

RATE = 10_000_000 // 8                    # 10 Mbps in bytes per second
BURST = RATE * 20 // 1000                 # the bucket's 20 ms on top of the rate
FRAME = 1500                              # bytes on the wire, each
TICK = 100_000                            # simulated ns per round


def shaper(middlebox, **kw):
    return middlebox("shaper", tick_ns=TICK, **kw)


def frames(n, src="10.0.1.2", dst="10.0.2.2", size=FRAME):
    payload = bytes(size - 14 - 20 - 8)                   # Ethernet, IP and UDP headers
    return [bytes(udp(src, dst, sport=1000 + k % 50000, payload=payload, dst_mac=host_mac(dst),
                      id=k & 0xFFFF)) for k in range(n)]


def volume(packets):
    return sum(len(p) for p in packets)


def test_shaped_direction_sends_rate_worth_of_bytes_per_second(middlebox):
    mb = shaper(middlebox)
    sent = frames(1000)                                  # 1.5 MB: more than a second's worth
    assert volume(sent) == 1000 * FRAME
    mb.feed("eth0", sent, idle_rounds=0)
    first = volume(mb.advance(1.0)["eth1"])
    assert RATE * 0.99 <= first <= RATE + BURST + FRAME
    second = volume(mb.advance(0.1)["eth1"])             # steady state, no burst left
    assert RATE * 0.1 - FRAME <= second <= RATE * 0.1 + FRAME
    assert mb.account().balanced


def test_shaped_frames_are_delayed_not_lost_or_changed(middlebox):
    mb = shaper(middlebox)
    sent = frames(1000)
    mb.feed("eth0", sent, idle_rounds=0)
    out = mb.advance(1.3)["eth1"]
    assert [bytes(p) for p in out] == sent              # all of them, in order, unchanged
    assert mb.read("shaped", "drops") == "0"
    acct = mb.account()
    assert acct.balanced and acct.held == 0 and acct.drops == {}


def test_rate_is_a_variable(middlebox):
    mb = shaper(middlebox, RATE="1Mbps")
    mb.feed("eth0", frames(200), idle_rounds=0)
    got = volume(mb.advance(1.0)["eth1"])
    assert 125_000 * 0.99 <= got <= 125_000 + 125_000 * 20 // 1000 + FRAME
    rate = mb.read("rate", "rate")                        # e.g. 1.000496Mbps: Click's token
    assert rate.endswith("Mbps") and float(rate[:-4]) == pytest.approx(1, rel=1e-3)  # arithmetic
    assert mb.account().balanced


def test_unshaped_direction_is_not_rate_limited(middlebox):
    mb = shaper(middlebox)
    back = frames(1000, src="10.0.2.2", dst="10.0.1.2")
    mb.feed("eth1", back, idle_rounds=0)
    out = mb.advance(0.010)["eth0"]                       # 1.5 MB within 10 ms: > 1 Gbps
    assert [bytes(p) for p in out] == back
    assert mb.account().balanced


def test_unshaped_direction_is_not_held_up_by_a_shaped_backlog(middlebox):
    mb = shaper(middlebox)
    mb.feed("eth0", frames(1000), idle_rounds=0)
    mb.advance(0.2)                                      # the burst is spent: a steady backlog
    mb.feed("eth1", frames(100, src="10.0.2.2", dst="10.0.1.2"), idle_rounds=0)
    out = mb.advance(0.010)
    assert len(out["eth0"]) == 100
    assert volume(out["eth1"]) <= RATE * 0.010 + FRAME
    assert mb.account().balanced


def test_frames_arriving_to_a_full_queue_are_dropped_and_counted(middlebox):
    mb = shaper(middlebox)
    mb.feed("eth0", frames(1500), idle_rounds=0)
    out = mb.advance(2.0)["eth1"]
    drops = int(mb.read("shaped", "drops"))
    assert drops > 0
    assert len(out) + drops == 1500
    assert mb.drops("queue full", "shaped") == drops
    assert mb.read("shaped", "highwater_length") == "1000"
    acct = mb.account()
    assert acct.balanced and acct.held == 0


@pytest.mark.parametrize("dev", ["eth0", "eth1"])
def test_yaml_twin_shapes_identically(middlebox, dev):
    click, yaml = shaper(middlebox), shaper(middlebox, yaml=True)
    for mb in (click, yaml):
        mb.feed(dev, frames(300, size=1000), idle_rounds=0)
        mb.advance(0.5)
    assert len(click.sent("eth1" if dev == "eth0" else "eth0")) == 300
    click.behaves_like(yaml)

