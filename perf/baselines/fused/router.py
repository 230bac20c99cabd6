"""configs/router.click's forwarding path as one hand-written numba loop.

Per frame: Ethernet type, IPv4 header checks (version, lengths, checksum,
bad sources), longest-prefix match over the router's 11 routes, the PaintTee
redirect test, IP options test, TTL decrement with incremental checksum, the
MTU test, the next hop's Ethernet address from a neighbour table, and the new
Ethernet header: what the compiled Click graph does on its main path, with
no pool, no queues and no per-element state.  ARP frames only teach the
neighbour table here.  Packets sit in a (n, 2048) array, as in a pool
(common.py loads them, refills them each pass and times the passes).
"""
from __future__ import annotations

import numpy as np
from numba import njit

from perf.baselines.fused import common
from perf.baselines.pure_python.router import ROUTES

IF_MACS = np.array([[0, 0, 10, 0, 1, 1], [0, 0, 10, 0, 2, 1]], dtype=np.uint8)


def _routes():
    import ipaddress
    rows = []
    for prefix, gw, port in ROUTES:
        net = ipaddress.IPv4Network(prefix)
        rows.append((net.prefixlen, int(net.network_address), int(net.netmask),
                     int(ipaddress.IPv4Address(gw)) if gw else 0, port))
    rows.sort(key=lambda r: -r[0])
    return np.array([r[1:] for r in rows], dtype=np.int64)


@njit(cache=True)
def forward(pkts, lens, devs, n, routes, neigh_ip, neigh_mac, out):
    """out[k] += packets leaving by device k (2 = host); returns packets forwarded."""
    done = 0
    for i in range(n):
        b = pkts[i]
        ln = lens[i]
        if ln < 14:
            continue
        et = (np.int64(b[12]) << 8) | b[13]
        if et == 0x0806:
            if ln >= 42 and b[21] == 2:       # ARP reply: learn
                ip = (np.int64(b[28]) << 24) | (np.int64(b[29]) << 16) | (np.int64(b[30]) << 8) | b[31]
                slot = ip & 1023
                neigh_ip[slot] = ip
                for j in range(6):
                    neigh_mac[slot, j] = b[22 + j]
                out[2] += 1                   # the Tee's copy to the host
            continue
        if et != 0x0800 or ln < 34:
            continue
        p = 14
        if (b[p] >> 4) != 4:
            continue
        hl = (b[p] & 15) * 4
        tot = (np.int64(b[p + 2]) << 8) | b[p + 3]
        if hl < 20 or tot < hl or tot > ln - 14:
            continue
        s = 0
        for j in range(p, p + hl, 2):
            s += (np.int64(b[j]) << 8) | b[j + 1]
        while s >> 16:
            s = (s & 0xFFFF) + (s >> 16)
        if s != 0xFFFF:
            continue
        src = (np.int64(b[p + 12]) << 24) | (np.int64(b[p + 13]) << 16) | (np.int64(b[p + 14]) << 8) | b[p + 15]
        if src == 0 or src == 0xFFFFFFFF or src == 0x0A0001FF or src == 0x0A0002FF:
            continue
        dst = (np.int64(b[p + 16]) << 24) | (np.int64(b[p + 17]) << 16) | (np.int64(b[p + 18]) << 8) | b[p + 19]
        port = -1
        nh = dst
        for r in range(routes.shape[0]):
            if (dst & routes[r, 1]) == routes[r, 0]:
                port = routes[r, 3]
                if routes[r, 2]:
                    nh = routes[r, 2]
                break
        if port <= 0:
            if port == 0:
                out[2] += 1
            continue
        if port == devs[i] + 1 or hl != 20:   # redirect or IP options: error paths
            continue
        ttl = b[p + 8]
        if ttl <= 1 or tot > 1500:
            continue
        b[p + 8] = ttl - 1
        c = ((np.int64(b[p + 10]) << 8) | b[p + 11]) + 0x100
        c = (c & 0xFFFF) + (c >> 16)
        b[p + 10] = c >> 8
        b[p + 11] = c & 0xFF
        slot = nh & 1023
        if neigh_ip[slot] != nh:
            continue
        for j in range(6):
            b[j] = neigh_mac[slot, j]
            b[6 + j] = IF_MACS[port - 1, j]
        out[port - 1] += 1
        done += 1
    return done


def measure(work, ctx):
    """(Mpps per repeat, counts per output) on the workload's main traffic."""
    routes = _routes()
    neigh_ip = np.full(1024, -1, dtype=np.int64)
    neigh_mac = np.zeros((1024, 6), dtype=np.uint8)
    out = np.zeros(3, dtype=np.int64)

    def step(pkts, lens, devs):
        forward(pkts, lens, devs, len(lens), routes, neigh_ip, neigh_mac, out)
    return common.measure(work, ctx, step,
                          lambda: {"eth0": int(out[0]), "eth1": int(out[1]), "host": int(out[2])})
