"""FromDump, ToDump and clickpy.pcap: pcap files in and out, checked against scapy."""
from __future__ import annotations

import bz2
import gzip
import struct
import warnings

import numpy as np
import pytest
from kernel_harness import STOLEN, Harness, tiered_as_python
from scapy.layers.inet import IP, TCP, UDP
from scapy.layers.inet6 import IPv6
from scapy.layers.l2 import ARP, CookedLinux, Dot1Q, Ether
from scapy.packet import Raw
from scapy.utils import RawPcapWriter, rdpcap, wrpcap

import elements.devices.todump as td
from clickpy import pcap
from clickpy.kernel import drop
from clickpy.packet import A_DST_IP, A_NH, A_TSTAMP, C_NOW, C_STOP, HEADROOM
from clickpy.pcap import PcapError, PcapWarning, read_pcap, write_pcap

T0 = 1_700_000_000_000_000_000          # ns since the epoch, a whole second


def ether_frames(n: int = 5) -> list[bytes]:
    return [bytes(Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02")
                  / IP(src="10.0.0.1", dst=f"10.0.1.{i}") / UDP(sport=1000 + i, dport=53)
                  / (b"x" * i)) for i in range(n)]


def ip_of(frame: bytes) -> int:
    return int.from_bytes(frame[30:34], "big")


class DumpHarness(Harness):
    """Harness with FromDump helpers: run the task (or pull) until it has nothing."""

    def __init__(self, class_name, config="", n_inputs=None, **kw):
        if n_inputs is None:
            n_inputs = 0 if class_name == "FromDump" else 1
        super().__init__(class_name, config, n_inputs=n_inputs, **kw)

    def task(self) -> int:
        return int(self.cls.run_task(self.P, self.st))

    def drain(self, limit: int = 10_000, pull: bool = False) -> list[tuple[bytes, list[int]]]:
        out = []
        for _ in range(limit):
            s = int(self.cls.pull(self.P, 0, self.st)) if pull else self.task()
            if s < 0:
                break
            out.append((self.pool.bytes(s), self.pool.anno[s].tolist()))
            from clickpy.packet import release
            release(self.P, s)
        return out

    @property
    def stopped(self) -> bool:
        return bool(self.pool.ctl[C_STOP])


@pytest.fixture
def trace(tmp_path):
    """A 5-packet Ethernet/IPv4 trace, packets 0.5 s apart, written by scapy."""
    path = tmp_path / "t.pcap"
    frames = ether_frames()
    pkts = [Ether(f) for f in frames]
    for i, p in enumerate(pkts):
        p.time = T0 // 10**9 + i * 0.5
    wrpcap(str(path), pkts)
    return str(path), frames


# ---- clickpy.pcap ---------------------------------------------------------------------------

def test_read_pcap_reads_what_scapy_writes_in_both_byte_orders_and_precisions(tmp_path):
    frames = ether_frames(4)
    for endian in ("<", ">"):
        for nano in (False, True):
            path = str(tmp_path / f"s{endian == '>'}{nano}.pcap")
            w = RawPcapWriter(path, linktype=1, endianness=endian, nano=nano)
            w.write_header(None)
            for i, f in enumerate(frames):
                # scapy's usec is the sub-second field: nanoseconds in a nano file
                w.write_packet(f, sec=1_700_000_000 + i, usec=123456789 + i if nano else 123456 + i)
            w.close()
            t = read_pcap(path)
            assert t.frames() == frames and t.linktype == 1 and t.nanosecond == nano
            assert t.byteorder == endian
            sub = [123456789 + i if nano else (123456 + i) * 1000 for i in range(4)]
            assert t.ts_ns.tolist() == [(1_700_000_000 + i) * 10**9 + sub[i] for i in range(4)]
            assert t.wirelen.tolist() == [len(f) for f in frames]
            assert t.filepos[0] == 24 and t.filepos[-1] == t.filesize


def test_write_pcap_is_read_back_by_scapy(tmp_path):
    frames = ether_frames(3)
    for nano in (False, True):
        path = str(tmp_path / f"w{nano}.pcap")
        write_pcap(path, [(T0 + i * 1_000_001, f) for i, f in enumerate(frames)], nano=nano)
        got = rdpcap(path)
        assert [bytes(p) for p in got] == frames
        step = 1_000_001 if nano else 1_000_000
        assert [int(p.time * 10**9) // 1000 for p in got] == [(T0 + i * step) // 1000 for i in range(3)]
    path = str(tmp_path / "raw.pcap")
    write_pcap(path, [f[14:] for f in frames], pcap.LINKTYPE_RAW)
    got = rdpcap(path)
    assert got[0].haslayer(IP) and bytes(got[0]) == frames[0][14:]


def test_modified_magic_old_versions_and_long_caplen_as_click_reads_them(tmp_path):
    f = ether_frames(1)[0]
    # Kuznetsov's modified format: 8 more bytes after each record header.
    mod = struct.pack("<IHHiIII", pcap.MAGIC_MODIFIED, 2, 4, 0, 0, 65535, 1)
    mod += struct.pack("<IIII", 5, 6, len(f), len(f)) + b"\0" * 8 + f
    (tmp_path / "m.pcap").write_bytes(mod)
    t = read_pcap(str(tmp_path / "m.pcap"))
    assert t.modified and t.frames() == [f] and t.ts_ns[0] == 5 * 10**9 + 6000
    # Version 2.2 wrote len before caplen; 2.3 too when caplen > len.
    old = struct.pack("<IHHiIII", pcap.MAGIC_USEC, 2, 2, 0, 0, 65535, 1)
    old += struct.pack("<IIII", 0, 0, 100, 20) + f[:20]
    (tmp_path / "o.pcap").write_bytes(old)
    t = read_pcap(str(tmp_path / "o.pcap"))
    assert t.frames() == [f[:20]] and t.wirelen[0] == 100
    # caplen > len (tcptrace): keep len bytes, skip the rest.
    odd = pcap.pcap_header() + struct.pack("<IIII", 0, 0, 21, 20) + f[:21]
    odd += pcap.record_header(0, 4, 4) + b"next"
    (tmp_path / "x.pcap").write_bytes(odd)
    t = read_pcap(str(tmp_path / "x.pcap"))
    assert t.frames() == [f[:20], b"next"] and t.filepos.tolist() == [24, 24 + 16 + 21, len(odd)]


def test_compressed_traces_are_read(tmp_path, trace):
    path, frames = trace
    raw = open(path, "rb").read()
    for suffix, compress in ((".gz", gzip.compress), (".bz2", bz2.compress)):
        p = tmp_path / ("c" + suffix)
        p.write_bytes(compress(raw))
        t = read_pcap(str(p))
        assert t.frames() == frames and t.filesize is None
    (tmp_path / "bad.gz").write_bytes(b"\x1f\x8b" + b"junk")
    with pytest.raises(PcapError, match=r"bad\.gz: bad gzip data"):
        read_pcap(str(tmp_path / "bad.gz"))


def test_header_errors_name_the_file(tmp_path):
    with pytest.raises(PcapError, match=r"^.*nope\.pcap: No such file or directory$"):
        read_pcap(str(tmp_path / "nope.pcap"))
    with pytest.raises(PcapError, match="is a directory|Is a directory"):
        read_pcap(str(tmp_path))
    header = pcap.pcap_header()
    (tmp_path / "e.pcap").write_bytes(b"")
    with pytest.raises(PcapError, match=r"e\.pcap: empty file"):
        read_pcap(str(tmp_path / "e.pcap"))
    for n in range(1, 24):
        (tmp_path / "s.pcap").write_bytes(header[:n])
        with pytest.raises(PcapError, match=r"s\.pcap: not a tcpdump file \(too short\)"):
            read_pcap(str(tmp_path / "s.pcap"))
    (tmp_path / "b.pcap").write_bytes(b"\0" * 24)
    with pytest.raises(PcapError, match=r"bad magic number"):
        read_pcap(str(tmp_path / "b.pcap"))
    (tmp_path / "ng.pcap").write_bytes(b"\x0a\x0d\x0d\x0a" + b"\0" * 28)
    with pytest.raises(PcapError) as e:
        read_pcap(str(tmp_path / "ng.pcap"))
    assert "pcapng" in e.value.hint
    (tmp_path / "v.pcap").write_bytes(struct.pack("<IHHiIII", pcap.MAGIC_USEC, 3, 0, 0, 0, 9, 1))
    with pytest.raises(PcapError, match="unknown major version 3"):
        read_pcap(str(tmp_path / "v.pcap"))


def test_truncated_and_bad_records(tmp_path):
    f = ether_frames(2)
    good = pcap.pcap_header() + pcap.record_header(T0, len(f[0]), len(f[0])) + f[0]
    rec = pcap.record_header(T0, len(f[1]), len(f[1])) + f[1]
    for cut in range(1, len(rec)):          # every truncation of the second record
        p = tmp_path / "t.pcap"
        p.write_bytes(good + rec[:cut])
        with pytest.raises(PcapError, match=r"t\.pcap: truncated packet"):
            read_pcap(str(p))
        t = read_pcap(str(p), strict=False)
        assert t.frames() == [f[0]] and "truncated" in t.problem
        assert t.filepos[-1] == len(good)
    p.write_bytes(good + pcap.record_header(T0, 70000, 70000) + b"\0" * 20)
    with pytest.raises(PcapError, match="bad packet header; giving up"):
        read_pcap(str(p))
    assert read_pcap(str(p), strict=False).frames() == [f[0]]


def test_writer_errors_name_the_file(tmp_path):
    with pytest.raises(PcapError, match=r"nodir/x\.pcap: No such file or directory"):
        pcap.PcapWriter(str(tmp_path / "nodir" / "x.pcap"))


# ---- FromDump -----------------------------------------------------------------------------

def test_fromdump_replays_the_trace_with_timestamps(trace):
    path, frames = trace
    h = DumpHarness("FromDump", path)
    out = h.drain()
    assert [b for b, _ in out] == frames
    assert [a[A_TSTAMP] for _, a in out] == [T0 + i * 500_000_000 for i in range(5)]
    assert all(a[A_NH] == -1 and a[A_DST_IP] == 0 for _, a in out)   # no FORCE_IP: no IP anno
    assert h.read("count") == "5" and h.pool.in_use() == 0
    assert h.read("encap") == "ETHER" and h.read("filename") == path
    size = str(24 + sum(16 + len(f) for f in frames))
    assert h.read("filesize") == size and h.read("filepos") == size
    assert h.read("packet_filepos") == size            # read_packet at the end
    assert not h.stopped and h.task() == -1
    h.write("reset_counts")
    assert h.read("count") == "0"


def test_fromdump_pull_emits_the_same_packets(trace):
    path, frames = trace
    h = DumpHarness("FromDump", path)
    assert [b for b, _ in h.drain(pull=True)] == frames


def test_fromdump_nanosecond_and_big_endian_files(tmp_path):
    frames = ether_frames(2)
    path = str(tmp_path / "n.pcap")
    write_pcap(path, [(T0 + 7, frames[0]), (T0 + 999_999_999, frames[1])], nano=True,
               byteorder=">")
    h = DumpHarness("FromDump", path)
    assert [(b, a[A_TSTAMP]) for b, a in h.drain()] == [(frames[0], T0 + 7),
                                                         (frames[1], T0 + 999_999_999)]


def test_fromdump_stop_sets_c_stop_at_the_end(trace):
    path, frames = trace
    h = DumpHarness("FromDump", f"{path}, STOP true")
    assert len(h.drain()) == 5 and h.stopped and h.read("active") == "false"


def test_fromdump_active_false_waits_for_the_active_handler(trace):
    path, _ = trace
    h = DumpHarness("FromDump", f"{path}, ACTIVE false")
    assert h.task() == -1 and h.read("active") == "false"
    h.write("active", "true")
    assert len(h.drain()) == 5
    with pytest.raises(ValueError, match="type mismatch"):
        h.write("active", "maybe")


def test_fromdump_stop_handler_stops_the_driver(trace):
    path, _ = trace
    h = DumpHarness("FromDump", path)
    assert h.task() >= 0
    h.write("stop")
    assert h.task() == -1 and h.stopped and h.read("active") == "false"


def test_fromdump_timing_releases_packets_by_c_now(trace):
    path, frames = trace
    h = DumpHarness("FromDump", f"{path}, TIMING true")
    h.pool.ctl[C_NOW] = 5_000_000_000
    assert h.task() >= 0                         # the first packet leaves at once
    assert h.task() == -1                        # the next is due 0.5 s later
    h.pool.ctl[C_NOW] += 499_999_999
    assert h.task() == -1
    h.pool.ctl[C_NOW] += 1
    assert h.task() >= 0
    h.pool.ctl[C_NOW] += 10**10
    assert len(h.drain()) == 3


@pytest.fixture(params=["python", "compiled"])
def ip_walk(request, monkeypatch):
    """FORCE_IP's link-layer walk runs at configure time, as Python for small files
    and compiled for large ones (clickpy.compile.tiered): test both."""
    import elements.devices.fromdump as fd
    if request.param == "python":   # (under NUMBA_DISABLE_JIT=1 both are Python)
        tiered_as_python(monkeypatch)
    else:
        monkeypatch.setattr(fd, "SMALL_FILE", -1)
    return request.param


def test_fromdump_force_ip_marks_headers_and_skips_the_rest(tmp_path, ip_walk):
    v4 = bytes(Ether() / IP(src="1.2.3.4", dst="192.168.7.9") / TCP())
    vlan = bytes(Ether() / Dot1Q(vlan=5) / IP(dst="10.9.8.7") / UDP())
    v6 = bytes(Ether() / IPv6(dst="2001:db8::1") / UDP())
    arp = bytes(Ether() / ARP())
    bad_ihl = bytearray(v4)
    bad_ihl[14] = 0x44                           # IHL 4 < 5
    path = str(tmp_path / "f.pcap")
    write_pcap(path, [v4, arp, vlan, bytes(bad_ihl), v6])
    h = DumpHarness("FromDump", f"{path}, FORCE_IP true", n_outputs=2)
    out = h.drain()
    assert [b for b, _ in out] == [v4, vlan, v6]
    assert [a[A_NH] - HEADROOM for _, a in out] == [14, 18, 14]
    assert out[0][1][A_DST_IP] == 0xC0A80709 and out[1][1][A_DST_IP] == 0x0A090807
    assert out[2][1][A_DST_IP] == 0                  # IPv6: no destination annotation
    assert h.read("count") == "3"


def test_fromdevice_ethernet_walk_answers_as_the_general_one():
    """FromDevice's FORCE_IP walks Ethernet only (ether_ip_header_offset); it must find
    the IP header exactly where ip_header_offset(..., DLT_EN10MB) does."""
    from elements.devices.fromdump import DLT_EN10MB, ether_ip_header_offset, ip_header_offset
    frames = [bytes(Ether() / IP(dst="10.1.2.3") / UDP()),
              bytes(Ether() / Dot1Q(vlan=3) / IP(options=b"\x01" * 4) / TCP()),
              bytes(Ether() / IPv6() / UDP()), bytes(Ether() / Dot1Q() / IPv6()),
              bytes(Ether() / ARP()), bytes(Ether(type=0x8100) / Raw(b"\x08\x00"))]
    rng = np.random.default_rng(7)
    frames += [bytes(rng.integers(0, 256, int(rng.integers(0, 80)), dtype=np.uint8))
               for _ in range(300)]
    for f in list(frames):
        frames += [f[:n] for n in range(0, len(f), 5)]
    found = set()
    for f in frames:
        buf = np.frombuffer(b"\0" * 3 + f, dtype=np.uint8)
        want = ip_header_offset(buf, 3, len(f), DLT_EN10MB)
        assert ether_ip_header_offset(buf, 3, len(f)) == want, f.hex()
        found.add(want)
    assert {-1, 14, 18} <= found


def test_fromdump_force_ip_checks_every_truncation(tmp_path, ip_walk):
    frame = bytes(Ether() / IP(dst="10.0.0.1", options=b"\x01\x01\x01\x00") / UDP())
    path = str(tmp_path / "cut.pcap")
    write_pcap(path, [frame[:n] for n in range(0, 14 + 24 + 1)])
    h = DumpHarness("FromDump", f"{path}, FORCE_IP true")
    out = h.drain()
    assert [len(b) for b, _ in out] == [14 + 24]     # the whole 24-byte header is needed
    assert out[0][1][A_NH] == HEADROOM + 14


def test_fromdump_raw_ip_traces_are_forced_ip(tmp_path, ip_walk):
    ip = bytes(IP(dst="8.8.4.4") / UDP())
    path = str(tmp_path / "raw.pcap")
    write_pcap(path, [ip, b"", b"\x45", b"\x11" * 40, ip[:19], b"\x60" * 39], pcap.LINKTYPE_RAW)
    h = DumpHarness("FromDump", path)
    out = h.drain()
    assert [b for b, _ in out] == [ip] and out[0][1][A_NH] == HEADROOM
    assert out[0][1][A_DST_IP] == 0x08080404 and h.read("encap") == "IP"


def test_fromdump_force_ip_other_link_types(tmp_path, ip_walk):
    ip = bytes(IP(dst="1.1.1.1") / UDP())
    cases = [  # linktype, frame, IP header offset
        (113, bytes(CookedLinux(proto=0x0800) / IP(dst="1.1.1.1") / UDP()), 16),
        (0, struct.pack("<I", 2) + ip, 4),                         # NULL, AF_INET little-endian
        (0, struct.pack(">I", 2) + ip, 4),                         # NULL, big-endian family
        (9, b"\xff\x03\x00\x21" + ip, 4),                          # PPP
        (9, b"\x21" + ip, 1),                                      # PPP, compressed protocol
        (50, b"\xff\x03\x00\x21" + ip, 4),                         # PPP in HDLC
        (50, b"\x0f\x00\x08\x00" + ip, 4),                         # Cisco HDLC in PPP_HDLC
        (104, b"\x0f\x00\x08\x00" + ip, 4),                        # Cisco HDLC
        (100, b"\xaa\xaa\x03\x00\x00\x00\x08\x00" + ip, 8),        # ATM RFC 1483 SNAP
        (100, b"\x06\x06\x03\x00" + ip, 4),                        # LLC IP SAP
        (123, b"\0\0\0\0\xaa\xaa\x03\x00\x00\x00\x08\x00" + ip, 12),   # SunATM
        (10, b"\x50" + b"\0" * 12 + b"\xaa\xaa\x03\x00\x00\x00\x08\x00" + ip, 21),  # FDDI
        (105, b"\x08\x00" + b"\0" * 22 + b"\xaa\xaa\x03\x00\x00\x00\x08\x00" + ip, 32),
        (127, b"\0\0\x08\x00" + b"\0" * 4 + b"\x08\x00" + b"\0" * 22
         + b"\xaa\xaa\x03\x00\x00\x00\x08\x00" + ip, 40),          # radiotap + 802.11
    ]
    for linktype, frame, at in cases:
        path = str(tmp_path / f"l{linktype}.pcap")
        write_pcap(path, [frame, frame[:at + 19]], linktype)
        h = DumpHarness("FromDump", f"{path}, FORCE_IP true")
        out = h.drain()
        assert [b for b, _ in out] == [frame], linktype
        assert out[0][1][A_NH] == HEADROOM + at and out[0][1][A_DST_IP] == 0x01010101, linktype


def test_fromdump_force_ip_refuses_unknown_link_types(tmp_path):
    path = str(tmp_path / "u.pcap")
    write_pcap(path, [b"abc"], 147)
    with pytest.raises(PcapError, match=r"u\.pcap: unknown linktype 147; can't force IP packets"):
        DumpHarness("FromDump", f"{path}, FORCE_IP true")
    assert DumpHarness("FromDump", path).read("encap") == "#147"


def test_fromdump_sample(trace, tmp_path):
    path, _ = trace
    assert DumpHarness("FromDump", f"{path}, SAMPLE 0").drain() == []
    many = str(tmp_path / "many.pcap")
    write_pcap(many, [b"p"] * 2000)
    h = DumpHarness("FromDump", f"{many}, SAMPLE 0.25")
    assert 400 < len(h.drain()) < 600 and h.read("sampling_prob") == "0.25"
    assert DumpHarness("FromDump", f"{many}, SAMPLE 0.3").read("sampling_prob") == "0.3"
    assert DumpHarness("FromDump", f"{many}, SAMPLE 2").read("sampling_prob") == "1"


def test_fromdump_time_window(trace):
    path, frames = trace
    sec = T0 / 1e9

    def run(cfg):
        h = DumpHarness("FromDump", f"{path}, {cfg}")
        return [b for b, _ in h.drain()], h

    assert run(f"START {sec + 1}")[0] == frames[2:]
    assert run("START_AFTER 0.6")[0] == frames[2:]
    got, h = run(f"END {sec + 1}")
    assert got == frames[:2] and h.read("active") == "false" and not h.stopped
    assert run("END_AFTER 1.5")[0] == frames[:3]
    assert run("START_AFTER 0.5, INTERVAL 1")[0] == frames[1:3]
    got, h = run("END_AFTER 1, STOP true")
    assert got == frames[:2] and h.stopped


def test_fromdump_extend_interval_and_reset_timing(trace):
    path, frames = trace
    h = DumpHarness("FromDump", f"{path}, END_AFTER 0.5")
    assert [b for b, _ in h.drain()] == frames[:1] and h.read("active") == "false"
    h.write("extend_interval", "1s")
    # As in Click, the packet that reached the end time was consumed by it.
    assert [b for b, _ in h.drain()] == frames[2:3] and h.read("active") == "false"
    with pytest.raises(ValueError, match="takes a time interval"):
        h.write("extend_interval", "later")
    h.write("filepos", "24")
    h.write("extend_interval", "0")
    assert [b for b, _ in h.drain()] == frames[:3]
    # reset_timing: TIMING's reference is taken again at the next packet read.
    t = DumpHarness("FromDump", f"{path}, TIMING true")
    assert t.pool.bytes(t.task()) == frames[0] and t.task() == -1    # frames[1] pending
    t.write("filepos", "24")
    t.write("reset_timing")
    t.pool.ctl[C_NOW] = 100 * 10**9
    assert t.pool.bytes(t.task()) == frames[1]
    assert t.pool.bytes(t.task()) == frames[0]                        # due at once again
    assert t.task() == -1
    t.pool.ctl[C_NOW] += 500_000_000
    assert t.pool.bytes(t.task()) == frames[1]


def test_fromdump_end_call(trace):
    path, _ = trace
    h = DumpHarness("FromDump", f"{path}, END_CALL other.active true")
    assert len(h.drain()) == 5 and h.read("active") == "true"
    calls = h.cls.take_handler_calls(h.values, h.st)
    assert [str(c) for c in calls] == ["other.active true"]
    assert h.cls.take_handler_calls(h.values, h.st) == []
    assert h.task() == -1 and h.cls.take_handler_calls(h.values, h.st) == []   # not rescheduled
    h2 = DumpHarness("FromDump", f"{path}, END_CALL stop")
    assert len(h2.drain()) == 5 and h2.stopped and h2.read("active") == "true"


def test_fromdump_filepos(trace):
    path, frames = trace
    second = 24 + 16 + len(frames[0])
    h = DumpHarness("FromDump", f"{path}, FILEPOS {second}")
    assert [b for b, _ in h.drain()] == frames[1:]
    h.write("filepos", str(second))
    assert h.read("filepos") == str(second)
    h.write("active", "true")
    assert [b for b, _ in h.drain()] == frames[1:]
    for bad, msg in (("x", "must be file offset"), ("-1", "must be file offset"),
                     ("25", "not the start of a packet record"), ("99999", "out of range")):
        with pytest.raises(ValueError, match=msg):
            h.write("filepos", bad)
    with pytest.raises(PcapError, match="not the start of a packet record"):
        DumpHarness("FromDump", f"{path}, FILEPOS 30")
    with pytest.raises(PcapError, match="FILEPOS out of range"):
        DumpHarness("FromDump", f"{path}, FILEPOS 99999")


def test_fromdump_waits_for_a_free_slot(trace):
    path, frames = trace
    h = DumpHarness("FromDump", path, slots=2)
    a, b = h.task(), h.task()
    assert a >= 0 and b >= 0 and h.task() == -1        # pool empty: the packet waits
    from clickpy.packet import release
    release(h.P, a)
    assert h.pool.bytes(h.task()) == frames[2]


def test_fromdump_damaged_files_warn_and_play_what_is_good(tmp_path):
    f = ether_frames(2)
    p = tmp_path / "cut.pcap"
    p.write_bytes(pcap.pcap_header() + pcap.record_header(T0, len(f[0]), len(f[0])) + f[0]
                  + pcap.record_header(T0, len(f[1]), len(f[1])) + f[1][:10])
    with pytest.warns(PcapWarning, match=r"cut\.pcap: truncated packet"):
        h = DumpHarness("FromDump", str(p))
    assert [b for b, _ in h.drain()] == [f[0]]
    big = str(tmp_path / "big.pcap")
    write_pcap(big, [b"\1" * 1921, f[0], b"\2" * 1920])
    with pytest.warns(PcapWarning, match="1 packet.* longer than a packet slot"):
        h = DumpHarness("FromDump", big)
    assert [len(b) for b, _ in h.drain()] == [len(f[0]), 1920]
    for content, msg in ((b"", "empty file"), (b"\xd4\xc3\xb2", "too short"),
                         (b"x" * 24, "bad magic number")):
        p.write_bytes(content)
        with pytest.raises(PcapError, match=msg):
            DumpHarness("FromDump", str(p))


# ---- ToDump -------------------------------------------------------------------------------

def dump(h: DumpHarness, frames, tstamps=None) -> list[int]:
    codes = []
    for i, f in enumerate(frames):
        s = h.load(f, tstamp=tstamps[i] if tstamps else 0)
        codes.append(int(h.cls.simple_action(h.P, s, h.st)))
    return codes


def test_todump_writes_what_scapy_reads(tmp_path):
    frames = ether_frames(4)
    path = str(tmp_path / "o.pcap")
    h = DumpHarness("ToDump", path, n_outputs=0)
    assert dump(h, frames, [T0 + i * 1_234_567 for i in range(4)]) == [STOLEN] * 4
    assert h.pool.in_use() == 0 and h.read("count") == "0"    # recorded, slots free at once
    h.flush()
    assert h.pool.in_use() == 0 and h.read("count") == "4"
    h.cls.host_close(h.values, h.st, h.pool)
    got = rdpcap(path)
    assert [bytes(p) for p in got] == frames
    assert [int(round(p.time * 1e6)) for p in got] == [(T0 + i * 1_234_567) // 1000 for i in range(4)]
    assert got[0][IP].dst == "10.0.1.0" and got[0][UDP].chksum == Ether(frames[0])[UDP].chksum
    raw = open(path, "rb").read()
    assert struct.unpack_from("<IHHiIII", raw) == (0xA1B2C3D4, 2, 4, 0, 0, 2000, 1)
    assert h.read("filename") == path
    h.write("reset_counts")
    assert h.read("count") == "0"


def test_todump_snaplen_encap_nano(tmp_path):
    frames = ether_frames(3)
    path = str(tmp_path / "s.pcap")
    h = DumpHarness("ToDump", f"{path}, 20, IP, NANO true", n_outputs=0)
    dump(h, [f[14:] for f in frames], [T0 + 5, T0 + 6, T0 + 7])
    h.cls.host_close(h.values, h.st, h.pool)
    t = read_pcap(path)
    assert t.linktype == pcap.LINKTYPE_RAW and t.nanosecond and t.snaplen == 20
    assert t.frames() == [f[14:34] for f in frames]
    assert t.wirelen.tolist() == [len(f) - 14 for f in frames]
    assert t.ts_ns.tolist() == [T0 + 5, T0 + 6, T0 + 7]
    got = rdpcap(path)
    assert [p.wirelen for p in got] == [len(f) - 14 for f in frames]
    zero = str(tmp_path / "z.pcap")
    h = DumpHarness("ToDump", f"{zero}, 0", n_outputs=0)
    dump(h, frames)
    h.cls.host_close(h.values, h.st, h.pool)
    t = read_pcap(zero)
    assert t.snaplen == 0xFFFFFFFF and t.frames() == frames


def test_todump_stamps_untimed_packets_with_the_current_time(tmp_path):
    import time
    path = str(tmp_path / "now.pcap")
    h = DumpHarness("ToDump", path, n_outputs=0)
    h.pool.ctl[C_NOW] = now = time.time_ns()          # the driver's clock for this round
    dump(h, ether_frames(1))
    h.flush()
    h.st = (h.st[0], h.st[1], np.zeros(0, dtype=np.uint8))
    before = time.time_ns()
    dump(h, ether_frames(1))                           # no buffer room: held, stamped on flush
    h.cls.host_close(h.values, h.st, h.pool)
    first, second = (int(t) for t in read_pcap(path).ts_ns)
    assert first == now // 1000 * 1000
    assert before // 1000 * 1000 <= second <= time.time_ns()


def test_todump_with_an_output_passes_packets_on(tmp_path):
    frames = ether_frames(3)
    path = str(tmp_path / "p.pcap")
    h = DumpHarness("ToDump", f"{path}, 30", n_outputs=1)
    slots = [h.load(f, tstamp=T0) for f in frames]
    assert [int(h.cls.simple_action(h.P, s, h.st)) for s in slots] == [0, 0, 0]
    assert [h.pool.bytes(s) for s in slots] == frames       # untouched, still ours
    assert h.pool.in_use() == 3                             # records written, no copies held
    h.cls.host_close(h.values, h.st, h.pool)
    assert h.pool.in_use() == 3
    t = read_pcap(path)
    assert t.frames() == [f[:30] for f in frames] and t.wirelen.tolist() == [len(f) for f in frames]


def test_todump_with_output_and_empty_pool_still_forwards(tmp_path):
    h = DumpHarness("ToDump", str(tmp_path / "e.pcap"), n_outputs=1, slots=1)
    s = h.load(b"frame")
    assert int(h.cls.simple_action(h.P, s, h.st)) == 0       # recorded: needs no slot
    h.st = (h.st[0], h.st[1], np.zeros(0, dtype=np.uint8))
    assert int(h.cls.simple_action(h.P, s, h.st)) == 0       # to hold a copy it would
    h.cls.host_close(h.values, h.st, h.pool)
    assert h.read("count") == "1" and int(h.st[1][td.MISSED]) == 1


def test_todump_ring_full_drops(tmp_path):
    import elements.devices.todump as td
    h = DumpHarness("ToDump", str(tmp_path / "r.pcap"), n_outputs=0, slots=8)
    h.st = (np.zeros(2, dtype=np.int32), h.st[1], np.zeros(0, dtype=np.uint8))
    assert dump(h, [b"a", b"b", b"c"]) == [STOLEN, STOLEN, drop(0)]
    assert h.cls.drop_reasons[0] == "dump record ring full" and td.RING >= 4096


def test_todump_full_record_buffer_holds_the_rest_in_order(tmp_path):
    path = str(tmp_path / "order.pcap")
    for outputs in (0, 1):
        h = DumpHarness("ToDump", path, n_outputs=outputs, slots=16)
        h.st = (h.st[0], h.st[1], np.zeros(2 * (16 + 60), dtype=np.uint8))   # room for two
        frames = [bytes([k]) * 60 for k in range(5)]
        dump(h, frames, [T0 + k for k in range(5)])
        assert int(h.st[1][td.LEN]) == 3 and int(h.st[1][td.RECORDS]) == 2
        h.cls.host_close(h.values, h.st, h.pool)
        assert read_pcap(path).frames() == frames and h.read("count") == "5"
        assert h.pool.in_use() == (5 if outputs else 0)


def test_todump_write_error_deactivates(tmp_path, capsys):
    h = DumpHarness("ToDump", "/dev/full, UNBUFFERED true", n_outputs=0)
    dump(h, [b"x" * 100])
    h.flush()
    assert "ToDump(/dev/full)" in capsys.readouterr().err and h.pool.in_use() == 0
    assert dump(h, [b"y"]) == [drop(1)]
    h.cls.host_close(h.values, h.st, h.pool)


def test_todump_configure_errors(tmp_path):
    with pytest.raises(PcapError, match=r"nodir/o\.pcap: No such file or directory"):
        DumpHarness("ToDump", str(tmp_path / "nodir" / "o.pcap"))
    from clickpy.element import registry
    values = {"FILENAME": "x.pcap", "USE_ENCAP_FROM": ["src"], "ENCAP": None}
    with pytest.raises(ValueError, match="USE_ENCAP_FROM"):
        registry()["ToDump"].state(values, 1, 0)


def test_todump_compressed_output(tmp_path):
    frames = ether_frames(2)
    path = str(tmp_path / "o.pcap.gz")
    h = DumpHarness("ToDump", path, n_outputs=0)
    dump(h, frames, [T0, T0])
    h.cls.host_close(h.values, h.st, h.pool)
    assert read_pcap(path).frames() == frames
    assert [bytes(p) for p in rdpcap(path)] == frames


# ---- FromDump -> ToDump ---------------------------------------------------------------------

def test_fromdump_todump_round_trip_keeps_bytes_and_times(tmp_path):
    pkts = [Ether() / IP(dst="10.1.2.3") / TCP(dport=80, flags="S"),
            Ether() / IPv6() / UDP() / Raw(b"hello"), Ether() / ARP()]
    for i, p in enumerate(pkts):
        p.time = 1_600_000_000 + i / 8
    src = str(tmp_path / "in.pcap")
    wrpcap(src, pkts)
    dst = str(tmp_path / "out.pcap")
    fd = DumpHarness("FromDump", src, slots=16)
    td = DumpHarness("ToDump", dst, n_outputs=0)
    td.pool, td.P = fd.pool, fd.P                   # one pool for the pair
    while (s := fd.task()) >= 0:
        assert int(td.cls.simple_action(td.P, s, td.st)) == STOLEN
    td.cls.host_close(td.values, td.st, td.pool)
    assert fd.pool.in_use() == 0
    assert open(dst, "rb").read() == open(src, "rb").read()[:16] + struct.pack("<I", 2000) \
        + open(src, "rb").read()[20:]                  # same file, but ToDump's SNAPLEN
    got = rdpcap(dst)
    assert [bytes(p) for p in got] == [bytes(p) for p in pkts]
    assert [p.time for p in got] == [p.time for p in pkts]


def test_kernels_run_interpreted_too(trace, tmp_path):
    """The outer kernels as plain Python (run the file with NUMBA_DISABLE_JIT=1 for all)."""
    import elements.devices.fromdump as fdm
    import elements.devices.todump as tdm
    path, frames = trace
    h = DumpHarness("FromDump", f"{path}, FORCE_IP true")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        s = getattr(fdm.fromdump_task, "py_func", fdm.fromdump_task)(h.P, h.st)
    assert h.pool.bytes(s) == frames[0] and h.pool.anno[s, A_NH] == HEADROOM + 14
    t = DumpHarness("ToDump", str(tmp_path / "i.pcap"), n_outputs=0)
    assert getattr(tdm.todump, "py_func", tdm.todump)(t.P, t.load(b"abc"), t.st) == STOLEN
