"""Element functions for the pure-Python baselines: Click's elements, written plainly.

Each maker returns `fn(pkt) -> port` (see graph.py).  They do the real work
(parse, check, TTL and checksums, lookups, rewrites, encapsulation) the way a
Python programmer would, with struct and int arithmetic on bytearrays.
Error branches the benchmark traffic never takes (ICMP errors, IP options,
fragmentation) send the packet to a port the graph counts, without building
the error packet.
"""
from __future__ import annotations

import ipaddress
import struct
from collections import deque

_H = struct.Struct("!H")
_I = struct.Struct("!I")


def ip_int(text: str) -> int:
    return int(ipaddress.IPv4Address(text))


def mac_bytes(text: str) -> bytes:
    return bytes(int(x, 16) for x in text.split(":"))


def csum_fold(s: int) -> int:
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return s


def csum_update(c: int, old: int, new: int) -> int:
    """RFC 1624 incremental update of checksum c when a 16-bit word goes old -> new."""
    return ~csum_fold((~c & 0xFFFF) + (~old & 0xFFFF) + new) & 0xFFFF


# ---- standard ------------------------------------------------------------------------------

def classifier(*patterns):
    """patterns: each a list of (offset, bytes) that must all match, or None for `-`."""
    pats = [[(o, bytes(v), len(v)) for o, v in p] if p is not None else [] for p in patterns]

    def fn(p):
        d, off = p.data, p.off
        for port, pat in enumerate(pats):
            for o, v, n in pat:
                if d[off + o:off + o + n] != v:
                    break
            else:
                return port
        return -1
    return fn


def strip(n: int):
    def fn(p):
        p.off += n
        return 0
    return fn


def paint(color: int):
    def fn(p):
        p.paint = color
        return 0
    return fn


def check_paint(color: int):
    return lambda p: 0 if p.paint == color else -1


def paint_tee(color: int):
    return lambda p: (0, 1) if p.paint == color else 0


def tee(n: int):
    ports = tuple(range(n))
    return lambda p: ports


def passthrough(p):
    return 0


def drop(p):
    return -1


class Counter:
    def __init__(self):
        self.count = 0

    def __call__(self, p):
        self.count += 1
        return 0


# ---- IP ------------------------------------------------------------------------------------

def check_ip_header(bad_src=(), offset: int = 0):
    """CheckIPHeader: version, header length, total length, checksum, source address."""
    bad = set(bad_src) | {0, 0xFFFFFFFF}

    def fn(p):
        d = p.data
        ip = p.off + offset
        n = len(d) - ip
        if n < 20:
            return -1
        vhl = d[ip]
        hl = (vhl & 15) << 2
        if vhl >> 4 != 4 or hl < 20 or hl > n:
            return -1
        tot = (d[ip + 2] << 8) | d[ip + 3]
        if tot < hl or tot > n:
            return -1
        s = sum(struct.unpack_from(f"!{hl >> 1}H", d, ip))
        if csum_fold(s) != 0xFFFF:
            return -1
        if _I.unpack_from(d, ip + 12)[0] in bad:
            return -1
        if tot < n:
            del d[ip + tot:]            # trim link-layer padding, as Click does
        p.nh = ip
        p.dst = _I.unpack_from(d, ip + 16)[0]
        return 0
    return fn


def get_ip_address(offset: int):
    def fn(p):
        p.dst = _I.unpack_from(p.data, p.off + offset)[0]
        return 0
    return fn


def ip_lookup(routes):
    """Longest-prefix match over (prefix, gateway or None, port), as StaticIPLookup."""
    table = []
    for prefix, gw, port in routes:
        net = ipaddress.IPv4Network(prefix)
        table.append((net.prefixlen, int(net.network_address), int(net.netmask),
                      ip_int(gw) if gw else 0, port))
    table.sort(key=lambda r: -r[0])

    def fn(p):
        a = p.dst
        for _, net, mask, gw, port in table:
            if a & mask == net:
                if gw:
                    p.dst = gw
                return port
        return -1
    return fn


def dec_ip_ttl(p):
    d, ip = p.data, p.nh
    ttl = d[ip + 8]
    if ttl <= 1:
        return 1
    d[ip + 8] = ttl - 1
    c = _H.unpack_from(d, ip + 10)[0]
    _H.pack_into(d, ip + 10, csum_update(c, ttl << 8 | d[ip + 9], (ttl - 1) << 8 | d[ip + 9]))
    return 0


def ip_gw_options(p):
    """No options: through.  Options go to the error port (not parsed here)."""
    return 0 if p.data[p.nh] == 0x45 else 1


def ip_fragmenter(mtu: int):
    def fn(p):
        d, ip = p.data, p.nh
        return 0 if ((d[ip + 2] << 8) | d[ip + 3]) <= mtu else 1
    return fn


def ip_filter(rules):
    """rules: (action, proto or 0, src (net, mask) or None, dst (net, mask) or None, dport or None)."""
    def fn(p):
        d, ip = p.data, p.nh
        proto = d[ip + 9]
        src, dst = struct.unpack_from("!II", d, ip + 12)
        l4 = ip + ((d[ip] & 15) << 2)
        dport = (d[l4 + 2] << 8) | d[l4 + 3] if proto in (6, 17) else -1
        for allow, rproto, rsrc, rdst, rdport in rules:
            if rproto and proto != rproto:
                continue
            if rsrc and src & rsrc[1] != rsrc[0]:
                continue
            if rdst and dst & rdst[1] != rdst[0]:
                continue
            if rdport is not None and dport != rdport:
                continue
            return 0 if allow else -1
        return -1
    return fn


def ip_classifier(tests):
    """tests: functions (proto, src, dst) -> bool, one per output, or None for `-`."""
    def fn(p):
        d, ip = p.data, p.nh
        proto = d[ip + 9]
        src, dst = struct.unpack_from("!II", d, ip + 12)
        for port, t in enumerate(tests):
            if t is None or t(proto, src, dst):
                return port
        return -1
    return fn


class AggregateIPFlows:
    """Numbers each TCP/UDP flow (both directions one flow); others go to output 1."""

    def __init__(self):
        self.flows: dict = {}

    def __call__(self, p):
        d, ip = p.data, p.nh
        proto = d[ip + 9]
        if proto not in (6, 17) or _H.unpack_from(d, ip + 6)[0] & 0x3FFF:
            return 1
        src, dst = struct.unpack_from("!II", d, ip + 12)
        l4 = ip + ((d[ip] & 15) << 2)
        sp, dp = struct.unpack_from("!HH", d, l4)
        key = (proto, src, sp, dst, dp) if (src, sp) <= (dst, dp) else (proto, dst, dp, src, sp)
        agg = self.flows.get(key)
        if agg is None:
            agg = self.flows[key] = len(self.flows) + 1
        p.agg = agg
        return 0


# ---- Ethernet and ARP ----------------------------------------------------------------------

def ether_encap(ethertype: int, src: str, dst: str):
    head = mac_bytes(dst) + mac_bytes(src) + _H.pack(ethertype)

    def fn(p):
        p.off -= 14
        p.data[p.off:p.off + 14] = head
        return 0
    return fn


def arp_responder(ip: str, mac: str):
    """Answers ARP queries for `ip` in place."""
    want, me = _I.pack(ip_int(ip)), mac_bytes(mac)

    def fn(p):
        d, o = p.data, p.off
        if d[o + 38:o + 42] != want:
            return -1
        sha, spa = bytes(d[o + 22:o + 28]), bytes(d[o + 28:o + 32])
        d[o:o + 6] = sha
        d[o + 6:o + 12] = me
        d[o + 21] = 2
        d[o + 22:o + 28] = me
        d[o + 28:o + 32] = want
        d[o + 32:o + 38] = sha
        d[o + 38:o + 42] = spa
        return 0
    return fn


class ARPQuerier:
    """IP packets in (`ip_in`): Ethernet header for the destination annotation's MAC.
    An unknown next hop holds the packet and sends one ARP query (Click's
    ARPQuerier; no re-polling).  ARP replies in (`arp_in`): learned, the held
    packets sent, the reply consumed.  `attach` names the graph and element
    whose output 0 queries and released packets leave by."""

    def __init__(self, ip: str, mac: str, capacity: int = 2048):
        self.me, self.my_ip = mac_bytes(mac), _I.pack(ip_int(ip))
        self.table: dict[int, bytes] = {}
        self.held: dict[int, list] = {}
        self.capacity, self.n_held = capacity, 0
        self.graph = self.name = None

    def attach(self, graph, name: str) -> None:
        self.graph, self.name = graph, name

    def _out(self, p) -> None:
        target = self.graph.next[self.name][0]
        if target is not None:
            self.graph.push(target, p)

    def ip_in(self, p):
        eth = self.table.get(p.dst)
        if eth is not None:
            p.off -= 14
            p.data[p.off:p.off + 14] = eth
            return 0
        waiting = self.held.get(p.dst)
        if self.n_held >= self.capacity:
            return -1
        self.n_held += 1
        if waiting is not None:
            waiting.append(p)
            return -1
        self.held[p.dst] = [p]
        q = bytearray(b"\xff" * 6 + self.me + b"\x08\x06\x00\x01\x08\x00\x06\x04\x00\x01" +
                      self.me + self.my_ip + bytes(6) + _I.pack(p.dst) + bytes(18))
        from perf.baselines.pure_python.graph import Pkt
        self._out(Pkt(q))
        return -1

    def arp_in(self, p):
        d, o = p.data, p.off
        if d[o + 20:o + 22] == b"\x00\x02":
            ip = _I.unpack_from(d, o + 28)[0]
            eth = self.table[ip] = bytes(d[o + 22:o + 28]) + self.me + b"\x08\x00"
            for q in self.held.pop(ip, ()):
                self.n_held -= 1
                q.off -= 14
                q.data[q.off:q.off + 14] = eth
                self._out(q)
        return -1


class EtherSwitch:
    """Learning bridge: `port_in(k)` is the function for input k."""

    def __init__(self, nports: int):
        self.where: dict[bytes, int] = {}
        self.nports = nports

    def port_in(self, k: int):
        others = tuple(i for i in range(self.nports) if i != k)

        def fn(p):
            d, o = p.data, p.off
            src = bytes(d[o + 6:o + 12])
            if not src[0] & 1:
                self.where[src] = k
            out = self.where.get(bytes(d[o:o + 6]))
            if out is None:
                return others if len(others) > 1 else others[0]
            return -1 if out == k else out
        return fn


# ---- rewriting -----------------------------------------------------------------------------

class IPRewriter:
    """A flow table of 5-tuples, both directions (Click's IPRewriter, TCP and UDP only).

    `make(key, n)` returns the rewritten forward 5-tuple for a new flow on
    input n, or None (drop).  Each input's function is `input(n)`.
    """

    def __init__(self, make, timeout: float = 300.0):
        self.make = make
        self.map: dict[tuple, tuple] = {}    # key -> (new 5-tuple, output, expiry)
        self.timeout = timeout
        self.now = 0.0

    def input(self, n: int):
        def fn(p):
            d, ip = p.data, p.nh
            proto = d[ip + 9]
            if proto not in (6, 17):
                return -1
            l4 = ip + ((d[ip] & 15) << 2)
            src, dst = struct.unpack_from("!II", d, ip + 12)
            sp, dp = struct.unpack_from("!HH", d, l4)
            key = (proto, src, sp, dst, dp)
            m = self.map.get(key)
            if m is None:
                if n:                   # inputs after the first: spec `drop`
                    return -1
                new = self.make(key, n)
                if new is None:
                    return -1
                exp = self.now + self.timeout
                rev = (proto, new[3], new[4], new[1], new[2])
                self.map[key] = m = (new, 0, exp)
                self.map[rev] = ((proto, dst, dp, src, sp), 1, exp)
            new, out, _ = m
            _rewrite(d, ip, l4, proto, src, sp, dst, dp, new)
            p.dst = new[3]
            return out
        return fn


def _rewrite(d, ip, l4, proto, src, sp, dst, dp, new):
    _, nsrc, nsp, ndst, ndp = new
    if (nsrc, nsp, ndst, ndp) == (src, sp, dst, dp):
        return
    words = [(src >> 16, nsrc >> 16), (src & 0xFFFF, nsrc & 0xFFFF),
             (dst >> 16, ndst >> 16), (dst & 0xFFFF, ndst & 0xFFFF)]
    c = _H.unpack_from(d, ip + 10)[0]
    for old, nw in words:
        c = csum_update(c, old, nw)
    _H.pack_into(d, ip + 10, c)
    struct.pack_into("!II", d, ip + 12, nsrc, ndst)
    struct.pack_into("!HH", d, l4, nsp, ndp)
    at = l4 + (16 if proto == 6 else 6)
    c = _H.unpack_from(d, at)[0]
    if proto == 17 and c == 0:
        return                          # UDP without checksum stays without
    for old, nw in words + [(sp, nsp), (dp, ndp)]:
        c = csum_update(c, old, nw)
    if proto == 17 and c == 0:
        c = 0xFFFF
    _H.pack_into(d, at, c)


def napt_pattern(saddr: str, lo: int, hi: int, rewriter_of):
    """`SADDR LO-HI - - 0 1`: new source address, the packet's own port if free, else the next."""
    a = ip_int(saddr)
    state = {"next": lo}

    def make(key, n):
        rw = rewriter_of()
        proto, src, sp, dst, dp = key
        if lo <= sp <= hi and (proto, dst, dp, a, sp) not in rw.map:
            return (proto, a, sp, dst, dp)
        port = state["next"]
        for _ in range(hi - lo + 1):
            if (proto, dst, dp, a, port) not in rw.map:
                state["next"] = port + 1 if port < hi else lo
                return (proto, a, port, dst, dp)
            port = port + 1 if port < hi else lo
        return None
    return make


def round_robin_dst(addresses):
    """RoundRobinIPMapper of `- - ADDR - 0 1` patterns: each new flow to the next address."""
    addrs = [ip_int(a) for a in addresses]
    state = {"k": 0}

    def make(key, n):
        proto, src, sp, dst, dp = key
        a = addrs[state["k"]]
        state["k"] = (state["k"] + 1) % len(addrs)
        return (proto, src, sp, a, dp)
    return make


# ---- queues and shaping (host tasks) -------------------------------------------------------

class BoundedQueue:
    def __init__(self, capacity: int):
        self.q: deque = deque()
        self.capacity = capacity
        self.drops = 0

    def __call__(self, p):
        if len(self.q) >= self.capacity:
            self.drops += 1
        else:
            self.q.append(p)
        return -1


class TokenBucketTask:
    """BandwidthRatedUnqueue between two queues: moves packets while bytes of credit last."""

    def __init__(self, src: BoundedQueue, dst: BoundedQueue, rate_bytes: float, burst: int = 0):
        self.src, self.dst, self.rate = src, dst, rate_bytes
        self.burst = burst or max(int(rate_bytes / 50), 1514)
        self.tokens = 0.0
        self.last = None

    def __call__(self, now):
        if self.last is not None:
            self.tokens = min(self.burst, self.tokens + (now - self.last) * self.rate)
        self.last = now
        while self.src.q and len(self.dst.q) < self.dst.capacity:
            p = self.src.q[0]
            n = len(p.data) - p.off
            if n > self.tokens:
                break
            self.tokens -= n
            self.dst.q.append(self.src.q.popleft())


def drain_task(queue: BoundedQueue, graph, sink: str):
    def task(now):
        graph.counts[sink] += len(queue.q)
        queue.q.clear()
    return task
