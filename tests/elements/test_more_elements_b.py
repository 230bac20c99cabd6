"""EnsureEther, StripToNetworkHeader, UnstripIPHeader and PullSwitch, against Click's sources
(elements/ethernet/ensureether.cc, standard/striptonet.cc, ip/unstripipheader.cc,
standard/pullswitch.cc).  Kernel cases run compiled here and interpreted
(NUMBA_DISABLE_JIT) in a subprocess, and must agree."""
from __future__ import annotations

import pytest
from combo_harness import Instance, interpreted, load, new_pool
from element_args import ArgsAt
from scapy.all import ARP, IP, UDP, Ether, raw

from clickpy.diagnostics import SourcePos
from clickpy.element import IP_HEADER, PULL, registry
from clickpy.packet import A_NH, A_TH, HEADROOM, pull_front

E = registry()
_args = ArgsAt(SourcePos("b.click", 4, 1))
ok, issue = _args.ok, _args.issue
IPPKT = raw(IP(src="10.0.0.1", dst="10.0.0.2") / UDP(sport=1, dport=2) / b"data")
FRAME = raw(Ether(src="00:00:00:00:00:0a", dst="00:00:00:00:00:0b") / IP(IPPKT))
MINE = bytes.fromhex("020202020202" "010101010101" "0800")        # EnsureEther's default header


@pytest.mark.parametrize("name, ports, processing, family", [
    ("EnsureEther", "1/1", "a/a", "ethernet"),
    ("StripToNetworkHeader", "1/1", "a/a", "standard"),
    ("UnstripIPHeader", "1/1", "a/a", "ip"),
    ("PullSwitch", "-/1", "l/l", "sched"),
])
def test_declarations_match_click(name, ports, processing, family):
    cls = E[name]
    assert (cls.port_count, cls.processing, cls.family()) == (ports, processing, family)
    assert cls.summary() and cls.__doc__.count("\n") >= 2 and cls.runnable()


def test_annotations_needed():
    assert E["StripToNetworkHeader"].requires == {IP_HEADER: (0,)}
    assert E["UnstripIPHeader"].requires == {IP_HEADER: (0,)}
    assert E["EnsureEther"].requires == {}          # non-IP packets pass unchanged


# ---- kernels ------------------------------------------------------------------------------

def run(element: str, config: str, frame: bytes, strip: int = 0, head: int | None = None,
        **anno) -> dict:
    """One packet through one element: strip (Strip's pull) first, or load it at slot
    offset `head`; nh/th are offsets in the frame as loaded.  Returns the code, the
    bytes, and the header annotations relative to the packet's new start."""
    inst = Instance(element, config)
    pool = new_pool()
    s = load(pool, frame, anno)
    if head is not None:                         # little headroom: move the packet there
        n = len(frame)
        pool.data[s, head:head + n] = pool.data[s, HEADROOM:HEADROOM + n].copy()
        pool.head[s] = head
        for col in (A_NH, A_TH):
            if pool.anno[s, col] >= 0:
                pool.anno[s, col] += head - HEADROOM
    if strip:
        pull_front(pool.arrays, s, strip)
    [(code, t)] = inst.run(pool.arrays, s)
    h = int(pool.head[t])
    rel = [int(pool.anno[t, c]) - h if pool.anno[t, c] >= 0 else -1 for c in (A_NH, A_TH)]
    return {"code": code if code >= 0 else inst.reason(code), "bytes": pool.bytes(t).hex(),
            "nh": rel[0], "th": rel[1]}


ARP_FRAME = raw(Ether(src="00:00:00:00:00:0a", dst="ff:ff:ff:ff:ff:ff") / ARP())
V6ETH = FRAME[:12] + b"\x86\xdd" + FRAME[14:]
ARPTYPE = FRAME[:12] + b"\x08\x06" + FRAME[14:]
KERNEL_CASES = {
    # EnsureEther
    "ee not IP": ("EnsureEther", "", ARP_FRAME, 0, None, {}),
    "ee IP header in front": ("EnsureEther", "", FRAME, 20, None, {"nh": 14, "th": 34}),
    "ee Ethernet already": ("EnsureEther", "", FRAME, 0, None, {"nh": 14, "th": 34}),
    "ee IPv6 type": ("EnsureEther", "", V6ETH, 0, None, {"nh": 14, "th": 34}),
    "ee other type at 14": ("EnsureEther", "", ARPTYPE, 0, None, {"nh": 14, "th": 34}),
    "ee stripped header": ("EnsureEther", "", FRAME, 14, None, {"nh": 14, "th": 34}),
    "ee stripped non-IP": ("EnsureEther", "", ARPTYPE, 14, None, {"nh": 14, "th": 34}),
    "ee bare IP": ("EnsureEther", "0x86DD, 0:1:2:3:4:5, 6:7:8:9:a:b", IPPKT, 0, None,
                   {"nh": 0, "th": 20}),
    "ee no headroom": ("EnsureEther", "", IPPKT, 0, 4, {"nh": 0, "th": 20}),
    "ee IP deeper": ("EnsureEther", "", b"\xaa" * 6 + IPPKT, 0, None, {"nh": 6, "th": 26}),
    "ee short": ("EnsureEther", "", FRAME[:10], 0, None, {"nh": 14, "th": 34}),
    # StripToNetworkHeader
    "stn strip": ("StripToNetworkHeader", "", FRAME, 0, None, {"nh": 14, "th": 34}),
    "stn at start": ("StripToNetworkHeader", "", IPPKT, 0, None, {"nh": 0, "th": 20}),
    "stn push back": ("StripToNetworkHeader", "", FRAME, 34, None, {"nh": 14, "th": 34}),
    "stn past end": ("StripToNetworkHeader", "", FRAME[:10], 0, None, {"nh": 14, "th": 34}),
    "stn no header": ("StripToNetworkHeader", "", FRAME, 0, None, {}),
    # UnstripIPHeader
    "uih restore": ("UnstripIPHeader", "", FRAME, 34, None, {"nh": 14, "th": 34}),
    "uih on already": ("UnstripIPHeader", "", FRAME, 0, None, {"nh": 14, "th": 34}),
    "uih at start": ("UnstripIPHeader", "", IPPKT, 0, None, {"nh": 0, "th": 20}),
    "uih no header": ("UnstripIPHeader", "", IPPKT, 0, None, {}),
}


def kernel_results() -> dict:
    return {name: run(el, cfg, frame, strip, head, **anno)
            for name, (el, cfg, frame, strip, head, anno) in KERNEL_CASES.items()}


def test_kernels_compiled_and_interpreted():
    r = kernel_results()
    same = lambda name, frame: r[name]["code"] == 0 and r[name]["bytes"] == frame.hex()  # noqa
    # EnsureEther: unchanged when not IP, in front, or already Ethernet (IP or IPv6 type).
    assert same("ee not IP", ARP_FRAME) and r["ee not IP"]["nh"] == -1
    assert same("ee IP header in front", FRAME[20:])
    assert same("ee Ethernet already", FRAME) and same("ee IPv6 type", V6ETH)
    # Another type at 14 bytes: replaced by the configured header.
    assert same("ee other type at 14", MINE + IPPKT) and r["ee other type at 14"]["nh"] == 14
    # A stripped header of type IP is put back as it was; another type is not.
    assert same("ee stripped header", FRAME) and r["ee stripped header"]["nh"] == 14
    assert same("ee stripped non-IP", MINE + IPPKT)
    assert same("ee bare IP", bytes.fromhex("060708090a0b" "000102030405" "86dd") + IPPKT)
    assert same("ee no headroom", MINE + IPPKT)
    assert (r["ee no headroom"]["nh"], r["ee no headroom"]["th"]) == (14, 34)
    assert same("ee IP deeper", MINE + IPPKT) and r["ee IP deeper"]["nh"] == 14
    assert same("ee short", MINE)                # Click's pull empties it, then the header
    # StripToNetworkHeader: the packet starts at the network header, whichever side it is.
    assert same("stn strip", IPPKT) and r["stn strip"]["nh"] == 0
    assert same("stn at start", IPPKT)
    assert same("stn push back", IPPKT) and r["stn push back"]["th"] == 20
    assert same("stn past end", b"")
    assert r["stn no header"]["code"] == "missing or truncated IP header"
    # UnstripIPHeader: only moves back, never strips.
    assert same("uih restore", IPPKT) and r["uih restore"]["nh"] == 0
    assert same("uih on already", FRAME) and same("uih at start", IPPKT)
    assert r["uih no header"]["code"] == "missing or truncated IP header"
    assert interpreted("test_more_elements_b", "kernel_results") == r


def test_ensureether_arguments():
    assert ok("EnsureEther", "") == {"ETHERTYPE": 0x0800, "SRC": b"\x01" * 6, "DST": b"\x02" * 6}
    v = ok("EnsureEther", "0x86DD, 0:1:2:3:4:5, DST 6:7:8:9:a:b")
    assert (v["ETHERTYPE"], v["SRC"], v["DST"]) == (0x86DD, bytes(range(6)), bytes(range(6, 12)))
    assert issue("EnsureEther", "0x10000").message.endswith("must be <= 0xFFFF")
    assert issue("EnsureEther", "0x800, 1:2:3").message.startswith("SRC:")
    assert issue("EnsureEther", "1, 1:1:1:1:1:1, 2:2:2:2:2:2, 4").message.startswith("too many")


def test_stripping_elements_take_no_arguments():
    for name in ("StripToNetworkHeader", "UnstripIPHeader"):
        assert issue(name, "14").message.startswith("too many arguments")


# ---- PullSwitch ---------------------------------------------------------------------------

def test_pullswitch_arguments_state_and_handlers():
    cls = E["PullSwitch"]
    assert ok("PullSwitch", "")["INPUT"] == 0 and ok("PullSwitch", "INPUT -3")["INPUT"] == -3
    assert issue("PullSwitch", "x").message.startswith("INPUT: 'x' is not an input number")
    assert issue("PullSwitch", "1, 2").message.startswith("too many arguments")
    assert cls.processing_code().input(3) == PULL
    sw = Instance("PullSwitch", "1", n_inputs=3)
    pool = new_pool()
    read = lambda h: cls.read_handler(h, sw.values, sw.st)  # noqa: E731
    choices = lambda: [int(cls.pull_choice(pool.arrays, sw.st, a)) for a in range(3)]  # noqa
    assert read("switch") == read("config") == "1" and choices() == [1, -1, -1]
    cls.write_handler("switch", " 2 ", sw.values, sw.st)
    assert read("switch") == "2" and choices() == [2, -1, -1]
    for text in ("3", "-1", "-7"):                  # no such input: pulls nothing
        cls.write_handler("switch", "0", sw.values, sw.st)
        cls.write_handler("switch", text, sw.values, sw.st)
        assert read("switch") == "-1" and choices() == [-1, -1, -1]
    with pytest.raises(ValueError, match="syntax error"):
        cls.write_handler("switch", "one", sw.values, sw.st)
    with pytest.raises(KeyError):
        cls.write_handler("config", "0", sw.values, sw.st)
    assert Instance("PullSwitch", "5", n_inputs=2).st[0][0] == -1   # configured out of range


PULLS = """
FromDevice(eth0) -> q0 :: Queue(10) -> ps :: PullSwitch -> ToDevice(out);
FromDevice(eth1) -> q1 :: Queue(10) -> [1]ps;
"""


def test_pullswitch_in_a_router_pulls_only_the_active_input():
    from clickpy.testing import open_middlebox
    a, b = FRAME, ARP_FRAME
    with open_middlebox(PULLS) as mb:
        assert mb.feed("eth1", [b] * 3)["out"] == []             # input 1 waits in q1
        assert [raw(p) for p in mb.feed("eth0", [a] * 2)["out"]] == [a] * 2
        mb.write("ps", "switch", "1")
        assert [raw(p) for p in mb.feed("eth0", [a])["out"]] == [b] * 3
        assert mb.read("ps", "switch") == "1" and mb.read("q0", "length") == "1"
        mb.write("ps", "switch", "-1")
        assert mb.feed("eth1", [b])["out"] == [] and mb.read("q1", "length") == "1"
        mb.write("ps", "switch", "0")
        assert [raw(p) for p in mb.feed("eth1", [])["out"]] == [a]
        assert mb.account().balanced
