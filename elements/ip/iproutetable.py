"""IPRouteTable: what Click's four IP lookup elements share (not an element itself).

The four lookups (StaticIPLookup, LinearIPLookup, RadixIPLookup,
DirectIPLookup) keep their routes in one compiled format, built at configure
time and updated in place by the add/set/remove/ctrl handlers:

- route slots: parallel arrays of prefix address, prefix length (-1: free
  slot), gateway (0: none), output port, and an insertion sequence number;
- a longest-prefix-match table in three levels, 16-8-8 bits (a DIR-16-8-8
  variant of Gupta, Lin and McKeown's DIR-24-8): 65536 first-level entries
  indexed by the top 16 address bits, then chunks of 256 entries for bits
  8-15 and for bits 0-7.  An entry >= 0 is a leaf (route slot + 1, or 0 for
  "no route"); an entry < 0 points at chunk -entry-1 of the next level.  A
  lookup is one to three array reads, whatever the number of routes;
- a hash table from (prefix, length) to slot, for the handlers: duplicate
  checks, and the covering route that takes over when a route is removed.

Sizes are fixed at configure time: room for the configured routes plus a
reserve (a quarter as many again, at least 1024 routes and 256 chunks per level)
for routes added at run time; an `add` that does not fit fails with an
error instead of allocating.  Leaves only ever name routes no longer than
their level (<= 16 bits in the first level, <= 24 in the second), and chunks
whose 256 entries become one leaf are freed, so add/remove cycles reuse the
same memory.

What differs between the four elements is Click's host-side behaviour:
which slot a new route takes (and so the order of the `table` handler),
whether `set` replaces a route in place, and the `table` text format.  The
data path is the same for all: the destination IP annotation is looked up,
set to the route's gateway when it has one, and the packet leaves on the
route's output; packets with no route are dropped.

Handlers use Click's text: `table` as each element prints it, `lookup ADDR`
(a read with a parameter, passed to read_handler as the name "lookup ADDR")
answering "PORT [GATEWAY]" or -1, and add/set/remove/ctrl with Click's
checks and messages; ctrl applies its lines atomically (Click's rollback).
"""
from __future__ import annotations

import ipaddress

import numpy as np
from numba import njit

from clickpy.args import Arg, ArgError, ArgIssue, ParseContext, split_words, strip_comments
from clickpy.argtypes.arg_warnings import ArgWarning
from clickpy.argtypes.ip_prefixes import parse_ip_address, parse_ip_prefix
from clickpy.argtypes.routes import Route, RouteArg, duplicate_routes, parse_route
from clickpy.compile import tiered
from clickpy.element import DST_IP, Element, Handler
from clickpy.kernel import drop
from clickpy.packet import A_DST_IP

# State tuple.
ST_CTL, ST_L1, ST_L2, ST_L3, ST_ADDR, ST_LEN, ST_GW, ST_PORT, ST_NEXT, ST_SEQ, ST_HASH, \
    ST_FREE2, ST_FREE3 = range(13)
# Control words.
C_SIZE, C_FREE, C_N2, C_F2, C_N3, C_F3, C_SEQ, C_NOUT, C_LIVE = range(9)
NCTL = 16
SMALL_TABLE = 256        # routes: a table this small is built by table_build's Python code

L1_BITS = 16
CHUNK = 256


# --------------------------------------------------------------------------
# Data path

@njit(cache=True, _nrt=False)
def lookup_slot(l1, l2, l3, a):
    """The route slot for address a (an unsigned 32-bit value), or -1."""
    e = np.int64(l1[a >> 16])
    if e < 0:
        e = np.int64(l2[(-e - 1) * CHUNK + ((a >> 8) & 0xFF)])
        if e < 0:
            e = np.int64(l3[(-e - 1) * CHUNK + (a & 0xFF)])
    return e - 1


@njit(cache=True, _nrt=False)
def route_packet(P, s, st):
    """IPRouteTable::push: look up DST_IP, set it to the gateway if any, emit on the port."""
    anno = P[3]
    k = lookup_slot(st[ST_L1], st[ST_L2], st[ST_L3], anno[s, A_DST_IP] & 0xFFFFFFFF)
    if k < 0:
        return drop(0)
    gw = st[ST_GW][k]
    if gw != 0:
        anno[s, A_DST_IP] = gw
    return st[ST_PORT][k]


# --------------------------------------------------------------------------
# Table maintenance (configure time and handlers; numba for speed at 10^6 routes)

@njit(cache=True, _nrt=False)
def _hash_home(addr, plen, mask):
    x = (addr ^ (plen << 5)) & 0xFFFFFFFF
    x = (((x >> 16) ^ x) * 0x45D9F3B) & 0xFFFFFFFF
    x = (((x >> 16) ^ x) * 0x45D9F3B) & 0xFFFFFFFF
    return ((x >> 16) ^ x) & mask


@njit(cache=True, _nrt=False)
def find_route(st, addr, plen):
    """The slot of the route for exactly addr/plen, or -1."""
    hs, raddr, rlen = st[ST_HASH], st[ST_ADDR], st[ST_LEN]
    mask = hs.shape[0] - 1
    i = _hash_home(addr, plen, mask)
    while True:
        k = hs[i]
        if k < 0:
            return -1
        if rlen[k] == plen and raddr[k] == addr:
            return k
        i = (i + 1) & mask


@njit(cache=True, _nrt=False)
def _hash_insert(st, k):
    hs = st[ST_HASH]
    mask = hs.shape[0] - 1
    i = _hash_home(st[ST_ADDR][k], st[ST_LEN][k], mask)
    while hs[i] >= 0:
        i = (i + 1) & mask
    hs[i] = k


@njit(cache=True, _nrt=False)
def _hash_delete(st, k):
    """Remove slot k (linear probing, backward-shift deletion: no tombstones)."""
    hs, raddr, rlen = st[ST_HASH], st[ST_ADDR], st[ST_LEN]
    mask = hs.shape[0] - 1
    i = _hash_home(raddr[k], rlen[k], mask)
    while hs[i] != k:
        i = (i + 1) & mask
    j = i
    while True:
        j = (j + 1) & mask
        other = hs[j]
        if other < 0:
            break
        h = _hash_home(raddr[other], rlen[other], mask)
        if i <= j:
            stays = i < h <= j
        else:
            stays = h > i or h <= j
        if not stays:
            hs[i] = other
            i = j
    hs[i] = -1


@njit(cache=True, _nrt=False)
def _plen(rlen, e):
    if e <= 0:
        return -1
    return rlen[e - 1]


@njit(cache=True, _nrt=False)
def _chunk_new(tbl, free, ctl, cn, cf, fill):
    if ctl[cf] > 0:
        ctl[cf] -= 1
        c = free[ctl[cf]]
    else:
        c = ctl[cn]
        ctl[cn] += 1
    base = c * CHUNK
    for k in range(CHUNK):
        tbl[base + k] = fill
    return c


@njit(cache=True, _nrt=False)
def _chunk_free(free, ctl, cf, c):
    free[ctl[cf]] = c
    ctl[cf] += 1


@njit(cache=True, _nrt=False)
def _chunk_leaf(tbl, c):
    """The leaf filling all of chunk c, or -1 when its entries differ."""
    base = c * CHUNK
    v = tbl[base]
    if v < 0:
        return -1
    for k in range(1, CHUNK):
        if tbl[base + k] != v:
            return -1
    return v


@njit(cache=True, _nrt=False)
def chunks_needed(st, addr, plen):
    """(second-level, third-level) chunks adding addr/plen would allocate."""
    if plen <= 16:
        return 0, 0
    e = st[ST_L1][addr >> 16]
    n2 = 1 if e >= 0 else 0
    n3 = 0
    if plen > 24:
        if e >= 0:
            n3 = 1
        elif st[ST_L2][(-e - 1) * CHUNK + ((addr >> 8) & 0xFF)] >= 0:
            n3 = 1
    return n2, n3


@njit(cache=True, _nrt=False)
def chunks_free(st):
    """(second-level, third-level) chunks still available."""
    ctl = st[ST_CTL]
    cap2 = st[ST_L2].shape[0] // CHUNK
    cap3 = st[ST_L3].shape[0] // CHUNK
    return cap2 - ctl[C_N2] + ctl[C_F2], cap3 - ctl[C_N3] + ctl[C_F3]


@njit(cache=True, _nrt=False)
def _add_l3(l3, rlen, c, lo, hi, plen, leaf):
    base = c * CHUNK
    for k in range(lo, hi):
        if _plen(rlen, l3[base + k]) < plen:
            l3[base + k] = leaf


@njit(cache=True, _nrt=False)
def _add_l2(l2, l3, rlen, c, lo, hi, plen, leaf):
    base = c * CHUNK
    for j in range(lo, hi):
        e = l2[base + j]
        if e < 0:
            _add_l3(l3, rlen, -e - 1, 0, CHUNK, plen, leaf)
        elif _plen(rlen, e) < plen:
            l2[base + j] = leaf


@njit(cache=True, _nrt=False)
def table_add(st, k):
    """Paint route slot k into the lookup table (chunks must be available)."""
    ctl, l1, l2, l3, rlen = st[ST_CTL], st[ST_L1], st[ST_L2], st[ST_L3], st[ST_LEN]
    addr = st[ST_ADDR][k]
    plen = rlen[k]
    leaf = k + 1
    i = addr >> 16
    if plen <= 16:
        for x in range(i, i + (1 << (16 - plen))):
            e = l1[x]
            if e < 0:
                _add_l2(l2, l3, rlen, -e - 1, 0, CHUNK, plen, leaf)
            elif _plen(rlen, e) < plen:
                l1[x] = leaf
        return
    e = l1[i]
    if e >= 0:
        l1[i] = -1 - _chunk_new(l2, st[ST_FREE2], ctl, C_N2, C_F2, e)
    c2 = -l1[i] - 1
    j = (addr >> 8) & 0xFF
    if plen <= 24:
        _add_l2(l2, l3, rlen, c2, j, j + (1 << (24 - plen)), plen, leaf)
        return
    e2 = l2[c2 * CHUNK + j]
    if e2 >= 0:
        l2[c2 * CHUNK + j] = -1 - _chunk_new(l3, st[ST_FREE3], ctl, C_N3, C_F3, e2)
    c3 = -l2[c2 * CHUNK + j] - 1
    lo = addr & 0xFF
    _add_l3(l3, rlen, c3, lo, lo + (1 << (32 - plen)), plen, leaf)


@njit(cache=True, _nrt=False)
def _rep_l3(l3, c, lo, hi, old, new):
    base = c * CHUNK
    for k in range(lo, hi):
        if l3[base + k] == old:
            l3[base + k] = new


@njit(cache=True, _nrt=False)
def _rep_l2(st, c, lo, hi, old, new):
    l2, l3, ctl = st[ST_L2], st[ST_L3], st[ST_CTL]
    base = c * CHUNK
    for j in range(lo, hi):
        e = l2[base + j]
        if e < 0:
            c3 = -e - 1
            _rep_l3(l3, c3, 0, CHUNK, old, new)
            u = _chunk_leaf(l3, c3)
            if u >= 0:
                l2[base + j] = u
                _chunk_free(st[ST_FREE3], ctl, C_F3, c3)
        elif e == old:
            l2[base + j] = new


@njit(cache=True, _nrt=False)
def _collapse_l2(st, i):
    l1 = st[ST_L1]
    e = l1[i]
    if e < 0:
        u = _chunk_leaf(st[ST_L2], -e - 1)
        if u >= 0:
            l1[i] = u
            _chunk_free(st[ST_FREE2], st[ST_CTL], C_F2, -e - 1)


@njit(cache=True, _nrt=False)
def table_replace(st, addr, plen, old, new):
    """Within addr/plen, turn leaves `old` into `new`; free chunks left uniform."""
    l1, l2, l3 = st[ST_L1], st[ST_L2], st[ST_L3]
    i = addr >> 16
    if plen <= 16:
        for x in range(i, i + (1 << (16 - plen))):
            e = l1[x]
            if e < 0:
                _rep_l2(st, -e - 1, 0, CHUNK, old, new)
                _collapse_l2(st, x)
            elif e == old:
                l1[x] = new
        return
    e = l1[i]
    if e >= 0:
        return
    c2 = -e - 1
    j = (addr >> 8) & 0xFF
    if plen <= 24:
        _rep_l2(st, c2, j, j + (1 << (24 - plen)), old, new)
    else:
        e2 = l2[c2 * CHUNK + j]
        if e2 < 0:
            c3 = -e2 - 1
            lo = addr & 0xFF
            _rep_l3(l3, c3, lo, lo + (1 << (32 - plen)), old, new)
            u = _chunk_leaf(l3, c3)
            if u >= 0:
                l2[c2 * CHUNK + j] = u
                _chunk_free(st[ST_FREE3], st[ST_CTL], C_F3, c3)
    _collapse_l2(st, i)


@njit(cache=True, _nrt=False)
def covering_route(st, addr, plen):
    """The slot of the longest route strictly containing addr/plen, or -1."""
    for p in range(plen - 1, -1, -1):
        m = (0xFFFFFFFF << (32 - p)) & 0xFFFFFFFF
        k = find_route(st, addr & m, p)
        if k >= 0:
            return k
    return -1


@njit(cache=True, _nrt=False)
def table_remove(st, k):
    """Take route slot k out of the table and the hash; its leaves go to the covering route."""
    addr, plen = st[ST_ADDR][k], st[ST_LEN][k]
    _hash_delete(st, k)
    parent = covering_route(st, addr, plen)
    table_replace(st, addr, plen, k + 1, parent + 1)
    st[ST_LEN][k] = -1


@njit(cache=True, _nrt=False)
def table_build(st, order):
    """Hash and paint the slots in `order` (shortest prefixes first)."""
    for k in order:
        _hash_insert(st, k)
    for k in order:
        table_add(st, k)


# --------------------------------------------------------------------------
# Host side

EEXIST, ENOENT, ENOMEM = 17, 2, 12


def _mask(plen: int) -> int:
    return (0xFFFFFFFF << (32 - plen)) & 0xFFFFFFFF


def _direct_hash(prefix: int, plen: int) -> int:
    """DirectIPLookup's prefix_hash (uint32 arithmetic; x86 shift by plen & 31)."""
    m = 0xFFFFFFFF
    h = (prefix ^ (plen << 5) ^ (((prefix >> (plen >> 2)) - plen) & m)) & m
    h ^= (h >> 23) ^ (((h >> 15) * plen) & m) ^ (((prefix >> 17) * 53) & m)
    h &= m
    h = (h - ((prefix >> 3) ^ (((h >> (plen & 31)) * 7) & m) ^ (((h >> 11) * 103) & m))) & m
    return (h ^ (h >> 17)) & 0xFFFF


def _unparse_tabs(route: Route) -> str:
    """IPRoute::unparse with tabs (RadixIPLookup's and DirectIPLookup's table)."""
    text = f"{route.prefix}\t"
    if len(text) < 17:
        text += "\t"
    gw = f"{route.gateway or '-'}\t"
    if len(gw) < 9:
        gw += "\t"
    return text + gw + str(route.port)


def _route_matches(wanted: Route, port: int, found: Route) -> bool:
    """IPRoute::match: a remove request with OUTPUT must name the gateway and output too."""
    return port < 0 or (wanted.gateway == found.gateway and wanted.port == found.port)


class IPRouteTable(Element, abstract=True):
    """IP routing table superclass: routes as arguments, longest-prefix match on DST_IP.

    Each argument is a route `ADDR/MASK [GATEWAY] OUTPUT`.  A packet's
    destination IP annotation is looked up; the annotation becomes the
    route's GATEWAY when it has one, and the packet leaves on OUTPUT.
    Packets without a route are dropped.  The element needs one output more
    than its highest route OUTPUT.
    """

    port_count = "1/-"
    processing = "h/h"
    args = (Arg("ROUTE", RouteArg(), positional=True, repeat=True,
                doc="ADDR/MASK [GATEWAY] OUTPUT"),)
    handlers = (
        Handler("table", doc="the routing table, one route per line"),
        Handler("lookup", doc="read `lookup ADDR`: the OUTPUT port and GATEWAY for ADDR"),
        Handler("add", read=False, write=True,
                doc="add a route ADDR/MASK [GW] OUT; fails if the prefix has one"),
        Handler("set", read=False, write=True, doc="add or replace a route"),
        Handler("remove", read=False, write=True, doc="remove the route for ADDR/MASK"),
        Handler("ctrl", read=False, write=True,
                doc="lines of add/set/remove commands, applied atomically"),
    )
    requires = {DST_IP: (0,)}
    sets = {DST_IP: None}
    drop_reasons = ("no route",)

    # Click's host-side differences between the lookup elements.
    slot_policy = "first_free"     # LinearIPLookup: a new route takes the first free slot;
    #                                "lifo": the last freed one (RadixIPLookup, DirectIPLookup)
    set_in_place = True            # `set` of an existing prefix keeps its slot (not Radix)
    table_format = "spaces"        # "spaces", "tabs" (slot order) or "direct" (hash order)
    reserve_routes = True          # room for routes added at run time

    @classmethod
    def check_config(cls, values, ctx):
        routes = values.get("ROUTE") or []
        issues = []
        for later, first in duplicate_routes(routes):
            issues.append(ArgWarning(
                f"argument {later + 1}: route {routes[later]} repeats the prefix of argument "
                f"{first + 1} ({routes[first]}); Click keeps argument {first + 1}",
                None, "remove one of the two routes"))
        return issues

    @classmethod
    def check_ports(cls, values, n_inputs, n_outputs):
        return [ArgIssue(f"route {r} sends packets to output {r.port}, but only "
                         f"{n_outputs} output{'s are' if n_outputs != 1 else ' is'} connected",
                         None, f"connect output {r.port}, or fix the route")
                for r in values.get("ROUTE") or [] if r.port >= n_outputs]

    @classmethod
    def highest_route_port(cls, values) -> int | None:
        """The largest OUTPUT any route names (the element needs that many + 1 outputs)."""
        routes = values.get("ROUTE") or []
        return max((r.port for r in routes), default=None)

    # ---- state ---------------------------------------------------------------
    @classmethod
    def state(cls, values, n_inputs, n_outputs):
        given = values.get("ROUTE") or ()
        addr = np.fromiter((int(r.prefix.network_address) for r in given), np.int64, len(given))
        plen = np.fromiter((r.prefix.prefixlen for r in given), np.int64, len(given))
        # Click keeps the first route of a prefix (later ones fail with EEXIST)
        keep = np.sort(np.unique(addr * 64 + plen, return_index=True)[1])
        routes = [given[i] for i in keep]
        addr, plen = addr[keep], plen[keep]
        n = len(routes)
        n2 = len(np.unique(addr[plen > 16] >> 16))
        n3 = len(np.unique(addr[plen > 24] >> 8))
        if cls.reserve_routes:
            cap_r = n + max(1024, n // 4)
            cap2 = min(n2 + max(256, n2 // 4), 1 << 16)
            cap3 = n3 + max(256, n3 // 4)
        else:
            cap_r, cap2, cap3 = max(n, 1), max(n2, 1), max(n3, 1)
        cap_h = 16
        while cap_h < 2 * cap_r:
            cap_h *= 2
        ctl = np.zeros(NCTL, dtype=np.int64)
        ctl[C_SIZE], ctl[C_FREE], ctl[C_NOUT], ctl[C_LIVE], ctl[C_SEQ] = n, -1, n_outputs, n, n
        st = (ctl,
              np.zeros(1 << L1_BITS, dtype=np.int32),
              np.zeros(cap2 * CHUNK, dtype=np.int32),
              np.zeros(cap3 * CHUNK, dtype=np.int32),
              np.zeros(cap_r, dtype=np.int64),
              np.full(cap_r, -1, dtype=np.int64),
              np.zeros(cap_r, dtype=np.int64),
              np.zeros(cap_r, dtype=np.int64),
              np.full(cap_r, -1, dtype=np.int64),
              np.zeros(cap_r, dtype=np.int64),
              np.full(cap_h, -1, dtype=np.int32),
              np.zeros(cap2, dtype=np.int32),
              np.zeros(cap3, dtype=np.int32))
        st[ST_ADDR][:n] = addr
        st[ST_LEN][:n] = plen
        st[ST_GW][:n] = np.fromiter((int(r.gateway or 0) for r in routes), np.int64, n)
        st[ST_PORT][:n] = np.fromiter((r.port for r in routes), np.int64, n)
        st[ST_SEQ][:n] = np.where(plen == 0, -1, np.arange(n))
        order = np.argsort(plen, kind="stable").astype(np.int64)
        tiered.call(table_build, n <= SMALL_TABLE, st, order)   # a few routes: 50-80 ms as Python
        return st

    # ---- routes, host side -----------------------------------------------------
    @staticmethod
    def _route_at(st, k: int) -> Route:
        net = ipaddress.IPv4Network((int(st[ST_ADDR][k]), int(st[ST_LEN][k])))
        gw = int(st[ST_GW][k])
        return Route(net, ipaddress.IPv4Address(gw) if gw else None, int(st[ST_PORT][k]))

    @classmethod
    def routes(cls, st) -> list[Route]:
        """The live routes, in slot order."""
        return [cls._route_at(st, k) for k in range(int(st[ST_CTL][C_SIZE])) if st[ST_LEN][k] >= 0]

    @classmethod
    def _alloc_slot(cls, st) -> int:
        ctl, rlen = st[ST_CTL], st[ST_LEN]
        size = int(ctl[C_SIZE])
        if cls.slot_policy == "lifo" and ctl[C_FREE] >= 0:
            k = int(ctl[C_FREE])
            ctl[C_FREE] = st[ST_NEXT][k]
            return k
        if cls.slot_policy == "first_free":
            free = np.flatnonzero(rlen[:size] < 0)
            if len(free):
                return int(free[0])
        if size >= rlen.shape[0]:
            return -1
        ctl[C_SIZE] = size + 1
        return size

    @classmethod
    def _slot_available(cls, st) -> bool:
        ctl = st[ST_CTL]
        if cls.slot_policy == "lifo" and ctl[C_FREE] >= 0:
            return True
        size = int(ctl[C_SIZE])
        return size < st[ST_LEN].shape[0] or bool((st[ST_LEN][:size] < 0).any())

    @classmethod
    def _free_slot(cls, st, k: int) -> None:
        st[ST_LEN][k] = -1
        if cls.slot_policy == "lifo":
            st[ST_NEXT][k] = st[ST_CTL][C_FREE]
            st[ST_CTL][C_FREE] = k

    @classmethod
    def _store(cls, st, k: int, route: Route, seq: int) -> None:
        st[ST_ADDR][k] = int(route.prefix.network_address)
        st[ST_LEN][k] = route.prefix.prefixlen
        st[ST_GW][k] = int(route.gateway or 0)
        st[ST_PORT][k] = route.port
        st[ST_SEQ][k] = seq

    @classmethod
    def _next_seq(cls, st, route: Route) -> int:
        if route.prefix.prefixlen == 0:
            return -1          # DirectIPLookup's default route lives in _rtable[0]
        seq = int(st[ST_CTL][C_SEQ])
        st[ST_CTL][C_SEQ] = seq + 1
        return seq

    @classmethod
    def add_route(cls, st, route: Route, allow_replace: bool) -> tuple[int, Route | None]:
        """Click's add_route: (0 or -errno, the route replaced or in the way)."""
        addr, plen = int(route.prefix.network_address), route.prefix.prefixlen
        e = int(find_route(st, addr, plen))
        if e >= 0:
            old = cls._route_at(st, e)
            if not allow_replace:
                return -EEXIST, old
            if cls.set_in_place:
                st[ST_GW][e] = int(route.gateway or 0)
                st[ST_PORT][e] = route.port
                return 0, old
            k = cls._alloc_slot(st)                 # RadixIPLookup: a new slot, the old one freed
            if k < 0:
                return -ENOMEM, old
            cls._store(st, k, route, cls._next_seq(st, route))
            _hash_delete(st, e)
            _hash_insert(st, k)
            table_replace(st, addr, plen, e + 1, k + 1)
            cls._free_slot(st, e)
            return 0, old
        need2, need3 = chunks_needed(st, addr, plen)
        have2, have3 = chunks_free(st)
        if need2 > have2 or need3 > have3 or not cls._slot_available(st):
            return -ENOMEM, None
        k = cls._alloc_slot(st)
        cls._store(st, k, route, cls._next_seq(st, route))
        _hash_insert(st, k)
        table_add(st, k)
        st[ST_CTL][C_LIVE] += 1
        return 0, None

    @classmethod
    def remove_route(cls, st, route: Route, port: int) -> tuple[int, Route | None]:
        """Click's remove_route; port < 0 removes whatever route the prefix has."""
        e = int(find_route(st, int(route.prefix.network_address), route.prefix.prefixlen))
        if e < 0:
            return -ENOENT, None
        old = cls._route_at(st, e)
        if not _route_matches(route, port, old):
            return -ENOENT, old
        table_remove(st, e)
        cls._free_slot(st, e)
        st[ST_CTL][C_LIVE] -= 1
        return 0, old

    @classmethod
    def flush(cls, st) -> None:
        """Remove every route at once (RadixIPLookup's and DirectIPLookup's flush)."""
        ctl = st[ST_CTL]
        for w in (C_SIZE, C_N2, C_F2, C_N3, C_F3, C_SEQ, C_LIVE):
            ctl[w] = 0
        ctl[C_FREE] = -1
        st[ST_L1][:] = 0
        st[ST_LEN][:] = -1
        st[ST_HASH][:] = -1

    @classmethod
    def lookup(cls, st, addr: int) -> tuple[int, int]:
        """(output port or -1, gateway or 0) for an address."""
        k = int(lookup_slot(st[ST_L1], st[ST_L2], st[ST_L3], addr & 0xFFFFFFFF))
        if k < 0:
            return -1, 0
        return int(st[ST_PORT][k]), int(st[ST_GW][k])

    # ---- handlers ----------------------------------------------------------
    @classmethod
    def _table_text(cls, st) -> str:
        live = [k for k in range(int(st[ST_CTL][C_SIZE])) if st[ST_LEN][k] >= 0]
        if cls.table_format == "spaces":
            return "".join(f"{cls._route_at(st, k)}\n" for k in live)
        if cls.table_format == "direct":
            live.sort(key=lambda k: (_direct_hash(int(st[ST_ADDR][k]), int(st[ST_LEN][k])),
                                     -int(st[ST_SEQ][k])))
        return "".join(_unparse_tabs(cls._route_at(st, k)) + "\n" for k in live)

    @classmethod
    def read_handler(cls, name, values, st):
        """`table`, or `lookup ADDR` (Click's read handler with a parameter)."""
        words = name.split(None, 1)
        if words and words[0] == "lookup" and any(h.name == "lookup" for h in cls.handlers):
            text = strip_comments(words[1]).strip() if len(words) > 1 else ""
            try:
                addr = parse_ip_address(text, ParseContext())
            except ArgError:
                raise ValueError(f"lookup: expected IP address, not {text!r}") from None
            port, gw = cls.lookup(st, int(addr))
            return f"{port} {ipaddress.IPv4Address(gw)}" if gw else str(port)
        if name == "table":
            return cls._table_text(st)
        raise KeyError(name)

    @classmethod
    def _parse(cls, st, command: str, text: str) -> tuple[Route, int]:
        """cp_ip_route, then the output check: (route, port; -1: any, for remove)."""
        nout = int(st[ST_CTL][C_NOUT])
        if command == "remove":
            route, port = cls._parse_remove(text)
        else:
            try:
                route = parse_route(text, ParseContext())
            except ArgError as e:
                raise ValueError(f"{command}: expected 'ADDR/MASK [GATEWAY] OUTPUT': {e.message}") \
                    from None
            port = route.port
        if port >= nout:
            raise ValueError(f"{command}: bad OUTPUT {port} (the element has {nout} output"
                             f"{'s' if nout != 1 else ''})")
        return route, port

    @staticmethod
    def _parse_remove(text: str) -> tuple[Route, int]:
        """`ADDR/MASK [GATEWAY] [OUTPUT]`: without OUTPUT any route of the prefix goes."""
        usage = "remove: expected 'ADDR/MASK [GATEWAY OUTPUT]'"
        words = split_words(text.strip())
        if not words or len(words) > 3:
            raise ValueError(usage)
        try:
            prefix = parse_ip_prefix(words[0], ParseContext()).network
        except ArgError as e:
            raise ValueError(f"{usage}: {e.message}") from None
        rest, gateway, port = words[1:], None, -1
        if rest and rest[0] == "-":
            rest = rest[1:]
        elif rest and "." in rest[0]:
            try:
                gateway = parse_ip_address(rest[0], ParseContext())
            except ArgError:
                raise ValueError(f"{usage}: bad GATEWAY {rest[0]!r}") from None
            gateway = gateway if int(gateway) else None
            rest = rest[1:]
        if len(rest) > 1:
            raise ValueError(usage)
        if rest:
            try:
                port = int(rest[0], 0)
            except ValueError:
                raise ValueError(f"{usage}: bad OUTPUT {rest[0]!r}") from None
            if port < -1:
                raise ValueError(f"remove: bad OUTPUT {port}")
        return Route(prefix, gateway, max(port, 0)), port

    @classmethod
    def _run(cls, st, command: str, text: str, undo: list | None) -> None:
        """IPRouteTable::run_command; raises ValueError with Click's message on failure."""
        route, port = cls._parse(st, command, text)
        if command == "remove":
            r, old = cls.remove_route(st, route, port)
        else:
            r, old = cls.add_route(st, route, command == "set")
        if r == -EEXIST:
            raise ValueError(f"{command}: conflict with existing route '{old}'")
        if r == -ENOENT:
            shown = Route(route.prefix, route.gateway, port) if port >= 0 else None
            what = shown if shown else f"{route.prefix} {route.gateway or '-'} -1"
            raise ValueError(f"{command}: route '{what}' not found")
        if r == -ENOMEM:
            raise ValueError(f"{command}: no memory to store route '{route}': the table is full "
                             f"(room for {st[ST_LEN].shape[0]} routes was reserved at configure "
                             "time)")
        if undo is not None:
            if old is None:
                undo.append(("add", route))
            else:
                undo.append((command, old))

    @classmethod
    def _rollback(cls, st, undo: list) -> None:
        for command, route in reversed(undo):
            if command == "remove":
                cls.add_route(st, route, False)
            elif command == "add":
                cls.remove_route(st, route, route.port)
            else:
                cls.add_route(st, route, True)

    @classmethod
    def write_handler(cls, name, text, values, st):
        if not any(h.name == name and h.write for h in cls.handlers):
            raise KeyError(name)
        if name == "flush":
            cls.flush(st)
        elif name in ("add", "set", "remove"):
            cls._run(st, name, strip_comments(text), None)
        elif name == "ctrl":
            undo: list = []
            try:
                for line in strip_comments(text).split("\n"):
                    words = line.split(None, 1)
                    if not words:
                        continue
                    if words[0] not in ("add", "set", "remove"):
                        raise ValueError(f"ctrl: bad command '{words[0]}'")
                    cls._run(st, words[0], words[1] if len(words) > 1 else "", undo)
            except ValueError:
                cls._rollback(st, undo)
                raise
        else:
            raise KeyError(name)
