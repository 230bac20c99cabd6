"""configs/nat.click as one hand-written numba loop.

Per frame, on either side: ARP queries for the side's address are answered
in place (ARPResponder), ARP replies teach the side's neighbour table
(ARPQuerier); IPv4 gets CheckIPHeader's checks, then the translation table:
a known flow (either direction) is looked up, a new flow from the inside is
given 10.0.2.1 and its own source port when that is free (else the next free
port in 1024-65535), and both directions enter the table.  The rewrite sets
addresses and ports with incremental IP and TCP/UDP checksum updates, TCP
state and expiry, as IPRewriter does.  Outbound packets are routed
(10.0.2.0/24 direct, else 10.0.2.254), replies go to their rewritten
destination; then DecIPTTL and the next hop's Ethernet header from the
neighbour table.  Unknown next hops drop (Click would hold the packet and
query; the benchmark's next hops are all known).  No pool, no queues.
"""
from __future__ import annotations

import numpy as np
from numba import njit

from perf.baselines.fused import common as c

IF_IP = np.array([0x0A000101, 0x0A000201], dtype=np.int64)
IF_MAC = np.array([c.mac_array("00:00:0a:00:01:01"), c.mac_array("00:00:0a:00:02:01")])
TO_DEV = np.array([1, 0], dtype=np.int64)       # rewriter output -> device


@njit(cache=True)
def nat(pkts, lens, devs, fl, ht, nfl, nxt, neigh_ip, neigh_mac, now, out):
    """out[k] += frames leaving by device k."""
    for i in range(lens.shape[0]):
        b, ln, dev = pkts[i], lens[i], devs[i]
        if ln < 14:
            continue
        et = c.rd16(b, 12)
        if et == 0x0806:
            op = c.rd16(b, 20) if ln >= 22 else 0
            if op == 1:
                if c.arp_respond(b, ln, IF_IP[dev], IF_MAC[dev]):
                    out[dev] += 1
            elif op == 2:
                c.arp_learn(b, ln, neigh_ip[dev], neigh_mac[dev])
            continue
        if et != 0x0800:
            continue
        ip = 14
        hl = c.ip_check(b, ip, ln)
        if hl < 0:
            continue
        end = ip + c.rd16(b, ip + 2)
        th = c.l4_ports(b, ip, hl, end)
        if th < 0:
            continue
        proto = b[ip + 9]
        sa, da, sp, dp = c.rd32(b, ip + 12), c.rd32(b, ip + 16), c.rd16(b, th), c.rd16(b, th + 2)
        e = c.flow_find(fl, ht, proto, sa, sp, da, dp)
        if e < 0:
            if dev == 1:                          # input 1's spec: drop
                continue
            port = -1                             # pattern 10.0.2.1 1024-65535 - -
            if sp >= 1024 and c.flow_find(fl, ht, proto, da, dp, IF_IP[1], sp) < 0:
                port = sp
            else:
                p = nxt[0]
                for _ in range(65535 - 1024 + 1):
                    if p > 65535:
                        p = 1024
                    if c.flow_find(fl, ht, proto, da, dp, IF_IP[1], p) < 0:
                        port = p
                        break
                    p += 1
            if port < 0:
                continue
            nxt[0] = port + 1
            f = c.flow_add(fl, ht, nfl, proto, sa, sp, da, dp, IF_IP[1], port, da, dp, 0, 1, now)
            if f < 0:
                continue
            e = 2 * f
        dst = c.flow_apply(b, ip, th, end, fl, e, now)
        o = TO_DEV[fl[e >> 1, c.OUT0 + (e & 1)]]
        if o == 1 and (dst & 0xFFFFFF00) != 0x0A000200:
            dst = 0x0A0002FE                       # StaticIPLookup: the default gateway
        if not c.dec_ttl(b, ip):
            continue
        if c.ether_out(b, neigh_ip[o], neigh_mac[o], dst, IF_MAC[o]):
            out[o] += 1


def measure(work, ctx):
    fl, ht, nfl = c.flow_table()
    nxt = np.full(1, 1024, dtype=np.int64)
    neigh_ip, neigh_mac = c.neighbours(2)
    out = np.zeros(2, dtype=np.int64)

    def step(pkts, lens, devs):
        nat(pkts, lens, devs, fl, ht, nfl, nxt, neigh_ip, neigh_mac, c.now_ms(), out)
    return c.measure(work, ctx, step, lambda: {"eth0": int(out[0]), "eth1": int(out[1])})
