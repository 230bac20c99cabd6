"""Kernels of the Ethernet and ARP elements, frame by frame, against what Click does.

EtherEncap, EtherRewrite, EtherMirror, HostEtherFilter, DropBroadcasts,
VLANEncap, VLANDecap, StoreEtherAddress, EtherSwitch, ARPResponder and
ARPQuerier.  Expected results come from Click's sources (elements/ethernet/*.cc,
elements/standard/dropbroadcasts.cc, elements/etherswitch/etherswitch.cc);
frames are built, and outputs re-parsed, with scapy.
"""
from __future__ import annotations

import ipaddress

import pytest
from kernel_harness import Harness
from scapy.compat import raw
from scapy.layers.inet import IP, UDP
from scapy.layers.l2 import ARP, Dot1Q, Ether

from clickpy.kernel import drop, drop_reason
from clickpy.packet import (A_DEV, A_DST_IP, A_NH, A_PAINT, A_PKTTYPE, A_TH, A_TSTAMP, A_VLAN,
                            C_NOW, HEADROOM, SLOT_SIZE)

ME, PEER, OTHER = "00:11:22:33:44:55", "66:77:88:99:aa:bb", "02:00:00:00:00:07"
SEC = 1_000_000_000


class EtherHarness(Harness):
    """The example Harness, plus slots, annotations, the clock and the pool's account."""

    def anno(self, s: int, column: int) -> int:
        return int(self.pool.anno[s, column])

    def set_now(self, ns: int) -> None:
        self.pool.ctl[C_NOW] = ns

    def push_slots(self, frame: bytes, port: int = 0, **anno) -> list[tuple[int, bytes, int]]:
        """(output, bytes, slot) for each packet push() emitted to an output.

        Packets emitted with a drop code are released, as the compiled code
        does, and recorded in self.drops as (drop reason, bytes).
        """
        s = self.load(frame, **anno)
        n = self.cls.push(self.P, port, s, self.st, self.emit)
        out = []
        for k in range(n):
            o, t = int(self.emit[2 * k]), int(self.emit[2 * k + 1])
            if o < 0:
                self.drops.append((self.cls.drop_reasons[drop_reason(o)], self.pool.bytes(t)))
                self.free([t])
            else:
                out.append((o, self.pool.bytes(t), t))
        return out

    @property
    def drops(self) -> list[tuple[str, bytes]]:
        if not hasattr(self, "_drops"):
            self._drops = []
        return self._drops

    def dropped(self) -> list[str]:
        """The reasons of the drops so far, forgetting them."""
        reasons = [r for r, _ in self.drops]
        self.drops.clear()
        return reasons

    def free(self, slots) -> None:
        from clickpy.packet import release
        for s in slots:
            release(self.P, s)


def ip_int(text: str) -> int:
    return int(ipaddress.IPv4Address(text))


def ip_frame(src=PEER, dst=ME, **kw) -> bytes:
    return raw(Ether(src=src, dst=dst) / IP(src="10.0.0.9", dst="10.0.0.1", **kw) / UDP() / b"xy")


def ip_packet(dst="10.0.0.2", payload=b"data") -> bytes:
    return raw(IP(src="10.0.0.1", dst=dst) / UDP(sport=7, dport=9) / payload)


# ---- EtherEncap -----------------------------------------------------------------

def test_etherencap_prepends_the_configured_header_and_keeps_the_ip_header_annotation():
    h = EtherHarness("EtherEncap", f"0x0800, {ME}, {PEER}")
    pkt = ip_packet()
    code, out, s = h.action(pkt, nh=HEADROOM)
    assert code == 0
    assert out == raw(Ether(src=ME, dst=PEER, type=0x0800)) + pkt
    assert Ether(out)[IP].dst == "10.0.0.2"
    assert h.anno(s, A_NH) == HEADROOM            # absolute: the same bytes as before


def test_etherencap_moves_a_packet_without_headroom_and_its_header_annotations():
    h = EtherHarness("EtherEncap", f"0x86DD, {ME}, {PEER}")
    s = h.load(b"abcdef", nh=HEADROOM + 2, th=HEADROOM + 4)
    h.pool.data[s, 4:10] = h.pool.data[s, HEADROOM:HEADROOM + 6]
    h.pool.head[s] = 4                            # only 4 bytes of headroom left
    h.pool.anno[s, A_NH], h.pool.anno[s, A_TH] = 6, 8
    assert h.cls.simple_action(h.P, s, h.st) == 0
    out = h.pool.bytes(s)
    assert out == raw(Ether(src=ME, dst=PEER, type=0x86DD)) + b"abcdef"
    assert h.pool.data[s, h.anno(s, A_NH)] == ord("c")
    assert h.pool.data[s, h.anno(s, A_TH)] == ord("e")


def test_etherencap_drops_a_packet_too_large_for_its_slot():
    h = EtherHarness("EtherEncap", f"0x0800, {ME}, {PEER}")
    s = h.load(b"")
    h.pool.head[s], h.pool.length[s] = 0, SLOT_SIZE - 4
    assert h.cls.simple_action(h.P, s, h.st) == drop(0)
    assert h.cls.drop_reasons[0]


def test_etherencap_handlers_read_and_reconfigure():
    h = EtherHarness("EtherEncap", f"0x0800, {ME}, {PEER}")
    assert (h.read("src"), h.read("dst")) == ("00-11-22-33-44-55", "66-77-88-99-AA-BB")
    assert h.read("ethertype") == h.read("etht") == "2048"
    h.write("src", "02-00-00-00-00-01")
    h.write("dst", "ff:ff:ff:ff:ff:ff")
    h.write("etht", "0x0806")
    assert h.read("ethertype") == "2054"
    code, out, _ = h.action(b"\x01")
    expected = raw(Ether(src="02:00:00:00:00:01", dst="ff:ff:ff:ff:ff:ff", type=0x0806))
    assert out == expected + b"\x01"
    for name, text in (("src", "nonsense"), ("dst", "00:11:22"), ("ethertype", "0x10000"),
                       ("etht", "ip")):
        with pytest.raises(ValueError):
            h.write(name, text)
    assert h.read("src") == "02-00-00-00-00-01"


# ---- EtherRewrite and EtherMirror --------------------------------------------------

def test_etherrewrite_overwrites_both_addresses_and_keeps_the_type():
    h = EtherHarness("EtherRewrite", f"{ME}, {PEER}")
    frame = ip_frame(src=OTHER, dst=OTHER)
    code, out, _ = h.action(frame)
    assert code == 0
    assert out == raw(Ether(src=ME, dst=PEER))[:12] + frame[12:]
    assert Ether(out).type == 0x0800
    h.write("dst", OTHER)
    assert h.read("dst") == "02-00-00-00-00-07" and h.read("src") == "00-11-22-33-44-55"
    assert Ether(h.action(frame)[1]).dst == OTHER
    with pytest.raises(ValueError):
        h.write("src", "1:2:3")


@pytest.mark.parametrize("n", range(12))
def test_etherrewrite_and_ethermirror_drop_packets_shorter_than_the_addresses(n):
    for cls, config in (("EtherRewrite", f"{ME}, {PEER}"), ("EtherMirror", "")):
        h = EtherHarness(cls, config)
        assert h.action(bytes(range(n)))[0] == drop(0)


def test_ethermirror_swaps_the_addresses():
    h = EtherHarness("EtherMirror")
    frame = ip_frame(src=PEER, dst=ME)
    code, out, _ = h.action(frame)
    assert code == 0 and out == raw(Ether(src=ME, dst=PEER))[:12] + frame[12:]
    assert h.action(bytes(range(12)))[:2] == (0, bytes(range(6, 12)) + bytes(range(6)))


# ---- HostEtherFilter -------------------------------------------------------------

@pytest.mark.parametrize("dst,kind,code", [
    (ME, 0, 0),                                   # HOST
    ("ff:ff:ff:ff:ff:ff", 1, 0),                  # BROADCAST
    ("01:00:5e:00:00:01", 2, 0),                  # MULTICAST (group bit)
    ("33:33:00:00:00:01", 2, 0),
    (PEER, 3, drop(2)),                           # OTHERHOST, DROP_OTHER
])
def test_hostetherfilter_sets_the_packet_type(dst, kind, code):
    h = EtherHarness("HostEtherFilter", ME)
    got, out, s = h.action(ip_frame(src=OTHER, dst=dst))
    assert got == code and h.anno(s, A_PKTTYPE) == kind


def test_hostetherfilter_options_and_second_output():
    frame_other = ip_frame(src=OTHER, dst=PEER)
    frame_own = ip_frame(src=ME, dst="ff:ff:ff:ff:ff:ff")
    h = EtherHarness("HostEtherFilter", f"{ME}, false, false")
    assert h.action(frame_other)[0] == 0 and h.action(frame_own)[0] == 0
    h = EtherHarness("HostEtherFilter", f"{ME}, DROP_OWN true")
    code, _, s = h.action(frame_own)
    assert code == drop(1) and h.anno(s, A_PKTTYPE) == 0   # dropped before typing
    h = EtherHarness("HostEtherFilter", f"{ME}, true", n_outputs=2)
    assert h.action(frame_own)[0] == 1 and h.action(frame_other)[0] == 1
    assert h.action(ip_frame(src=OTHER, dst=ME))[0] == 0


def test_hostetherfilter_offset_and_short_packets():
    h = EtherHarness("HostEtherFilter", f"{ME}, OFFSET 4")
    assert h.action(b"\0" * 4 + ip_frame(src=OTHER, dst=ME))[0] == 0
    assert h.action(b"\0" * 4 + ip_frame(src=OTHER, dst=PEER))[0] == drop(2)
    for n in range(10):                           # fewer than 4 + 6 bytes
        assert h.action(bytes(n))[0] == drop(0)
    assert h.action(b"\0" * 4 + bytes.fromhex(ME.replace(":", "")))[0] == 0
    h = EtherHarness("HostEtherFilter", f"{ME}, true")    # DROP_OWN reads the source too
    for n in range(12):
        assert h.action(bytes.fromhex(ME.replace(":", ""))[:n])[0] == drop(0)
    assert h.action(bytes.fromhex(ME.replace(":", "")) * 2)[0] == drop(1)


def test_hostetherfilter_ether_handler():
    h = EtherHarness("HostEtherFilter", ME)
    assert h.read("ether") == "00-11-22-33-44-55"
    h.write("ether", PEER)
    assert h.read("ether") == "66-77-88-99-AA-BB"
    assert h.action(ip_frame(src=OTHER, dst=PEER))[0] == 0
    with pytest.raises(ValueError):
        h.write("ether", "66:77:88")


# ---- DropBroadcasts ----------------------------------------------------------------

def test_dropbroadcasts_drops_broadcast_and_multicast_by_packet_type():
    h = EtherHarness("DropBroadcasts")
    codes = [h.action(b"x", pkttype=t)[0] for t in range(5)]
    assert codes == [0, drop(0), drop(0), 0, 0]
    assert h.read("drops") == "2"
    h = EtherHarness("DropBroadcasts", n_outputs=2)
    assert [h.action(b"x", pkttype=t)[0] for t in range(5)] == [0, 1, 1, 0, 0]
    assert h.read("drops") == "2"


# ---- VLANEncap and VLANDecap ----------------------------------------------------------

def test_vlanencap_inserts_the_tag_like_scapy():
    frame = ip_frame()
    h = EtherHarness("VLANEncap", "VLAN_ID 100, VLAN_PCP 5")
    code, out, s = h.action(frame, nh=HEADROOM + 14)
    assert code == 0
    assert out == raw(Ether(src=PEER, dst=ME) / Dot1Q(vlan=100, prio=5)
                      / IP(src="10.0.0.9", dst="10.0.0.1") / UDP() / b"xy")
    assert h.pool.data[s, h.anno(s, A_NH)] == 0x45         # still the IP header
    h = EtherHarness("VLANEncap", "0x2064, ETHERTYPE 0x88a8")
    out = h.action(frame)[1]
    assert out[12:16] == bytes.fromhex("88a82064") and out[16:] == frame[12:]
    h = EtherHarness("VLANEncap", "0x0064, 3")               # VLAN_TCI with VLAN_PCP
    assert h.action(frame)[1][14:16] == bytes.fromhex("6064")


def test_vlanencap_from_the_annotation_and_the_native_vlan():
    frame = ip_frame()
    h = EtherHarness("VLANEncap", "ANNO")
    assert h.action(frame, vlan=0xA00C)[1][12:16] == bytes.fromhex("8100a00c")
    assert h.action(frame, vlan=0x2000)[1] == frame      # VLAN ID 0 is native by default
    h = EtherHarness("VLANEncap", "VLAN_ID 7, NATIVE_VLAN 7")
    assert h.action(frame)[1] == frame
    h = EtherHarness("VLANEncap", "VLAN_ID 0, NATIVE_VLAN -1")
    assert h.action(frame)[1][12:16] == bytes.fromhex("81000000")


def test_vlanencap_short_frames():
    h = EtherHarness("VLANEncap", "VLAN_ID 1")
    for n in range(12):
        assert h.action(bytes(n))[0] == drop(0)
    assert h.action(bytes(range(12)))[1] == bytes(range(12)) + bytes.fromhex("81000001")
    native = EtherHarness("VLANEncap", "VLAN_ID 0")
    assert native.action(b"ab")[:2] == (0, b"ab")


def test_vlanencap_handlers():
    h = EtherHarness("VLANEncap", "VLAN_ID 100, VLAN_PCP 5")
    assert h.read("config") == "VLAN_ID 100, VLAN_PCP 5"
    assert h.read("vlan_tci") == str((5 << 13) | 100)
    assert (h.read("vlan_id"), h.read("vlan_pcp"), h.read("native_vlan")) == ("100", "5", "0")
    assert h.read("ethertype") == str(0x8100)
    h.write("vlan_id", "200")
    h.write("native_vlan", "-1")
    assert h.read("config") == "VLAN_ID 200, VLAN_PCP 5, NATIVE_VLAN 65535"   # Click's ntohs(-1)
    h.write("ethertype", "0x9100")
    assert h.action(ip_frame())[1][12:16] == bytes.fromhex("9100a0c8")
    for name, text in (("vlan_id", "0x1000"), ("vlan_pcp", "8"), ("vlan_tci", "seven"),
                       ("native_vlan", "-2"), ("ethertype", "0x10000"), ("vlan_tci", "5")):
        with pytest.raises(ValueError):       # the last: VLAN_TCI and VLAN_ID together
            h.write(name, text)
    h = EtherHarness("VLANEncap", "ANNO, NATIVE_VLAN 3")
    assert (h.read("config"), h.read("vlan_tci")) == ("ANNO, NATIVE_VLAN 3", "ANNO")
    h.write("vlan_tci", "0x0005")
    assert h.read("config") == "VLAN_ID 5, VLAN_PCP 0, NATIVE_VLAN 3"


def test_vlandecap_removes_the_tag_and_sets_the_annotation():
    plain = ip_frame()
    tagged = raw(Ether(src=PEER, dst=ME) / Dot1Q(vlan=100, prio=5)
                 / IP(src="10.0.0.9", dst="10.0.0.1") / UDP() / b"xy")
    h = EtherHarness("VLANDecap")
    code, out, s = h.action(tagged, nh=HEADROOM + 18)
    assert (code, out) == (0, plain)
    assert h.anno(s, A_VLAN) == (5 << 13) | 100
    assert h.pool.data[s, h.anno(s, A_NH)] == 0x45
    code, out, s = h.action(plain, vlan=77)
    assert (code, out, h.anno(s, A_VLAN)) == (0, plain, 0)
    h = EtherHarness("VLANDecap", "false")
    code, out, s = h.action(tagged, vlan=77)
    assert (out, h.anno(s, A_VLAN)) == (plain, 77)
    h = EtherHarness("VLANDecap", "ETHERTYPE 0x88a8")
    assert h.action(tagged)[1] == tagged
    qinq = tagged[:12] + b"\x88\xa8" + tagged[14:]
    assert h.action(qinq)[1] == plain


def test_vlandecap_short_frames():
    h = EtherHarness("VLANDecap")
    for n in range(14):                           # no type field: not tagged
        code, out, s = h.action(bytes(n), vlan=9)
        assert (code, out, h.anno(s, A_VLAN)) == (0, bytes(n), 0)
    header = bytes(range(12)) + b"\x81\x00"
    for n in (14, 15):
        assert h.action((header + b"\x20\x05")[:n])[0] == drop(0)
    code, out, s = h.action(header + b"\x20\x05")
    assert (code, out, h.anno(s, A_VLAN)) == (0, bytes(range(12)), 0x2005)


def test_vlan_encap_then_decap_is_the_identity():
    enc, dec = EtherHarness("VLANEncap", "ANNO"), EtherHarness("VLANDecap")
    frame = ip_frame()
    for tci in (1, 0x0FFF, 0xE123):
        out = enc.action(frame, vlan=tci)[1]
        code, back, s = dec.action(out)
        assert back == frame and dec.anno(s, A_VLAN) == tci


# ---- StoreEtherAddress ----------------------------------------------------------------

def test_storeetheraddress_writes_at_src_dst_or_an_offset():
    frame = ip_frame(src=OTHER, dst=OTHER)
    h = EtherHarness("StoreEtherAddress", f"{ME}, src")
    assert Ether(h.action(frame)[1]).src == ME
    h = EtherHarness("StoreEtherAddress", f"{ME}, dst")
    assert Ether(h.action(frame)[1]).dst == ME
    h = EtherHarness("StoreEtherAddress", f"{ME}, 3")
    assert h.action(bytes(9))[1] == bytes(3) + bytes.fromhex("001122334455")


def test_storeetheraddress_short_packets_go_to_output_1_or_are_dropped():
    h = EtherHarness("StoreEtherAddress", f"{ME}, src")
    h2 = EtherHarness("StoreEtherAddress", f"{ME}, src", n_outputs=2)
    for n in range(12):
        assert h.action(bytes(n))[:2] == (drop(0), bytes(n))
        assert h2.action(bytes(n))[:2] == (1, bytes(n))
    assert h.action(bytes(12))[1] == bytes(6) + bytes.fromhex("001122334455")


def test_storeetheraddress_addr_handler_and_anno_form():
    h = EtherHarness("StoreEtherAddress", f"{ME}, dst")
    assert h.read("addr") == "00-11-22-33-44-55"
    h.write("addr", PEER)
    assert Ether(h.action(ip_frame())[1]).dst == PEER
    with pytest.raises(ValueError):
        h.write("addr", "bad")
    with pytest.raises(ValueError, match="ANNO"):
        EtherHarness("StoreEtherAddress", "OFFSET src, ANNO 20")


# ---- EtherSwitch ---------------------------------------------------------------------

A, B, C = "02:00:00:00:00:0a", "02:00:00:00:00:0b", "02:00:00:00:00:0c"


def frame(src, dst) -> bytes:
    return raw(Ether(src=src, dst=dst) / IP() / b"payload")


def test_etherswitch_floods_unknown_then_forwards_learned_addresses():
    h = EtherHarness("EtherSwitch", n_inputs=4, n_outputs=4)
    f = frame(A, B)
    out = h.push_slots(f, port=1)
    assert [(p, b) for p, b, _ in out] == [(3, f), (2, f), (0, f)]   # Click's order
    assert len({s for _, _, s in out}) == 3
    h.free(s for _, _, s in out)
    out = h.push_slots(frame(B, A), port=2)
    assert [(p, b) for p, b, _ in out] == [(1, frame(B, A))]
    h.free(s for _, _, s in out)
    out = h.push_slots(frame(A, B), port=1)
    assert [p for p, _, _ in out] == [2]
    h.free(s for _, _, s in out)
    assert h.push_slots(frame(C, B), port=2) == []                   # same LAN: dropped
    assert h.dropped() == ["destination is on the LAN the packet came from"]
    assert sorted(h.read("table").splitlines()) == [
        "02-00-00-00-00-0A 1", "02-00-00-00-00-0B 2", "02-00-00-00-00-0C 2"]
    assert h.pool.in_use() == 0


def test_etherswitch_floods_group_destinations_and_drops_short_packets():
    h = EtherHarness("EtherSwitch", n_inputs=2, n_outputs=2)
    h.free(s for _, _, s in h.push_slots(frame(B, A), port=1))
    out = h.push_slots(frame(A, "ff:ff:ff:ff:ff:ff"), port=0)
    assert [p for p, _, _ in out] == [1]
    h.free(s for _, _, s in out)
    out = h.push_slots(frame(B, "01:00:5e:00:00:01"), port=1)
    assert [p for p, _, _ in out] == [0]
    h.free(s for _, _, s in out)
    for n in range(12):
        assert h.push_slots(bytes(n), port=0) == []
    assert h.dropped() == ["packet shorter than the Ethernet addresses (12 bytes)"] * 12
    assert h.pool.in_use() == 0


def test_etherswitch_entries_expire_by_timestamp_and_timeout_0_is_a_hub():
    h = EtherHarness("EtherSwitch", "TIMEOUT 10", n_inputs=3, n_outputs=3)
    h.free(s for _, _, s in h.push_slots(frame(B, A), port=2, tstamp=100 * SEC))
    out = h.push_slots(frame(A, B), port=0, tstamp=109 * SEC)
    assert [p for p, _, _ in out] == [2]
    h.free(s for _, _, s in out)
    out = h.push_slots(frame(C, B), port=1, tstamp=110 * SEC)        # 100 + 10: expired
    assert [p for p, _, _ in out] == [2, 0]
    h.free(s for _, _, s in out)
    assert "02-00-00-00-00-0B" not in h.read("table")
    hub = EtherHarness("EtherSwitch", "TIMEOUT 0", n_inputs=3, n_outputs=3)
    for _ in range(2):
        out = hub.push_slots(frame(A, B), port=1)
        assert [p for p, _, _ in out] == [2, 0]
        hub.free(s for _, _, s in out)
    assert hub.read("table") == ""


def test_etherswitch_timeout_handler():
    h = EtherHarness("EtherSwitch", "TIMEOUT 1.6", n_inputs=2, n_outputs=2)
    assert h.read("timeout") == "2"
    h.write("timeout", "30")
    assert h.read("timeout") == "30"
    h.write("timeout", "2min")
    assert h.read("timeout") == "120"
    for bad in ("soon", "-1"):
        with pytest.raises(ValueError):
            h.write("timeout", bad)


def test_etherswitch_full_table_forgets_expired_addresses():
    h = EtherHarness("EtherSwitch", "TIMEOUT 5", n_inputs=2, n_outputs=2, slots=8)
    entries = h.st[2].shape[0]
    for i in range(entries):
        f = b"\xff" * 6 + b"\x02\xff" + i.to_bytes(4, "big") + b"\x08\x00"
        h.free(s for _, _, s in h.push_slots(f, tstamp=0))
    assert h.st[0][2] == 0                                           # full
    h.free(s for _, _, s in h.push_slots(frame(A, "ff:ff:ff:ff:ff:ff"), port=1, tstamp=SEC))
    assert "02-00-00-00-00-0A" not in h.read("table")                # not learned
    h.free(s for _, _, s in h.push_slots(frame(A, "ff:ff:ff:ff:ff:ff"), port=1, tstamp=6 * SEC))
    assert h.read("table") == "02-00-00-00-00-0A 1\n"


def test_etherswitch_full_table_is_scanned_again_only_when_an_entry_may_have_expired():
    """A flood of new addresses into a full table costs one scan until the earliest entry
    can expire (NO_EXPIRY_BEFORE), and learns as a scan per packet would, even when
    timestamps go back in time."""
    from elements.ethernet.etherswitch import NO_EXPIRY_BEFORE
    h = EtherHarness("EtherSwitch", "TIMEOUT 5", n_inputs=2, n_outputs=2, slots=8)
    entries = h.st[2].shape[0]

    def source(i):
        return b"\xff" * 6 + b"\x02\xff" + i.to_bytes(4, "big") + b"\x08\x00"

    def send(f, t, port=0):
        h.free(s for _, _, s in h.push_slots(f, port=port, tstamp=int(t * SEC)))

    for i in range(entries):
        send(source(i), 10 if i < entries // 2 else 12)
    new = [frame(x, "ff:ff:ff:ff:ff:ff") for x in (A, B, C)]
    send(new[0], 11, port=1)
    assert h.st[0][NO_EXPIRY_BEFORE] == 15 * SEC and "02-00-00-00-00-0A" not in h.read("table")
    send(new[0], 14.9, port=1)                                   # no scan: none expired
    assert "02-00-00-00-00-0A" not in h.read("table")
    send(source(0), 1)                                           # a stamp back in time:
    assert h.st[0][NO_EXPIRY_BEFORE] == 6 * SEC                  # expires at 6 s
    send(new[1], 7, port=1)
    table = h.read("table")
    assert "02-00-00-00-00-0B 1" in table and "02-FF-00-00-00-00" not in table
    send(new[2], 15, port=1)                                     # the first half expired
    assert "02-00-00-00-00-0C 1" in h.read("table")
    h.write("timeout", "1")                                      # shorter: scan at once
    assert h.st[0][NO_EXPIRY_BEFORE] == 0


# ---- ARPResponder --------------------------------------------------------------------

def arp_request(tpa, spa="10.0.0.9", sha=OTHER, pad=True, **kw) -> bytes:
    pkt = Ether(src=sha, dst="ff:ff:ff:ff:ff:ff") / ARP(op=1, hwsrc=sha, psrc=spa, pdst=tpa, **kw)
    data = raw(pkt)
    return data + bytes(60 - len(data)) if pad else data


def arp_reply(spa, sha, tpa="10.0.0.1", tha=ME, **kw) -> bytes:
    return raw(Ether(src=sha, dst=tha) / ARP(op=2, hwsrc=sha, psrc=spa, hwdst=tha, pdst=tpa, **kw))


def test_arpresponder_answers_like_click():
    h = EtherHarness("ARPResponder", f"10.0.0.1 10.0.7.0/24 {ME}")
    code, out, s = h.action(arp_request("10.0.7.33"), dev=3, vlan=12, paint=5, nh=HEADROOM + 14,
                            dst_ip=99, tstamp=7)
    assert code == 0
    assert out == raw(Ether(src=ME, dst=OTHER) / ARP(op=2, hwsrc=ME, psrc="10.0.7.33",
                                                     hwdst=OTHER, pdst="10.0.0.9"))
    assert (h.anno(s, A_DEV), h.anno(s, A_VLAN)) == (3, 12)
    assert [h.anno(s, a) for a in (A_PAINT, A_DST_IP, A_TSTAMP, A_NH, A_TH)] == [0, 0, 0, -1, -1]
    assert h.action(arp_request("10.0.0.1", pad=False))[0] == 0


def test_arpresponder_passes_other_packets_to_output_1_or_drops_them():
    h = EtherHarness("ARPResponder", f"10.0.0.1 {ME}", n_outputs=2)
    h1 = EtherHarness("ARPResponder", f"10.0.0.1 {ME}")
    good = arp_request("10.0.0.1")
    others = [arp_request("10.0.0.2"),                               # not ours
              arp_reply("10.0.0.1", OTHER),                          # not a request
              good[:12] + b"\x08\x00" + good[14:],                   # not ARP
              good[:14] + b"\x00\x06" + good[16:],                   # not Ethernet hardware
              good[:16] + b"\x86\xdd" + good[18:]]                   # not IPv4
    others += [good[:n] for n in range(42)]                          # truncated
    for pkt in others:
        assert h.action(pkt)[:2] == (1, pkt)
        assert h1.action(pkt)[0] == drop(0)


def test_arpresponder_prefers_specific_networks_and_later_duplicates():
    h = EtherHarness("ARPResponder", f"10.0.0.0/8 {A}, 10.1.0.0/16 {B}, 10.0.0.0/8 {C}")
    assert h.read("table") == f"10.1.0.0/16 02-00-00-00-00-0B\n10.0.0.0/8 02-00-00-00-00-0C\n"
    assert Ether(h.action(arp_request("10.1.2.3"))[1]).src == B
    assert Ether(h.action(arp_request("10.9.2.3"))[1]).src == C
    assert h.cls.read_handler("lookup", h.values, h.st, "10.1.0.1") == "02-00-00-00-00-0B"
    assert h.cls.read_handler("lookup", h.values, h.st, "11.0.0.1") == ""
    with pytest.raises(ValueError):
        h.cls.read_handler("lookup", h.values, h.st, "x")


def test_arpresponder_add_and_remove_handlers():
    h = EtherHarness("ARPResponder", f"10.0.0.1 {ME}", n_outputs=2)
    assert h.read("table") == "10.0.0.1/32 00-11-22-33-44-55\n"
    h.write("add", f"192.168.0.0/16 192.168.1.1 {PEER}")
    assert h.action(arp_request("192.168.5.5"))[0] == 0
    assert h.read("table").splitlines() == ["10.0.0.1/32 00-11-22-33-44-55",
                                            "192.168.1.1/32 66-77-88-99-AA-BB",
                                            "192.168.0.0/16 66-77-88-99-AA-BB"]
    h.write("remove", "192.168.0.0/255.255.0.0")
    assert h.action(arp_request("192.168.5.5"))[0] == 1
    with pytest.raises(ValueError, match="not found"):
        h.write("remove", "192.168.0.0/16")
    for name, text in (("add", "10.0.0.2"), ("add", ME), ("add", f"10.0.0.2 {ME} {PEER}"),
                       ("remove", "nonsense")):
        with pytest.raises(ValueError):
            h.write(name, text)


# ---- ARPQuerier ----------------------------------------------------------------------

def querier(config="", n_outputs=2, now=1000 * SEC, **kw) -> EtherHarness:
    h = EtherHarness("ARPQuerier", f"10.0.0.1/24, {ME}" + (", " + config if config else ""),
                     n_inputs=2, n_outputs=n_outputs, **kw)
    h.set_now(now)
    h.flush()                       # the handlers' clock: the driver's, as of the last round
    return h


def arp_query(dst, dhost="ff:ff:ff:ff:ff:ff") -> bytes:
    return raw(Ether(src=ME, dst=dhost) / ARP(op=1, hwsrc=ME, psrc="10.0.0.1",
                                              hwdst="00:00:00:00:00:00", pdst=dst))


def send(h, dst="10.0.0.2", payload=b"data", **anno):
    return h.push_slots(ip_packet(dst, payload), port=0, dst_ip=ip_int(dst), **anno)


def encapsulated(dst_eth, dst="10.0.0.2", payload=b"data") -> bytes:
    return raw(Ether(src=ME, dst=dst_eth, type=0x0800)) + ip_packet(dst, payload)


def test_arpquerier_queries_holds_and_releases_in_order():
    h = querier()
    out = send(h, payload=b"one", vlan=5, tstamp=42, nh=HEADROOM)
    assert [(p, b) for p, b, _ in out] == [(1, arp_query("10.0.0.2"))]
    q = out[0][2]
    assert (h.anno(q, A_VLAN), h.anno(q, A_TSTAMP), h.anno(q, A_DST_IP)) == (5, 42, 0)
    h.free([q])
    assert send(h, payload=b"two") == []                           # within 100 ms: no query
    assert (h.read("length"), h.read("count"), h.read("queries")) == ("2", "1", "1")
    assert h.read("table") == "10.0.0.2 0 FF-FF-FF-FF-FF-FF 0.000000\n"
    h.set_now(1000 * SEC + SEC // 10)
    out = send(h, payload=b"three")
    assert [b for _, b, _ in out] == [arp_query("10.0.0.2")]
    h.free(s for _, _, s in out)
    assert h.pool.in_use() == 3
    out = h.push_slots(arp_reply("10.0.0.2", PEER), port=1)
    assert [(p, b) for p, b, _ in out] == [(0, encapsulated(PEER, payload=p))
                                           for p in (b"one", b"two", b"three")]
    assert h.pool.data[out[0][2], h.anno(out[0][2], A_NH)] == 0x45   # header annotation kept
    h.free(s for _, _, s in out)
    assert h.pool.in_use() == 0
    assert (h.read("length"), h.read("responses"), h.read("queries")) == ("0", "1", "2")
    assert h.read("table") == "10.0.0.2 1 66-77-88-99-AA-BB 0.000000\n"
    h.set_now(1001 * SEC + SEC // 2)
    assert h.read("table") == "10.0.0.2 1 66-77-88-99-AA-BB 0.000000\n"   # clock of the last packet
    out = send(h)
    assert [(p, b) for p, b, _ in out] == [(0, encapsulated(PEER))]
    h.free(s for _, _, s in out)
    assert h.read("table") == "10.0.0.2 1 66-77-88-99-AA-BB 1.400000\n"
    ip = Ether(out[0][1])[IP]
    assert ip.dst == "10.0.0.2" and ip.chksum == IP(raw(ip)).chksum


def test_arpquerier_with_one_output_sends_queries_on_output_0():
    h = querier(n_outputs=1)
    out = send(h)
    assert [(p, b) for p, b, _ in out] == [(0, arp_query("10.0.0.2"))]


def test_arpquerier_broadcast_multicast_and_zero_destinations():
    h = querier()
    for dst in ("255.255.255.255", "10.0.0.255"):
        out = send(h, dst=dst)
        assert [(p, b) for p, b, _ in out] == [(0, encapsulated("ff:ff:ff:ff:ff:ff", dst=dst))]
        h.free(s for _, _, s in out)
    out = send(h, dst="239.129.2.3")
    multicast = encapsulated("01:00:5e:01:02:03", dst="239.129.2.3")
    assert [(p, b) for p, b, _ in out] == [(0, multicast)]
    h.free(s for _, _, s in out)
    assert send(h, dst="0.0.0.0") == []
    assert (h.read("drops"), h.read("queries"), h.pool.in_use()) == ("1", "0", 0)
    assert h.dropped() == ["destination 0.0.0.0 (missing destination IP annotation?)"]
    h = querier("BROADCAST 10.0.0.7")
    assert send(h, dst="10.0.0.7")[0][1] == encapsulated("ff:ff:ff:ff:ff:ff", dst="10.0.0.7")
    assert [b for _, b, _ in send(h, dst="10.0.0.255")] == [arp_query("10.0.0.255")]
    h = EtherHarness("ARPQuerier", f"10.0.0.1, {ME}", n_inputs=2, n_outputs=2)
    assert h.read("broadcast") == "255.255.255.255"


def test_arpquerier_warns_once_about_0_0_0_0(caplog):
    h = querier()
    send(h, dst="0.0.0.0")
    send(h, dst="0.0.0.0")
    h.flush()
    h.flush()
    assert [r.message for r in caplog.records].count(
        "ARPQuerier(10.0.0.1): would query for 0.0.0.0; missing dest IP addr annotation?") == 1


def test_arpquerier_reads_no_packet_bytes_on_input_0():
    h = querier()
    h.write("insert", f"10.0.0.2 {PEER}")
    for n in (0, 1, 19):
        out = h.push_slots(bytes(n), port=0, dst_ip=ip_int("10.0.0.2"))
        header = raw(Ether(src=ME, dst=PEER, type=0x0800))
        assert [(p, b) for p, b, _ in out] == [(0, header + bytes(n))]


def test_arpquerier_without_an_address_drops_everything():
    h = querier()
    h.write("ipaddr", "0.0.0.0")
    assert send(h) == [] and send(h, dst="255.255.255.255") == []
    assert (h.read("drops"), h.pool.in_use()) == ("2", 0)
    assert h.dropped() == ["no IP address (ipaddr is 0.0.0.0)"] * 2
    h = querier()
    send(h)
    h.write("ipaddr", "0.0.0.0")
    assert h.push_slots(arp_reply("10.0.0.2", PEER), port=1) == []   # released packets killed
    assert (h.read("drops"), h.pool.in_use()) == ("1", 1)            # 1: the query
    assert h.dropped() == ["no IP address (ipaddr is 0.0.0.0)", "ARP response (consumed)"]


def test_arpquerier_ignores_bad_responses():
    h = querier()
    good = arp_reply("10.0.0.2", PEER)
    for n in range(42):
        assert h.push_slots(good[:n], port=1) == []
    assert h.read("responses") == "0"
    assert set(h.dropped()) == {"input 1 packet that is not a usable ARP reply"}
    bad = [good[:12] + b"\x08\x00" + good[14:], good[:14] + b"\x00\x06" + good[16:],
           good[:16] + b"\x86\xdd" + good[18:], arp_request("10.0.0.1", spa="10.0.0.2", sha=PEER),
           arp_reply("10.0.0.2", "01:00:5e:00:00:01")]
    for pkt in bad:
        assert h.push_slots(pkt, port=1) == []
    assert (h.read("responses"), h.read("count"), h.pool.in_use()) == (str(len(bad)), "0", 0)
    assert h.dropped() == ["input 1 packet that is not a usable ARP reply"] * len(bad)
    assert h.push_slots(good + bytes(18), port=1) == []            # padded reply: learned
    assert h.read("count") == "1" and h.dropped() == ["ARP response (consumed)"]


def test_arpquerier_polls_for_renewal_and_entries_expire():
    h = querier("TIMEOUT 300, POLL_TIMEOUT 60")
    h.push_slots(arp_reply("10.0.0.2", PEER), port=1)
    h.set_now(1059 * SEC)
    assert [p for p, _, _ in send(h)] == [0]
    h.set_now(1060 * SEC)
    out = send(h)                                                  # the poll, unicast, first
    assert [(p, b) for p, b, _ in out] == [(1, arp_query("10.0.0.2", dhost=PEER)),
                                           (0, encapsulated(PEER))]
    assert [p for p, _, _ in send(h)] == [0]                       # 100 ms between polls
    h.set_now(1300 * SEC)
    assert [p for p, _, _ in send(h)] == [1, 0]
    h.set_now(1300 * SEC + 1)                                      # expired, but polled
    assert send(h) == [] and h.read("length") == "1"               # 1 ns ago: held only
    h.set_now(1300 * SEC + SEC // 10)
    out = send(h)
    assert [(p, b) for p, b, _ in out] == [(1, arp_query("10.0.0.2"))]
    # Click keeps an entry with waiting packets "just this side of expiring"
    # (live = now - TIMEOUT), which makes its old address count as known again.
    assert h.read("table").split()[:3] == ["10.0.0.2", "1", "66-77-88-99-AA-BB"]
    assert [(p, b) for p, b, _ in send(h)] == [(0, encapsulated(PEER))]
    h.set_now(1300 * SEC + SEC // 5)
    assert [p for p, _, _ in send(h)] == [1]
    h = querier("BROADCAST_POLL true")
    h.push_slots(arp_reply("10.0.0.2", PEER), port=1)
    h.set_now(1060 * SEC)
    assert send(h)[0][1] == arp_query("10.0.0.2")


def test_arpquerier_capacities():
    h = querier("ENTRY_PACKET_CAPACITY 2")
    for i in range(3):
        send(h, payload=bytes([i]))
    assert (h.read("length"), h.read("drops")) == ("2", "0")
    assert h.read("stats") == "1 packets killed\n1 ARP queries sent\n"
    assert h.dropped() == ["ENTRY_PACKET_CAPACITY packets already wait for the destination"]
    h = querier("CAPACITY 4")              # the 5th packet slims to 4 - 4/2, itself included
    for i in range(5):
        send(h, dst=f"10.0.0.{10 + i % 2}", payload=bytes([i]))
    assert h.read("length") == "2" and h.read("stats").startswith("3 packets killed")
    assert h.dropped() == ["more than CAPACITY packets waiting: the oldest are killed"] * 3
    out = h.push_slots(arp_reply("10.0.0.10", PEER), port=1)
    assert [b[-1] for _, b, _ in out] == [4]                       # the oldest were killed
    out = h.push_slots(arp_reply("10.0.0.11", PEER), port=1)
    assert [b[-1] for _, b, _ in out] == [3]
    h = querier("ENTRY_CAPACITY 2")
    for i in range(3):
        send(h, dst=f"10.0.0.{20 + i}")
        h.set_now(h.pool.ctl[C_NOW] + SEC)
    assert h.read("count") == "2" and h.read("table").splitlines()[0].startswith("10.0.0.21 ")
    assert h.read("stats").startswith("1 packets killed")
    assert h.dropped() == ["ARP entry evicted (ENTRY_CAPACITY) with packets waiting"]
    assert h.pool.in_use() == 2 + 3                                # 2 held, 3 queries


def test_arpquerier_timer_expires_entries_and_their_packets():
    h = querier("TIMEOUT 10")
    send(h)
    h.set_now(1005 * SEC)
    send(h, dst="10.0.0.3")                                        # timer armed at 1005 + 10
    h.set_now(1016 * SEC)
    send(h, dst="10.0.0.4")
    assert h.read("count") == "1" and h.read("table").startswith("10.0.0.4 ")
    assert h.read("stats").startswith("2 packets killed")
    assert h.dropped() == ["ARP entry expired with packets waiting"] * 2


def test_arpquerier_handlers():
    h = querier()
    assert (h.read("ipaddr"), h.read("broadcast")) == ("10.0.0.1", "10.0.0.255")
    h.write("insert", f"10.0.0.5 {PEER}")
    out = send(h, dst="10.0.0.5")
    assert [(p, b) for p, b, _ in out] == [(0, encapsulated(PEER, dst="10.0.0.5"))]
    send(h, dst="10.0.0.6")
    h.write("insert", f"10.0.0.6 {B}")                             # waiting packets stay
    assert h.read("length") == "1"
    h.write("delete", "10.0.0.5")
    assert h.read("table").splitlines() == ["10.0.0.6 1 02-00-00-00-00-0B 0.000000",
                                            "10.0.0.5 0 FF-FF-FF-FF-FF-FF 0.000000"]
    assert [p for p, _, _ in send(h, dst="10.0.0.5")] == [1]
    held = h.cls.queued(h.st)
    assert len(held) == 2
    h.write("clear")
    assert (h.read("count"), h.read("length"), h.read("queries"), h.read("drops")) == ("0", "0",
                                                                                      "0", "0")
    assert h.read("stats").startswith("2 packets killed")
    assert sorted(h.cls.queued(h.st)) == sorted(held)              # killed, not yet released
    in_use = h.pool.in_use()
    h.flush()
    assert h.pool.in_use() == in_use
    h.free(s for _, _, s in send(h, dst="255.255.255.255"))       # the next packet drops them
    assert h.dropped() == ["ARP table cleared with packets waiting"] * 2
    assert h.pool.in_use() == in_use - 2 and h.cls.queued(h.st) == []
    h.write("broadcast", "10.0.0.127")
    assert h.read("broadcast") == "10.0.0.127"
    for name, text in (("insert", "10.0.0.5"), ("insert", f"10.0.0.5 {PEER} x"),
                       ("insert", f"10.0.0.300 {PEER}"), ("insert", "10.0.0.5 zz"),
                       ("delete", ""), ("delete", "host"), ("ipaddr", "1.2.3"),
                       ("broadcast", "")):
        with pytest.raises(ValueError):
            h.write(name, text)


def test_arpquerier_handler_kills_are_released_by_the_next_packet():
    h = querier()
    send(h)
    h.write("clear")
    assert h.pool.in_use() == 2
    out = send(h, dst="255.255.255.255")
    h.free(s for _, _, s in out)
    assert h.pool.in_use() == 1                                    # the first query
    assert h.dropped() == ["ARP table cleared with packets waiting"]


def test_arpquerier_table_and_config_checks():
    with pytest.raises(ValueError, match="TABLE"):
        EtherHarness("ARPQuerier", f"10.0.0.1, {ME}, TABLE t", n_inputs=2)
    with pytest.raises(AssertionError):
        EtherHarness("ARPQuerier", f"10.0.0.1, {ME}, CAPACITY_SLIM_FACTOR 0", n_inputs=2)


def test_arpquerier_emit_buffer_holds_every_packet_a_reply_releases():
    h = querier("CAPACITY 3")
    for i in range(3):
        send(h, payload=bytes([i]))
    out = h.push_slots(arp_reply("10.0.0.2", PEER), port=1)
    assert len(out) == 3 and h.emit.shape[0] >= 2 * 3
    assert querier().cls.emits(querier().values, 2) == 2048 + 2
