"""The rewriters' expiry heaps (clickpy.datapath.minheap, iprewriter's flow table): they
must pick the flow a scan of the whole table picks, as Click's IPRewriterHeap does."""
import copy
import random

import numpy as np
import pytest
from scapy.all import IP, TCP, UDP, raw

from clickpy import packet
from clickpy.datapath import minheap
from elements.tcpudp import iprewriter as rw
from elements.tcpudp.iprewriter import F_EXP, F_GUAR, F_USED
from test_transport_kernels import nat


def test_minheap_pops_in_key_then_row_order_and_says_when_full():
    rng = random.Random(7)
    keys, rows = np.zeros((2, 64), np.int64), np.zeros((2, 64), np.int64)
    sizes = np.zeros(2, np.int64)
    model = []
    for step in range(2000):
        if model and rng.random() < 0.45:
            assert (keys[1, 0], rows[1, 0]) == min(model)
            model.remove(min(model))
            minheap.pop(keys, rows, sizes, 1)
        else:
            pair = (rng.randrange(20), rng.randrange(50))      # many equal keys
            added = minheap.push(keys, rows, sizes, 1, *pair)
            assert added == (len(model) < 64)
            if added:
                model.append(pair)
        assert sizes[1] == len(model) and sizes[0] == 0
    minheap.pop(keys, rows, sizes, 0)                            # empty: nothing happens
    assert sizes[0] == 0


def _scan_shift(st, now):
    """The table scan the heaps replaced: guarantees that ran out become best effort."""
    prm, fl = st[0], st[3]
    for f in range(fl.shape[0]):
        if fl[f, F_USED] and fl[f, F_GUAR] and fl[f, F_EXP] <= now:
            fl[f, F_EXP] = rw._best_effort_expiry(prm, fl, f)
            fl[f, F_GUAR] = 0


def _scan_first(fl, guaranteed):
    best = -1
    for f in range(fl.shape[0]):
        if fl[f, F_USED] and fl[f, F_GUAR] == guaranteed:
            if best < 0 or fl[f, F_EXP] < fl[best, F_EXP]:
                best = f
    return best


def _packet(rng, client, reply):
    sport = 1000 + client
    if rng.random() < 0.3:
        return raw(IP(src=f"10.0.0.{client}", dst="2.0.0.2") / UDP(sport=sport, dport=53)), 0
    flags = rng.choice(["S", "A", "PA", "F", "R"])
    payload = b"data" if flags == "PA" else b""
    if reply is not None and rng.random() < 0.4:     # the server answers on the mapped port
        return raw(IP(src="2.0.0.2", dst="1.0.0.1") / TCP(sport=80, dport=reply, flags=flags)
                   / payload), 1
    return raw(IP(src=f"10.0.0.{client}", dst="2.0.0.2") / TCP(sport=sport, dport=80,
                                                                flags=flags) / payload), 0


@pytest.mark.parametrize("guarantees", ["TCP_GUARANTEE 3, UDP_GUARANTEE 2",
                                        "TCP_GUARANTEE 0, UDP_GUARANTEE 0"])
def test_a_full_table_evicts_the_flow_a_scan_would(guarantees):
    """Random TCP and UDP traffic, with replies, through a six-flow NAT whose flows are
    guaranteed for a while (or never: then a flow's expiry moves earlier when its TCP
    state shortens its timeout), get collected and evicted: after every packet, the
    heaps name the flows a scan of the table names."""
    h = nat(f"pattern 1.0.0.1 1024-65535# - - 0 1, drop, MAPPING_CAPACITY 6, {guarantees}, "
            "TCP_TIMEOUT 30, TCP_DONE_TIMEOUT 2, TCP_NODATA_TIMEOUT 9, UDP_TIMEOUT 7, "
            "REAP_INTERVAL 20")
    rng = random.Random(3)
    t, mapped, checked_full = 0.0, {}, 0
    for step in range(3000):
        t += rng.choice([0.0, 0.001, 0.5, 1.0, 2.5])
        client = rng.randrange(1, 15)
        frame, port = _packet(rng, client, mapped.get(client))
        out = h.at(t).pushed(frame, port)
        for (o, _), slot in zip(out, h.slots):
            if o >= 0:                       # dropped ones are freed already
                packet.release(h.P, slot)
        if port == 0 and out and out[0][0] == 0 and IP(out[0][1]).proto == 6:
            mapped[client] = IP(out[0][1])[TCP].sport
        now = int(t * 1000)
        heaps, scanned = copy.deepcopy(h.st), copy.deepcopy(h.st)
        rw._shift_best_effort(heaps, now)
        _scan_shift(scanned, now)
        assert (heaps[3] == scanned[3]).all()
        for g in (0, 1):
            assert rw._first_to_expire(heaps, g) == _scan_first(scanned[3], g), (step, g)
        checked_full += int(h.read("nmappings")) == 6
    assert checked_full > 1000                         # the table was full most of the time
    if guarantees.startswith("TCP_GUARANTEE 3"):      # and refused new flows when all
        assert int(h.read("mapping_failures")) > 0    # were guaranteed
