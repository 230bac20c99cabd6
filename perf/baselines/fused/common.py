"""What the fused loops share: packets in an array, the timed loop, IP checks, a flow table.

Packets sit in an (n, 2048) uint8 array, as in a pool; before every pass
`refill` copies each frame's bytes back from the trace (as a source does),
and that copy is timed with the work.  `measure` plays the warm-up once,
takes the counts of one pass of the main traffic (as perf.middleboxes does
for clickpy), then times passes.  The numba helpers are called from each
box's @njit loop and compiled into it.  numba's cache checks only the file
of the function it caches: after editing a helper here, clear the cache
(NUMBA_CACHE_DIR) or the boxes' loops may keep the old one.
"""
from __future__ import annotations

import time

import numpy as np
from numba import njit

DEVICES = {"eth0": 0, "eth1": 1}
SLOT = 2048


def load(stream):
    """(packets, lengths, input device index) arrays for a (device, frame) stream."""
    n = len(stream)
    pkts = np.zeros((max(n, 1), SLOT), dtype=np.uint8)
    lens = np.zeros(n, dtype=np.int64)
    devs = np.zeros(n, dtype=np.int64)
    for i, (dev, f) in enumerate(stream):
        pkts[i, :len(f)] = np.frombuffer(f, dtype=np.uint8)
        lens[i] = len(f)
        devs[i] = DEVICES[dev]
    return pkts, lens, devs


@njit(cache=True)
def refill(pkts, fresh, lens):
    """Fresh copies of the trace's bytes (each packet's length only), as a source gives."""
    for i in range(lens.shape[0]):
        for j in range(lens[i]):
            pkts[i, j] = fresh[i, j]


def now_ms() -> int:
    """The clock flow tables and buckets read, in milliseconds (Click's jiffies)."""
    return time.monotonic_ns() // 1_000_000


def measure(work, ctx, step, counts):
    """(Mpps per repeat, counts per output) of `step(pkts, lens, devs)` over the workload.

    `step` runs the box's loop over one array of packets; `counts()` reads
    its outputs after the warm-up and one pass of the main traffic."""
    warm = work.setup()
    if warm:
        step(*load(warm))
    main = work.interleaved("main")
    pkts, lens, devs = load(main)
    fresh = pkts.copy()
    step(pkts, lens, devs)
    out = counts()
    refill(pkts, fresh, lens)
    return rates(ctx, pkts, fresh, lens, lambda: step(pkts, lens, devs)), out


def rates(ctx, pkts, fresh, lens, run) -> list[float]:
    """Mpps per repeat of ctx.seconds: the trace's bytes restored (refill), then run() over it."""
    runs = []
    for _ in range(ctx.repeats):
        n = 0
        t = time.perf_counter()
        while time.perf_counter() - t < ctx.seconds:
            refill(pkts, fresh, lens)
            run()
            n += lens.shape[0]
        runs.append(n / (time.perf_counter() - t) / 1e6)
    return runs


# ---- header access and checks -------------------------------------------------------------

@njit(cache=True)
def rd16(b, at):
    return (np.int64(b[at]) << 8) | np.int64(b[at + 1])


@njit(cache=True)
def rd32(b, at):
    return (np.int64(b[at]) << 24) | (np.int64(b[at + 1]) << 16) | (np.int64(b[at + 2]) << 8) \
        | np.int64(b[at + 3])


@njit(cache=True)
def wr16(b, at, v):
    b[at] = (v >> 8) & 0xFF
    b[at + 1] = v & 0xFF


@njit(cache=True)
def wr32(b, at, v):
    b[at] = (v >> 24) & 0xFF
    b[at + 1] = (v >> 16) & 0xFF
    b[at + 2] = (v >> 8) & 0xFF
    b[at + 3] = v & 0xFF


@njit(cache=True)
def csum_update(c, old, new):
    """RFC 1624: the checksum after a 16-bit word went old -> new (click_update_in_cksum)."""
    acc = ((~c) & 0xFFFF) + ((~old) & 0xFFFF) + (new & 0xFFFF)
    acc = (acc & 0xFFFF) + (acc >> 16)
    return (~(acc + (acc >> 16))) & 0xFFFF


@njit(cache=True)
def ip_check(b, ip, end):
    """CheckIPHeader (no bad-source list): the IP header's length, or -1.

    Version, header length, total length against the frame, header checksum.
    The caller takes ip + total length as the packet's end (padding trimmed)."""
    if end - ip < 20 or (b[ip] >> 4) != 4:
        return -1
    hl = (np.int64(b[ip]) & 15) << 2
    tot = rd16(b, ip + 2)
    if hl < 20 or tot < hl or tot > end - ip:
        return -1
    s = 0
    for j in range(ip, ip + hl, 2):
        s += (np.int64(b[j]) << 8) | b[j + 1]
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    if s != 0xFFFF:
        return -1
    return hl


@njit(cache=True)
def dec_ttl(b, ip):
    """DecIPTTL: False when the TTL runs out (Click sends it to an ICMP error), else decrement."""
    ttl = np.int64(b[ip + 8])
    if ttl <= 1:
        return False
    b[ip + 8] = ttl - 1
    word = ttl << 8 | b[ip + 9]
    wr16(b, ip + 10, csum_update(rd16(b, ip + 10), word, word - 0x100))
    return True


@njit(cache=True)
def ether_out(b, neigh_ip, neigh_mac, ip, own_mac):
    """ARPQuerier for a known next hop: its Ethernet header over the old one, or False."""
    slot = ip & (neigh_ip.shape[0] - 1)
    if neigh_ip[slot] != ip:
        return False
    for j in range(6):
        b[j] = neigh_mac[slot, j]
        b[6 + j] = own_mac[j]
    b[12] = 8
    b[13] = 0
    return True


@njit(cache=True)
def arp_learn(b, ln, neigh_ip, neigh_mac):
    """ARPQuerier's input 1: an ARP reply teaches the sender's address (a direct-mapped table)."""
    if ln < 42:
        return
    ip = rd32(b, 28)
    slot = ip & (neigh_ip.shape[0] - 1)
    neigh_ip[slot] = ip
    for j in range(6):
        neigh_mac[slot, j] = b[22 + j]


@njit(cache=True)
def arp_respond(b, ln, my_ip, my_mac):
    """ARPResponder: a query for my_ip becomes the reply, in place; False for other queries."""
    if ln < 42 or rd32(b, 38) != my_ip:
        return False
    for j in range(6):
        b[j] = b[22 + j]
        b[32 + j] = b[22 + j]
        b[6 + j] = my_mac[j]
        b[22 + j] = my_mac[j]
    for j in range(4):
        b[38 + j] = b[28 + j]
    wr32(b, 28, my_ip)
    b[21] = 2
    return True


def neighbours(sides: int, size: int = 1024):
    """One direct-mapped neighbour table (IP, Ethernet address) per side: ARPQuerier's."""
    return np.full((sides, size), -1, dtype=np.int64), np.zeros((sides, size, 6), dtype=np.uint8)


def mac_array(text: str):
    return np.array([int(x, 16) for x in text.split(":")], dtype=np.uint8)


# ---- the flow table of IPRewriter (and AggregateIPFlows) ------------------------------------
#
# fl: one row per flow: protocol, the key as it arrived (K0: saddr, sport, daddr, dport),
# the key its replies arrive with (K1), the output of each direction, checksum deltas
# (IP, and TCP/UDP with the ports), expiry (ms) and TCP state.  ht: open addressing with
# linear probing, entries 2 * flow + direction (0: as arrived, 1: a reply), -1 empty.
# nfl[0]: flows in use.  No expiry sweep: the benchmark's flows live well inside the
# rewriter's timeouts.

PROTO, K0, K1, OUT0, OUT1, IPD, L4D, EXP, TFLAGS, AGG = 0, 1, 5, 9, 10, 11, 12, 13, 14, 15
NCOL = 16
GUARANTEE = 5_000       # ms: the rewriter's TCP_GUARANTEE and UDP_GUARANTEE defaults


def flow_table(capacity: int = 16384):
    size = 4
    while size < 4 * capacity:
        size *= 2
    return (np.zeros((capacity, NCOL), dtype=np.int64), np.full(size, -1, dtype=np.int64),
            np.zeros(1, dtype=np.int64))


@njit(cache=True)
def flow_hash(proto, sa, sp, da, dp):
    h = (sa * 0x9E3779B1) ^ (da * 0x85EBCA6B) ^ (((sp << 16) | dp) * 0xC2B2AE35) ^ proto
    h ^= h >> 29
    h *= 0x27D4EB2F
    return h ^ (h >> 32)


@njit(cache=True)
def flow_find(fl, ht, proto, sa, sp, da, dp):
    """The entry (2 * flow + direction) holding this key, or -1 - the empty slot for it."""
    mask = ht.shape[0] - 1
    i = flow_hash(proto, sa, sp, da, dp) & mask
    while ht[i] >= 0:
        e = ht[i]
        f = e >> 1
        k = K0 + 4 * (e & 1)
        if (fl[f, PROTO] == proto and fl[f, k] == sa and fl[f, k + 1] == sp
                and fl[f, k + 2] == da and fl[f, k + 3] == dp):
            return e
        i = (i + 1) & mask
    return -1 - i


@njit(cache=True)
def flow_add(fl, ht, nfl, proto, sa, sp, da, dp, nsa, nsp, nda, ndp, out0, out1, now):
    """A new flow (sa, sp, da, dp) rewritten to (nsa, nsp, nda, ndp); its row, or -1 when full.

    Its replies are keyed (nda, ndp, nsa, nsp)."""
    f = nfl[0]
    if f >= fl.shape[0]:
        return -1
    nfl[0] = f + 1
    fl[f, PROTO] = proto
    fl[f, K0], fl[f, K0 + 1], fl[f, K0 + 2], fl[f, K0 + 3] = sa, sp, da, dp
    fl[f, K1], fl[f, K1 + 1], fl[f, K1 + 2], fl[f, K1 + 3] = nda, ndp, nsa, nsp
    fl[f, OUT0], fl[f, OUT1] = out0, out1
    d = csum_update(0, sa >> 16, nsa >> 16)
    d = csum_update(d, sa & 0xFFFF, nsa & 0xFFFF)
    d = csum_update(d, da >> 16, nda >> 16)
    d = csum_update(d, da & 0xFFFF, nda & 0xFFFF)
    fl[f, IPD] = d
    d = csum_update(d, sp, nsp)
    fl[f, L4D] = csum_update(d, dp, ndp)
    fl[f, EXP] = now + GUARANTEE
    fl[f, TFLAGS] = 0
    i = flow_find(fl, ht, proto, sa, sp, da, dp)
    ht[-1 - i if i < 0 else i] = 2 * f
    i = flow_find(fl, ht, proto, nda, ndp, nsa, nsp)
    ht[-1 - i if i < 0 else i] = 2 * f + 1
    return f


@njit(cache=True)
def _apply_delta(b, at, d, delta):
    if delta:
        wr16(b, at, csum_update(rd16(b, at), 0, delta if d else (~delta) & 0xFFFF))


@njit(cache=True)
def flow_apply(b, ip, th, end, fl, e, now):
    """IPRewriter's rewrite of a packet of entry e: addresses, ports, both checksums,
    TCP state and the flow's expiry.  Returns the rewritten destination address."""
    f, d = e >> 1, e & 1
    k = K0 + 4 * (1 - d)                 # the other direction's key, reversed, is the result
    wr32(b, ip + 12, fl[f, k + 2])
    wr32(b, ip + 16, fl[f, k])
    _apply_delta(b, ip + 10, d, fl[f, IPD])
    wr16(b, th, fl[f, k + 3])
    wr16(b, th + 2, fl[f, k + 1])
    if fl[f, PROTO] == 6:
        if end - th >= 18:
            _apply_delta(b, th + 16, d, fl[f, L4D])
            flags = b[th + 13]
            payload = (((b[ip] & 15) + (b[th + 12] >> 4)) << 2) < rd16(b, ip + 2)
            t = fl[f, TFLAGS]
            if flags & 4:
                t |= 3
            elif flags & 1:
                t |= 1 << d
            elif (flags & 2) or payload:
                t &= ~(1 << d)
            if payload:
                t |= 4 << d
            fl[f, TFLAGS] = t
        fl[f, EXP] = now + GUARANTEE
    else:
        if rd16(b, th + 6) != 0:
            _apply_delta(b, th + 6, d, fl[f, L4D])
        if d:
            fl[f, TFLAGS] |= 1
        if fl[f, TFLAGS] < 6:
            fl[f, TFLAGS] += 2
        fl[f, EXP] = now + GUARANTEE
    return fl[f, k]


@njit(cache=True)
def l4_ports(b, ip, hl, end):
    """The transport header's offset (unfragmented TCP/UDP, 8 bytes of it there), else -1."""
    proto = b[ip + 9]
    if (proto != 6 and proto != 17) or (rd16(b, ip + 6) & 0x1FFF):
        return -1
    th = ip + hl
    if end - th < 8:
        return -1
    return th
