"""SetAnnoByte, StoreData, SetIPECN, MarkIPCE, SetCRC32, CheckCRC32, ICMPPingEncap,
ICMPIPEncap, CompareBlock, RandomBitErrors and TimeFilter, checked against Click's
elements/*/*.{hh,cc}: ports, arguments, kernels, handlers, corner cases and a run."""
from __future__ import annotations

import ipaddress

import pytest
from kernel_harness import Harness
from scapy.layers.inet import ICMP, IP, UDP
from scapy.layers.l2 import Ether

from both_ways import run_both_ways
from clickpy.diagnostics import SourcePos
from clickpy.element import DST_IP, IP_HEADER, registry
from clickpy.kernel import drop
from clickpy.packet import (A_AGG, A_DST_IP, A_NH, A_PAINT, A_TH, A_USER, C_STOP, HEADROOM,
                            SLOT_SIZE, release)
from clickpy.runtime.router import HandlerError
from element_args import ArgsAt
from checked_router import router

A = ArgsAt(SourcePos("t.click", 3, 10))
S = 1_000_000_000
UDP_IP = bytes(IP(src="10.0.0.1", dst="10.0.0.2", tos=0xB8) / UDP(sport=5, dport=7) / b"data")


def issues(name, text):
    """Every problem parsing or check_config found, warnings included."""
    values, found = A.parse(name, text)
    return found or registry()[name].check_config(values, None)


def ip_checksum_ok(raw: bytes) -> bool:
    again = IP(raw)
    del again.chksum
    return IP(bytes(again)).chksum == IP(raw).chksum


@pytest.mark.parametrize("name, ports, processing, family", [
    ("SetAnnoByte", "1/1", "a/a", "standard"), ("StoreData", "1/1", "a/a", "standard"),
    ("SetIPECN", "1/1", "a/a", "ip"), ("MarkIPCE", "1/1", "a/a", "ip"),
    ("SetCRC32", "1/1", "a/a", "standard"), ("CheckCRC32", "1/1", "a/a", "standard"),
    ("ICMPPingEncap", "1/1", "a/a", "icmp"), ("ICMPIPEncap", "1/1", "a/a", "icmp"),
    ("CompareBlock", "1/2", "a/a", "standard"), ("RandomBitErrors", "1/1", "a/a", "standard"),
    ("TimeFilter", "1/1-2", "a/ah", "analysis"),
])
def test_declarations_match_click(name, ports, processing, family):
    cls = registry()[name]
    assert (cls.port_count, cls.processing, cls.family()) == (ports, processing, family)
    assert cls.runnable() and cls.summary()


# ---- SetAnnoByte ----------------------------------------------------------------------------

def test_setannobyte_sets_the_byte_and_warns_it_is_obsolete():
    h = Harness("SetAnnoByte", "PAINT, 9")
    code, out, s = h.action(b"abc", paint=200)
    assert (code, out, int(h.pool.anno[s, A_PAINT])) == (0, b"abc", 9)
    found = issues("SetAnnoByte", "PAINT, 9")
    assert [i.severity for i in found] == ["warning"] and "Paint(VALUE, ANNO)" in found[0].message


@pytest.mark.parametrize("offset, column, value, expect", [
    (16, A_PAINT, 0, 0x7F), (21, A_AGG, 0x11223344, 0x11227F44),     # AGGREGATE: host order
    (24, A_USER, 0, 0x7F), (27, A_USER, 0, 0x7F000000),              # REV_RATE's bytes
])
def test_setannobyte_offsets(offset, column, value, expect):
    h = Harness("SetAnnoByte", f"{offset}, 127")
    s = h.load(b"x")
    h.pool.anno[s, column] = value
    assert h.cls.simple_action(h.P, s, h.st) == 0
    assert int(h.pool.anno[s, column]) == expect


def test_setannobyte_arguments_and_handlers():
    assert A.parse("SetAnnoByte", "ANNO 16, VALUE 3")[0]["VALUE"] == 3
    assert "out of range" in A.issue("SetAnnoByte", "PAINT, 256").message
    assert "4-byte annotation" in A.issue("SetAnnoByte", "DST_IP, 1").message
    bad = [i for i in issues("SetAnnoByte", "5, 1") if i.severity == "error"]
    assert len(bad) == 1 and "no column" in bad[0].message
    h = Harness("SetAnnoByte", "ICMP_PARAMPROB, 4")
    assert (h.read("anno"), h.read("value")) == ("17", "4")
    h.write("value", "250")
    assert h.read("value") == "250" and h.action(b"x")[0] == 0
    for text in ("256", "red", ""):
        with pytest.raises(ValueError, match="value: .*0 to 255"):
            h.write("value", text)
    with pytest.raises(KeyError):
        h.write("anno", "3")
    assert {(x.name, x.write) for x in h.cls.handlers} == {("anno", False), ("value", True)}


# ---- StoreData --------------------------------------------------------------------------------

@pytest.mark.parametrize("config, frame, expect", [
    ("1, \\<AABB>", b"\x00\x01\x02\x03", b"\x00\xaa\xbb\x03"),
    ("3, \\<AABB>", b"\x00\x01\x02\x03", b"\x00\x01\x02\xaa"),            # cut at the end
    ("4, \\<AABB>", b"\x00\x01\x02\x03", b"\x00\x01\x02\x03"),            # too short: as is
    ("3, \\<AABBCC>, GROW true", b"\x00\x01\x02\x03", b"\x00\x01\x02\xaa\xbb\xcc"),
    ("4, \\<AA>, GROW true", b"\x00\x01\x02\x03", b"\x00\x01\x02\x03"),   # Click: still as is
    ("0, \\<F0F0>, \\<F0>", b"\x12\x34", b"\xf2\xf0"),                     # MASK: first byte
    ("0, \\<FFFF>, MASK \\<0F0F>", b"\x12\x34", b"\x1f\x3f"),
    ("0, \\<FF>, \\<00>", b"\x12", b"\x12"),                               # all masked out
    ("1, \"hi\"", b"....", b".hi."), ("0, \"\"", b"ab", b"ab"),
])
def test_storedata(config, frame, expect):
    code, out, _ = Harness("StoreData", config).action(frame)
    assert (code, out) == (0, expect)


def test_storedata_grow_without_room_is_dropped():
    frame = bytes(SLOT_SIZE - HEADROOM - 1)            # one byte of tailroom left
    h = Harness("StoreData", f"{len(frame) - 1}, \\<AABBCC>, GROW true")
    code, out, _ = h.action(frame)
    assert code == drop(0) and out == frame
    assert h.cls.drop_reasons == ("no room to grow the packet",)


def test_storedata_arguments():
    assert A.ok("StoreData", "OFFSET 2, DATA \\<00>, GROW true")["GROW"] is True
    assert "MASK must be no longer than DATA" in A.issue("StoreData", "0, \\<00>, \\<0000>").message
    assert A.issue("StoreData", "-1, \\<00>").message
    assert A.issue("StoreData", "0").message                   # DATA is mandatory
    assert A.issue("StoreData", "0, \\<00>, GROW maybe").message


# ---- SetIPECN ---------------------------------------------------------------------------------

@pytest.mark.parametrize("ecn, value", [
    ("0", 0), ("3", 3), ("no", 0), ("-", 0), ("ect1", 1), ("ECT(1)", 1), ("ect2", 2),
    ("ECT(0)", 2), ("ce", 3), ("CE", 3),
])
def test_setipecn_sets_the_low_tos_bits_and_keeps_the_checksum_valid(ecn, value):
    h = Harness("SetIPECN", ecn)
    code, out, _ = h.action(b"\x00" * 14 + UDP_IP, nh=HEADROOM + 14)
    assert code == 0 and out[:14] == bytes(14)
    assert IP(out[14:]).tos == 0xB8 | value and ip_checksum_ok(out[14:])
    assert h.read("ecn") == str(value)


def test_setipecn_bad_packets_arguments_and_handler():
    h = Harness("SetIPECN", "ce")
    assert h.action(UDP_IP)[0] == drop(0)                          # no IP header annotation
    assert h.action(UDP_IP[:19], nh=HEADROOM)[0] == drop(0)        # truncated header
    assert h.cls.drop_reasons == ("missing or truncated IP header",)
    assert h.cls.requires == {IP_HEADER: (0,)}
    for bad in ("4", "ect3", "c e", "ce2"):
        assert "bad ECN argument" in A.issue("SetIPECN", bad).message
    assert "missing argument ECN" in A.issue("SetIPECN", "").message
    h.write("ecn", "ect1")
    assert h.read("ecn") == "1" and IP(h.action(UDP_IP, nh=HEADROOM)[1]).tos == 0xB9
    with pytest.raises(ValueError, match="ecn: bad ECN argument"):
        h.write("ecn", "5")


# ---- MarkIPCE ---------------------------------------------------------------------------------

@pytest.mark.parametrize("tos", [0x01, 0x02, 0xBA])
def test_markipce_marks_ecn_capable_packets(tos):
    frame = bytes(IP(src="1.1.1.1", dst="2.2.2.2", tos=tos) / UDP())
    code, out, _ = Harness("MarkIPCE").action(frame, nh=HEADROOM)
    assert code == 0 and IP(out).tos == tos | 3 and ip_checksum_ok(out)


def test_markipce_drops_not_ect_unless_forced_and_leaves_ce():
    h = Harness("MarkIPCE")
    not_ect = bytes(IP(tos=0xB8) / UDP())
    assert h.action(not_ect, nh=HEADROOM)[0] == drop(0)
    assert h.action(not_ect, nh=HEADROOM)[0] == drop(0)
    ce = bytes(IP(tos=0x03) / UDP())
    assert h.action(ce, nh=HEADROOM)[:2] == (0, ce)
    assert h.action(UDP_IP[:10], nh=HEADROOM)[0] == drop(1)       # truncated: not counted
    assert h.action(ce)[0] == drop(1)                              # no annotation
    assert h.read("drops") == "2"
    assert h.cls.drop_reasons == ("not ECN-capable", "missing or truncated IP header")
    forced = Harness("MarkIPCE", "true")
    code, out, _ = forced.action(not_ect, nh=HEADROOM)
    assert code == 0 and IP(out).tos == 0xBB and ip_checksum_ok(out)
    assert forced.read("drops") == "0"
    assert A.ok("MarkIPCE", "FORCE true")["FORCE"] is True
    assert A.issue("MarkIPCE", "maybe").message
    with pytest.raises(KeyError):
        h.write("drops", "0")


# ---- SetCRC32 / CheckCRC32 --------------------------------------------------------------------

def reference_crc(data: bytes) -> int:
    """CRC-32, high bit first, from 0xFFFFFFFF, no final inversion (Click's lib/crc32.c)."""
    crc = 0xFFFFFFFF
    for byte in data:
        crc ^= byte << 24
        for _ in range(8):
            crc = ((crc << 1) ^ 0x04C11DB7) & 0xFFFFFFFF if crc & 0x80000000 else crc << 1
    return crc


def test_setcrc32_appends_the_crc_little_endian():
    assert reference_crc(b"123456789") == 0x0376E6E7       # the CRC-32/MPEG-2 check value
    code, out, _ = Harness("SetCRC32").action(b"123456789")
    assert (code, out) == (0, b"123456789" + bytes.fromhex("e7e67603"))
    frame = bytes(Ether() / IP() / UDP() / (b"x" * 100))
    out = Harness("SetCRC32").action(frame)[1]
    assert out[:-4] == frame and int.from_bytes(out[-4:], "little") == reference_crc(frame)
    assert Harness("SetCRC32").action(b"")[1] == (0xFFFFFFFF).to_bytes(4, "little")


def test_setcrc32_without_tailroom_is_dropped():
    code, _, _ = Harness("SetCRC32").action(bytes(SLOT_SIZE - HEADROOM - 3))
    assert code == drop(0) and registry()["SetCRC32"].drop_reasons == ("no room for the CRC",)


def test_checkcrc32_checks_and_removes_the_crc(capsys):
    frame = bytes(Ether() / IP() / UDP() / b"payload")
    sealed = Harness("SetCRC32").action(frame)[1]
    h = Harness("CheckCRC32")
    assert h.action(sealed)[:2] == (0, frame)
    assert h.flush() is None and capsys.readouterr().err == ""
    bad = bytearray(sealed)
    bad[20] ^= 1
    assert h.action(bytes(bad))[:2] == (drop(1), bytes(bad))
    assert h.action(b"abc")[0] == drop(0)                            # shorter than a CRC
    assert h.action(b"")[0] == drop(0)
    assert h.action((0xFFFFFFFF).to_bytes(4, "little"))[:2] == (0, b"")   # CRC of nothing
    h.flush()
    assert capsys.readouterr().err == "CheckCRC32: CRC32 failed, len 0 (and 2 more)\n"
    h.action(sealed[:-1])
    h.flush()
    h.flush()
    assert capsys.readouterr().err == f"CheckCRC32: CRC32 failed, len {len(sealed) - 1}\n"
    assert h.cls.drop_reasons == ("shorter than a CRC32", "bad CRC32")
    assert h.cls.handlers == ()


# ---- ICMPPingEncap / ICMPIPEncap --------------------------------------------------------------

def icmp_checksums_ok(raw: bytes) -> bool:
    again = IP(raw)
    del again.chksum, again[ICMP].chksum
    again = IP(bytes(again))
    return (again.chksum, again[ICMP].chksum) == (IP(raw).chksum, IP(raw)[ICMP].chksum)


def test_icmppingencap_builds_echo_requests():
    h = Harness("ICMPPingEncap", "10.0.0.1, 10.0.0.2, IDENTIFIER 0x1234")
    for seq in (1, 2, 3):
        code, out, s = h.action(b"payload!")
        p = IP(out)
        assert code == 0 and icmp_checksums_ok(out)
        assert (p.version, p.ihl, p.tos, p.len, p.id, p.flags, p.frag, p.ttl, p.proto) == (
            4, 5, 0, 36, seq, 0, 0, 255, 1)
        assert (p.src, p.dst) == ("10.0.0.1", "10.0.0.2")
        assert (p[ICMP].type, p[ICMP].code, p[ICMP].id, p[ICMP].seq) == (8, 0, 0x1234, seq)
        assert bytes(p[ICMP].payload) == b"payload!"
        assert int(h.pool.anno[s, A_NH]) == HEADROOM - 28
        assert int(h.pool.anno[s, A_TH]) == HEADROOM - 8
        assert int(h.pool.anno[s, A_DST_IP]) == int(ipaddress.IPv4Address("10.0.0.2"))
    assert h.cls.sets == {IP_HEADER: (0,), DST_IP: (0,)}


def test_icmppingencap_sequence_skips_zero_and_odd_payloads_checksum():
    h = Harness("ICMPPingEncap", "1.1.1.1, 2.2.2.2")
    h.st[0][7] = 0xFFFF
    ids = []
    for payload in (b"abc", b"", b"x" * 1001):
        out = h.action(payload)[1]
        assert icmp_checksums_ok(out) and IP(out)[ICMP].id == 0
        ids.append(IP(out).id)
    assert ids == [0xFFFF, 1, 2]


def test_icmppingencap_without_headroom_is_dropped():
    h = Harness("ICMPPingEncap", "1.1.1.1, 2.2.2.2")
    s = h.load(b"data")
    h.pool.data[s, 27:31] = h.pool.data[s, HEADROOM:HEADROOM + 4]
    h.pool.head[s] = 27                                # 27 bytes of headroom: one short
    assert h.cls.simple_action(h.P, s, h.st) == drop(0)
    assert h.pool.bytes(s) == b"data" and h.read("src") == "1.1.1.1"
    assert h.cls.drop_reasons == ("no headroom for the IP and ICMP headers",)


@pytest.mark.parametrize("name", ["ICMPPingEncap", "ICMPIPEncap"])
def test_icmp_encap_address_handlers(name):
    h = Harness(name, "1.1.1.1, 2.2.2.2" + (", echo" if name == "ICMPIPEncap" else ""))
    assert (h.read("src"), h.read("dst")) == ("1.1.1.1", "2.2.2.2")
    h.write("src", " 9.9.9.9 ")
    h.write("dst", "8.8.8.8")
    p = IP(h.action(b"")[1])
    assert (p.src, p.dst, h.read("src"), h.read("dst")) == ("9.9.9.9", "8.8.8.8") * 2
    for bad in ("1.2.3", "", "host"):
        with pytest.raises(ValueError, match="dst: syntax error"):
            h.write("dst", bad)
    assert {(x.name, x.write) for x in h.cls.handlers} == {("src", True), ("dst", True)}


def test_icmppingencap_arguments():
    assert A.ok("ICMPPingEncap", "1.1.1.1, 2.2.2.2, IDENTIFIER 65535")["IDENTIFIER"] == 65535
    assert A.issue("ICMPPingEncap", "1.1.1.1, 2.2.2.2, IDENTIFIER 65536").message
    assert A.issue("ICMPPingEncap", "1.1.1.1").message
    assert A.issue("ICMPPingEncap", "1.1.1.1, 2.2.2.2, 7").message     # IDENTIFIER: keyword


def test_icmpipencap_types_codes_and_header_lengths():
    out = Harness("ICMPIPEncap", "1.1.1.1, 2.2.2.2, echo-reply, IDENTIFIER 9").action(b"zz")[1]
    p = IP(out)
    assert icmp_checksums_ok(out) and (p[ICMP].type, p[ICMP].id, p[ICMP].seq) == (0, 9, 1)
    out = Harness("ICMPIPEncap", "1.1.1.1, 2.2.2.2, unreachable, port, IDENTIFIER 9").action(
        b"orig")[1]
    p = IP(out)
    assert icmp_checksums_ok(out) and (p[ICMP].type, p[ICMP].code) == (3, 3)
    assert out[24:28] == bytes(4) and out[28:] == b"orig"          # no identifier here
    out = Harness("ICMPIPEncap", "1.1.1.1, 2.2.2.2, 13, IDENTIFIER 5").action(b"")[1]
    assert len(out) == 40 and IP(out).len == 40 and icmp_checksums_ok(out)
    assert out[20] == 13 and out[24:28] == b"\x00\x05\x00\x01" and out[28:] == bytes(12)
    out = Harness("ICMPIPEncap", "1.1.1.1, 2.2.2.2, 200, 77").action(b"")[1]
    assert (out[20], out[21], len(out)) == (200, 77, 28) and icmp_checksums_ok(out)


def test_icmpipencap_arguments():
    assert A.ok("ICMPIPEncap", "1.1.1.1, 2.2.2.2, timeexceeded, reassembly")["CODE"] == 1
    assert A.ok("ICMPIPEncap", "1.1.1.1, 2.2.2.2, echo")["CODE"] == 0
    assert "invalid CODE" in A.issue("ICMPIPEncap", "1.1.1.1, 2.2.2.2, echo, port").message
    assert "invalid CODE" in A.issue("ICMPIPEncap", "1.1.1.1, 2.2.2.2, 3, 256").message
    assert A.issue("ICMPIPEncap", "1.1.1.1, 2.2.2.2, 256").message
    assert A.issue("ICMPIPEncap", "1.1.1.1, 2.2.2.2").message        # TYPE is mandatory


# ---- CompareBlock -----------------------------------------------------------------------------

@pytest.mark.parametrize("fwd, rev, out", [
    (30, 50, 0), (101, 50, 1), (30, 200, 0), (0, 0, 0), (101, 253, 0), (101, 252, 1),
    (-5, 101, 0), (0xFFFFFFFF, 101, 0),              # negative rates count as 1
])
def test_compareblock_splits_on_the_rate_annotations(fwd, rev, out):
    h = Harness("CompareBlock", "5, 2, 100", n_outputs=2)
    assert h.action(b"x", agg=fwd, user=rev)[:2] == (out, b"x")


def test_compareblock_arithmetic_is_c_int():
    h = Harness("CompareBlock", "0x40000000, 1, 0", n_outputs=2)
    assert h.action(b"x", agg=2, user=1)[0] == 0      # 0x40000000 * 2 wraps to a negative int
    assert h.action(b"x", agg=1, user=1)[0] == 1


def test_compareblock_handlers_and_arguments():
    h = Harness("CompareBlock", "5, 2, 100", n_outputs=2)
    assert [h.read(n) for n in ("fwd_weight", "rev_weight", "thresh")] == ["5", "2", "100"]
    h.write("thresh", "10")
    h.write("fwd_weight", " -3 ")
    h.write("rev_weight", "0x10")
    assert [h.read(n) for n in ("fwd_weight", "rev_weight", "thresh")] == ["-3", "16", "10"]
    with pytest.raises(ValueError, match="thresh: expecting one integer"):
        h.write("thresh", "1, 2")
    with pytest.raises(ValueError, match="thresh: expecting one integer"):
        h.write("thresh", "")
    with pytest.raises(ValueError, match="fwd_weight: not an integer"):
        h.write("fwd_weight", "lots")
    assert A.issue("CompareBlock", "5, 2").message
    assert A.issue("CompareBlock", "5, 2, x").message
    assert A.ok("CompareBlock", "FWD_WEIGHT 1, REV_WEIGHT 2, THRESH -1")["THRESH"] == -1


# ---- RandomBitErrors --------------------------------------------------------------------------

@pytest.mark.parametrize("config, expect", [
    ("1", b"\xff\xf0\x00\xa5"), ("1, flip", b"\xff\xf0\x00\xa5"),
    ("1.0, \"\"", b"\xff\xf0\x00\xa5"),
    ("1, set", b"\xff\xff\xff\xff"), ("1, clear", bytes(4)),
    ("0, flip", b"\x00\x0f\xff\x5a"), ("1, flip, false", b"\x00\x0f\xff\x5a"),
])
def test_randombiterrors_certain_and_impossible_errors(config, expect):
    code, out, _ = Harness("RandomBitErrors", config).action(b"\x00\x0f\xff\x5a")
    assert (code, out) == (0, expect)


def test_randombiterrors_rate_with_a_seeded_generator():
    h = Harness("RandomBitErrors", "0.01, set")
    h.st[0][2] = 12345                                  # the RNG word: reproducible
    flipped = 0
    for _ in range(40):
        code, out, s = h.action(bytes(1000))
        flipped += sum(bin(b).count("1") for b in out)
        release(h.P, s)
    assert 0.009 < flipped / (40 * 8000) < 0.011
    assert seeded(12345) == seeded(12345) != seeded(54321)


def seeded(seed: int) -> bytes:
    h = Harness("RandomBitErrors", "0.05, flip")
    h.st[0][2] = seed
    return h.action(bytes(100))[1]


def test_randombiterrors_error_table_is_clicks():
    from elements.standard.randombiterrors import error_table
    half = error_table(1 << 27)
    # P(at most i of 8 bits) for p = 1/2: the binomial sums, in 28-bit fixed point.
    from math import comb
    sums = [sum(comb(8, k) for k in range(i + 1)) for i in range(8)]
    assert list(half[:8]) == [(s << 28) // 256 for s in sums] and half[8] == 1 << 28
    assert list(error_table(0)) == [1 << 28] * 9
    assert list(error_table(1 << 28)) == [0] * 8 + [1 << 28]


def test_randombiterrors_handlers_and_arguments():
    h = Harness("RandomBitErrors", "0.25, clear, false")
    assert (h.read("p_bit_error"), h.read("error_kind"), h.read("active")) == (
        "0.25", "clear", "false")
    h.write("active", "true")
    h.write("p_bit_error", "1")
    h.write("error_kind", "set")
    assert h.action(bytes(2))[1] == b"\xff\xff" and h.read("p_bit_error") == "1"
    with pytest.raises(ValueError, match="p_bit_error: drop probability must be between 0 and 1"):
        h.write("p_bit_error", "1.5")
    with pytest.raises(ValueError, match="p_bit_error: 'x' is not a probability"):
        h.write("p_bit_error", "x")
    with pytest.raises(ValueError, match="error_kind: bad action 'toggle'"):
        h.write("error_kind", "toggle")
    with pytest.raises(ValueError, match="active: expected boolean"):
        h.write("active", "sometimes")
    assert h.read("error_kind") == "set"
    assert "between 0 and 1" in A.issue("RandomBitErrors", "2").message
    assert A.issue("RandomBitErrors", "-0.1").message
    assert "bad action" in A.issue("RandomBitErrors", "0.1, toggle").message
    assert [i.severity for i in issues("RandomBitErrors", "0")] == ["warning"]
    assert A.ok("RandomBitErrors", "P 0.5, KIND set, ACTIVE false")["ACTIVE"] is False


# ---- TimeFilter -------------------------------------------------------------------------------

def times(h, ts):
    return [h.action(b"x", tstamp=t)[0] for t in ts]


def test_timefilter_absolute_range():
    h = Harness("TimeFilter", "START 100, END 102.5")
    assert times(h, [99 * S, 100 * S, 102 * S, 102 * S + S // 2, 200 * S]) == [
        drop(0), 0, 0, drop(1), drop(1)]
    h = Harness("TimeFilter", "100, 102.5", n_outputs=2)          # START and END positional
    assert times(h, [99 * S, 101 * S, 103 * S]) == [1, 0, 1]
    assert (h.read("start"), h.read("end"), h.read("interval")) == (
        "100.000000000", "102.500000000", "2.500000000")
    assert h.cls.drop_reasons == ("before the start time", "after the end time")


def test_timefilter_relative_to_the_first_packet():
    h = Harness("TimeFilter", "START_AFTER 1, END_AFTER 3")
    assert times(h, [100 * S, 101 * S, 102 * S, 103 * S, 50 * S]) == [
        drop(0), 0, 0, drop(1), drop(0)]
    h = Harness("TimeFilter", "START_AFTER 500ms, INTERVAL 1")
    assert times(h, [10 * S, 10 * S + S // 2, 11 * S + S // 2 - 1, 11 * S + S // 2]) == [
        drop(0), 0, 0, drop(1)]
    h = Harness("TimeFilter", "")                              # everything passes
    assert times(h, [0, 1, 10**18]) == [0, 0, 0]


def test_timefilter_delay_is_relative_to_the_start():
    import time
    h = Harness("TimeFilter", "END_DELAY 1h")
    now = time.time_ns()
    assert times(h, [now, now + 3500 * S, now + 3700 * S]) == [0, 0, drop(1)]


def test_timefilter_stop_asks_the_driver_once():
    h = Harness("TimeFilter", "END 10, STOP true")
    assert times(h, [5 * S, 10 * S, 11 * S]) == [0, drop(1), drop(1)]
    assert int(h.P[5][C_STOP]) == 1 and h.cls.take_handler_calls(h.values, h.st) == []
    h.write("end", "20")                                       # ready to stop again
    assert times(h, [15 * S, 21 * S]) == [0, drop(1)] and int(h.P[5][C_STOP]) == 2


def test_timefilter_handlers():
    h = Harness("TimeFilter", "START_AFTER 2, END_AFTER 5")
    h.write("start", "1000")                 # before any packet: fixes the relative times
    assert (h.read("start"), h.read("end")) == ("1000.000000000", "1005.000000000")
    h.write("interval", "10")
    assert h.read("end") == "1010.000000000"
    h.write("extend_interval", "0.5")
    assert (h.read("end"), h.read("interval")) == ("1010.500000000", "10.500000000")
    h.write("end", "1003")
    assert times(h, [999 * S, 1000 * S, 1003 * S]) == [drop(0), 0, drop(1)]
    for name in ("start", "end", "interval", "extend_interval"):
        with pytest.raises(ValueError, match=f"{name}: expected time"):
            h.write(name, "soon")
    with pytest.raises(KeyError):
        h.read("extend_interval")


def test_timefilter_arguments():
    assert "mutually exclusive" in A.issue("TimeFilter", "START 1, START_AFTER 2").message
    assert "mutually exclusive" in A.issue("TimeFilter", "END 5, INTERVAL 2").message
    assert "mutually exclusive" in A.issue("TimeFilter", "STOP true, END_CALL x.y").message
    assert A.ok("TimeFilter", "START 0, START_AFTER 2")["START_AFTER"] == 2   # 0: not given
    assert A.issue("TimeFilter", "END_AFTER forever").message


def test_timefilter_stop_stops_the_router():
    r = router("InfiniteSource -> SetTimestamp(200) -> tf :: TimeFilter(END 100, STOP true)"
               " -> Discard; tf[1] -> late :: Counter -> Discard;")
    r.run(duration=20)
    assert r.stopped and int(r.read("late", "count")) >= 1 and r.account().balanced


def test_timefilter_end_call_gets_the_timestamp():
    r = router("InfiniteSource(LIMIT 3, STOP true) -> SetTimestamp(200.25)"
               " -> tf :: TimeFilter(END 100, END_CALL tf2.start $t) -> Discard;"
               " tf[1] -> late :: Counter -> Discard;"
               " Idle -> tf2 :: TimeFilter -> Discard;")
    r.run(duration=20)
    assert r.read("tf2", "start") == "200.250000000" and r.read("late", "count") == "3"
    assert r.account().balanced
    with pytest.raises(HandlerError, match="tf.end: end: expected time"):
        r.write("tf", "end", "x")


# ---- a configuration, compiled and interpreted -------------------------------------------------

def test_compiled_and_interpreted_runs_agree():
    frame = bytes(Ether() / IP(src="10.0.0.1", dst="10.0.0.2", tos=2) / UDP() / b"abc")
    config = (
        f"InfiniteSource(\\<{frame.hex()}>, LIMIT 20, STOP true) -> Strip(14) -> CheckIPHeader"
        " -> SetIPECN(ect1) -> mk :: MarkIPCE -> StoreData(1, \\<00>, \\<fc>)"
        " -> mk2 :: MarkIPCE(true) -> SetCRC32 -> ck :: CheckCRC32"
        " -> ICMPPingEncap(1.1.1.1, 2.2.2.2, IDENTIFIER 7) -> CheckIPHeader"
        " -> ICMPIPEncap(3.3.3.3, 4.4.4.4, echo-reply) -> CheckIPHeader"
        " -> SetAnnoByte(PAINT, 2) -> CheckPaint(2) -> SetTimestamp(50)"
        " -> tf :: TimeFilter(START 10, END 60) -> cb :: CompareBlock(1, 1, 0)"
        " -> RandomBitErrors(1, set, false) -> a :: Counter -> Discard;"
        " cb[1] -> Discard; InfiniteSource(\\<00>, LIMIT 5) -> ck;"
        " InfiniteSource(\\<0f0f>, LIMIT 3) -> RandomBitErrors(1, set)"
        " -> cl :: Classifier(0/ffff, -);"
        " cl[0] -> ones :: Counter -> Discard; cl[1] -> Discard;")
    out = run_both_ways(config, "a.count", "mk.drops", "mk2.drops", "tf.interval",
                        "cb.fwd_weight", "ones.count")
    assert "a.count:\n20" in out and "mk.drops:\n0" in out and "tf.interval:\n50.0" in out
    assert "ones.count:\n3" in out
