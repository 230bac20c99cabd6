"""ARPResponder: answers ARP queries for configured addresses."""
import ipaddress
from dataclasses import dataclass

import numpy as np
from numba import njit

from clickpy.args import (Arg, ArgError, ArgType, EtherAddress, IPAddress, ParseContext,
                          split_words)
from clickpy.argtypes.arg_warnings import ArgWarning
from clickpy.argtypes.ip_prefixes import parse_ip_prefix
from clickpy.element import Element, Handler
from clickpy.kernel import drop
from clickpy.packet import A_DEV, A_NH, A_TH, A_VLAN, NANNO, rd16, rd32, wr16, wr32
from elements.ethernet.etherencap import ether_unparse

ETHERTYPE_ARP, ETHERTYPE_IP, ARPHRD_ETHER, ARPOP_REQUEST, ARPOP_REPLY = 0x0806, 0x0800, 1, 1, 2
ARP_LEN = 42                # Ethernet header + Ethernet/IPv4 ARP packet
COUNT, NOUT = 0, 1          # control words


@dataclass(frozen=True)
class ARPEntry:
    """IP networks answered with one Ethernet address."""

    prefixes: tuple[ipaddress.IPv4Network, ...]
    ether: bytes


def _ether_or_none(word: str, ctx) -> bytes | None:
    try:
        return EtherAddress().parse(word, ctx)
    except ArgError:
        return None


class ARPEntryArg(ArgType):
    """`IP/MASK [IP/MASK...] ETH`, as ARPResponder reads each argument.

    A word that is an AddressInfo name for both an IP address and an
    Ethernet address can stand for both (`ARPResponder(NAME)`).
    """

    name = "ARP entry"
    example = "18.26.4.24 18.26.7.0/24 00:00:C0:AE:67:EF"

    def parse(self, text, ctx):
        words = split_words(text.strip())
        prefixes, ether, ip_words = [], None, []
        for word in words:
            try:
                prefixes.append(parse_ip_prefix(word, ctx).network)
                ip_words.append(word)
                continue
            except ArgError:
                pass
            found = _ether_or_none(word, ctx)
            if found is None:
                raise ArgError(f"expected IP/MASK ETH, but {word!r} is neither",
                               f"for example {self.example}")
            if ether is not None:
                raise ArgError(f"more than one ETH in {text.strip()!r}",
                               "give one Ethernet address per argument; use another argument "
                               "for the next one")
            ether = found
        if ether is None:   # a name that is both an IP and an Ethernet address
            ether = next(filter(None, (_ether_or_none(w, ctx) for w in ip_words)), None)
        if not prefixes:
            raise ArgError(f"missing IP/MASK in {text.strip()!r}", f"for example {self.example}")
        if ether is None:
            raise ArgError(f"missing ETH in {text.strip()!r}", f"for example {self.example}")
        return ARPEntry(tuple(prefixes), ether)


@njit(cache=True, _nrt=False)
def wr_mac(data, s, at, v):
    """Store a 48-bit Ethernet address held in an integer."""
    for i in range(6):
        data[s, at + i] = (v >> (40 - 8 * i)) & 0xFF


@njit(cache=True, _nrt=False)
def rd_mac(data, s, at):
    v = np.int64(0)
    for i in range(6):
        v = (v << 8) | np.int64(data[s, at + i])
    return v


@njit(cache=True, _nrt=False)
def wr_arp(data, s, h, eth_dst, eth_src, op, sha, spa, tha, tpa):
    """An Ethernet/IPv4 ARP packet at h: Ethernet header, then the ARP fields."""
    wr_mac(data, s, h, eth_dst)
    wr_mac(data, s, h + 6, eth_src)
    wr16(data, s, h + 12, ETHERTYPE_ARP)
    wr16(data, s, h + 14, ARPHRD_ETHER)
    wr16(data, s, h + 16, ETHERTYPE_IP)
    data[s, h + 18] = 6
    data[s, h + 19] = 4
    wr16(data, s, h + 20, op)
    wr_mac(data, s, h + 22, sha)
    wr32(data, s, h + 28, spa)
    wr_mac(data, s, h + 32, tha)
    wr32(data, s, h + 38, tpa)


@njit(cache=True, _nrt=False)
def arpresponder(P, s, st):
    c, dst, mask, eth = st
    data, head, length, anno = P[0], P[1], P[2], P[3]
    h = head[s]
    if (length[s] >= ARP_LEN and rd16(data, s, h + 12) == ETHERTYPE_ARP
            and rd16(data, s, h + 14) == ARPHRD_ETHER and rd16(data, s, h + 16) == ETHERTYPE_IP
            and rd16(data, s, h + 20) == ARPOP_REQUEST):
        tpa = rd32(data, s, h + 38)
        for i in range(c[COUNT]):
            if (tpa & mask[i]) == dst[i]:
                # The reply replaces the query in its slot: Click makes a new
                # packet with only the query's device and VLAN annotations.
                sha, spa = rd_mac(data, s, h + 22), rd32(data, s, h + 28)
                me = np.int64(0)
                for j in range(6):
                    me = (me << 8) | np.int64(eth[i, j])
                wr_arp(data, s, h, sha, me, ARPOP_REPLY, me, tpa, sha, spa)
                length[s] = ARP_LEN
                dev, vlan = anno[s, A_DEV], anno[s, A_VLAN]
                for k in range(NANNO):
                    anno[s, k] = 0
                anno[s, A_NH] = -1
                anno[s, A_TH] = -1
                anno[s, A_DEV] = dev
                anno[s, A_VLAN] = vlan
                return 0
    return 1 if c[NOUT] > 1 else drop(0)


def _precedes(a, b) -> bool:
    """Whether entry a must come before b: a network inside b's, or the later of equal ones.

    Click's entry_compare says the same, except that it also puts 10.0.0.0/8
    before 10.0.0.0/24 (and the reverse): with a shared network address its
    order depends on the sort; here the narrower network always goes first.
    """
    (ia, da, ma), (ib, db, mb) = (a[0], a[1], a[2]), (b[0], b[1], b[2])
    if da == db and ma == mb:
        return ia > ib
    return (da & mb) == db and (ma & mb) == mb and ma != mb


def normalize(entries: list[tuple[int, int, bytes]]) -> list[tuple[int, int, bytes]]:
    """Click's ARPResponder::normalize: more specific networks first, later duplicates win.

    Click sorts with that comparison; here an entry goes first when none of
    the remaining ones must precede it, in argument order otherwise, which
    gives the same lookups (the first match is the longest prefix).
    """
    rest = [(i, d, m, e) for i, (d, m, e) in enumerate(entries)]
    ordered = []
    while rest:
        for x in rest:
            if not any(_precedes(y, x) for y in rest if y is not x):
                break
        rest.remove(x)
        ordered.append(x)
    out: list[tuple[int, int, bytes]] = []
    for _, d, m, e in ordered:
        if not out or out[-1][0] != d or out[-1][1] != m:
            out.append((d, m, e))
    return out


def _flatten(entries) -> list[tuple[int, int, bytes]]:
    return [(int(p.network_address), int(p.netmask), e.ether) for e in entries for p in e.prefixes]


def _store(st, table) -> None:
    c, dst, mask, eth = st
    if len(table) > dst.shape[0]:
        raise ValueError(f"ARPResponder table full: it holds {dst.shape[0]} entries "
                         "(twice the configured ones, at least 64)")
    for i, (d, m, e) in enumerate(table):
        dst[i], mask[i] = d, m
        eth[i, :] = np.frombuffer(e, dtype=np.uint8)
    c[COUNT] = len(table)


def _load(st) -> list[tuple[int, int, bytes]]:
    c, dst, mask, eth = st
    return [(int(dst[i]), int(mask[i]), eth[i].tobytes()) for i in range(int(c[COUNT]))]


def _mask_text(mask: int) -> str:
    bits = f"{mask:032b}"
    if "01" not in bits:
        return str(bits.count("1"))
    return str(ipaddress.IPv4Address(mask))


class ARPResponder(Element):
    """Generates responses to ARP queries for the configured IP networks.

    Input packets are ARP requests with their Ethernet header.  When a
    request asks for an address in one of the IP/MASK networks, the matching
    ARP reply (a new packet, with the query's device and VLAN annotations)
    leaves on output 0; other packets go to output 1, or are dropped when it
    is not connected.  Serves a host's own addresses as well as proxy ARP.
    More specific networks are answered first; a later entry for the same
    network replaces an earlier one.  The table holds twice the configured
    entries (at least 64) for `add`.
    """

    port_count = "1/1-2"
    processing = "a/ah"
    args = (Arg("ENTRY", ARPEntryArg(), positional=True, repeat=True,
                doc="IP/MASK [IP/MASK...] ETH"),)
    handlers = (
        Handler("table", doc="the table, one IP network per line"),
        Handler("lookup", doc="read with an IP address: its Ethernet address"),
        Handler("add", read=False, write=True, doc="add entries 'IP/MASK [IP/MASK...] ETH'"),
        Handler("remove", read=False, write=True, doc="remove the entry for 'IP/MASK'"),
    )
    new_packets = True
    drop_reasons = ("not an ARP request for a configured address",)
    simple_action = arpresponder

    @classmethod
    def state(cls, values, n_inputs, n_outputs):
        table = normalize(_flatten(values.get("ENTRY") or []))
        cap = max(64, 2 * len(table))
        st = (np.array([0, n_outputs], dtype=np.int64), np.zeros(cap, dtype=np.int64),
              np.zeros(cap, dtype=np.int64), np.zeros((cap, 6), dtype=np.uint8))
        _store(st, table)
        return st

    @classmethod
    def read_handler(cls, name, values, st, param=None):
        """`lookup` is Click's read-with-parameter handler: pass the IP address as param."""
        if name == "table":
            return "".join(f"{ipaddress.IPv4Address(d)}/{_mask_text(m)} {ether_unparse(e)}\n"
                           for d, m, e in _load(st))
        if name == "lookup":
            try:
                addr = int(IPAddress().parse((param or "").strip(), ParseContext()))
            except ArgError:
                raise ValueError(f"lookup: expected IP address, not {param!r}") from None
            for d, m, e in _load(st):
                if addr & m == d:
                    return ether_unparse(e)
            return ""
        raise KeyError(name)

    @classmethod
    def write_handler(cls, name, text, values, st):
        if name == "add":
            try:
                entry = ARPEntryArg().parse(text, ParseContext())
            except ArgError as e:
                raise ValueError(f"add: {e.message}" + (f" ({e.hint})" if e.hint else "")) from None
            _store(st, normalize(_load(st) + _flatten([entry])))
        elif name == "remove":
            try:
                net = parse_ip_prefix(text.strip(), ParseContext()).network
            except ArgError:
                raise ValueError(f"remove: expected IP/MASK, not {text.strip()!r}") from None
            table = _load(st)
            key = (int(net.network_address), int(net.netmask))
            for i, (d, m, _) in enumerate(table):
                if (d, m) == key:
                    del table[i]
                    _store(st, table)
                    return
            raise ValueError(f"remove: {net.network_address}/{_mask_text(key[1])} not found")
        else:
            raise KeyError(name)

    @classmethod
    def check_config(cls, values, ctx):
        seen: dict[ipaddress.IPv4Network, int] = {}
        issues = []
        for index, entry in enumerate(values.get("ENTRY") or []):
            for prefix in entry.prefixes:
                if prefix in seen and seen[prefix] != index:
                    issues.append(ArgWarning(
                        f"multiple entries for {prefix} (arguments {seen[prefix] + 1} and "
                        f"{index + 1}); Click answers with argument {index + 1}'s address",
                        None, "remove one of them"))
                seen[prefix] = index
        return issues
