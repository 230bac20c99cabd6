"""configs/bridge.click: a learning Ethernet bridge between eth0 and eth1.

The bridge learns which side each source MAC lives on.  Frames for a
destination it has not learned (and broadcasts) are flooded: sent out every
interface but the one they came in on, here the other one.  Frames for a
learned destination are sent one way only, toward it: across if it lives on
the other side, nowhere if it lives on the side the frame came from.  A host
that moves is relearned by its next frame; what is learned is forgotten
after TIMEOUT (300 s, on the frames' timestamps).  Frames cross unchanged.
"""
from scapy.layers.l2 import Ether

from frames import BROADCAST, arp_request, built

H1, H3 = "02:00:00:00:01:01", "02:00:00:00:01:03"     # on eth0
H2 = "02:00:00:00:02:02"                               # on eth1
NOBODY = "02:00:00:00:09:09"                           # never seen


def frame(src, dst, tag=b""):
    return bytes(built(Ether(src=src, dst=dst, type=0x88B5) / (b"payload " + tag).ljust(46)))


def test_unknown_destinations_are_flooded_to_the_other_side(middlebox):
    mb = middlebox("bridge")
    mb.send("eth0", frame(H1, NOBODY))
    mb.verify_packets(frame(H1, NOBODY), ["eth1"])      # there, and nowhere else
    mb.send("eth1", frame(H2, NOBODY))
    mb.verify_packets(frame(H2, NOBODY), ["eth0"])
    assert mb.account().balanced


def test_broadcasts_are_flooded(middlebox):
    mb = middlebox("bridge")
    mb.feed("eth1", [frame(H2, H1)])              # even with everyone learned
    mb.feed("eth0", [frame(H1, H2)])
    who_has = bytes(arp_request(H1, "10.0.0.1", "10.0.0.2"))
    out = mb.feed("eth0", [who_has, frame(H1, BROADCAST)])
    assert [bytes(p) for p in out["eth1"]] == [who_has, frame(H1, BROADCAST)]
    assert out["eth0"] == []
    assert mb.account().balanced


def test_a_learned_destination_on_the_other_side_gets_the_frame(middlebox):
    mb = middlebox("bridge")
    mb.feed("eth1", [frame(H2, BROADCAST)])        # H2 speaks: learned on eth1
    mb.send("eth0", frame(H1, H2))
    mb.verify_packets(frame(H1, H2), ["eth1"])
    assert mb.account().balanced


def test_a_learned_destination_on_the_same_side_is_not_sent_across(middlebox):
    mb = middlebox("bridge")
    mb.feed("eth0", [frame(H1, BROADCAST), frame(H3, BROADCAST)])   # both learned on eth0
    mb.send("eth0", [frame(H1, H3), frame(H3, H1)])
    mb.verify_no_other_packets()                                  # they talk directly
    assert mb.drops("destination is on the LAN the packet came from", "sw") == 2
    assert mb.account().balanced


def test_learning_follows_a_host_that_moves(middlebox):
    mb = middlebox("bridge")
    mb.feed("eth0", [frame(H1, BROADCAST)])        # H1 on eth0
    assert mb.feed("eth0", [frame(H3, H1)])["eth1"] == []
    mb.feed("eth1", [frame(H1, BROADCAST)])        # H1 now talks from eth1
    mb.send("eth0", frame(H3, H1))
    mb.verify_packets(frame(H3, H1), ["eth1"])
    assert mb.account().balanced


def test_learned_addresses_expire_after_300_seconds(middlebox):
    mb = middlebox("bridge", tick_ns=1_000_000_000)   # one second per round
    mb.feed("eth0", [frame(H1, BROADCAST)], idle_rounds=1)
    mb.advance(200)
    assert mb.feed("eth0", [frame(H3, H1)], idle_rounds=1)["eth1"] == []   # still known
    mb.advance(101)
    f = frame(H3, H1)
    out = mb.feed("eth0", [f], idle_rounds=1)     # 302 s after H1 last spoke: flooded
    assert [bytes(p) for p in out["eth1"]] == [f]
    assert mb.account().balanced


def test_runts_are_dropped(middlebox):
    mb = middlebox("bridge")
    mb.send("eth0", bytes(10))
    mb.verify_no_other_packets()
    assert mb.drops("packet shorter than the Ethernet addresses (12 bytes)", "sw") == 1
    assert mb.account().balanced


def conversation(mb):
    mb.feed("eth0", [frame(H1, NOBODY, b"1"), frame(H1, BROADCAST, b"2")])
    mb.feed("eth1", [frame(H2, H1, b"3"), frame(H2, H3, b"4")])
    mb.feed("eth0", [frame(H3, H2, b"5"), frame(H1, H3, b"6"), frame(H3, H1, b"7"), bytes(8)])


def test_yaml_twin_bridges_identically(middlebox):
    click, yaml = middlebox("bridge"), middlebox("bridge", yaml=True)
    conversation(click)
    conversation(yaml)
    assert len(click.sent("eth1")) == 3 and len(click.sent("eth0")) == 2
    click.behaves_like(yaml)
