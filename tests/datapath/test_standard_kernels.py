"""Kernels of the standard elements and sources (group k4), checked against Click's behaviour.

Each test reasons from Click's .cc (elements/standard/*.cc in kohler/click):
which output, which drop, which counter, which handler text.
"""
from __future__ import annotations

import ipaddress

import pytest
from kernel_harness import STOLEN, Harness
from scapy.compat import raw
from scapy.layers.inet import IP, TCP, UDP
from scapy.layers.l2 import ARP, Ether

from clickpy import packet
from clickpy.args import ParseContext, parse_args, split_config
from clickpy.datapath import tokenbucket as tb
from clickpy.element import registry
from clickpy.kernel import drop
from clickpy.packet import (A_DST_IP, A_FIX_IP_SRC, A_ICMP_PARAM, A_NH, A_PAINT, A_TSTAMP, C_NOSLOT,
                            C_NOW, C_STOP, HEADROOM, SLOT_SIZE)

T0 = 1_700_000_000_000_000_000  # a wall-clock time in ns, as the driver sets C_NOW
MS = 1_000_000

FRAME = bytes(Ether(src="00:00:00:00:00:01", dst="00:00:00:00:00:02")
              / IP(src="10.0.0.1", dst="192.168.1.7", ttl=64) / UDP(sport=1234, dport=53)
              / b"payload!")
ARP_FRAME = bytes(Ether(dst="ff:ff:ff:ff:ff:ff") / ARP(pdst="10.0.0.9"))


class H(Harness):
    """The example harness plus tasks, budgets, push kernels returning slots, and the clock."""

    def now(self, ns: int) -> None:
        self.P[5][C_NOW] = ns

    def task(self) -> bytes | None:
        s = self.cls.run_task(self.P, self.st)
        return None if s < 0 else self.pool.bytes(int(s))

    def task_slot(self) -> int:
        return int(self.cls.run_task(self.P, self.st))

    def budget(self) -> int:
        return int(self.cls.task_budget(self.P, self.st))

    def push_slots(self, frame: bytes, port: int = 0, **anno) -> list[tuple[int, int]]:
        s = self.load(frame, **anno)
        n = self.cls.push(self.P, port, s, self.st, self.emit)
        return [(int(self.emit[2 * k]), int(self.emit[2 * k + 1])) for k in range(n)]

    def action_slot(self, s: int) -> int:
        return int(self.cls.simple_action(self.P, s, self.st))


def issues(class_name: str, config: str) -> list[str]:
    cls = registry()[class_name]
    values, found = parse_args(cls.class_name, cls.args, split_config(config), ParseContext(), None)
    found += cls.check_config(values, ParseContext())
    return [i.message for i in found if i.severity == "error"]


# ---- Discard, Idle, Null -------------------------------------------------------------------

def test_discard_drops_counts_and_resets():
    h = H("Discard")
    assert h.cls.sink == "discarded" and h.cls.drop_reasons == ("discarded",)
    for _ in range(3):
        assert h.action(FRAME)[0] == drop(0)
    assert h.read("count") == "3"
    h.write("reset_counts")
    assert h.read("count") == "0"


def test_discard_pulls_burst_packets_while_active():
    h = H("Discard", "BURST 4")
    assert h.budget() == 4
    assert h.read("active") == "true"
    h.write("active", "false")
    assert h.budget() == 0 and h.read("active") == "false"
    with pytest.raises(ValueError):
        h.write("active", "maybe")
    assert H("Discard", "ACTIVE false").budget() == 0


def test_idle_drops_pushes_and_never_pulls():
    h = H("Idle", n_inputs=2, n_outputs=2)
    assert h.action(FRAME)[0] == drop(0)
    assert h.pull() is None
    assert h.budget() == 0


def test_null_passes_packets_unchanged():
    h = H("Null")
    assert h.action(FRAME)[:2] == (0, FRAME)
    assert h.action(b"")[:2] == (0, b"")


# ---- paint family --------------------------------------------------------------------------

def test_paint_sets_the_paint_annotation_and_nothing_else():
    h = H("Paint", "7")
    code, out, s = h.action(FRAME, dst_ip=0x01020304)
    assert (code, out) == (0, FRAME)
    assert h.pool.anno[s, A_PAINT] == 7 and h.pool.anno[s, A_DST_IP] == 0x01020304
    assert h.read("color") == "7"
    h.write("color", "0x20")
    assert h.read("color") == "32"
    assert h.pool.anno[h.action(FRAME)[2], A_PAINT] == 32
    for bad in ("256", "-1", "red", ""):
        with pytest.raises(ValueError):
            h.write("color", bad)


def test_paint_anno_names_other_one_byte_annotations():
    h = H("Paint", "9, ICMP_PARAMPROB")
    s = h.action(FRAME, paint=3)[2]
    assert (h.pool.anno[s, A_ICMP_PARAM], h.pool.anno[s, A_PAINT]) == (9, 3)
    h = H("Paint", "1, FIX_IP_SRC")
    assert h.pool.anno[h.action(FRAME)[2], A_FIX_IP_SRC] == 1
    # Byte offset 1 is the second byte of DST_IP (network order), as in Click.
    h = H("Paint", "0xAB, 1")
    s = h.action(FRAME, dst_ip=int(ipaddress.IPv4Address("10.20.30.40")))[2]
    assert str(ipaddress.IPv4Address(int(h.pool.anno[s, A_DST_IP]))) == "10.171.30.40"


def test_paint_anno_without_a_pool_column_is_a_configure_error():
    with pytest.raises(ValueError, match="annotation byte 40"):
        H("Paint", "1, 40")


def test_painttee_copies_matching_packets_to_output_1_first():
    h = H("PaintTee", "2", n_outputs=2)
    out = h.push(FRAME, paint=2)
    assert out == [(1, FRAME), (0, FRAME)]
    assert h.pool.ctl[packet.C_CREATED] == 1
    assert h.push(FRAME, paint=3) == [(0, FRAME)]
    assert h.push(FRAME) == [(0, FRAME)]  # unpainted is color 0
    h.write("color", "3")
    assert h.read("color") == "3"
    assert h.push(FRAME, paint=3) == [(1, FRAME), (0, FRAME)]
    with pytest.raises(ValueError):
        h.write("color", "300")


def test_painttee_copy_that_finds_the_pool_empty_is_not_made():
    h = H("PaintTee", "1", n_outputs=2, slots=1)
    assert h.push(FRAME, paint=1) == [(0, FRAME)]
    assert h.pool.ctl[C_NOSLOT] == 1


def test_checkpaint_separates_colors():
    h = H("CheckPaint", "4", n_outputs=2)
    assert h.action(FRAME, paint=4)[0] == 0
    assert h.action(FRAME, paint=5)[0] == 1
    one = H("CheckPaint", "4", n_outputs=1)
    assert one.action(FRAME, paint=4)[0] == 0
    assert one.action(FRAME, paint=5)[0] == drop(0)   # checked_output_push(1) without output 1
    one.write("color", "5")
    assert one.read("color") == "5" and one.action(FRAME, paint=5)[0] == 0


def test_paintswitch_routes_by_paint_and_floods_255():
    h = H("PaintSwitch", n_outputs=3)
    assert h.push_slots(FRAME, paint=2)[0][0] == 2
    assert h.push_slots(FRAME, paint=0)[0][0] == 0
    (port, s), = h.push_slots(FRAME, paint=3)
    assert port == drop(0)              # no output 3: dropped, as checked_output_push does
    out = h.push(FRAME, paint=255)
    assert [p for p, _ in out] == [0, 1, 2] and all(b == FRAME for _, b in out)
    h = H("PaintSwitch", "ICMP_PARAMPROB", n_outputs=2)
    assert h.push_slots(FRAME, paint=0, icmp_param=1)[0][0] == 1


# ---- switches ------------------------------------------------------------------------------

def test_switch_sends_to_its_output_and_the_handler_moves_it():
    h = H("Switch", "1", n_outputs=3)
    assert h.action(FRAME)[0] == 1
    assert (h.read("switch"), h.read("config")) == ("1", "1")
    h.write("switch", "2")
    assert h.action(FRAME)[0] == 2
    h.write("switch", "3")            # Click: an output >= noutputs() becomes -1
    assert h.read("switch") == "-1" and h.action(FRAME)[0] == drop(0)
    h.write("switch", "-5")
    assert h.read("switch") == "-5" and h.action(FRAME)[0] == drop(0)
    for bad in ("x", "1.5", ""):
        with pytest.raises(ValueError, match="integer"):
            h.write("switch", bad)
    assert H("Switch", "-1", n_outputs=2).action(FRAME)[0] == drop(0)
    assert H("Switch", n_outputs=2).action(FRAME)[0] == 0


def test_switch_output_must_exist():
    cls = registry()["Switch"]
    assert [i.message for i in cls.check_ports({"OUTPUT": 2}, 1, 2)] == ["output must be < 2"]
    assert cls.check_ports({"OUTPUT": 1}, 1, 2) == []
    assert cls.check_ports({"OUTPUT": -1}, 1, 2) == []


def test_staticswitch():
    assert H("StaticSwitch", "2", n_outputs=3).action(FRAME)[0] == 2
    assert H("StaticSwitch", "3", n_outputs=3).action(FRAME)[0] == drop(0)
    assert H("StaticSwitch", "-1", n_outputs=3).action(FRAME)[0] == drop(0)


def test_roundrobinswitch_cycles_through_outputs():
    h = H("RoundRobinSwitch", n_outputs=3)
    assert [h.action(FRAME)[0] for _ in range(7)] == [0, 1, 2, 0, 1, 2, 0]
    one = H("RoundRobinSwitch", n_outputs=1)
    assert [one.action(FRAME)[0] for _ in range(3)] == [0, 0, 0]


def _click_hash(frame: bytes, offset: int, length: int, n: int) -> int:
    if len(frame) < offset + length:
        return 0
    d = sum(frame[offset:offset + length])
    return (d ^ (d >> 4)) & (n - 1) if n in (2, 4, 8) else d % n


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 8])
def test_hashswitch_matches_clicks_hash(n):
    # HashSwitch(30, 4) on Ethernet frames hashes the IP destination address.
    h = H("HashSwitch", "30, 4", n_outputs=n)
    frames = [bytes(Ether() / IP(src="10.0.0.1", dst=f"10.{a}.{b}.{a * b % 256}") / UDP())
              for a in range(0, 256, 37) for b in range(0, 256, 51)]
    seen = set()
    for f in frames:
        out = h.action(f)[0]
        assert out == _click_hash(f, 30, 4, n)
        seen.add(out)
    assert seen <= set(range(n))
    if n > 1:
        assert len(seen) > 1


def test_hashswitch_short_packets_go_to_output_0():
    h = H("HashSwitch", "30, 4", n_outputs=3)
    for n in range(0, 34):
        assert h.action(FRAME[:n])[0] == 0
    assert h.action(FRAME[:34])[0] == _click_hash(FRAME, 30, 4, 3)


# ---- RandomSample --------------------------------------------------------------------------

def test_randomsample_probability_extremes_and_drops():
    h = H("RandomSample", "0", n_outputs=2)
    assert [h.action(FRAME)[0] for _ in range(50)] == [1] * 50
    assert h.read("drops") == "50"
    h = H("RandomSample", "1")
    assert all(h.action(FRAME)[0] == 0 for _ in range(50))
    h = H("RandomSample", "DROP 1")
    assert h.action(FRAME)[0] == drop(0) and h.read("drops") == "1"
    h = H("RandomSample", "0, ACTIVE false")
    assert all(h.action(FRAME)[0] == 0 for _ in range(20))


def test_randomsample_samples_with_the_given_probability():
    h = H("RandomSample", "0.25", n_outputs=2)
    s = h.load(FRAME)
    kept = sum(h.action_slot(s) == 0 for _ in range(20000))
    assert 4600 < kept < 5400
    assert int(h.read("drops")) == 20000 - kept


def test_randomsample_handlers_use_clicks_fixed_point_text():
    h = H("RandomSample", "SAMPLE 0.5")
    assert (h.read("sampling_prob"), h.read("drop_prob")) == ("0.5", "0.5")
    assert h.read("config") == "SAMPLE 0.5, ACTIVE true"
    h.write("drop_prob", "0.75")
    assert (h.read("sampling_prob"), h.read("drop_prob")) == ("0.25", "0.75")
    h.write("sampling_prob", "0.1")
    assert h.read("sampling_prob") == "0.1"
    h.write("sampling_prob", "1")
    assert h.read("sampling_prob") == "1" and h.read("drop_prob") == "0"
    h.write("active", "false")
    assert h.read("active") == "false" and h.read("config") == "SAMPLE 1, ACTIVE false"
    for bad in ("1.5", "-0.1", "half", "", "1/2"):
        with pytest.raises(ValueError, match="between 0.0 and 1.0"):
            h.write("sampling_prob", bad)
    with pytest.raises(ValueError):
        h.write("active", "sometimes")


# ---- Unstrip, Truncate, Pad ----------------------------------------------------------------

def test_unstrip_restores_stripped_bytes():
    h = H("Unstrip", "14")
    s = h.load(FRAME)
    assert packet.pull_front(h.P, s, 14)
    assert h.action_slot(s) == 0 and h.pool.bytes(s) == FRAME


def test_unstrip_past_the_headroom_moves_the_packet_back():
    h = H("Unstrip", str(HEADROOM + 10))
    s = h.load(FRAME, nh=HEADROOM + 14)
    assert h.action_slot(s) == 0
    out = h.pool.bytes(s)
    assert len(out) == len(FRAME) + HEADROOM + 10 and out[HEADROOM + 10:] == FRAME
    # the IP header annotation follows its bytes
    nh = h.pool.anno[s, A_NH]
    assert h.pool.data[s, nh:nh + 20].tobytes() == FRAME[14:34]
    full = H("Unstrip", str(SLOT_SIZE))
    assert full.action(FRAME)[0] == drop(0)


def test_truncate_limits_length():
    h = H("Truncate", "20")
    assert h.action(FRAME)[:2] == (0, FRAME[:20])
    assert h.action(FRAME[:10])[:2] == (0, FRAME[:10])
    assert h.read("nbytes") == "20"
    h.write("nbytes", "14")
    assert h.action(FRAME)[1] == FRAME[:14]
    for bad in ("-1", "x", ""):
        with pytest.raises(ValueError):
            h.write("nbytes", bad)


@pytest.mark.skipif(not hasattr(packet, "A_EXTRA_LENGTH"), reason="no EXTRA_LENGTH column yet")
def test_truncate_then_pad_restores_length_via_extra_length():
    t, p = H("Truncate", "44"), H("Pad")
    s = t.load(FRAME)
    t.action_slot(s)
    assert t.pool.anno[s, packet.A_EXTRA_LENGTH] == len(FRAME) - 44
    assert p.cls.simple_action(t.P, s, p.st) == 0
    out = t.pool.bytes(s)
    assert out == FRAME[:44] + bytes(len(FRAME) - 44)
    assert t.pool.anno[s, packet.A_EXTRA_LENGTH] == 0


def test_pad_and_truncate_match_clicks_own_test_pad_01():
    """kohler/click test/standard/Pad-01.testie: six Pad/Truncate chains on a packet whose IP
    length (50) exceeds its 46 captured bytes (extra length 4), and on one that is whole."""
    def chain(frame, extra, *steps):
        first = H(*steps[0])
        s = first.load(frame, extra_length=extra)
        for step in steps:
            h = H(*step)
            assert h.cls.simple_action(first.P, s, h.st) == 0
        return first.pool.bytes(s)[40:]                      # the payload after IP + TCP

    for extra, expect in ((4, [b"HiFart", b"HiFart" + bytes(4), b"HiFa", b"HiFa" + bytes(6),
                               b"HiFart", b"Hi" + bytes(2)]),
                          (0, [b"HiFart", b"HiFart", b"HiFa", b"HiFa" + bytes(2),
                               b"HiFart", b"Hi" + bytes(2)])):
        frame = raw(IP(src="1.0.0.1", len=46 + extra) / TCP() / b"HiFart")
        chains = [[("Null", "")], [("Pad", "")], [("Truncate", "44")],
                  [("Truncate", "44"), ("Pad", "")], [("Pad", "44")],
                  [("Truncate", "42"), ("Pad", "44")]]
        assert [chain(frame, extra, *c) for c in chains] == expect


def test_pad_extends_short_packets_with_zeros():
    h = H("Pad", "60")
    code, out, _ = h.action(ARP_FRAME)
    assert code == 0 and len(ARP_FRAME) == 42 and out == ARP_FRAME + bytes(18)
    assert Ether(out)[ARP].pdst == "10.0.0.9"
    assert H("Pad", "40").action(FRAME)[1] == FRAME        # long enough already
    assert H("Pad").action(ARP_FRAME)[1] == ARP_FRAME  # no LENGTH, no extra length
    nz = H("Pad", "50, ZERO false")
    s = nz.pool.load(bytes(range(1, 60)))
    packet.take_back(nz.P, s, 20)
    nz.action_slot(s)
    assert nz.pool.bytes(s) == bytes(range(1, 51))  # the old bytes are still there


def test_pad_that_does_not_fit_the_slot_drops():
    h = H("Pad", str(SLOT_SIZE))
    assert h.action(FRAME)[0] == drop(0)


# ---- Print ---------------------------------------------------------------------------------

def _printed(h, capsys) -> list[str]:
    h.flush()
    return capsys.readouterr().err.splitlines()


def test_print_formats_lines_like_click(capsys):
    h = H("Print", "ok")
    data = bytes(range(30))
    code, out, _ = h.action(data)
    assert (code, out) == (0, data)
    assert _printed(h, capsys) == [
        "ok:   30 | 00010203 04050607 08090a0b 0c0d0e0f 10111213 14151617"]
    h = H("Print", "ok, 5")
    h.action(b"\x01\x02\x03")
    h.action(bytes(range(10)))
    assert _printed(h, capsys) == ["ok:    3 | 010203", "ok:   10 | 00010203 04"]
    h = H("Print")                        # no label: no separator
    h.action(b"")
    h.action(b"ab")
    assert _printed(h, capsys) == ["   0", "   2 | 6162"]


def test_print_ascii_timestamp_headroom_and_whole_packets(capsys):
    h = H("Print", "x, -1, CONTENTS ASCII, TIMESTAMP true, HEADROOM true")
    h.action(b"Hello, world!\x00\x7fz", tstamp=2_000_123_456)
    assert _printed(h, capsys) == [f"x: 2.000123:   16 (h{HEADROOM} t{SLOT_SIZE - HEADROOM - 16}) "
                                   "|  Hello, w orld!..z"]
    h = H("Print", "x, CONTENTS NONE")
    h.action(FRAME)
    assert _printed(h, capsys) == [f"x: {len(FRAME):4d}"]
    h = H("Print", "x, 2, CONTENTS false")
    h.action(FRAME)
    assert _printed(h, capsys) == [f"x: {len(FRAME):4d}"]
    h = H("Print", "x, 4, NBYTES 2")       # the deprecated synonym is read last
    h.action(FRAME)
    assert _printed(h, capsys) == [f"x: {len(FRAME):4d} | 0000"]


def test_print_annotations_are_clicks_48_bytes(capsys):
    h = H("Print", "a, 0, PRINTANNO true")
    h.action(FRAME, dst_ip=0x0A000001, paint=3, icmp_param=0x11, agg=0x04030201)
    expect = bytearray(48)
    expect[0:4] = bytes([10, 0, 0, 1])
    expect[16], expect[17] = 3, 0x11
    expect[20:24] = bytes([1, 2, 3, 4])
    assert _printed(h, capsys) == [f"a: {len(FRAME):4d} | {expect.hex()}"]


def test_print_active_handler_and_full_buffer(capsys):
    from elements.standard.print import RECORDS
    h = H("Print", "p, ACTIVE false")
    h.action(FRAME)
    assert _printed(h, capsys) == [] and h.read("active") == "false"
    h.write("active", "true")
    h.action(FRAME)
    assert len(_printed(h, capsys)) == 1
    with pytest.raises(ValueError):
        h.write("active", "loud")
    s = h.load(FRAME)
    for _ in range(RECORDS + 3):
        h.action_slot(s)
    lines = _printed(h, capsys)
    assert len(lines) == RECORDS + 1 and "3 packets not printed" in lines[-1]


# ---- queues ---------------------------------------------------------------------------------

def test_simplequeue_fifo_overflow_and_handlers():
    h = H("SimpleQueue", "2")
    assert [h.action(f)[0] for f in (b"a", b"b", b"c")] == [STOLEN, STOLEN, drop(0)]
    assert (h.read("length"), h.read("highwater_length"), h.read("drops"),
            h.read("capacity")) == ("2", "2", "1", "2")
    assert (h.pull(), h.pull(), h.pull()) == (b"a", b"b", None)
    h.write("reset_counts")
    assert (h.read("drops"), h.read("highwater_length")) == ("0", "0")
    two = H("SimpleQueue", "1", n_outputs=2)
    assert [two.action(f)[0] for f in (b"a", b"b")] == [STOLEN, 1]   # overflow to output 1


def test_simplequeue_wraps_around_its_ring():
    h = H("SimpleQueue", "3")
    for i in range(10):
        assert h.action(bytes([i]))[0] == STOLEN
        assert h.pull() == bytes([i])
    assert h.read("highwater_length") == "1"


def test_simplequeue_reset_and_capacity_give_slots_back():
    h = H("SimpleQueue", "4")
    for f in (b"1", b"2", b"3", b"4"):
        h.action(f)
    assert h.pool.in_use() == 4
    h.write("capacity", "2")            # Click keeps the oldest packets
    assert h.read("capacity") == "2" and h.read("length") == "2"
    h.flush()
    assert h.pool.in_use() == 2
    assert h.pull() == b"1"
    h.write("reset")
    assert h.read("length") == "0" and h.pull() is None
    h.flush()
    assert h.pool.in_use() == 1             # the packet pulled
    for bad in ("5", "-1", "lots"):
        with pytest.raises(ValueError):
            h.write("capacity", bad)
    h.write("capacity", "4")
    assert all(h.action(f)[0] == STOLEN for f in (b"a", b"b", b"c", b"d"))


def test_frontdropqueue_drops_the_oldest_packet():
    h = H("FrontDropQueue", "2")
    assert h.push(b"a") == [] and h.push(b"b") == []
    (port, s), = h.push_slots(b"c")
    assert port == drop(0) and h.pool.bytes(s) == b"a"
    assert h.read("drops") == "1" and h.read("length") == "2"
    assert (h.pull(), h.pull(), h.pull()) == (b"b", b"c", None)
    two = H("FrontDropQueue", "1", n_outputs=2)
    two.push(b"x")
    assert two.push(b"y") == [(1, b"x")]
    assert two.pull() == b"y"
    zero = H("FrontDropQueue", "0", n_outputs=2)
    assert zero.push(b"z") == [(1, b"z")]


def test_frontdropqueue_capacity_keeps_the_newest():
    h = H("FrontDropQueue", "4")
    for f in (b"1", b"2", b"3", b"4"):
        h.push(f)
    h.write("capacity", "2")
    assert h.read("length") == "2"
    h.flush()
    assert h.pool.in_use() == 2
    assert (h.pull(), h.pull()) == (b"3", b"4")


# ---- pull-to-push --------------------------------------------------------------------------

def test_unqueue_budget_follows_burst_limit_and_active():
    h = H("Unqueue", "3")
    assert h.budget() == 3
    assert H("Unqueue", "-1").budget() == 0x7FFFFFFF and H("Unqueue", "-1").read("burst") == \
        "2147483647"
    h = H("Unqueue", "2, LIMIT 5")
    s = h.load(FRAME)
    moved = 0
    while (n := h.budget()):
        for _ in range(n):
            assert h.action_slot(s) == 0
            moved += 1
    assert moved == 5 and h.read("count") == "5"
    h.write("reset")
    assert h.read("count") == "0" and h.budget() == 2
    h.write("limit", "1")
    assert h.budget() == 1 and h.read("limit") == "1"
    h.write("burst", "-3")
    assert h.read("burst") == "2147483647"
    h.write("active", "false")
    assert h.budget() == 0 and h.read("active") == "false"
    for name, bad in (("limit", "x"), ("burst", "1.5"), ("active", "2")):
        with pytest.raises(ValueError):
            h.write(name, bad)


def _run_unqueue(h: H, seconds: float, size: int = 100) -> int:
    """Drive a rated unqueue for `seconds` in 1 ms rounds; packets it moved."""
    s = h.load(bytes(size))
    for ms in range(int(seconds * 1000)):
        h.now(T0 + ms * MS)
        while (n := h.budget()):
            for _ in range(n):
                h.action_slot(s)
    return int(h.st[0][2])


@pytest.mark.parametrize("config, expect", [
    ("RATE 2", 20), ("RATE 2, BURST_SIZE 50", 69), ("RATE 2, BURST_DURATION 25", 69)])
def test_ratedunqueue_matches_clicks_test(config, expect):
    # kohler/click test/standard/RatedUnqueue-01.testie: counts after 10 s.
    assert _run_unqueue(H("RatedUnqueue", config), 10) == expect


@pytest.mark.parametrize("config, expect", [
    ("RATE 200Bps", 21), ("RATE 200Bps, BURST_BYTES 5000", 71),
    ("RATE 200Bps, BURST_DURATION 25", 71), ("RATE 10000Bps, BURST_BYTES 100", 1001)])
def test_bandwidthratedunqueue_matches_clicks_test(config, expect):
    # kohler/click test/standard/BandwidthRatedUnqueue-01.testie (100-byte packets).
    assert _run_unqueue(H("BandwidthRatedUnqueue", config), 10) == expect


def test_ratedunqueue_handlers():
    h = H("RatedUnqueue", "100")
    assert (h.read("rate"), h.read("config")) == ("100", "100")
    h.now(T0)
    assert h.budget() == 2              # 20 ms worth of 100 packets/s
    h.write("rate", "1000")
    assert h.read("rate") == "1000"
    h.write("active", "false")
    assert h.budget() == 0 and h.read("active") == "false"
    assert h.read("calls").splitlines() == ["2 calls to run_task()", "0 empty runs",
                                            "0 pushes", "0 failed pulls"]
    for bad in ("fast", "-1"):
        with pytest.raises(ValueError):
            h.write("rate", bad)
    b = H("BandwidthRatedUnqueue", "200Bps")
    assert b.read("rate") == "1.6kbps"
    b.write("rate", "10Mbps")
    # Click's TokenRateX::rate() rounds with tokens_per_tick / 2, which reads back high here
    assert b.read("rate") == "10.005Mbps"
    with pytest.raises(ValueError):
        b.write("rate", "10 parsecs")
    assert issues("RatedUnqueue", "1, BURST_SIZE 2, BURST_DURATION 1") == [
        "cannot specify both BURST_DURATION and BURST_SIZE"]


def test_pulltee_copies_pulled_packets_to_push_outputs():
    h = H("PullTee", "3", n_outputs=3)
    assert h.push(FRAME) == [(1, FRAME), (2, FRAME), (0, FRAME)]
    assert H("PullTee", n_outputs=1).push(FRAME) == [(0, FRAME)]


# ---- sources --------------------------------------------------------------------------------

def test_infinitesource_makes_its_data_until_the_limit_then_stops():
    h = H("InfiniteSource", "DATA \\<00112233>, LIMIT 3, STOP true")
    h.now(T0)
    s = h.task_slot()
    assert h.pool.bytes(s) == bytes.fromhex("00112233")
    assert h.pool.anno[s, A_TSTAMP] == T0 and h.pool.head[s] == HEADROOM
    assert (h.task(), h.task()) == (bytes.fromhex("00112233"),) * 2
    assert h.P[5][C_STOP] == 0
    assert h.task() is None and h.P[5][C_STOP] == 1
    assert h.read("count") == "3" and h.pool.in_use() == 3


def test_infinitesource_default_data_length_and_burst():
    from elements.standard.infinitesource import DEFAULT_DATA
    assert H("InfiniteSource").task() == DEFAULT_DATA
    assert H("InfiniteSource", "LENGTH 10").task() == DEFAULT_DATA[:10]
    long = H("InfiniteSource", "LENGTH 150").task()
    assert long == (DEFAULT_DATA * 3)[:150]
    pkt = bytes(Ether() / IP(dst="1.1.1.1") / UDP())
    assert Ether(H("InfiniteSource", f"DATA \\<{pkt.hex()}>").task())[IP].dst == "1.1.1.1"
    h = H("InfiniteSource", "LIMIT 5, BURST 2, STOP true")
    assert [h.budget() for _ in range(1)] == [2]
    got = 0
    while (n := h.budget()):
        for _ in range(n):
            assert h.task() is not None
            got += 1
    assert got == 5 and h.P[5][C_STOP] == 1
    assert H("InfiniteSource", "ACTIVE false").task() is None
    assert H("InfiniteSource", "TIMESTAMP false").task_slot() >= 0


def test_infinitesource_pool_exhaustion():
    h = H("InfiniteSource", slots=2)
    assert h.task() and h.task() and h.task() is None
    assert h.P[5][C_NOSLOT] == 1 and h.read("count") == "2"


def test_infinitesource_handlers():
    h = H("InfiniteSource", "DATA abc, LIMIT 2")
    assert (h.read("data"), h.read("limit"), h.read("burst"), h.read("length"),
            h.read("active")) == ("abc", "2", "1", "-1", "true")
    h.write("data", "xyz")
    assert h.task() == b"xyz" and h.read("data") == "xyz"
    h.write("length", "7")
    assert h.task() == b"xyzxyzx" and h.read("length") == "7"
    assert h.task() is None
    h.write("reset")
    h.write("limit", "-1")
    h.write("burst", "4")
    assert h.budget() == 4 and h.read("count") == "0"
    h.write("active", "false")
    assert h.task() is None and h.budget() == 0
    for name, bad in (("limit", "many"), ("burst", "0"), ("active", "perhaps"),
                      ("length", "long"), ("data", "\u2603")):
        with pytest.raises(ValueError):
            h.write(name, bad)
    with pytest.raises(ValueError):
        h.write("length", "5000")


def test_infinitesource_end_call_and_size_checks():
    h = H("InfiniteSource", "LIMIT 1, END_CALL stop")
    assert h.task() is not None and h.task() is None and h.P[5][C_STOP] == 1
    h = H("InfiniteSource", "LIMIT 1, END_CALL src.active false")
    assert h.task() is not None and h.task() is None and h.task() is None
    assert h.P[5][C_STOP] == 0          # the host makes the call, once
    calls = h.cls.take_handler_calls(h.values, h.st)
    assert [str(c) for c in calls] == ["src.active false"]
    assert h.cls.take_handler_calls(h.values, h.st) == []
    assert issues("InfiniteSource", "LENGTH 5000") == [
        f"packets of 5000 bytes do not fit clickpy's packet slots ({SLOT_SIZE - HEADROOM} bytes "
        "at most)"]
    assert issues("InfiniteSource", "STOP true, END_CALL stop") == [
        "END_CALL and STOP are mutually exclusive"]


def _run_source(h: H, seconds: float) -> int:
    n = 0
    for ms in range(int(seconds * 1000)):
        h.now(T0 + ms * MS)
        while (s := h.task_slot()) >= 0:
            packet.release(h.P, s)
            n += 1
    return n


def test_ratedsource_keeps_its_rate():
    # capacity 2 tokens below 200 packets/s: two at once, then one every ~100 ms (Click's
    # integer token arithmetic makes that 101 jiffies at 10/s).
    h = H("RatedSource", "RATE 10")
    assert _run_source(h, 1) == 11
    assert h.read("count") == "11" and h.read("rate") == "10"
    h = H("RatedSource", "RATE 1000")
    assert _run_source(h, 1) == 10 + 999   # a full bucket, then one per jiffy
    assert H("RatedSource", "RATE 1000, LIMIT 7, STOP true").task() is not None


def test_ratedsource_budget_says_wait():
    h = H("RatedSource", "RATE 10")
    h.now(T0)
    assert h.budget() == 2
    assert h.task() and h.task() and h.task() is None
    assert h.budget() == 0
    h.now(T0 + 101 * MS)
    assert h.budget() == 1


def test_ratedsource_limit_stop_timestamp_and_bandwidth():
    h = H("RatedSource", "DATA hello, RATE 1000, LIMIT 3, STOP true")
    h.now(T0 + 5 * MS)
    s = h.task_slot()
    assert h.pool.bytes(s) == b"hello" and h.pool.anno[s, A_TSTAMP] == T0 + 5 * MS
    assert _run_source(h, 1) == 2 and h.P[5][C_STOP] == 1
    assert h.budget() == 0
    bw = H("RatedSource", "LENGTH 100, BANDWIDTH 8000bps")   # 1000 bytes/s of 100-byte packets
    assert bw.read("rate") == "10"
    assert len(bw.task()) == 100


def test_ratedsource_handlers():
    h = H("RatedSource", "DATA abc, RATE 5, LENGTH 5")
    assert (h.read("data"), h.read("length"), h.read("limit"), h.read("active")) == \
        ("abc", "5", "-1", "true")
    h.now(T0)
    assert h.task() == b"abcab"
    h.write("data", "xy")                 # Click: DATA exactly, whatever LENGTH says
    assert h.task() == b"xy"
    h.write("length", "3")
    h.write("rate", "1000")
    assert h.read("rate") == "1000"
    h.now(T0 + 1000 * MS)
    assert h.task() == b"xyx"
    h.write("limit", "1")
    assert h.task() is None
    h.write("reset")
    assert h.read("count") == "0" and h.task() == b"xyx"
    h.write("limit", "-5")
    assert h.read("limit") == "-1"
    h.write("active", "false")
    assert h.task() is None
    for name, bad in (("rate", "-1"), ("limit", "x"), ("active", "2"), ("length", "")):
        with pytest.raises(ValueError):
            h.write(name, bad)


# ---- the token bucket against Click's arithmetic ---------------------------------------------

def test_token_bucket_words_match_click():
    b = tb.bucket(2, 50)
    assert (b[tb.SCALE], b[tb.PER_TICK]) == (0xFFFFFFFF // 50, 2 * (0xFFFFFFFF // 50) // 1000)
    assert tb.capacity(b) == 50 and tb.rate(b) == 2
    tb.refill(b, T0)
    assert tb.size(b) == 50 and tb.contains(b, 50) and not tb.contains(b, 51)
    assert tb.remove_if(b, 50) and not tb.remove_if(b, 1)
    tb.remove(b, 1000)
    assert b[tb.TOKENS] == 0
    idle = tb.bucket(0, 10)             # rate 0: Click's idle bucket never fills
    tb.refill(idle, T0)
    tb.refill(idle, T0 + 10**12)
    assert tb.size(idle) == 0


def test_ratedsource_rate_0_sends_its_initial_token_only():
    assert _run_source(H("RatedSource", "RATE 0"), 1) == 1
