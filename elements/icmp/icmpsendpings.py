"""ICMPPingSource (alias ICMPSendPings): sends ICMP echo requests, times the replies.

As Click's elements/icmp/icmpsendpings.cc: a Timer pushes one echo request every
INTERVAL (milliseconds precision) and is rescheduled INTERVAL after its expiry
until LIMIT are sent (then STOP asks the driver to stop); a pull output makes a
request on every pull instead.  Echo replies pushed to the optional input are
matched by identifier and sequence number against a 65536-entry table of send
times; everything pushed there is consumed.

Click user-level on Linux (the common build) writes the identifier and the
sequence number in host byte order: on x86 that is little-endian, and clickpy
writes them so, whatever Click's documentation says of network order.
"""
import ipaddress
import math
import sys
import time

import numpy as np
from numba import njit

from clickpy.args import (Arg, ArgError, ArgIssue, Bool, Data, Integer, IPAddress, ParseContext,
                          Seconds)
from clickpy.datapath.inet import drain_events, event_log, in_cksum, log_event, transport_offset
from clickpy.datapath.ipheader import ip_int, parse_bool, unparse_bool, write_ip_header
from clickpy.element import DST_IP, IP_HEADER, Element, Handler
from clickpy.kernel import drop
from clickpy.packet import (A_DST_IP, A_NH, A_TH, A_TSTAMP, C_NOW, C_STOP, SLOT_SIZE, copy_bytes,
                            create, rd16, wr16)
from clickpy.packet import HEADROOM as POOL_HEADROOM

# State words of st[0].
(SRC, DST, IDENT, LIMIT, COUNT, ACTIVE, VERBOSE, STOP, INTERVAL, EXPIRY, PUSH_OUT, HAS_INPUT,
 DLEN, NRECEIVED, NDUP, TMIN, TMAX, TSUM, TSQ, NWORDS) = range(20)
UNSCHEDULED, AFTER_INTERVAL, NOW = -1, -2, -3   # EXPIRY when not a time
MAX_EMIT = 16                                   # expiries caught up in one round, at most
INT_MAX = 2**31 - 1
HDR = 28                                        # IP header and ICMP echo header
MAX_DATA = SLOT_SIZE - POOL_HEADROOM - HDR
NS_PER_MS = 1_000_000

# Why a packet pushed to the input leaves (Click kills every one).
RECORDED, NO_IP, SHORT_IP, NOT_ICMP, SHORT_ICMP, NOT_REPLY, OTHER_ID, NOT_SENT = range(8)
_REASONS = (
    "echo reply: round-trip time recorded",
    "no IP header",
    "truncated IP header",
    "not ICMP",
    "truncated ICMP echo header",
    "not an ICMP echo reply",
    "echo reply with another identifier",
    "echo reply to no ping sent",
)


@njit(cache=True, _nrt=False)
def _swap16(v):
    """Host (little-endian) order of a 16-bit value, as the big-endian reader sees it."""
    return ((v & 0xFF) << 8) | ((v >> 8) & 0xFF)


@njit(cache=True, _nrt=False)
def _make_ping(P, st):
    """Click's make_packet: a new echo request's slot, or -1 when the pool is empty."""
    data, head, length, anno = P[0], P[1], P[2], P[3]
    c, payload, sent = st[0], st[1], st[2]
    q = create(P)
    if q < 0:
        return -1
    h = head[q]
    n = HDR + c[DLEN]
    ip_id = c[COUNT] % 0xFFFF + 1                  # never 0
    write_ip_header(data, q, h, n, ip_id, 200, 1, c[SRC], c[DST])
    t = h + 20
    data[q, t] = 8
    data[q, t + 1] = 0
    wr16(data, q, t + 2, 0)
    wr16(data, q, t + 4, _swap16(c[IDENT]))       # host order, as Click on Linux x86
    wr16(data, q, t + 6, _swap16(ip_id))
    copy_bytes(data[q], t + 8, payload, 0, c[DLEN])
    wr16(data, q, t + 2, in_cksum(data, q, t, 8 + c[DLEN]))
    length[q] = n
    now = P[5][C_NOW]
    anno[q, A_DST_IP] = c[DST]
    anno[q, A_NH] = h
    anno[q, A_TH] = t
    anno[q, A_TSTAMP] = now
    if c[HAS_INPUT]:
        sent[ip_id] = now
    return q


@njit(cache=True, _nrt=False)
def ping_timer(P, st, emit):
    # Click's run_timer: push one request, count it, reschedule INTERVAL after the
    # expiry while below LIMIT, else ask the driver to stop (STOP).
    c = st[0]
    now = P[5][C_NOW]
    if c[EXPIRY] == AFTER_INTERVAL:              # schedule_after_msec(INTERVAL)
        c[EXPIRY] = now + c[INTERVAL]
    elif c[EXPIRY] == NOW:                       # schedule_now()
        c[EXPIRY] = now
    n = 0
    while n < MAX_EMIT and c[EXPIRY] >= 0 and c[EXPIRY] <= now:
        q = _make_ping(P, st)
        if q < 0:                                # no slot: try again next round
            break
        emit[2 * n] = 0
        emit[2 * n + 1] = q
        n += 1
        c[COUNT] += 1
        if c[COUNT] < c[LIMIT] or c[LIMIT] < 0:
            c[EXPIRY] += c[INTERVAL]
        else:
            if c[STOP]:
                P[5][C_STOP] += 1
            c[EXPIRY] = UNSCHEDULED
    return n


@njit(cache=True, _nrt=False)
def ping_pull(P, port, st):
    c = st[0]
    if c[COUNT] < c[LIMIT] or c[LIMIT] < 0:
        q = _make_ping(P, st)
        if q >= 0:
            c[COUNT] += 1
        return q
    if c[STOP]:
        P[5][C_STOP] += 1
    return -1


@njit(cache=True, _nrt=False)
def _receive(P, s, st):
    """Click's push: the drop reason the consumed packet is counted under."""
    data, head, length, anno = P[0], P[1], P[2], P[3]
    c, sent, log = st[0], st[2], st[3]
    end = head[s] + length[s]
    nh = anno[s, A_NH]
    if nh < 0 or nh >= end:
        return NO_IP
    if nh + 20 > end:
        return SHORT_IP
    if data[s, nh + 9] != 1:
        return NOT_ICMP
    th = transport_offset(P, s)
    if th < 0 or end - th < 8:
        return SHORT_ICMP
    if data[s, th] != 0:
        return NOT_REPLY
    if _swap16(rd16(data, s, th + 4)) != c[IDENT]:
        return OTHER_ID
    seq = _swap16(rd16(data, s, th + 6))
    ts = sent[seq]
    if ts == 0:
        return NOT_SENT
    if ts < 0:                                   # answered before: a duplicate
        c[NDUP] += 1
        ts = -ts
    diff = 0
    arrived = anno[s, A_TSTAMP]
    if arrived != 0:
        diff = ((arrived - ts) // 1000) & 0xFFFFFFFF   # Click's uint32_t usecval
        if diff < c[TMIN] or c[NRECEIVED] == 0:
            c[TMIN] = diff
        if diff > c[TMAX] or c[NRECEIVED] == 0:
            c[TMAX] = diff
        c[TSUM] += diff
        c[TSQ] += diff * diff                    # wraps as Click's uint64_t does
    c[NRECEIVED] += 1
    sent[seq] = -ts
    if c[VERBOSE]:
        nbytes = rd16(data, s, nh + 2) - ((np.int64(data[s, nh]) & 0xF) << 2) - 8
        log_event(log, seq | (np.int64(data[s, nh + 8]) << 16) | ((nbytes & 0xFFFFFFFF) << 24),
                  rd16(data, s, nh + 12) << 16 | rd16(data, s, nh + 14), diff)
    return RECORDED


@njit(cache=True, _nrt=False)
def ping_push(P, port, s, st, emit):
    # Every packet pushed to the input is consumed, counted under why.
    emit[0] = drop(_receive(P, s, st))
    emit[1] = s
    return 1


@njit(cache=True, _nrt=False)
def ping_log_pending(P, st):
    log = st[3]
    return log[0, 0] != 0 or log[0, 1] != 0


def _microseconds(us: int) -> str:
    """Click's cp_unparse_microseconds."""
    if us and us < 1000:
        return f"{us}us"
    whole, frac = divmod(us, 10**6)
    return f"{whole}s" if frac == 0 else f"{whole}.{frac:06d}".rstrip("0") + "s"


def _c_div(a: int, b: int) -> int:
    """C's integer division (toward zero)."""
    q = abs(a) // abs(b)
    return q if (a < 0) == (b < 0) else -q


def _u64(v) -> int:
    return int(v) & (2**64 - 1)


def _interval_ms(seconds: float) -> int:
    """Click's SecondsArg(3): milliseconds, saturating at UINT32_MAX."""
    return min(int(round(seconds * 1000)), 2**32 - 1)


class ICMPPingSource(Element):
    """Periodically sends ICMP echo requests.

    Emits ping packets from SRC to DST every INTERVAL (default 1 second),
    advancing the sequence number (also the IP ID, from 1) by one each time;
    IDENTIFIER (default 0) is the ICMP identifier and DATA follows the echo
    header.  TTL is 200; the IP header, destination IP and timestamp
    annotations are set.  LIMIT (default -1, forever) bounds the pings sent;
    STOP stops the driver once they are.  When its output is pull, a ping is
    made on every pull instead.  Replies pushed to the optional input are
    matched by identifier and sequence and give ping(1)-style statistics
    (`summary`, `rtt_min`, `rtt_avg`, `rtt_max`); VERBOSE prints each reply.
    """

    port_count = "0-1/1"
    processing = "h/a"
    args = (
        Arg("SRC", IPAddress(), required=True, positional=True, doc="source address"),
        Arg("DST", IPAddress(), required=True, positional=True, doc="destination address"),
        Arg("INTERVAL", Seconds(), doc="time between pings (ms precision; default 1 s)"),
        Arg("IDENTIFIER", Integer(0, 0xFFFF, name="unsigned short"), default=0,
            doc="ICMP identifier field, 0 to 65535"),
        Arg("DATA", Data(), default=b"", doc="extra data after the echo header"),
        Arg("LIMIT", Integer(-2**31, INT_MAX, name="integer"), default=-1,
            doc="pings to send; negative means forever"),
        Arg("ACTIVE", Bool(), default=True, doc="send pings at all"),
        Arg("VERBOSE", Bool(), default=True, doc="print a line for each echo reply"),
        Arg("STOP", Bool(), default=False, doc="stop the driver after LIMIT pings"),
    )
    handlers = (
        Handler("active", write=True, doc="the ACTIVE argument"),
        Handler("src", write=True, doc="the SRC argument"),
        Handler("dst", write=True, doc="the DST argument"),
        Handler("count", doc="pings sent so far"),
        Handler("limit", read=False, write=True, doc="the LIMIT argument"),
        Handler("interval", read=False, write=True, doc="the INTERVAL argument"),
        Handler("reset_counts", read=False, write=True, doc="reset all counters to zero"),
        Handler("summary", doc="ping(1)-style summary (with an input only)"),
        Handler("rtt_min", doc="least RTT seen, 0 if none (with an input only)"),
        Handler("rtt_avg", doc="average RTT, 0 if none (with an input only)"),
        Handler("rtt_max", doc="greatest RTT seen, 0 if none (with an input only)"),
    )
    sets = {IP_HEADER: (0,), DST_IP: (0,)}
    new_packets = True
    source = True           # its input, if any, takes replies: requests come from nothing
    drop_reasons = _REASONS
    max_emit = MAX_EMIT
    run_timer = ping_timer
    pull = ping_pull
    push = ping_push
    host_pending = ping_log_pending

    @classmethod
    def graph_values(cls, graph, node):
        """Whether the output is push (the timer runs only then), and the element's name
        for Click's messages."""
        return {"_out_processing": tuple(graph.nodes[node].get("out_processing") or ()),
                "_name": node}

    @classmethod
    def check_config(cls, values, ctx):
        issues = []
        data = values.get("DATA") or b""
        if len(data) > MAX_DATA:
            issues.append(ArgIssue(f"DATA: {len(data)} bytes do not fit clickpy's packet slots "
                                   f"(at most {MAX_DATA})", None))
        seconds = values.get("INTERVAL", 1.0)
        if seconds is not None and seconds < 0:
            issues.append(ArgIssue("INTERVAL: must not be negative", None))
        elif seconds is not None and _interval_ms(seconds) == 0:
            issues.append(ArgIssue("INTERVAL so small that it is zero", None,
                                   severity="warning"))
        return issues

    @classmethod
    def check_context(cls, values, classes):
        if values.get("INTERVAL") is not None and "pull" in values.get("_out_processing", ()):
            return [ArgIssue("element is pull, INTERVAL parameter will be ignored", None,
                             "a pulled ICMPPingSource sends one request per pull",
                             severity="warning")]
        return []

    @classmethod
    def state(cls, values, n_inputs, n_outputs):
        c = np.zeros(NWORDS, dtype=np.int64)
        data = values.get("DATA") or b""
        c[SRC], c[DST] = ip_int(values["SRC"]), ip_int(values["DST"])
        c[IDENT] = values.get("IDENTIFIER") or 0
        limit = values.get("LIMIT")
        c[LIMIT] = -1 if limit is None else limit
        active = values.get("ACTIVE")
        c[ACTIVE] = True if active is None else bool(active)
        verbose = values.get("VERBOSE")
        c[VERBOSE] = True if verbose is None else bool(verbose)
        c[STOP] = bool(values.get("STOP"))
        seconds = values.get("INTERVAL")
        c[INTERVAL] = _interval_ms(1.0 if seconds is None else seconds) * NS_PER_MS
        kinds = values.get("_out_processing") or ("push",)
        c[PUSH_OUT] = kinds[0] == "push"
        c[HAS_INPUT] = n_inputs > 0
        c[DLEN] = len(data)
        # Click's initialize: the timer runs only on a push output.
        on = c[LIMIT] != 0 and c[ACTIVE] and c[PUSH_OUT]
        c[EXPIRY] = AFTER_INTERVAL if on else UNSCHEDULED
        payload = np.zeros(max(1, len(data)), dtype=np.uint8)
        payload[:len(data)] = np.frombuffer(data, dtype=np.uint8)
        sent = np.zeros(65536 if n_inputs > 0 else 1, dtype=np.int64)
        return (c, payload, sent, event_log(32, 3))

    @classmethod
    def wake_after(cls, values, st):
        """Seconds to the next ping; None when the timer is off (replies, pulls or a
        handler give the element work then)."""
        expiry = int(st[0][EXPIRY])
        if expiry == UNSCHEDULED:
            return None
        if expiry < 0:                           # scheduled by a handler: at the next round
            return 0.0
        return max(0.0, (expiry - time.time_ns()) / 1e9)

    @classmethod
    def read_handler(cls, name, values, st):
        c = st[0]
        if name == "active":
            return unparse_bool(c[ACTIVE])
        if name == "count":
            return str(int(c[COUNT]))
        if name in ("src", "dst"):
            return str(ipaddress.IPv4Address(int(c[SRC if name == "src" else DST])))
        if name in ("summary", "rtt_min", "rtt_avg", "rtt_max") and c[HAS_INPUT]:
            if name == "summary":
                return cls.summary_text(c)
            nrec = int(c[NRECEIVED])
            us = {"rtt_min": int(c[TMIN]), "rtt_max": int(c[TMAX]),
                  "rtt_avg": _u64(c[TSUM]) // (nrec or 1)}[name]
            return _microseconds(us & 0xFFFFFFFF)
        raise KeyError(name)

    @staticmethod
    def summary_text(c) -> str:
        """Click's `summary` handler text."""
        count, nrec, ndup = int(c[COUNT]), int(c[NRECEIVED]), int(c[NDUP])
        text = f"{count} packets transmitted, {nrec - ndup} received"
        if ndup:
            text += f", +{ndup} duplicates"
        if count:
            text += f", {_c_div((count - nrec - ndup) * 100, count)}% packet loss\n"
        if nrec:
            avg = _u64(c[TSUM]) // nrec
            avg_sq = _u64(c[TSQ]) // nrec
            mdev = math.isqrt((avg_sq - avg * avg) & (2**64 - 1))
            tmin, tmax = int(c[TMIN]), int(c[TMAX])
            parts = [(tmin // 1000, tmin % 1000), ((avg // 1000) & 0xFFFFFFFF, avg % 1000),
                     (tmax // 1000, tmax % 1000), ((mdev // 1000) & 0xFFFFFFFF, mdev % 1000)]
            text += "rtt min/avg/max/mdev = " + "/".join(f"{a}.{b:03d}" for a, b in parts) + "\n"
        return text

    @classmethod
    def write_handler(cls, name, text, values, st):
        c = st[0]
        scheduled = c[EXPIRY] != UNSCHEDULED
        if name == "active":
            try:
                active = parse_bool(text, "active")
            except ValueError:
                raise ValueError("active: type mismatch; expected true or false") from None
            c[ACTIVE] = active
            if active and not scheduled and c[PUSH_OUT]:
                c[EXPIRY] = NOW
            elif not active:
                c[EXPIRY] = UNSCHEDULED
        elif name in ("src", "dst"):
            try:
                a = IPAddress().parse(text.strip(), ParseContext())
            except ArgError:
                raise ValueError(f"{name}: syntax error; expected an IP address, "
                                 f"not {text.strip()!r}") from None
            c[SRC if name == "src" else DST] = ip_int(a)
        elif name == "limit":
            try:
                limit = Integer(-2**31, INT_MAX).parse(text.strip(), ParseContext())
            except ArgError:
                raise ValueError(f"limit: 'limit' should be integer, not {text.strip()!r}") \
                    from None
            c[LIMIT] = limit
            if ((c[COUNT] < limit or limit < 0) and c[ACTIVE] and not scheduled
                    and c[PUSH_OUT]):
                c[EXPIRY] = AFTER_INTERVAL
        elif name == "interval":
            try:
                seconds = Seconds().parse(text, ParseContext())
            except ArgError:
                seconds = -1.0
            if seconds < 0:
                raise ValueError(f"interval: 'interval' should be an interval, "
                                 f"not {text.strip()!r}")
            c[INTERVAL] = _interval_ms(seconds) * NS_PER_MS
        elif name == "reset_counts":
            c[COUNT] = 0
            c[NRECEIVED:NWORDS] = 0
            st[2][:] = 0
            if c[COUNT] < c[LIMIT] and c[ACTIVE] and not scheduled and c[PUSH_OUT]:
                c[EXPIRY] = AFTER_INTERVAL
        else:
            raise KeyError(name)

    @classmethod
    def speaker(cls, values) -> str:
        """Who Click's messages say they are from: `name :: Class` (its declaration())."""
        name = values.get("_name")
        return f"{name} :: {cls.class_name}" if name else cls.class_name

    @classmethod
    def reply_lines(cls, values, st) -> list[str]:
        """Click's line for each reply recorded since the last call (VERBOSE)."""
        events, lost = drain_events(st[3], 3)
        lines = []
        for packed, src, diff in events:
            seq, ttl, nbytes = packed & 0xFFFF, (packed >> 16) & 0xFF, packed >> 24
            if nbytes >= 2**31:
                nbytes -= 2**32
            lines.append(f"{cls.speaker(values)}: {nbytes} bytes from "
                         f"{ipaddress.IPv4Address(src)}: icmp_seq={seq} ttl={ttl} "
                         f"time={diff // 1000}.{diff % 1000:03d} ms")
        if lost:
            lines.append(f"{cls.speaker(values)}: {lost} more replies not shown")
        return lines

    @classmethod
    def host_flush(cls, values, st, pool):
        for line in cls.reply_lines(values, st):
            print(line, file=sys.stderr)

    @classmethod
    def host_close(cls, values, st, pool):
        # Click's cleanup: the summary, when there was an input and VERBOSE.
        if st[0][HAS_INPUT] and st[0][VERBOSE]:
            cls.host_flush(values, st, pool)
            for line in cls.summary_text(st[0]).splitlines():   # each line prefixed, as Click's
                print(f"{cls.speaker(values)}: {line}", file=sys.stderr)


class ICMPSendPings(ICMPPingSource):
    """Periodically sends ICMP echo requests (Click's other name for ICMPPingSource).

    The same element as ICMPPingSource: pings from SRC to DST every INTERVAL,
    LIMIT of them, with RTT statistics from replies pushed to its input.
    """

    class_name = "ICMPSendPings"
