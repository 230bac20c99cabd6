"""EtherSwitch: a learning Ethernet switch between its port pairs."""
import numpy as np
from numba import njit

from clickpy.args import Arg, Seconds
from clickpy.element import Element, Handler
from clickpy.kernel import drop
from clickpy.packet import A_TSTAMP, clone
from elements.ethernet.etherencap import ether_unparse, parse_handler_value

# ---- a fixed-size hash table: key -> entry index ------------------------------
# Open addressing with linear probing over `buckets` (a power of two, at least
# twice the entries, so a probe always meets an empty bucket); buckets hold
# entry indices, -1 when empty, and ekey[e] is entry e's key (a non-negative
# integer below 2**48: an Ethernet or IPv4 address).  Erasing shifts later
# entries of the probe run back, so there are no tombstones.


@njit(cache=True, _nrt=False)
def ht_home(key, mask):
    x = (key & 0xFFFFFFFF) ^ (key >> 32)
    x = (x * 0x45D9F3B) & 0xFFFFFFFF
    x ^= x >> 16
    return x & mask


@njit(cache=True, _nrt=False)
def ht_find(buckets, ekey, key):
    """The entry holding key, or -1."""
    mask = buckets.shape[0] - 1
    i = ht_home(key, mask)
    for _ in range(buckets.shape[0]):
        e = buckets[i]
        if e < 0:
            return -1
        if ekey[e] == key:
            return e
        i = (i + 1) & mask
    return -1


@njit(cache=True, _nrt=False)
def ht_insert(buckets, ekey, e):
    """Add entry e under ekey[e] (which must not be present)."""
    mask = buckets.shape[0] - 1
    i = ht_home(ekey[e], mask)
    for _ in range(buckets.shape[0]):
        if buckets[i] < 0:
            buckets[i] = e
            return
        i = (i + 1) & mask


@njit(cache=True, _nrt=False)
def ht_erase(buckets, ekey, key):
    """Remove key's entry from the buckets; returns it, or -1 if absent."""
    mask = buckets.shape[0] - 1
    i = ht_home(key, mask)
    found = -1
    for _ in range(buckets.shape[0]):
        e = buckets[i]
        if e < 0:
            return -1
        if ekey[e] == key:
            found = e
            break
        i = (i + 1) & mask
    if found < 0:
        return -1
    buckets[i] = -1
    j = i
    for _ in range(buckets.shape[0]):
        j = (j + 1) & mask
        e = buckets[j]
        if e < 0:
            break
        k = ht_home(ekey[e], mask)
        # e stays when its home lies cyclically in (i, j].
        if i <= j:
            stays = i < k <= j
        else:
            stays = k > i or k <= j
        if not stays:
            buckets[i] = e
            buckets[j] = -1
            i = j
    return found


def ht_buckets(entries: int) -> np.ndarray:
    n = 1
    while n < 2 * entries:
        n *= 2
    return np.full(n, -1, dtype=np.int64)


# ---- EtherSwitch ---------------------------------------------------------------
# Control words; NO_EXPIRY_BEFORE: when the table is full, the time before which no
# entry can have expired (the earliest stamp plus TIMEOUT at the last scan, lowered by
# any stamp set since that is earlier), so that a flood of new addresses into a full
# table scans it once, not once per packet.
TIMEOUT, NOUT, NFREE, NO_EXPIRY_BEFORE = range(4)
DEFAULT_ENTRIES = 4096              # addresses learned at most (Click: unlimited)
SEC = 1_000_000_000


@njit(cache=True, _nrt=False)
def _mac(data, s, at):
    v = np.int64(0)
    for i in range(6):
        v = (v << 8) | np.int64(data[s, at + i])
    return v


@njit(cache=True, _nrt=False)
def _learn(st, src, port, ts):
    c, buckets, ekey, eport, estamp, efree = st
    e = ht_find(buckets, ekey, src)
    if e < 0:
        if c[NFREE] == 0:           # full: forget what has expired by now
            if ts < c[NO_EXPIRY_BEFORE]:
                return              # nothing can have: this address is not learned
            limit = c[TIMEOUT] * SEC
            earliest = -1
            for x in range(ekey.shape[0]):
                if eport[x] >= 0:
                    if not ts < estamp[x] + limit:
                        ht_erase(buckets, ekey, ekey[x])
                        eport[x] = -1
                        efree[c[NFREE]] = x
                        c[NFREE] += 1
                    elif earliest < 0 or estamp[x] < earliest:
                        earliest = estamp[x]
            if c[NFREE] == 0:
                c[NO_EXPIRY_BEFORE] = earliest + limit
                return              # still full: this address is not learned
        c[NFREE] -= 1
        e = efree[c[NFREE]]
        ekey[e] = src
        ht_insert(buckets, ekey, e)
    eport[e] = port
    estamp[e] = ts
    if ts + c[TIMEOUT] * SEC < c[NO_EXPIRY_BEFORE]:    # timestamps that go back in time
        c[NO_EXPIRY_BEFORE] = ts + c[TIMEOUT] * SEC


@njit(cache=True, _nrt=False)
def etherswitch(P, port, s, st, emit):
    c, buckets, ekey, eport, estamp, efree = st
    data, h = P[0], P[1][s]
    if P[2][s] < 12:                # no Ethernet addresses to switch on
        emit[0] = drop(0)
        emit[1] = s
        return 1
    outport = -1
    if c[TIMEOUT] != 0:             # TIMEOUT 0: a hub
        ts = P[3][s, A_TSTAMP]
        _learn(st, _mac(data, s, h + 6), port, ts)
        if not data[s, h] & 1:      # unicast destination
            dst = _mac(data, s, h)
            e = ht_find(buckets, ekey, dst)
            if e >= 0:
                if ts < estamp[e] + c[TIMEOUT] * SEC:
                    outport = eport[e]
                else:
                    ht_erase(buckets, ekey, dst)
                    eport[e] = -1
                    efree[c[NFREE]] = e
                    c[NFREE] += 1
    if outport == port:             # never back out of the LAN it came from
        emit[0] = drop(1)
        emit[1] = s
        return 1
    if outport >= 0:
        emit[0] = outport
        emit[1] = s
        return 1
    # Flood, as Click: outputs from the last down, copies first, the original last.
    n = c[NOUT]
    k = 0
    sent = 0
    for i in range(n - 1, -1, -1):
        if i == port:
            continue
        q = clone(P, s) if sent < n - 2 else s
        sent += 1
        if q >= 0:
            emit[2 * k] = i
            emit[2 * k + 1] = q
            k += 1
    return k


def _parse_timeout(text: str) -> int:
    seconds = parse_handler_value(Seconds(), text, "timeout")
    if seconds < 0:
        raise ValueError("timeout: expected timeout (integer), not a negative time")
    return min(int(seconds + 0.5), 0xFFFFFFFF)     # whole seconds, as Click keeps it


class EtherSwitch(Element):
    """Learning, forwarding Ethernet switch among the LANs on its port pairs.

    Input i and output i form one LAN.  A packet from address A on input i
    teaches that A is on LAN i; packets to a known address go to its output
    (dropped if that is the one they came from), others are flooded to every
    output except their own.  Associations last TIMEOUT seconds (whole
    seconds, as Click keeps them) measured on the packets' timestamp
    annotations; TIMEOUT 0 makes a hub.  The table holds 4096 addresses; when
    it is full, expired ones are forgotten, and if none has expired a new
    address is not learned (its packets are flooded).  Packets shorter than
    the two Ethernet addresses are dropped.
    """

    port_count = "2-/="
    processing = "h/h"
    flow_code = "#/[^#]"
    args = (Arg("TIMEOUT", Seconds(), default=300.0, doc="lifetime of a learned address"),)
    handlers = (
        Handler("table", doc="the address-to-port table"),
        Handler("timeout", write=True, doc="the TIMEOUT argument"),
    )
    drop_reasons = ("packet shorter than the Ethernet addresses (12 bytes)",
                    "destination is on the LAN the packet came from")
    push = etherswitch

    @classmethod
    def emits(cls, values, n_outputs):
        return max(1, n_outputs - 1)

    @classmethod
    def state(cls, values, n_inputs, n_outputs):
        c = np.zeros(4, dtype=np.int64)
        c[TIMEOUT] = min(int(values["TIMEOUT"] + 0.5), 0xFFFFFFFF)
        c[NOUT] = n_outputs
        c[NFREE] = DEFAULT_ENTRIES
        return (c, ht_buckets(DEFAULT_ENTRIES), np.zeros(DEFAULT_ENTRIES, dtype=np.int64),
                np.full(DEFAULT_ENTRIES, -1, dtype=np.int64),
                np.zeros(DEFAULT_ENTRIES, dtype=np.int64),
                np.arange(DEFAULT_ENTRIES - 1, -1, -1, dtype=np.int64))

    @classmethod
    def read_handler(cls, name, values, st):
        c, buckets, ekey, eport = st[0], st[1], st[2], st[3]
        if name == "timeout":
            return str(int(c[TIMEOUT]))
        if name == "table":
            lines = []
            for e in buckets:
                if e >= 0:
                    addr = int(ekey[e]).to_bytes(6, "big")
                    lines.append(f"{ether_unparse(addr)} {int(eport[e])}\n")
            return "".join(lines)
        raise KeyError(name)

    @classmethod
    def write_handler(cls, name, text, values, st):
        if name != "timeout":
            raise KeyError(name)
        st[0][TIMEOUT] = _parse_timeout(text)
        st[0][NO_EXPIRY_BEFORE] = 0         # a shorter timeout may expire entries sooner
        values["TIMEOUT"] = float(st[0][TIMEOUT])
