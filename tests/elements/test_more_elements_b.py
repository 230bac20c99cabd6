"""EnsureEther, StripToNetworkHeader and UnstripIPHeader, against Click's sources
(elements/ethernet/ensureether.cc, standard/striptonet.cc, ip/unstripipheader.cc).  Kernel cases run compiled here and interpreted
(NUMBA_DISABLE_JIT) in a subprocess, and must agree."""
from __future__ import annotations

import pytest
from combo_harness import Instance, interpreted, load, new_pool
from element_args import ArgsAt
from scapy.all import ARP, IP, UDP, Ether, raw

from clickpy.diagnostics import SourcePos
from clickpy.element import IP_HEADER, registry
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
