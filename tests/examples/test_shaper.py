"""configs/shaper.click: eth0 -> eth1 limited to RATE (10 Mbps by default); eth1 -> eth0 free.

Frames from eth0 wait in a 1000-frame queue and leave no faster than RATE
(a token bucket with 20 ms of burst); frames arriving to a full queue are
dropped and counted (`shaped.drops`).  Time is simulated: `advance(seconds)`
lets it pass, 0.1 ms per round here, so the tests that measure the rate run
in memory mode only: on a veth or an image, time is the wall clock's.
"""
import pytest

from clickpy.testing import simple_udp_packet

RATE = 10_000_000 // 8              # bytes per second
FRAME = simple_udp_packet(pktlen=1500)
simulated_time = pytest.mark.clickpy_modes(
    "memory", reason="measures the rate against simulated time (feed without processing, "
                     "then advance()); a real wire and an image run on the wall clock")


@simulated_time
def test_the_shaped_direction_sends_rate_worth_of_bytes_per_second(middlebox):
    shaper = middlebox("shaper", tick_ns=100_000)
    shaper.feed("eth0", [FRAME] * 1000, idle_rounds=0)     # handed over; no time has passed
    first = sum(len(p) for p in shaper.advance(1.0)["eth1"])
    assert RATE <= first <= RATE * 1.02 + 1500             # a second's worth, plus the burst
    assert len(shaper.advance(1.0)["eth1"]) == 1000 - first // 1500   # the rest, unchanged


@simulated_time
def test_a_lower_rate_is_a_definition(middlebox):
    shaper = middlebox("shaper", tick_ns=100_000, RATE="1Mbps")
    shaper.feed("eth0", [FRAME] * 200, idle_rounds=0)
    assert 83 <= len(shaper.advance(1.0)["eth1"]) <= 86    # 125 kB/s of 1500-byte frames
    assert shaper.read("rate", "rate").endswith("Mbps")


def test_the_other_direction_is_not_shaped(middlebox):
    shaper = middlebox("shaper", tick_ns=100_000)
    shaper.send("eth1", [FRAME] * 1000)
    assert shaper.count_matched_packets(FRAME, "eth0") == 1000
    shaper.verify_no_other_packets()


@simulated_time
def test_a_full_queue_drops_and_counts(middlebox):
    shaper = middlebox("shaper", tick_ns=100_000)
    shaper.feed("eth0", [FRAME] * 1500, idle_rounds=0)
    shaper.advance(2.0)
    assert shaper.read("shaped", "drops") == str(shaper.drops("queue full", "shaped"))
    assert int(shaper.read("shaped", "drops")) > 0 and shaper.account().balanced
