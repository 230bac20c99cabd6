"""configs/loadbalancer.click as one hand-written numba loop.

Per frame, on either side: ARP queries for the side's addresses (outside:
10.0.2.1 and the virtual 10.0.2.100) are answered in place, ARP replies
teach the side's neighbour table; IPv4 gets CheckIPHeader's checks.  From
the outside only TCP/UDP to 10.0.2.100 is balanced: a known flow is looked
up, a new one is given the next backend round robin (RoundRobinIPMapper)
and both directions enter the table; from the inside only replies of known
flows pass.  The rewrite sets addresses and ports with incremental IP and
TCP/UDP checksum updates, TCP state and expiry, as IPRewriter does.  To
backends: DecIPTTL and the backend's Ethernet header; to clients: the route
(10.0.2.0/24 direct, else 10.0.2.254), DecIPTTL, the next hop's Ethernet
header.  Unknown next hops drop (all are known here).  No pool, no queues.
"""
from __future__ import annotations

import numpy as np
from numba import njit

from perf.baselines.fused import common as c

IF_IP = np.array([0x0A000101, 0x0A000201], dtype=np.int64)
IF_MAC = np.array([c.mac_array("00:00:0a:00:01:01"), c.mac_array("00:00:0a:00:02:01")])
VIP = 0x0A000264
BACKENDS = np.array([0x0A00010B, 0x0A00010C, 0x0A00010D], dtype=np.int64)


@njit(cache=True)
def balance(pkts, lens, devs, fl, ht, nfl, rr, neigh_ip, neigh_mac, now, out):
    """out[k] += frames leaving by device k."""
    for i in range(lens.shape[0]):
        b, ln, dev = pkts[i], lens[i], devs[i]
        if ln < 14:
            continue
        et = c.rd16(b, 12)
        if et == 0x0806:
            op = c.rd16(b, 20) if ln >= 22 else 0
            if op == 1:
                if c.arp_respond(b, ln, IF_IP[dev], IF_MAC[dev]) or \
                        (dev == 1 and c.arp_respond(b, ln, VIP, IF_MAC[1])):
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
        proto = b[ip + 9]
        da = c.rd32(b, ip + 16)
        if dev == 1 and (da != VIP or (proto != 6 and proto != 17)):
            continue                              # IPClassifier's `-`: Discard
        th = c.l4_ports(b, ip, hl, end)
        if th < 0:
            continue
        sa, sp, dp = c.rd32(b, ip + 12), c.rd16(b, th), c.rd16(b, th + 2)
        e = c.flow_find(fl, ht, proto, sa, sp, da, dp)
        if e < 0:
            if dev == 0:                          # input 1's spec: drop
                continue
            backend = BACKENDS[rr[0]]
            rr[0] = (rr[0] + 1) % BACKENDS.shape[0]
            f = c.flow_add(fl, ht, nfl, proto, sa, sp, da, dp, sa, sp, backend, dp, 0, 1, now)
            if f < 0:
                continue
            e = 2 * f
        dst = c.flow_apply(b, ip, th, end, fl, e, now)
        o = fl[e >> 1, c.OUT0 + (e & 1)]          # output 0: to a backend (eth0), 1: to eth1
        if o == 1 and (dst & 0xFFFFFF00) != 0x0A000200:
            dst = 0x0A0002FE                       # StaticIPLookup: the default gateway
        if not c.dec_ttl(b, ip):
            continue
        if c.ether_out(b, neigh_ip[o], neigh_mac[o], dst, IF_MAC[o]):
            out[o] += 1


def measure(work, ctx):
    fl, ht, nfl = c.flow_table()
    rr = np.zeros(1, dtype=np.int64)
    neigh_ip, neigh_mac = c.neighbours(2)
    out = np.zeros(2, dtype=np.int64)

    def step(pkts, lens, devs):
        balance(pkts, lens, devs, fl, ht, nfl, rr, neigh_ip, neigh_mac, c.now_ms(), out)
    return c.measure(work, ctx, step, lambda: {"eth0": int(out[0]), "eth1": int(out[1])})
