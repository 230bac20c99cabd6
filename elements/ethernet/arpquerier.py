"""ARPQuerier: resolves next hops with ARP and adds Ethernet headers."""
import ipaddress
import logging
import time
from dataclasses import dataclass

import numpy as np
from numba import njit

from clickpy.args import (Arg, ArgError, ArgIssue, ArgType, Bool, ElementRef, EtherAddress,
                          Integer, IPAddress, Seconds, split_words)
from clickpy.argtypes.ip_prefixes import parse_ip_prefix
from clickpy.element import DST_IP, Element, Handler
from clickpy.kernel import drop
from clickpy.packet import (A_DST_IP, A_TSTAMP, A_VLAN, C_NOW, copy_bytes, create, rd16, rd32,
                            release, wr16)
from elements.ethernet.arpresponder import (ARP_LEN, ARPHRD_ETHER, ARPOP_REPLY, ARPOP_REQUEST,
                                            ETHERTYPE_ARP, ETHERTYPE_IP, rd_mac, wr_arp, wr_mac)
from elements.ethernet.etherencap import ether_unparse, parse_handler_value, push_mac_header
from elements.ethernet.etherswitch import ht_buckets, ht_erase, ht_find, ht_insert

# The ARP table (Click's ARPTable, which ARPQuerier keeps inside) in arrays:
# entries in `ent` rows with their Ethernet address in `eth` and IP in `eip`,
# found through a hash table (`buckets`), chained oldest-first in an age list;
# each entry's waiting packets are a linked list of `node` rows (slot, next).
# Packets the table kills go to `grave` (slot, drop reason) and leave as
# drops at the end of the kernel call, or of the next one when a handler
# killed them: push() emits them as (drop(reason), slot) pairs, so that the
# packet account sees every drop.

# control words
(MY_IP, BCAST, POLL_TIMEOUT, BCAST_POLL, NOUT, TIMEOUT, CAPACITY, ENTRY_CAPACITY,
 ENTRY_PACKET_CAPACITY, SLIM_FACTOR, QUERIES, DROPS, RESPONSES, TABLE_DROPS, N_ENTRIES,
 N_PACKETS, NOW, TIMER_AT, AGE_HEAD, AGE_TAIL, FREE_ENTRIES, FREE_NODES, GRAVE,
 ZERO_WARNED, NCTL) = range(25)
# entry columns
E_KNOWN, E_POLLS, E_LIVE, E_POLLED, E_HEAD, E_TAIL, E_COUNT, E_PREV, E_NEXT, NECOL = range(10)
N_SLOT, N_NEXT = 0, 1
# drop reasons
(R_NO_IP, R_ZERO_DST, R_NO_ROOM, R_TABLE_FULL, R_ENTRY_PACKETS, R_CAPACITY, R_EXPIRED,
 R_EVICTED, R_CLEARED, R_REPLY, R_NOT_REPLY) = range(11)
DROP_REASONS = (
    "no IP address (ipaddr is 0.0.0.0)",
    "destination 0.0.0.0 (missing destination IP annotation?)",
    "packet too large for its slot with an Ethernet header",
    "ARP table full: no entry for the destination",
    "ENTRY_PACKET_CAPACITY packets already wait for the destination",
    "more than CAPACITY packets waiting: the oldest are killed",
    "ARP entry expired with packets waiting",
    "ARP entry evicted (ENTRY_CAPACITY) with packets waiting",
    "ARP table cleared with packets waiting",
    "ARP response (consumed)",
    "input 1 packet that is not a usable ARP reply",
)

SEC = 1_000_000_000
POLL_GAP, POLL_GAP_SLOW = SEC // 10, 2 * SEC     # at most 10 queries a second (0.5 after 10)
DEFAULT_ENTRIES = 4096      # entries held when ENTRY_CAPACITY is 0 (Click: unlimited)
DEFAULT_PACKETS = 4096      # packets held when CAPACITY is 0 (Click: unlimited)
BROADCAST_ETH = 0xFFFFFFFFFFFF
log = logging.getLogger(__name__)


@njit(cache=True, _nrt=False)
def _expired(c, ent, e, now):
    return c[TIMEOUT] != 0 and ent[e, E_LIVE] + c[TIMEOUT] < now


@njit(cache=True, _nrt=False)
def _known(c, ent, e, now):
    return ent[e, E_KNOWN] != 0 and not _expired(c, ent, e, now)


@njit(cache=True, _nrt=False)
def _allow_poll(ent, e, now):
    gap = POLL_GAP_SLOW if ent[e, E_POLLS] >= 10 else POLL_GAP
    return now >= ent[e, E_POLLED] + gap


@njit(cache=True, _nrt=False)
def _mark_poll(ent, e, now):
    ent[e, E_POLLED] = now
    if ent[e, E_POLLS] < 255:
        ent[e, E_POLLS] += 1


@njit(cache=True, _nrt=False)
def _age_unlink(c, ent, e):
    p, n = ent[e, E_PREV], ent[e, E_NEXT]
    if p >= 0:
        ent[p, E_NEXT] = n
    else:
        c[AGE_HEAD] = n
    if n >= 0:
        ent[n, E_PREV] = p
    else:
        c[AGE_TAIL] = p
    ent[e, E_PREV] = -1
    ent[e, E_NEXT] = -1


@njit(cache=True, _nrt=False)
def _age_insert(c, ent, e, before):
    """Put e in the age list before entry `before` (-1: at the back, the youngest)."""
    p = c[AGE_TAIL] if before < 0 else ent[before, E_PREV]
    ent[e, E_PREV] = p
    ent[e, E_NEXT] = before
    if p >= 0:
        ent[p, E_NEXT] = e
    else:
        c[AGE_HEAD] = e
    if before >= 0:
        ent[before, E_PREV] = e
    else:
        c[AGE_TAIL] = e


@njit(cache=True, _nrt=False)
def _kill_head(st, e, reason):
    """Kill entry e's oldest waiting packet (counted in the table's drops)."""
    c, ent, node, nfree, grave = st[0], st[2], st[6], st[7], st[9]
    n = ent[e, E_HEAD]
    ent[e, E_HEAD] = node[n, N_NEXT]
    if ent[e, E_HEAD] < 0:
        ent[e, E_TAIL] = -1
    grave[c[GRAVE], 0] = node[n, N_SLOT]
    grave[c[GRAVE], 1] = reason
    c[GRAVE] += 1
    nfree[c[FREE_NODES]] = n
    c[FREE_NODES] += 1
    ent[e, E_COUNT] -= 1
    c[N_PACKETS] -= 1
    c[TABLE_DROPS] += 1


@njit(cache=True, _nrt=False)
def _remove(st, e, reason):
    c, eip, ent, buckets, efree = st[0], st[4], st[2], st[5], st[8]
    ht_erase(buckets, eip, eip[e])
    _age_unlink(c, ent, e)
    while ent[e, E_HEAD] >= 0:
        _kill_head(st, e, reason)
    efree[c[FREE_ENTRIES]] = e
    c[FREE_ENTRIES] += 1
    c[N_ENTRIES] -= 1


@njit(cache=True, _nrt=False)
def slim(st, now):
    """ARPTable::slim: drop expired (or surplus) entries, then packets over capacity."""
    c, ent = st[0], st[2]
    while c[AGE_HEAD] >= 0:
        e = c[AGE_HEAD]
        if _expired(c, ent, e, now):
            _remove(st, e, R_EXPIRED)
        elif c[ENTRY_CAPACITY] != 0 and c[N_ENTRIES] > c[ENTRY_CAPACITY]:
            _remove(st, e, R_EVICTED)
        else:
            break
    if c[CAPACITY] != 0 and c[N_PACKETS] > c[CAPACITY]:
        keep = c[CAPACITY] - c[CAPACITY] // c[SLIM_FACTOR]
        if keep == 0:
            keep = 1
        e = c[AGE_HEAD]
        while c[N_PACKETS] > keep and e >= 0:
            while ent[e, E_HEAD] >= 0 and c[N_PACKETS] > keep:
                _kill_head(st, e, R_CAPACITY)
            e = ent[e, E_NEXT]


@njit(cache=True, _nrt=False)
def clear(st):
    """ARPTable::clear: forget every entry, killing the packets waiting."""
    c = st[0]
    while c[AGE_HEAD] >= 0:
        _remove(st, c[AGE_HEAD], R_CLEARED)
    c[N_ENTRIES] = 0
    c[N_PACKETS] = 0


@njit(cache=True, _nrt=False)
def ensure(st, ip, now):
    """The entry for ip, made (unknown, broadcast address) if absent; -1 when the table is full."""
    c, eth, ent, eip, buckets, efree = st[0], st[1], st[2], st[4], st[5], st[8]
    e = ht_find(buckets, eip, ip)
    if e >= 0:
        return e
    if c[FREE_ENTRIES] == 0:
        return -1
    c[FREE_ENTRIES] -= 1
    e = efree[c[FREE_ENTRIES]]
    c[N_ENTRIES] += 1
    if c[ENTRY_CAPACITY] != 0 and c[N_ENTRIES] > c[ENTRY_CAPACITY]:
        slim(st, now)
    eip[e] = ip
    for i in range(6):
        eth[e, i] = 0xFF
    ent[e, E_KNOWN] = 0
    ent[e, E_POLLS] = 0
    ent[e, E_LIVE] = now
    ent[e, E_POLLED] = now - SEC
    ent[e, E_HEAD] = -1
    ent[e, E_TAIL] = -1
    ent[e, E_COUNT] = 0
    ht_insert(buckets, eip, e)
    _age_insert(c, ent, e, -1)
    return e


@njit(cache=True, _nrt=False)
def insert(st, ip, mac, now, take):
    """ARPTable::insert: ip is at mac.  With take, returns the first node of the
    packets that were waiting (now detached), else -1; -2 when the table is full."""
    c, eth, ent = st[0], st[1], st[2]
    e = ensure(st, ip, now)
    if e < 0:
        return -2
    for i in range(6):
        eth[e, i] = (mac >> (40 - 8 * i)) & 0xFF
    ent[e, E_KNOWN] = 0 if mac == BROADCAST_ETH else 1
    ent[e, E_LIVE] = now
    ent[e, E_POLLS] = 0
    ent[e, E_POLLED] = now - SEC
    if ent[e, E_NEXT] >= 0:
        _age_unlink(c, ent, e)
        _age_insert(c, ent, e, -1)
    if not take:
        return -1
    first = ent[e, E_HEAD]
    ent[e, E_HEAD] = -1
    ent[e, E_TAIL] = -1
    c[N_PACKETS] -= ent[e, E_COUNT]
    ent[e, E_COUNT] = 0
    return first


@njit(cache=True, _nrt=False)
def _append_query(st, ip, s, now):
    """ARPTable::append_query: 1 (queued, send a query), 0 (queued), -2 (known: retry),
    or -3 - r: kill s for drop reason r."""
    c, ent, node, nfree = st[0], st[2], st[6], st[7]
    e = ensure(st, ip, now)
    if e < 0:
        return -3 - R_TABLE_FULL    # Click kills it without counting
    if _known(c, ent, e, now):
        return -2
    if c[TIMEOUT] != 0:
        # Keep the entry just short of expiring while packets wait for it.
        live_min = now - c[TIMEOUT]
        if ent[e, E_LIVE] < live_min:
            ent[e, E_LIVE] = live_min
            first = ent[e, E_NEXT]
            nxt = first
            while nxt >= 0 and ent[nxt, E_LIVE] < live_min:
                nxt = ent[nxt, E_NEXT]
            if nxt != first:
                _age_unlink(c, ent, e)
                _age_insert(c, ent, e, nxt)
    if c[ENTRY_PACKET_CAPACITY] != 0 and ent[e, E_COUNT] >= c[ENTRY_PACKET_CAPACITY]:
        c[TABLE_DROPS] += 1
        return -3 - R_ENTRY_PACKETS
    c[N_PACKETS] += 1
    if c[CAPACITY] != 0 and c[N_PACKETS] > c[CAPACITY]:
        slim(st, now)
    if c[FREE_NODES] == 0:          # only with CAPACITY 0: DEFAULT_PACKETS are waiting
        c[N_PACKETS] -= 1
        c[TABLE_DROPS] += 1
        return -3 - R_CAPACITY
    c[FREE_NODES] -= 1
    n = nfree[c[FREE_NODES]]
    node[n, N_SLOT] = s
    node[n, N_NEXT] = -1
    if ent[e, E_TAIL] >= 0:
        node[ent[e, E_TAIL], N_NEXT] = n
    else:
        ent[e, E_HEAD] = n
    ent[e, E_TAIL] = n
    ent[e, E_COUNT] += 1
    if _allow_poll(ent, e, now):
        _mark_poll(ent, e, now)
        return 1
    return 0


@njit(cache=True, _nrt=False)
def _lookup(st, ip, now, data, s, at):
    """ARPTable::lookup: -1 unknown; else the address is written at `at`, 1 if a renewal
    query is due (POLL_TIMEOUT), 0 if not."""
    c, eth, ent, eip, buckets = st[0], st[1], st[2], st[4], st[5]
    e = ht_find(buckets, eip, ip)
    if e < 0 or not _known(c, ent, e, now):
        return -1
    for i in range(6):
        data[s, at + i] = eth[e, i]
    if (c[POLL_TIMEOUT] != 0 and now >= ent[e, E_LIVE] + c[POLL_TIMEOUT]
            and _allow_poll(ent, e, now)):
        _mark_poll(ent, e, now)
        return 1
    return 0


@njit(cache=True, _nrt=False)
def _out(P, emit, k, port, s):
    """Emit (port, s); a full emit buffer (too small for this configuration) drops s."""
    if 2 * k + 1 >= emit.shape[0]:
        release(P, s)
        return k
    emit[2 * k] = port
    emit[2 * k + 1] = s
    return k + 1


@njit(cache=True, _nrt=False)
def _send_query(P, s, st, emit, k, dhost_valid):
    """ARPQuerier::send_query_for: an ARP request for s's destination annotation."""
    c, me = st[0], st[3]
    q = create(P)
    if q < 0:
        return k
    data, head, length, anno = P[0], P[1], P[2], P[3]
    my_en = np.int64(0)
    for i in range(6):
        my_en = (my_en << 8) | np.int64(me[i])
    if dhost_valid and c[BCAST_POLL] == 0:
        dst = rd_mac(data, s, head[s])
    else:
        dst = np.int64(BROADCAST_ETH)
    h = head[q]
    length[q] = ARP_LEN
    wr_arp(data, q, h, dst, my_en, ARPOP_REQUEST, my_en, c[MY_IP], 0,
           anno[s, A_DST_IP] & 0xFFFFFFFF)
    anno[q, A_TSTAMP] = anno[s, A_TSTAMP]
    anno[q, A_VLAN] = anno[s, A_VLAN]
    c[QUERIES] += 1
    return _out(P, emit, k, c[NOUT] - 1, q)


@njit(cache=True, _nrt=False)
def _handle_ip(P, s, st, emit, k, response, now):
    """ARPQuerier::handle_ip: emit s encapsulated, queue it, or kill it; returns k."""
    c, me = st[0], st[3]
    if c[MY_IP] == 0:
        c[DROPS] += 1
        return _out(P, emit, k, drop(R_NO_IP), s)
    data, head, anno = P[0], P[1], P[3]
    if not response:
        if not push_mac_header(P, s, 14):
            c[DROPS] += 1
            return _out(P, emit, k, drop(R_NO_ROOM), s)
        wr16(data, s, head[s] + 12, ETHERTYPE_IP)
    h = head[s]
    dst = anno[s, A_DST_IP] & 0xFFFFFFFF
    for _ in range(2):              # Click retries the lookup if the entry became known
        r = _lookup(st, dst, now, data, s, h)
        if r >= 0:
            if r > 0:
                k = _send_query(P, s, st, emit, k, True)
        elif dst == 0xFFFFFFFF or dst == c[BCAST]:
            wr_mac(data, s, h, BROADCAST_ETH)
        elif (dst >> 28) == 0xE:    # multicast: 01:00:5E and the low 23 bits
            wr_mac(data, s, h, 0x01005E000000 | (dst & 0x7FFFFF))
        elif dst == 0:
            c[ZERO_WARNED] = 1      # Click warns once: missing destination annotation?
            c[DROPS] += 1
            return _out(P, emit, k, drop(R_ZERO_DST), s)
        else:
            r = _append_query(st, dst, s, now)
            if r == -2:
                continue
            if r < 0:
                k = _out(P, emit, k, drop(-3 - r), s)
            elif r == 1:
                k = _send_query(P, s, st, emit, k, False)
            return k
        break
    for i in range(6):              # our source address, as of sending
        data[s, h + 6 + i] = me[i]
    return _out(P, emit, k, 0, s)


@njit(cache=True, _nrt=False)
def _handle_response(P, s, st, emit, now):
    """ARPQuerier::handle_response: learn from an ARP reply and send what waited for it."""
    c, node, nfree = st[0], st[6], st[7]
    data, head, length = P[0], P[1], P[2]
    h = head[s]
    k = 0
    if length[s] < ARP_LEN:
        return _out(P, emit, k, drop(R_NOT_REPLY), s)
    c[RESPONSES] += 1
    if not (rd16(data, s, h + 12) == ETHERTYPE_ARP and rd16(data, s, h + 14) == ARPHRD_ETHER
            and rd16(data, s, h + 16) == ETHERTYPE_IP and rd16(data, s, h + 20) == ARPOP_REPLY
            and not data[s, h + 22] & 1):
        return _out(P, emit, k, drop(R_NOT_REPLY), s)
    n = insert(st, rd32(data, s, h + 28), rd_mac(data, s, h + 22), now, True)
    while n >= 0:                   # in arrival order
        q, nxt = node[n, N_SLOT], node[n, N_NEXT]
        nfree[c[FREE_NODES]] = n
        c[FREE_NODES] += 1
        k = _handle_ip(P, q, st, emit, k, True, now)
        n = nxt
    return _out(P, emit, k, drop(R_REPLY), s)


@njit(cache=True, _nrt=False)
def _timer(st, now):
    """ARPTable's expiry timer, run when due: first TIMEOUT after the first packet,
    then every TIMEOUT + 1 s (whole seconds, as Click schedules it)."""
    c = st[0]
    if c[TIMEOUT] == 0:
        return
    if c[TIMER_AT] < 0:
        c[TIMER_AT] = now + (c[TIMEOUT] // SEC) * SEC
    if now >= c[TIMER_AT]:
        slim(st, now)
        c[TIMER_AT] = now + (c[TIMEOUT] // SEC + 1) * SEC


@njit(cache=True, _nrt=False)
def _bury(P, st, emit, k):
    """Emit the packets the table killed as drops."""
    c, grave = st[0], st[9]
    for i in range(c[GRAVE]):
        k = _out(P, emit, k, drop(grave[i, 1]), grave[i, 0])
    c[GRAVE] = 0
    return k


@njit(cache=True, _nrt=False)
def _resolved(st, dst, now):
    """The entry of a known next hop that needs no renewal query now, or -1."""
    c, ent = st[0], st[2]
    if c[MY_IP] == 0:
        return -1
    e = ht_find(st[5], st[4], dst)
    if e < 0 or not _known(c, ent, e, now):
        return -1
    if c[POLL_TIMEOUT] != 0 and now >= ent[e, E_LIVE] + c[POLL_TIMEOUT]:
        return -1
    return e


@njit(cache=True, _nrt=False)
def arpquerier(P, port, s, st, emit):
    c = st[0]
    now = P[5][C_NOW]
    c[NOW] = now
    _timer(st, now)
    if port == 0:
        # The common case, a known next hop, is handled here, small enough for the
        # compiler to inline into the task; _handle_ip (queries, queueing,
        # broadcast and multicast) stays a call (clickpy.compile.inline).
        e = _resolved(st, P[3][s, A_DST_IP] & 0xFFFFFFFF, now)
        if e >= 0 and push_mac_header(P, s, 14):
            row, h = P[0][s], P[1][s]
            copy_bytes(row, h, st[1][e], 0, 6)
            copy_bytes(row, h + 6, st[3], 0, 6)
            wr16(P[0], s, h + 12, ETHERTYPE_IP)
            k = _out(P, emit, 0, 0, s)
        else:
            k = _handle_ip(P, s, st, emit, 0, False, now)
    else:
        k = _handle_response(P, s, st, emit, now)
    return _bury(P, st, emit, k)


def _timeout_ns(seconds: float) -> int:
    """A Click timeout in ns; 0 (never) when it does not fit Click's 32-bit jiffies."""
    if seconds >= 0xFFFFFFFF // 1000:
        return 0
    return int(round(seconds * 1e9))


def _timestamp_text(ns: int) -> str:
    """Click's Timestamp unparse: 6 subsecond digits, 9 when not a whole microsecond."""
    sign = "-" if ns < 0 else ""
    sec, sub = divmod(abs(ns), SEC)
    return f"{sign}{sec}.{sub // 1000:06d}" if sub % 1000 == 0 else f"{sign}{sec}.{sub:09d}"


def _handler_now(c) -> int:
    """The clock for handlers: the driver's as of the last packet or round, else the host's."""
    return int(c[NOW]) if c[NOW] > 0 else time.time_ns()


def _ip_text(value: int) -> str:
    return str(ipaddress.IPv4Address(int(value) & 0xFFFFFFFF))


@dataclass(frozen=True)
class HostAddress:
    """ARPQuerier's IP argument; `name` is the AddressInfo name it was written as, if any."""

    ip: ipaddress.IPv4Interface
    name: str | None = None


class HostAddressArg(ArgType):
    """This host's IP address or ADDR/LEN, or an AddressInfo name."""

    name = "IP address"
    example = "18.26.4.24"

    def parse(self, text, ctx):
        t = text.strip()
        interface = parse_ip_prefix(t, ctx)
        is_name = t.split(":")[0] in ctx.addresses
        return HostAddress(interface, t if is_name else None)


@njit(cache=True, _nrt=False)
def arpquerier_timer(P, st, emit):
    """The expiry timer without a packet: entries expire, their waiting packets drop."""
    now = P[5][C_NOW]
    st[0][NOW] = now
    _timer(st, now)
    return _bury(P, st, emit, 0)


@njit(cache=True, _nrt=False)
def arpquerier_pending(P, st):
    """Keeps the handlers' clock at the round's (as of the last packet or round), and
    says when Click's one-time warning is due."""
    c = st[0]
    if P[5][C_NOW] > c[NOW]:
        c[NOW] = P[5][C_NOW]
    return c[ZERO_WARNED] == 1


class ARPQuerier(Element):
    """Encapsulates IP packets in Ethernet headers found via ARP.

    IP packets arrive on input 0 with their destination IP annotation set.
    If the destination's Ethernet address is known, the packet gets an
    Ethernet header from ETH and leaves on output 0; otherwise it waits and
    an ARP query for it is sent instead.  ARP replies (with Ethernet header)
    arrive on input 1 and release waiting packets.  Queries, new packets,
    leave on output 1 when it exists, else mixed into output 0.  Broadcast and
    multicast destinations are mapped directly; 0.0.0.0 is dropped.  The
    one-argument form ARPQuerier(NAME) takes IP and ETH from AddressInfo.

    The table holds ENTRY_CAPACITY entries (4096 when 0) and CAPACITY
    waiting packets (4096 when 0).  Time is the driver's clock; the table's
    expiry timer runs when a packet arrives after it was due.  A shared
    ARPTable (TABLE) cannot run in the compiled data path.
    """

    port_count = "2/1-2"
    processing = "h/h"
    flow_code = "xy/x"
    args = (
        Arg("IP", HostAddressArg(), required=True, positional=True,
            doc="this host's IP address (or NAME)"),
        Arg("ETH", EtherAddress(), positional=True, doc="this host's Ethernet address"),
        Arg("TABLE", ElementRef(), doc="ARPTable to share (ignores the capacity keywords)"),
        Arg("CAPACITY", Integer(0), default=2048, doc="packets held for all entries"),
        Arg("ENTRY_CAPACITY", Integer(0), default=0, doc="entries held, 0 for no limit"),
        Arg("ENTRY_PACKET_CAPACITY", Integer(0), default=0,
            doc="packets held per entry, 0 for no limit"),
        Arg("CAPACITY_SLIM_FACTOR", Integer(0), doc="ARPTable's slim factor"),
        Arg("TIMEOUT", Seconds(), default=300.0, doc="lifetime of an ARP entry"),
        Arg("POLL_TIMEOUT", Seconds(), default=60.0, doc="age at which to re-query; 0 never"),
        Arg("BROADCAST", IPAddress(), doc="local broadcast address (default: from IP's prefix)"),
        Arg("BROADCAST_POLL", Bool(), default=False, doc="send renewal queries as broadcasts"),
    )
    handlers = (
        Handler("ipaddr", write=True, doc="this host's IP address"),
        Handler("broadcast", write=True, doc="the IP broadcast address"),
        Handler("table", doc="the ARP table"),
        Handler("stats", doc="queries and drops"),
        Handler("queries", doc="queries sent"),
        Handler("responses", doc="responses received"),
        Handler("drops", doc="packets dropped"),
        Handler("count", doc="entries in the ARP table"),
        Handler("length", doc="packets held in the ARP table"),
        Handler("insert", read=False, write=True, doc="add an entry 'IP ETH'"),
        Handler("delete", read=False, write=True, doc="delete the entry for an IP address"),
        Handler("clear", read=False, write=True, doc="clear the table and counters"),
    )
    requires = {DST_IP: (0,)}
    new_packets = True
    drop_reasons = DROP_REASONS
    push = arpquerier
    run_timer = arpquerier_timer
    host_pending = arpquerier_pending

    @classmethod
    def wake_after(cls, values, st):
        """When the expiry timer is next due (it is armed by the first round)."""
        c = st[0]
        if c[TIMEOUT] == 0 or c[TIMER_AT] < 0:
            return None
        return max(0.0, (int(c[TIMER_AT]) - time.time_ns()) / 1e9)

    @classmethod
    def _packets(cls, values) -> int:
        return values["CAPACITY"] or DEFAULT_PACKETS

    @classmethod
    def emits(cls, values, n_outputs):
        # Every packet held can leave in one call (released by a reply, or
        # killed), besides the one pushed and a query.
        return cls._packets(values) + 2

    @classmethod
    def state(cls, values, n_inputs, n_outputs):
        if values.get("TABLE") is not None:
            raise ValueError("ARPQuerier TABLE cannot run in the compiled data path: elements "
                             "cannot share state there; leave TABLE out to use the "
                             "ARPQuerier's own table")
        host = values["IP"].ip
        entries = values["ENTRY_CAPACITY"] + 1 if values["ENTRY_CAPACITY"] else DEFAULT_ENTRIES
        packets = cls._packets(values)
        c = np.zeros(NCTL, dtype=np.int64)
        c[MY_IP] = int(host.ip)
        if values.get("BROADCAST") is not None:
            c[BCAST] = int(values["BROADCAST"])
        else:
            bcast = int(host.ip) | (~int(host.network.netmask) & 0xFFFFFFFF)
            c[BCAST] = 0xFFFFFFFF if bcast == int(host.ip) else bcast
        c[POLL_TIMEOUT] = _timeout_ns(values["POLL_TIMEOUT"])
        c[BCAST_POLL] = bool(values["BROADCAST_POLL"])
        c[NOUT] = n_outputs
        c[TIMEOUT] = _timeout_ns(values["TIMEOUT"])
        c[CAPACITY] = values["CAPACITY"]
        c[ENTRY_CAPACITY] = values["ENTRY_CAPACITY"]
        c[ENTRY_PACKET_CAPACITY] = values["ENTRY_PACKET_CAPACITY"]
        slim_factor = values.get("CAPACITY_SLIM_FACTOR")
        c[SLIM_FACTOR] = 2 if slim_factor is None else slim_factor
        c[TIMER_AT] = -1
        c[AGE_HEAD] = c[AGE_TAIL] = -1
        c[FREE_ENTRIES] = entries
        c[FREE_NODES] = packets
        ent = np.zeros((entries, NECOL), dtype=np.int64)
        ent[:, E_PREV] = ent[:, E_NEXT] = -1
        return (c,                                                   # 0 control words
                np.zeros((entries, 6), dtype=np.uint8),              # 1 entry Ethernet address
                ent,                                                 # 2 entry columns
                np.frombuffer(values["ETH"], dtype=np.uint8).copy(),  # 3 our Ethernet address
                np.zeros(entries, dtype=np.int64),                   # 4 entry IP address
                ht_buckets(entries),                                 # 5 IP -> entry
                np.zeros((packets, 2), dtype=np.int64),              # 6 waiting packets
                np.arange(packets - 1, -1, -1, dtype=np.int64),      # 7 free nodes
                np.arange(entries - 1, -1, -1, dtype=np.int64),      # 8 free entries
                np.zeros((packets, 2), dtype=np.int64))              # 9 killed: slot, reason

    @classmethod
    def queued(cls, st) -> list[int]:
        """Slots the element holds: packets waiting for an address, and killed ones."""
        c, ent, node, grave = st[0], st[2], st[6], st[9]
        slots = [int(s) for s in grave[:int(c[GRAVE]), 0]]
        e = int(c[AGE_HEAD])
        while e >= 0:
            n = int(ent[e, E_HEAD])
            while n >= 0:
                slots.append(int(node[n, N_SLOT]))
                n = int(node[n, N_NEXT])
            e = int(ent[e, E_NEXT])
        return slots

    @classmethod
    def host_flush(cls, values, st, pool):
        # (The handlers' clock is arpquerier_pending's.  Packets handlers killed stay
        # held until the next packet, which emits them as drops for the account.)
        c = st[0]
        if c[ZERO_WARNED] == 1:     # Click's one-time warning
            c[ZERO_WARNED] = 2
            log.warning("ARPQuerier(%s): would query for 0.0.0.0; missing dest IP addr "
                        "annotation?", _ip_text(c[MY_IP]))

    @classmethod
    def read_handler(cls, name, values, st):
        c, eth, ent, eip = st[0], st[1], st[2], st[4]
        now = _handler_now(c)
        if name == "table":
            lines = []
            e = int(c[AGE_HEAD])
            while e >= 0:
                ok = int(_known(c, ent, e, now))
                age = (now // 1_000_000 - int(ent[e, E_LIVE]) // 1_000_000) * 1_000_000
                lines.append(f"{_ip_text(eip[e])} {ok} {ether_unparse(eth[e])} "
                             f"{_timestamp_text(age)}\n")
                e = int(ent[e, E_NEXT])
            return "".join(lines)
        if name == "stats":
            return (f"{int(c[DROPS] + c[TABLE_DROPS])} packets killed\n"
                    f"{int(c[QUERIES])} ARP queries sent\n")
        words = {"queries": QUERIES, "responses": RESPONSES, "drops": DROPS,
                 "count": N_ENTRIES, "length": N_PACKETS}
        if name in words:
            return str(int(c[words[name]]))
        if name == "ipaddr":
            return _ip_text(c[MY_IP])
        if name == "broadcast":
            return _ip_text(c[BCAST])
        raise KeyError(name)

    @classmethod
    def write_handler(cls, name, text, values, st):
        c = st[0]
        now = _handler_now(c)
        if name in ("ipaddr", "broadcast"):
            addr = parse_handler_value(IPAddress(), text, name)
            c[MY_IP if name == "ipaddr" else BCAST] = int(addr)
        elif name == "insert":
            words = split_words(text.strip())
            if len(words) != 2:
                raise ValueError(f"insert: expected 'IP ETH', not {text.strip()!r}")
            ip = parse_handler_value(IPAddress(), words[0], "insert IP")
            mac = parse_handler_value(EtherAddress(), words[1], "insert ETH")
            if insert(st, int(ip), int.from_bytes(mac, "big"), now, False) == -2:
                raise ValueError(f"insert: the ARP table is full ({st[2].shape[0]} entries)")
        elif name == "delete":
            words = split_words(text.strip())
            if len(words) != 1:
                raise ValueError(f"delete: expected an IP address, not {text.strip()!r}")
            ip = parse_handler_value(IPAddress(), words[0], "delete")
            # As Click: the entry stays, marked unknown (broadcast address).
            if insert(st, int(ip), BROADCAST_ETH, now, False) == -2:
                raise ValueError(f"delete: the ARP table is full ({st[2].shape[0]} entries)")
        elif name == "clear":
            c[QUERIES] = c[DROPS] = c[RESPONSES] = 0
            clear(st)
        else:
            raise KeyError(name)

    @classmethod
    def check_config(cls, values, ctx):
        if values.get("CAPACITY_SLIM_FACTOR") == 0:
            return [ArgIssue("CAPACITY_SLIM_FACTOR cannot be zero", None,
                             "leave it out for the default, 2")] + cls._check_eth(values, ctx)
        return cls._check_eth(values, ctx)

    @classmethod
    def _check_eth(cls, values, ctx):
        if values.get("ETH") is not None:
            return []
        host = values["IP"]
        if host.name is not None:
            try:
                values["ETH"] = EtherAddress().parse(host.name, ctx)
                return []
            except ArgError:
                pass
        return [ArgIssue("missing argument ETH (Ethernet address)", None,
                         "write ARPQuerier(IP, ETH), e.g. ARPQuerier(18.26.4.24, "
                         "00:00:C0:AE:67:EF), or ARPQuerier(NAME) with an AddressInfo NAME "
                         "that has both addresses")]
