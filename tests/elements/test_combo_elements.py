"""IPInputCombo and IPOutputCombo against the chains of separate elements Click documents.

Click's ipinputcombo.hh: Paint($COLOR) -> Strip(14) -> CheckIPHeader($BADADDRS)
-> GetIPAddress(16).  Click's ipoutputcombo.hh: DropBroadcasts -> PaintTee($COLOR)
-> IPGWOptions($IPADDR) -> FixIPSrc($IPADDR) -> DecIPTTL -> CheckLength($MTU), with
outputs 1-4 the second outputs of PaintTee, IPGWOptions, DecIPTTL and CheckLength.
Each mixed input runs through the combo and through the chain, compiled here and
interpreted (NUMBA_DISABLE_JIT) in a subprocess: same packets, annotations, drops.
"""
from __future__ import annotations

from combo_harness import Instance, interpreted, load, new_pool, run_chain
from element_args import ArgsAt
from scapy.all import IP, UDP, Ether, raw
from scapy.utils import checksum

from clickpy.diagnostics import SourcePos
from clickpy.element import DST_IP, IP_HEADER, PAINT, registry
from clickpy.packet import A_ICMP_PARAM, PKTTYPE_BROADCAST, PKTTYPE_MULTICAST, PKTTYPE_OTHERHOST

E = registry()
POS = SourcePos("combo.click", 2, 1)
_args = ArgsAt(POS)
ok, issue = _args.ok, _args.issue
MAC = dict(src="02:00:00:00:00:02", dst="02:00:00:00:00:01")
MYIP = "10.0.0.9"


def eth(ip_pkt, pad: bytes = b"") -> bytes:
    return raw(Ether(**MAC) / ip_pkt) + pad


def udp(src="10.0.0.1", dst="10.0.1.2", payload=b"payload!", **kw):
    return IP(src=src, dst=dst, **kw) / UDP(sport=53, dport=1000) / payload


def _opts(opts: bytes, **kw) -> bytes:
    opts = opts + bytes(-len(opts) % 4)
    body = raw(UDP(sport=1, dport=2) / b"data")
    hdr = bytearray(raw(IP(src="10.0.0.1", dst="10.0.1.2", proto=17, **kw))[:20])
    hdr[0] = 0x40 | (5 + len(opts) // 4)
    hdr += opts
    hdr[2:4] = (len(hdr) + len(body)).to_bytes(2, "big")
    hdr[10:12] = b"\0\0"
    hdr[10:12] = checksum(bytes(hdr)).to_bytes(2, "big")
    return bytes(hdr) + body


def bad_checksum(frame: bytes) -> bytes:
    b = bytearray(frame)
    b[14 + 10] ^= 0xFF
    return bytes(b)


# ---- IPInputCombo -------------------------------------------------------------------------

def input_mix() -> list[tuple[bytes, dict]]:
    good = eth(udp())
    short_ip = bytearray(good)
    short_ip[14 + 2:14 + 4] = (200).to_bytes(2, "big")          # IP length past the end
    small_len = bytearray(good)
    small_len[14 + 2:14 + 4] = (16).to_bytes(2, "big")          # IP length below the header
    v6 = bytearray(good)
    v6[14] = 0x65
    hl4 = bytearray(good)
    hl4[14] = 0x44
    frames = [
        good, eth(udp(), pad=bytes(12)),                        # Ethernet padding trimmed
        bad_checksum(good), bytes(v6), bytes(hl4), bytes(short_ip), bytes(small_len),
        good[:10], good[:14 + 19], b"",                          # short and tiny
        eth(udp(src="0.0.0.0")), eth(udp(src="255.255.255.255")),
        eth(udp(src="10.0.0.255", dst="10.0.0.1")),             # a subnet broadcast source
        eth(udp(src="10.0.0.255", dst="10.0.1.2")),
        eth(udp(src="18.26.4.255")),
        Ether(**MAC).build() + _opts(b"\x07\x07\x04" + bytes(4)),  # options pass the input path
        eth(udp(ttl=1)), eth(udp(dst="224.0.0.5")),
    ]
    return [(bytes(f), {"paint": 9, "dst_ip": 0x01020304}) for f in frames]


INPUT_CASES = [
    ("3", ""),
    ("3, 18.26.4.255", "18.26.4.255"),
    ("300, INTERFACES 10.0.0.1/24", "INTERFACES 10.0.0.1/24"),
    ("7, BADSRC 10.0.0.255", "BADSRC 10.0.0.255"),
    ("-1, INTERFACES 10.0.0.1/24, GOODDST 10.0.1.2", "INTERFACES 10.0.0.1/24, GOODDST 10.0.1.2"),
]


def input_results() -> list:
    out = []
    for combo, check in INPUT_CASES:
        color = int(combo.split(",")[0]) & 0xFF
        one = run_chain([(Instance("IPInputCombo", combo), {0: None})], input_mix())
        chain = run_chain([(Instance("Paint", str(color)), {0: None}),
                           (Instance("Strip", "14"), {0: None}),
                           (Instance("CheckIPHeader", check), {0: None}),
                           (Instance("GetIPAddress", "16"), {0: None})], input_mix())
        out.append({"combo": one, "chain": chain})
    return out


def test_ipinputcombo_is_its_chain_compiled_and_interpreted():
    compiled = input_results()
    for case, r in zip(INPUT_CASES, compiled):
        assert r["combo"] == r["chain"], case
        assert r["combo"]["in_use"] == 0
    first = compiled[0]["combo"]
    assert len(first["out"]) == 10 and first["drops"] == {      # no bad sources by default
        "tiny packet": 3, "bad IP version": 1, "bad IP header length": 1,
        "bad IP length": 2, "bad IP checksum": 1}
    assert compiled[1]["combo"]["drops"]["bad source address"] == 3     # + 0.0.0.0, 255...
    good = first["out"][0]
    assert good["bytes"] == raw(udp()).hex()
    assert good["anno"][1] == 3 and good["anno"][0] == 0x0A000102    # paint, dst IP
    assert (good["anno"][2], good["anno"][3]) == (0, 20)              # IP header, transport
    assert first["out"][1]["bytes"] == good["bytes"]                  # padding trimmed
    assert compiled[2]["combo"]["out"][0]["anno"][1] == 300 & 0xFF
    # INTERFACES: the subnet broadcast source is bad unless sent to the interface itself.
    assert compiled[2]["combo"]["drops"]["bad source address"] == 3
    assert compiled[3]["combo"]["drops"]["bad source address"] == 2   # only 10.0.0.255
    assert interpreted("test_combo_elements", "input_results") == compiled


def test_ipinputcombo_drops_handler_and_click_message(capsys):
    ic = Instance("IPInputCombo", "1")
    pool = new_pool()
    good = eth(udp())
    assert ic.run(pool.arrays, load(pool, good, {}))[0][0] == 0
    assert ic.cls.read_handler("drops", ic.values, ic.st) == "0"
    for frame in (bad_checksum(good), good[:20], bad_checksum(good)):
        code = ic.run(pool.arrays, load(pool, frame, {}))[0][0]
        assert code < 0
    assert ic.reason(code) == "bad IP checksum"
    assert ic.cls.read_handler("drops", ic.values, ic.st) == "3"
    assert ic.cls.host_pending(pool.arrays, ic.st)
    ic.cls.host_flush(ic.values, ic.st, pool)
    assert capsys.readouterr().err == "IP checksum failed\n"      # the first bad packet only
    assert not ic.cls.host_pending(pool.arrays, ic.st)


def test_ipinputcombo_declaration_and_arguments():
    cls = E["IPInputCombo"]
    assert (cls.port_count, cls.processing, cls.family()) == ("1/1", "a/a", "ip")
    assert cls.sets == {PAINT: (0,), IP_HEADER: (0,), DST_IP: (0,)}
    assert [h.name for h in cls.handlers] == ["drops"]
    v = ok("IPInputCombo", "2, 1.2.3.4 5.6.7.8")
    assert cls.addresses(v) == ([0x01020304, 0x05060708, 0, 0xFFFFFFFF], [])
    v = ok("IPInputCombo", "COLOR 2, INTERFACES 10.0.0.1/24 10.1.0.1/16")
    assert cls.addresses(v) == ([0x0A0000FF, 0x0A01FFFF, 0, 0xFFFFFFFF], [0x0A000001, 0x0A010001])
    assert issue("IPInputCombo", "").message == "missing argument COLOR (color)"
    assert issue("IPInputCombo", "x").message.startswith("COLOR: 'x' is not a color")
    assert issue("IPInputCombo", "1, 1.2.3").message.startswith("OLD_BADSRC:")
    assert issue("IPInputCombo", "1, 2.2.2.2, OFFSET 14").message == "unknown keyword OFFSET"
    # Click reads the positional list first; the keywords then replace it.
    v = ok("IPInputCombo", "1, 18.26.4.255, BADSRC 10.0.0.1")
    assert cls.addresses(v) == ([0x0A000001], [])
    v = ok("IPInputCombo", "1, 18.26.4.255, INTERFACES 10.0.0.1/24, GOODDST 1.1.1.1")
    assert cls.addresses(v) == ([0x0A0000FF, 0, 0xFFFFFFFF], [0x01010101])
    assert issue("IPInputCombo", "1, 2.2.2.2, 3").message.startswith("too many arguments")


# ---- IPOutputCombo ------------------------------------------------------------------------

def ip(pkt) -> bytes:
    return raw(pkt)


def output_mix() -> list[tuple[bytes, dict]]:
    hdr = {"nh": 0, "th": 20}
    big = ip(IP(src="10.0.0.1", dst="10.0.1.2", ttl=9) / UDP() / bytes(300))
    big_df = ip(IP(src="10.0.0.1", dst="10.0.1.2", flags="DF") / UDP() / bytes(300))
    rr = _opts(b"\x07\x07\x04" + bytes(4))                      # Record Route with room
    rr_full = _opts(b"\x07\x07\x08" + bytes(4))                 # pointer past the end
    rr_bad = _opts(b"\x07\x07\x02" + bytes(4))                  # pointer too small
    bad_len = _opts(b"\x01\x44\x01")                            # length 1
    ts = _opts(b"\x44\x0c\x05\x00" + bytes(8))                  # timestamps only, room
    ts_addr = _opts(b"\x44\x0c\x05\x01" + bytes(8))             # address and timestamp
    ts_over = _opts(b"\x44\x04\x05\x00")                        # no room: overflow count
    ts_dead = _opts(b"\x44\x04\x05\xf0")                        # overflow count full
    ts_mine = _opts(b"\x44\x0c\x05\x03" + bytes([10, 0, 0, 9]) + bytes(4))
    ts_other = _opts(b"\x44\x0c\x05\x03" + bytes([10, 0, 0, 8]) + bytes(4))
    ts_flag = _opts(b"\x44\x0c\x05\x02" + bytes(8))             # flag 2: bad
    frames = [
        (ip(udp()), hdr), (ip(udp()), {**hdr, "paint": 7}),
        (ip(udp()), {**hdr, "pkttype": PKTTYPE_BROADCAST}),
        (ip(udp()), {**hdr, "pkttype": PKTTYPE_MULTICAST, "paint": 7}),
        (ip(udp()), {**hdr, "pkttype": PKTTYPE_OTHERHOST}),
        (ip(udp(ttl=1)), hdr), (ip(udp(ttl=0)), {**hdr, "paint": 7}), (ip(udp(ttl=2)), hdr),
        (ip(udp(dst="224.0.0.5", ttl=1)), hdr),
        (big, hdr), (big_df, {**hdr, "paint": 7}),
        (ip(udp(payload=bytes(100 - 28))), hdr),                 # exactly the MTU of case 1
        (ip(udp()), {**hdr, "fix_ip_src": 1}), (ip(udp(ttl=1)), {**hdr, "fix_ip_src": 1}),
        (rr, {"nh": 0, "th": 28}), (rr, {"nh": 0, "th": 28, "fix_ip_src": 1}),
        (rr_full, {"nh": 0, "th": 28}), (rr_bad, {"nh": 0, "th": 28, "paint": 7}),
        (bad_len, {"nh": 0, "th": 24}), (ts, {"nh": 0, "th": 32}),
        (ts_addr, {"nh": 0, "th": 32}), (ts_over, {"nh": 0, "th": 24}),
        (ts_dead, {"nh": 0, "th": 24}), (ts_mine, {"nh": 0, "th": 32}),
        (ts_other, {"nh": 0, "th": 32}), (ts_flag, {"nh": 0, "th": 32}),
        (ip(udp()), {}),                                        # no IP header annotation
        (ip(udp())[:19], {"nh": 0, "th": 20}),                  # truncated header
        (rr[:24], {"nh": 0, "th": 28}),                         # options cut off
        (eth(udp()), {"nh": 14, "th": 34}),                     # header further in
    ]
    return frames


OUTPUT_CASES = [("7, 10.0.0.9, 100", "7", "10.0.0.9", "100"),
                ("300, 10.0.0.9, 1500", "300", "10.0.0.9", "1500")]


def output_results() -> list:
    out = []
    for combo, color, addr, mtu in OUTPUT_CASES:
        one = run_chain([(Instance("IPOutputCombo", combo, n_outputs=5),
                          {0: 0, 1: 1, 2: 2, 3: 3, 4: 4})], output_mix())
        tee = Instance("PaintTee", "0", n_outputs=2)
        tee.st[0][2] = int(color)          # PaintTee takes 0..255; the combo compares any int
        chain = run_chain([(Instance("DropBroadcasts"), {0: None}),
                           (tee, {0: None, 1: 1}),
                           (Instance("IPGWOptions", addr, n_outputs=2), {0: None, 1: 2}),
                           (Instance("FixIPSrc", addr), {0: None}),
                           (Instance("DecIPTTL", "", n_outputs=2), {0: None, 1: 3}),
                           (Instance("CheckLength", mtu, n_outputs=2), {0: None, 1: 4})],
                          output_mix())
        out.append({"combo": one, "chain": chain})
    return out


def test_ipoutputcombo_is_its_chain_compiled_and_interpreted():
    compiled = output_results()
    for case, r in zip(OUTPUT_CASES, compiled):
        assert r["combo"] == r["chain"], case
        assert r["combo"]["in_use"] == 0
    first = compiled[0]["combo"]
    ports = [o["port"] for o in first["out"]]
    assert ports.count(1) == 4                # painted 7, not broadcast: copies
    assert ports.count(2) == 4                # rr_bad, bad_len, ts_dead, ts_flag
    assert ports.count(3) == 4                # TTL 1, TTL 0, multicast TTL 1, fixed TTL 1
    assert ports.count(4) == 2                # longer than 100, DF or not
    assert first["drops"] == {"link-level broadcast or multicast": 2,
                              "missing or truncated IP header": 3}
    params = sorted(o["anno"][A_ICMP_PARAM] for o in first["out"] if o["port"] == 2)
    assert params == [22, 22, 23, 23]      # length byte, pointer, flags (oi + 1, 2, 3)
    assert [o["port"] for o in compiled[1]["combo"]["out"]].count(1) == 0   # 300: never a paint
    assert interpreted("test_combo_elements", "output_results") == compiled


def test_ipoutputcombo_rewrites_like_click():
    oc = Instance("IPOutputCombo", "7, 10.0.0.9, 1500", n_outputs=5)
    pool = new_pool()
    # FixIPSrc and DecIPTTL: new source, TTL - 1, a checksum scapy agrees with.
    [(port, s)] = oc.run(pool.arrays, load(pool, ip(udp(ttl=64)), {"nh": 0, "th": 20,
                                                                    "fix_ip_src": 1}))
    got = IP(pool.bytes(s))
    assert port == 0 and got.src == MYIP and got.ttl == 63 and pool.anno[s, 10] == 0
    assert checksum(pool.bytes(s)[:20]) == 0
    # Record Route gets our address; the pointer moves by 4.
    [(port, s)] = oc.run(pool.arrays, load(pool, _opts(b"\x07\x07\x04" + bytes(4)),
                                           {"nh": 0, "th": 28}))
    b = pool.bytes(s)
    assert port == 0 and b[20:27] == b"\x07\x07\x08" + bytes([10, 0, 0, 9])
    assert checksum(b[:28]) == 0
    # Click's combo recomputes the checksum only when it wrote: a full Record Route with a
    # bad checksum keeps it (IPGWOptions would recompute it).
    rr_full = bytearray(_opts(b"\x07\x07\x08" + bytes(4)))
    rr_full[10] ^= 0x55
    [(port, s)] = oc.run(pool.arrays, load(pool, bytes(rr_full), {"nh": 0, "th": 28}))
    assert port == 0 and checksum(pool.bytes(s)[:28]) != 0


def test_ipoutputcombo_declaration_and_arguments():
    cls = E["IPOutputCombo"]
    assert (cls.port_count, cls.processing, cls.family()) == ("1/5", "h/h", "ip")
    assert cls.requires == {IP_HEADER: (0,)} and cls.handlers == ()
    v = ok("IPOutputCombo", "2, 10.0.0.1, 1500")
    assert (v["COLOR"], str(v["IPADDR"]), v["MTU"]) == (2, "10.0.0.1", 1500)
    assert ok("IPOutputCombo", "MTU 576, IPADDR 1.1.1.1, COLOR 0")["MTU"] == 576
    assert issue("IPOutputCombo", "2, 10.0.0.1").message == "missing argument MTU (MTU)"
    assert issue("IPOutputCombo", "2, 10.0.0.1, -5").message.startswith("MTU: -5 is out of range")
    assert issue("IPOutputCombo", "2, 10.0.0, 5").message.startswith("IPADDR:")
    assert issue("IPOutputCombo", "2, 10.0.0.1, 5, 6").message.startswith("too many arguments")


# ---- end to end --------------------------------------------------------------------------

ROUTER = """
FromDevice(eth0) -> HostEtherFilter(02:00:00:00:00:01) -> %s;
o0 :: Queue(200) -> ToDevice(out0);  o1 :: Queue(200) -> ToDevice(out1);
o2 :: Queue(200) -> ToDevice(out2);  o3 :: Queue(200) -> ToDevice(out3);
o4 :: Queue(200) -> ToDevice(out4);
"""
COMBO = ("IPInputCombo(4, INTERFACES 10.0.0.1/24) -> oc :: IPOutputCombo(4, 10.0.0.9, 60);"
         " oc[0] -> o0; oc[1] -> o1; oc[2] -> o2; oc[3] -> o3; oc[4] -> o4")
CHAIN = ("Paint(4) -> Strip(14) -> CheckIPHeader(INTERFACES 10.0.0.1/24) -> GetIPAddress(16)"
         " -> DropBroadcasts -> p :: PaintTee(4) -> g :: IPGWOptions(10.0.0.9)"
         " -> FixIPSrc(10.0.0.9) -> d :: DecIPTTL -> l :: CheckLength(60) -> o0;"
         " p[1] -> o1; g[1] -> o2; d[1] -> o3; l[1] -> o4")


def test_combos_in_a_router_match_the_chain():
    from clickpy.testing import open_middlebox
    frames = [f for f, _ in input_mix()] + [
        raw(Ether(src=MAC["src"], dst="ff:ff:ff:ff:ff:ff") / udp()),
        Ether(**MAC).build() + _opts(b"\x07\x07\x04" + bytes(4)),
        Ether(**MAC).build() + _opts(b"\x01\x44\x01"),
        eth(udp(payload=bytes(40)))]                          # 68 bytes of IP: over MTU 60
    runs = []
    for body in (COMBO, CHAIN):
        with open_middlebox(ROUTER % body) as mb:
            mb.feed("eth0", frames)
            drops: dict = {}
            for (_, reason), n in mb.account().drops.items():
                drops[reason] = drops.get(reason, 0) + n
            runs.append(([mb.records(f"out{k}") for k in range(5)], drops,
                         mb.account().balanced))
    assert runs[0] == runs[1]
    assert runs[0][1]["link-level broadcast or multicast"] == 1 and runs[0][2]
    assert [len(r) for r in runs[0][0]] == [7, 10, 1, 1, 1]
