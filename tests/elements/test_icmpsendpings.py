"""ICMPPingSource / ICMPSendPings, checked against Click's elements/icmp/icmpsendpings.{hh,cc}:
declarations, arguments, the echo requests it makes, its timer, replies on its input and
its handlers, through the kernels and through the compiled router."""
from __future__ import annotations

import time

import pytest
from kernel_harness import Harness
from scapy.layers.inet import ICMP, IP, UDP

from both_ways import run_both_ways
from clickpy.check import check_graph
from clickpy.diagnostics import SourcePos
from clickpy.element import DST_IP, IP_HEADER, registry
from clickpy.graph import build_graph
from clickpy.kernel import drop
from clickpy.lang import parse_text
from clickpy.packet import A_DST_IP, A_NH, A_TH, A_TSTAMP, C_NOW, C_STOP
from element_args import ArgsAt
from checked_router import router

A = ArgsAt(SourcePos("t.click", 3, 10))
T0 = 1_700_000_000 * 10**9
MS = 1_000_000
REASONS = registry()["ICMPSendPings"].drop_reasons


class H(Harness):
    def __init__(self, config: str, n_inputs: int = 1, **kw):
        super().__init__("ICMPSendPings", config, n_inputs=n_inputs, **kw)

    def timer(self, ns: int) -> list[bytes]:
        """Run the timer kernel at time ns: the packets it pushed (all on output 0)."""
        self.P[5][C_NOW] = ns
        n = self.cls.run_timer(self.P, self.st, self.emit)
        assert all(self.emit[2 * k] == 0 for k in range(n))
        return [self.pool.bytes(int(self.emit[2 * k + 1])) for k in range(n)]

    def reply(self, pkt, tstamp: int = 0, ip: bool = True) -> int:
        """Push a packet to input 0 (its IP header marked when ip): the drop reason index."""
        s = self.load(bytes(pkt), tstamp=tstamp)
        self.pool.anno[s, A_NH] = self.pool.head[s] if ip else -1
        assert self.cls.push(self.P, 0, s, self.st, self.emit) == 1
        assert self.emit[1] == s                     # the packet itself, always consumed
        return drop(0) - int(self.emit[0])


def le(v: int) -> int:
    """A 16-bit value as scapy reads it from where Click (Linux, x86) wrote it in host order."""
    return ((v & 0xFF) << 8) | (v >> 8)


def echo_reply(seq: int, ident: int = 0, data: bytes = b"", ttl: int = 61):
    return (IP(src="2.0.0.2", dst="1.0.0.1", ttl=ttl)
            / ICMP(type=0, id=le(ident), seq=le(seq)) / data)


# ---- declarations and arguments ----------------------------------------------------------

@pytest.mark.parametrize("name", ["ICMPPingSource", "ICMPSendPings"])
def test_declarations_match_click(name):
    cls = registry()[name]
    assert (cls.class_name, cls.port_count, cls.processing, cls.family()) == \
        (name, "0-1/1", "h/a", "icmp")
    assert cls.runnable() and cls.new_packets
    assert cls.sets == {IP_HEADER: (0,), DST_IP: (0,)}
    assert [a.keyword for a in cls.args] == ["SRC", "DST", "INTERVAL", "IDENTIFIER", "DATA",
                                             "LIMIT", "ACTIVE", "VERBOSE", "STOP"]
    assert {(h.name, h.read, h.write) for h in cls.handlers} == {
        ("active", True, True), ("src", True, True), ("dst", True, True),
        ("count", True, False), ("limit", False, True), ("interval", False, True),
        ("reset_counts", False, True), ("summary", True, False), ("rtt_min", True, False),
        ("rtt_avg", True, False), ("rtt_max", True, False)}


def test_arguments_and_defaults():
    v = A.ok("ICMPSendPings", "1.0.0.1, 2.0.0.2")
    assert (str(v["SRC"]), str(v["DST"])) == ("1.0.0.1", "2.0.0.2")
    v = A.ok("ICMPSendPings", "1.0.0.1, 2.0.0.2, INTERVAL 250ms, IDENTIFIER 0x1234, DATA abc,"
                              " LIMIT 3, ACTIVE false, VERBOSE false, STOP true")
    assert (v["INTERVAL"], v["IDENTIFIER"], v["DATA"], v["LIMIT"]) == (0.25, 0x1234, b"abc", 3)
    assert (v["ACTIVE"], v["VERBOSE"], v["STOP"]) == (False, False, True)
    h = H("1.0.0.1, 2.0.0.2")
    assert [h.read(n) for n in ("active", "count", "src", "dst")] == \
        ["true", "0", "1.0.0.1", "2.0.0.2"]
    assert "DST" in A.issue("ICMPSendPings", "1.0.0.1").message
    assert A.issue("ICMPSendPings", "1.0.0.1, 2.0.0.2, IDENTIFIER 65536").message == \
        "IDENTIFIER: 65536 is out of range"
    assert "not an IP address" in A.issue("ICMPSendPings", "1.0.0.1, 2.0.0").message
    found = A.issue("ICMPSendPings", "1.0.0.1, 2.0.0.2, INTERVAL 0.0004")
    assert (found.message, found.severity) == ("INTERVAL so small that it is zero", "warning")
    found = A.issue("ICMPSendPings", "1.0.0.1, 2.0.0.2, DATA " + "x" * 2000)
    assert found.severity == "error" and "do not fit" in found.message


# ---- the echo requests ------------------------------------------------------------------

def test_echo_request_fields_and_checksums_as_click_writes_them():
    h = H("1.0.0.1, 2.0.0.2, IDENTIFIER 0x1234, DATA \\<deadbeef>")
    assert h.timer(T0) == []                        # initialize: schedule_after(INTERVAL)
    [raw] = h.timer(T0 + 1000 * MS)
    p = IP(raw)
    assert (p.version, p.ihl, p.tos, p.len, p.id, p.flags, p.frag, p.ttl, p.proto) == \
        (4, 5, 0, 32, 1, 0, 0, 200, 1)
    assert (p.src, p.dst) == ("1.0.0.1", "2.0.0.2")
    again = IP(raw)
    del again.chksum
    del again[ICMP].chksum
    rebuilt = IP(bytes(again))
    assert (rebuilt.chksum, rebuilt[ICMP].chksum) == (p.chksum, p[ICMP].chksum)
    icmp = p[ICMP]
    assert (icmp.type, icmp.code) == (8, 0)
    # Identifier and sequence in host (little-endian) order, as Click on Linux x86.
    assert raw[24:28] == b"\x34\x12\x01\x00"
    assert bytes(icmp.payload) == b"\xde\xad\xbe\xef" and len(raw) == 32
    s = int(h.emit[1])
    anno = h.pool.anno[s]
    assert (anno[A_NH], anno[A_TH] - anno[A_NH]) == (h.pool.head[s], 20)
    assert anno[A_DST_IP] == 0x02000002 and anno[A_TSTAMP] == T0 + 1000 * MS


def test_sequence_and_ip_id_advance_and_skip_zero():
    h = H("1.0.0.1, 2.0.0.2, INTERVAL 0.001")
    h.timer(T0)
    got = [IP(b) for t in range(1, 4) for b in h.timer(T0 + t * MS)]
    assert [(p.id, p[ICMP].seq) for p in got] == [(1, le(1)), (2, le(2)), (3, le(3))]
    h.st[0][4] = 0xFFFF - 1                           # COUNT: Click's ip_id is count % 0xFFFF + 1
    [a] = h.timer(T0 + 4 * MS)
    [b] = h.timer(T0 + 5 * MS)
    assert (IP(a).id, IP(b).id) == (0xFFFF, 1)


def test_timer_interval_from_the_expiry_catch_up_and_limit_with_stop():
    h = H("1.0.0.1, 2.0.0.2, INTERVAL 100ms, LIMIT 4, STOP true")
    assert h.timer(T0) == []
    assert h.timer(T0 + 99 * MS) == []
    assert len(h.timer(T0 + 130 * MS)) == 1
    assert len(h.timer(T0 + 200 * MS)) == 1          # expiry 200 ms, not 230 ms
    assert h.P[5][C_STOP] == 0
    assert len(h.timer(T0 + 450 * MS)) == 2          # late: 300 and 400 caught up; LIMIT
    assert h.read("count") == "4" and h.P[5][C_STOP] == 1
    assert h.timer(T0 + 10_000 * MS) == [] and h.P[5][C_STOP] == 1


def test_an_idle_driver_sleeps_until_the_next_ping():
    h = H("1.0.0.1, 2.0.0.2, INTERVAL 30, LIMIT 1")
    assert h.cls.wake_after(h.values, h.st) == 0.0          # initialize's schedule pending
    h.timer(time.time_ns())
    assert 29 < h.cls.wake_after(h.values, h.st) <= 30
    h.timer(time.time_ns() + 31 * 10**9)                     # the one ping: LIMIT reached
    assert h.cls.wake_after(h.values, h.st) is None
    off = H("1.0.0.1, 2.0.0.2, ACTIVE false")
    assert off.cls.wake_after(off.values, off.st) is None


def test_limit_zero_and_inactive_never_schedule():
    for config in ("LIMIT 0", "ACTIVE false"):
        h = H("1.0.0.1, 2.0.0.2, " + config)
        h.timer(T0)
        assert h.timer(T0 + 5000 * MS) == [] and h.read("count") == "0"


def test_pull_makes_one_ping_per_pull_up_to_limit():
    h = H("1.0.0.1, 2.0.0.2, LIMIT 2, STOP true")
    h.P[5][C_NOW] = T0
    assert [IP(h.pull()).id for _ in range(2)] == [1, 2]
    assert h.pull() is None and h.P[5][C_STOP] == 1 and h.read("count") == "2"


# ---- replies ----------------------------------------------------------------------------

def test_replies_give_click_rtt_handlers_and_summary():
    h = H("1.0.0.1, 2.0.0.2, IDENTIFIER 7, INTERVAL 0.01, VERBOSE false")
    h.timer(T0)
    sent = [T0 + k * 10 * MS for k in (1, 2, 3)]
    for t in sent:
        assert len(h.timer(t)) == 1
    assert h.read("rtt_min") == "0s" and h.read("rtt_avg") == "0s"
    assert h.read("summary") == "3 packets transmitted, 0 received, 100% packet loss\n"
    assert h.reply(echo_reply(1, 7), tstamp=sent[0] + 1500_000) == 0      # 1.5 ms
    assert h.reply(echo_reply(2, 7), tstamp=sent[1] + 2500_999) == 0      # 2500 us: truncated
    assert REASONS[0] == "echo reply: round-trip time recorded"
    assert (h.read("rtt_min"), h.read("rtt_max"), h.read("rtt_avg")) == \
        ("0.0015s", "0.0025s", "0.002s")
    assert h.read("summary") == ("3 packets transmitted, 2 received, 33% packet loss\n"
                                 "rtt min/avg/max/mdev = 1.500/2.000/2.500/0.500\n")
    # A second reply to sequence 1: a duplicate, counted as Click counts it (its loss
    # subtracts duplicates twice, and C's division truncates toward zero: -33%).
    assert h.reply(echo_reply(1, 7), tstamp=sent[0] + 900) == 0            # 0 us
    assert h.read("rtt_min") == "0s"
    assert h.read("summary") == ("3 packets transmitted, 2 received, +1 duplicates, "
                                 "-33% packet loss\n"
                                 "rtt min/avg/max/mdev = 0.000/1.333/2.500/1.027\n")
    # A reply without a timestamp is received, but gives no RTT.
    assert h.reply(echo_reply(3, 7)) == 0
    assert h.read("summary").startswith("3 packets transmitted, 3 received, +1 duplicates")
    assert h.read("rtt_max") == "0.0025s"


def test_small_rtts_print_in_microseconds():
    h = H("1.0.0.1, 2.0.0.2, VERBOSE false")
    h.timer(T0)
    h.timer(T0 + 1000 * MS)
    h.reply(echo_reply(1), tstamp=T0 + 1000 * MS + 999_000)
    assert h.read("rtt_avg") == "999us"


def test_verbose_reports_each_reply_as_click_does():
    h = H("1.0.0.1, 2.0.0.2")
    h.timer(T0)
    h.timer(T0 + 1000 * MS)
    assert not h.cls.host_pending(h.P, h.st)
    h.reply(echo_reply(1, data=b"abcdef"), tstamp=T0 + 1000 * MS + 12_345_678)
    assert h.cls.host_pending(h.P, h.st)
    assert h.cls.reply_lines({"_name": "p"}, h.st) == [
        "p :: ICMPSendPings: 6 bytes from 2.0.0.2: icmp_seq=1 ttl=61 time=12.345 ms"]
    assert not h.cls.host_pending(h.P, h.st)
    quiet = H("1.0.0.1, 2.0.0.2, VERBOSE false")
    quiet.timer(T0)
    quiet.timer(T0 + 1000 * MS)
    quiet.reply(echo_reply(1), tstamp=T0 + 1000 * MS + 5)
    assert not quiet.cls.host_pending(quiet.P, quiet.st)


@pytest.mark.parametrize("pkt, ip, reason", [
    (echo_reply(1), False, "no IP header"),
    (bytes(echo_reply(1))[:19], True, "truncated IP header"),
    (IP(src="2.0.0.2", dst="1.0.0.1") / UDP() / (b"x" * 8), True, "not ICMP"),
    (bytes(echo_reply(1))[:27], True, "truncated ICMP echo header"),
    (IP(src="2.0.0.2", dst="1.0.0.1") / ICMP(type=8, seq=le(1)), True, "not an ICMP echo reply"),
    (IP(src="2.0.0.2", dst="1.0.0.1") / ICMP(type=3, code=1), True, "not an ICMP echo reply"),
    (echo_reply(1, ident=9), True, "echo reply with another identifier"),
    (IP(src="2.0.0.2", dst="1.0.0.1") / ICMP(type=0, seq=1), True, "echo reply to no ping sent"),
    (echo_reply(2), True, "echo reply to no ping sent"),
])
def test_other_packets_are_dropped_with_a_reason_and_change_nothing(pkt, ip, reason):
    h = H("1.0.0.1, 2.0.0.2, VERBOSE false")
    h.timer(T0)
    h.timer(T0 + 1000 * MS)                          # sequence 1 sent
    before = h.read("summary")
    assert REASONS[h.reply(pkt, tstamp=T0 + 1001 * MS, ip=ip)] == reason
    assert h.read("summary") == before == "1 packets transmitted, 0 received, 100% packet loss\n"
    assert h.reply(echo_reply(1), tstamp=T0 + 1001 * MS) == 0     # the real reply still counts


# ---- handlers ---------------------------------------------------------------------------

def test_active_handler_unschedules_and_schedules_now():
    h = H("1.0.0.1, 2.0.0.2, INTERVAL 1")
    h.timer(T0)
    h.write("active", "false")
    assert h.read("active") == "false" and h.timer(T0 + 5000 * MS) == []
    h.write("active", "yes")                         # schedule_now
    assert len(h.timer(T0 + 5001 * MS)) == 1
    assert h.timer(T0 + 6000 * MS) == [] and len(h.timer(T0 + 6001 * MS)) == 1


def test_limit_interval_and_reset_counts_handlers():
    h = H("1.0.0.1, 2.0.0.2, LIMIT 1, VERBOSE false")
    h.timer(T0)
    assert len(h.timer(T0 + 1000 * MS)) == 1 and h.timer(T0 + 9000 * MS) == []
    h.write("interval", "20ms")                      # used from the next schedule on
    h.write("limit", "3")                            # schedule_after(INTERVAL)
    # schedule_after(INTERVAL) from the next round's clock (handlers run between rounds).
    assert h.timer(T0 + 9010 * MS) == [] and h.timer(T0 + 9029 * MS) == []
    assert len(h.timer(T0 + 9030 * MS)) == 1 and len(h.timer(T0 + 9050 * MS)) == 1
    assert h.read("count") == "3" and h.timer(T0 + 9999 * MS) == []
    h.reply(echo_reply(3), tstamp=T0 + 9051 * MS)
    assert h.read("rtt_max") == "0.001s"
    h.write("reset_counts")
    assert h.read("count") == "0" and h.read("rtt_max") == "0s"
    assert h.read("summary") == "0 packets transmitted, 0 received"
    assert h.reply(echo_reply(3), tstamp=T0 + 9042 * MS) == REASONS.index(
        "echo reply to no ping sent")                # the send times are gone too
    assert h.timer(T0 + 10_000 * MS) == []           # reset: schedule_after(INTERVAL)
    assert len(h.timer(T0 + 10_020 * MS)) == 1


def test_src_dst_handlers_change_later_pings():
    h = H("1.0.0.1, 2.0.0.2")
    h.write("src", "10.0.0.1")
    h.write("dst", " 10.0.0.2 ")
    h.timer(T0)
    [raw] = h.timer(T0 + 1000 * MS)
    assert (IP(raw).src, IP(raw).dst) == ("10.0.0.1", "10.0.0.2")
    assert (h.read("src"), h.read("dst")) == ("10.0.0.1", "10.0.0.2")


@pytest.mark.parametrize("handler, text, message", [
    ("active", "maybe", "active: type mismatch"),
    ("src", "1.2.3", "src: syntax error"),
    ("dst", "", "dst: syntax error"),
    ("limit", "lots", "limit: 'limit' should be integer"),
    ("limit", "1.5", "limit: 'limit' should be integer"),
    ("interval", "soon", "interval: 'interval' should be an interval"),
    ("interval", "-1", "interval: 'interval' should be an interval"),
])
def test_bad_writes_raise_and_change_nothing(handler, text, message):
    h = H("1.0.0.1, 2.0.0.2, LIMIT 5")
    h.timer(T0)
    before = [a.copy() for a in h.st]
    with pytest.raises(ValueError, match=message):
        h.write(handler, text)
    assert all((a == b).all() for a, b in zip(before, h.st))


def test_statistics_handlers_need_an_input_as_in_click():
    h = H("1.0.0.1, 2.0.0.2", n_inputs=0)
    for name in ("summary", "rtt_min", "rtt_avg", "rtt_max"):
        with pytest.raises(KeyError):
            h.read(name)
    h.timer(T0)
    assert len(h.timer(T0 + 1000 * MS)) == 1 and h.read("count") == "1"
    with pytest.raises(KeyError):
        h.write("count", "3")


# ---- through the compiled router --------------------------------------------------------

def test_pings_answered_by_icmppingresponder_in_a_router():
    r = router("s :: ICMPSendPings(1.0.0.1, 2.0.0.2, INTERVAL 10ms, LIMIT 3, VERBOSE false)"
               " -> q :: Queue -> Unqueue -> ICMPPingResponder -> s;")
    r.step(now_ns=T0)
    r.step(now_ns=T0 + 9 * MS)
    assert r.read("s", "count") == "0"
    for k in (1, 2, 3, 4):
        r.step(now_ns=T0 + k * 10 * MS)
    assert r.read("s", "count") == "3"
    assert r.read("s", "summary") == ("3 packets transmitted, 3 received, 0% packet loss\n"
                                      "rtt min/avg/max/mdev = 0.000/0.000/0.000/0.000\n")
    acc = r.account()
    assert acc.drops[("s", "echo reply: round-trip time recorded")] == 3 and acc.balanced


def test_pull_output_pings_on_each_pull_and_runs_no_timer():
    r = router("s :: ICMPPingSource(1.0.0.1, 2.0.0.2, INTERVAL 10ms, LIMIT 5)"
               " -> u :: Unqueue(BURST 2) -> c :: Counter -> Discard;")
    r.step(now_ns=T0)
    assert r.read("c", "count") == "2"               # two pulls, no wait for INTERVAL
    for k in range(1, 6):
        r.step(now_ns=T0 + k * 10 * MS)
    assert r.read("s", "count") == "5" and r.read("c", "count") == "5"
    acc = r.account()
    assert not any(key[0] == "s" for key in acc.drops) and acc.balanced


def test_check_warns_as_click_of_an_interval_a_pulled_source_ignores():
    """Click's configure(): "element is pull, INTERVAL parameter will be ignored" when the
    output is pull and INTERVAL is given; and it is a source (what follows it is reached)."""
    def found(text):
        return [(d.pos.line, d.severity, d.message) for d in
                check_graph(build_graph(parse_text(text, "t.click", yaml=False))).diagnostics]
    assert found("p :: ICMPPingSource(1.0.0.1, 2.0.0.2, INTERVAL 2) -> Unqueue -> Discard;\n"
                 "q :: ICMPPingSource(1.0.0.1, 2.0.0.2) -> Unqueue -> Discard;\n"
                 "ICMPPingSource(1.0.0.1, 2.0.0.2, INTERVAL 2) -> Queue -> Discard;") == [
        (1, "warning", "p :: ICMPPingSource: element is pull, INTERVAL parameter will be "
                       "ignored")]


def test_compiled_and_interpreted_agree():
    # Replies come back in the round the ping leaves (no queue): RTT 0, nothing in flight
    # when STOP ends the run, so the output is the same every time.
    out = run_both_ways("s :: ICMPSendPings(1.0.0.1, 2.0.0.2, INTERVAL 1ms, LIMIT 4, STOP true,"
                        " DATA abc, VERBOSE false) -> ICMPPingResponder -> t :: Tee(2) -> s;"
                        " t[1] -> c :: Counter -> Discard", "s.count", "s.summary", "c.byte_count")
    assert out == ("s.count:\n4\n\n"
                   "s.summary:\n4 packets transmitted, 4 received, 0% packet loss\n"
                   "rtt min/avg/max/mdev = 0.000/0.000/0.000/0.000\n\n"
                   "c.byte_count:\n124\n\n")


def test_verbose_lines_name_the_element_as_click_declares_it(capfd):
    r = router("p :: ICMPSendPings(1.0.0.1, 2.0.0.2, INTERVAL 10ms, LIMIT 1)"
               " -> ICMPPingResponder -> t :: Tee(2) -> p; t[1] -> Discard;")
    for k in (0, 1, 2):
        r.step(now_ns=T0 + k * 10 * MS)
    r.close()
    err = capfd.readouterr().err
    assert "p :: ICMPSendPings: 0 bytes from 2.0.0.2: icmp_seq=1 ttl=255 time=" in err, err
    assert "p :: ICMPSendPings: 1 packets transmitted, 1 received, 0% packet loss" in err, err
