"""FromDump: replays packets from a tcpdump (pcap) file."""
import warnings

import numpy as np
from numba import njit

from clickpy.args import Arg, ArgError, ArgIssue, Bool, Integer, ParseContext, Real, Seconds
from clickpy.argtypes.arg_warnings import ArgWarning
from clickpy.argtypes.filenames import Filename
from clickpy.argtypes.handler_calls import HandlerCall, HandlerCallArg
from clickpy.compile import tiered
from clickpy.datapath.xorshift import xorshift32
from clickpy.element import IP_HEADER, Element, Handler
from clickpy.fixedpoint import unparse_real2
from clickpy.packet import (A_DST_IP, A_NH, A_TSTAMP, C_NOW, C_STOP, HEADROOM, SLOT_SIZE, alloc,
                            copy_bytes)
from clickpy.pcap import (LINKTYPE_RAW, SMALL_FILE, PcapError, PcapWarning, read_pcap,
                          unparse_linktype)

SAMPLING_SHIFT = 28
SAMPLING_ONE = 1 << SAMPLING_SHIFT
MAX_PACKET = SLOT_SIZE - HEADROOM      # the longest record a pool slot holds

# Control words (state tuple: data, offsets, timestamps, file positions, ctl, and with
# FORCE_IP each record's IP header offset).
(NEXT, NREC, COUNT, ACTIVE, SCHED, TIMING, FORCE_IP, LINKTYPE, HAVE_FIRST, FIRST_REL, FIRST_T,
 HAVE_LAST, LAST_REL, LAST_INTERVAL, LAST_T, HAVE_ANY, TIMING_OFF, SAMPLE, RNG, END_ACTION,
 END_CALLS, PENDING, PKT_FILEPOS, FILEPOS, STOP_REQ, TOO_BIG, NOT_IP, NOUT, FILESIZE) = range(29)
NCTL = 29

# What happens at the end (Click's _end_h).
END_NONE, END_STOP, END_INACTIVE, END_ROUTER_STOP, END_HANDLER = range(5)

# Link types whose IP packets FORCE_IP can find (fake_pcap_dlt_force_ipable).
DLT_NULL, DLT_EN10MB, DLT_PPP, DLT_FDDI, DLT_PPP_HDLC = 0, 1, 9, 10, 50
DLT_ATM_RFC1483, DLT_RAW, DLT_C_HDLC, DLT_IEEE802_11, DLT_LINUX_SLL = 100, 101, 104, 105, 113
DLT_PRISM, DLT_SUNATM, DLT_IEEE802_11_RADIO = 119, 123, 127
FORCE_IPABLE = (DLT_RAW, DLT_EN10MB, DLT_SUNATM, DLT_FDDI, DLT_ATM_RFC1483, DLT_LINUX_SLL,
                DLT_C_HDLC, DLT_IEEE802_11, DLT_PRISM, DLT_PPP_HDLC, DLT_PPP, DLT_NULL,
                DLT_IEEE802_11_RADIO)


# ---- data path ------------------------------------------------------------------------------

@njit(cache=True, _nrt=False)
def _be16(buf, at):
    return (np.int64(buf[at]) << 8) | np.int64(buf[at + 1])


@njit(cache=True, _nrt=False)
def _ip_ethertype(et):
    return et == 0x0800 or et == 0x86DD


@njit(cache=True, _nrt=False)
def _ether_ip(buf, start, n, pos):
    """An Ethernet header at pos: where its IP header starts (after one 802.1Q tag at
    most), or -1."""
    if pos + 14 <= n:
        et = _be16(buf, start + pos + 12)
        if _ip_ethertype(et):
            return pos + 14
        if et == 0x8100 and pos + 18 <= n and _ip_ethertype(_be16(buf, start + pos + 16)):
            return pos + 18
    return -1


@njit(cache=True, _nrt=False)
def _whole_ip_header(buf, start, n, iph):
    """iph when a whole IPv4 header (IHL >= 5) or 40 bytes of IPv6 start there, else -1."""
    # Click reads the version byte without a length check; here it is checked.
    if iph < 0 or iph >= n:
        return -1
    v = buf[start + iph] >> 4
    if v == 4:
        hl = np.int64(buf[start + iph] & 0x0F) << 2
        if hl >= 20 and iph + hl <= n:
            return iph
    elif v == 6:
        if iph + 40 <= n:
            return iph
    return -1


@njit(cache=True, _nrt=False)
def ether_ip_header_offset(buf, start, n):
    """ip_header_offset of an Ethernet frame (FromDevice's FORCE_IP): the same answer,
    without compiling every link type's walk into the data path."""
    return _whole_ip_header(buf, start, n, _ether_ip(buf, start, n, 0))


@njit(cache=True, _nrt=False)
def ip_header_offset(buf, start, n, dlt):
    """Offset (from start) of the IP header of the n-byte frame buf[start:start+n], or -1.

    Click's fake_pcap_force_ip: find the header under the link layer, then
    accept IPv4 with a whole header (ihl >= 5) or IPv6 with 40 bytes.  Every
    byte read is checked against n first.
    """
    # Link-layer walk; `mode` plays the role of Click's goto labels.
    pos = 0
    mode = dlt
    iph = -1
    for _ in range(n + 8):                 # every step that loops moves pos forward
        if mode == DLT_RAW or mode == 12:
            iph = pos
        elif mode == DLT_EN10MB:
            iph = _ether_ip(buf, start, n, pos)
        elif mode == DLT_FDDI:
            if pos + 21 <= n and (buf[start + pos] & 0xF0) == 0x50:
                pos += 13
                mode = DLT_ATM_RFC1483
                continue
        elif mode == DLT_SUNATM:
            pos += 4
            mode = DLT_ATM_RFC1483
            continue
        elif mode == DLT_ATM_RFC1483:
            b = start + pos
            if (pos + 8 <= n and buf[b] == 0xAA and buf[b + 1] == 0xAA and buf[b + 2] == 0x03
                    and buf[b + 3] == 0 and buf[b + 4] == 0 and buf[b + 5] == 0
                    and _ip_ethertype(_be16(buf, b + 6))):
                iph = pos + 8
            elif pos + 4 <= n and buf[b] == 0x06 and buf[b + 1] == 0x06:
                iph = pos + 4
            elif pos + 8 <= n and buf[b] == 0xAA and buf[b + 1] == 0xAA:
                org = (np.int64(buf[b + 3]) << 16) | (np.int64(buf[b + 4]) << 8) | np.int64(buf[b + 5])
                if org == 0 or org == 0xF8:
                    pos = pos + 6 - 12         # an Ethernet header ending at this ether_type
                    mode = DLT_EN10MB
                    continue
                elif org == 0x0080C2:
                    pid = _be16(buf, b + 6)
                    if pid == 1 or pid == 7:
                        pos += 8
                        mode = DLT_EN10MB
                        continue
                    elif pid == 4 or pid == 0xA:
                        pos += 9
                        mode = DLT_FDDI
                        continue
        elif mode == DLT_LINUX_SLL:
            if pos + 16 <= n and _ip_ethertype(_be16(buf, start + pos + 14)):
                iph = pos + 16
        elif mode == DLT_C_HDLC:
            if pos + 4 <= n and _ip_ethertype(_be16(buf, start + pos + 2)):
                iph = pos + 4
        elif mode == DLT_PPP_HDLC:
            if pos + 4 <= n:
                b = start + pos
                if buf[b] == 0xFF:
                    if buf[b + 2] == 0 and (buf[b + 3] == 0x21 or buf[b + 3] == 0x57):
                        iph = pos + 4
                elif buf[b] == 0x0F or buf[b] == 0x8F:
                    mode = DLT_C_HDLC
                    continue
        elif mode == DLT_PPP:
            if pos + 2 <= n and buf[start + pos] == 0xFF and buf[start + pos + 1] == 0x03:
                pos += 2
            if pos + 2 <= n:
                b = start + pos
                if buf[b] == 0x21 or buf[b] == 0x57:
                    iph = pos + 1
                elif buf[b] == 0 and (buf[b + 1] == 0x21 or buf[b + 1] == 0x57):
                    iph = pos + 2
        elif mode == DLT_PRISM:
            pos += 144
            mode = DLT_IEEE802_11
            continue
        elif mode == DLT_IEEE802_11:
            if pos + 24 <= n and (buf[start + pos] & 0x0C) == 0x08:
                pos += 30 if (buf[start + pos + 1] & 0x03) == 0x03 else 24
                mode = DLT_ATM_RFC1483
                continue
        elif mode == DLT_IEEE802_11_RADIO:
            if pos + 4 <= n:
                hlen = (np.int64(buf[start + pos + 3]) << 8) | np.int64(buf[start + pos + 2])
                if hlen >= 8:
                    pos += hlen
                    mode = DLT_IEEE802_11
                    continue
        elif mode == DLT_NULL:
            if pos + 4 <= n:
                b = start + pos
                family = np.int64(buf[b]) | (np.int64(buf[b + 1]) << 8)
                if family == 0:
                    family = (np.int64(buf[b + 2]) << 8) | np.int64(buf[b + 3])
                if family == 2 or family == 24 or family == 28 or family == 30:
                    iph = pos + 4
        break
    return _whole_ip_header(buf, start, n, iph)


@njit(cache=True, _nrt=False)
def _random(c):
    """xorshift32 in the state, 31 bits out (Click's click_random is random())."""
    return xorshift32(c, RNG) >> 1


@njit(cache=True, _nrt=False)
def _end_call(P, c):
    """Click's _end_h->call_write(): STOP, `active false`, or a handler the host makes."""
    a = c[END_ACTION]
    if a == END_STOP:
        c[ACTIVE] = 0
        P[5][C_STOP] += 1
    elif a == END_INACTIVE:
        c[ACTIVE] = 0
    elif a == END_ROUTER_STOP:
        P[5][C_STOP] += 1
    elif a == END_HANDLER:
        c[END_CALLS] += 1


@njit(cache=True, _nrt=False)
def _skip(st, i):
    c = st[4]
    c[NEXT] = i + 1
    c[FILEPOS] = st[3][i + 1]


@njit(cache=True, _nrt=False)
def _read_packet(P, st):
    """Click's read_packet: False at the end; True with or without a packet pending."""
    ts, fpos, c = st[2], st[3], st[4]
    i = c[NEXT]
    c[PKT_FILEPOS] = fpos[i]
    if i >= c[NREC]:
        return False
    t = ts[i]
    while True:                                  # check_times
        if c[HAVE_ANY] == 0:                     # prepare_times, at the first record read
            if c[FIRST_REL]:
                c[FIRST_T] += t
            if c[LAST_REL]:
                c[LAST_T] += t
            elif c[LAST_INTERVAL]:
                c[LAST_T] += c[FIRST_T]
            if c[TIMING]:
                c[TIMING_OFF] = P[5][C_NOW] - t
            c[HAVE_ANY] = 1
        if c[HAVE_FIRST]:
            if t < c[FIRST_T]:
                _skip(st, i)
                return True
            c[HAVE_FIRST] = 0
        if c[HAVE_LAST] and t >= c[LAST_T]:
            c[HAVE_LAST] = 0
            _end_call(P, c)
            if c[ACTIVE] == 0:
                _skip(st, i)
                return False
            continue                             # someone may have changed the end time
        break
    if c[SAMPLE] < SAMPLING_ONE and (_random(c) & (SAMPLING_ONE - 1)) >= c[SAMPLE]:
        _skip(st, i)
        return True
    _skip(st, i)
    if st[1][i + 1] - st[1][i] > MAX_PACKET:     # cannot fit a pool slot
        c[TOO_BIG] += 1
        return True
    c[PENDING] = i
    return True


@njit(cache=True, _nrt=False)
def _due(P, st):
    """TIMING: whether the pending packet's time (shifted to now) has come."""
    c = st[4]
    return P[5][C_NOW] >= st[2][c[PENDING]] + c[TIMING_OFF]


@njit(cache=True, _nrt=False)
def ip_offsets(data, off, dlt, out):
    """FORCE_IP, at configure time: out[i] = the IP header offset of record i
    (ip_header_offset), -1 when it is not IP.  Done once for the file rather than
    per packet, so the data path never compiles the link-layer walk (1.1 s of CPU
    in a one-process cold compile of the router)."""
    for i in range(min(out.size, off.size - 1)):
        out[i] = ip_header_offset(data, off[i], off[i + 1] - off[i], dlt)


@njit(cache=True, _nrt=False)
def _filter_ip(st):
    """FORCE_IP: drop the pending record if it is not IP; the IP header offset, or -1."""
    iph_of, c = st[5], st[4]
    i = c[PENDING]
    iph = iph_of[i] if 0 <= i < iph_of.size else -1
    if iph < 0:
        c[PENDING] = -1       # Click pushes it to output 1; see the class notes
        c[NOT_IP] += 1
    return iph


@njit(cache=True, _nrt=False)
def _emit(P, st, iph):
    """The pending record in a fresh slot, annotated; -1 when the pool is empty."""
    data, off, ts, c = st[0], st[1], st[2], st[4]
    s = alloc(P)
    if s < 0:
        return -1            # keep it pending; retry next time
    i = c[PENDING]
    a, n = off[i], off[i + 1] - off[i]
    buf, head, anno = P[0], P[1][s], P[3]
    copy_bytes(buf[s], head, data, a, n)
    P[2][s] = n
    anno[s, A_TSTAMP] = ts[i]
    if iph >= 0:
        anno[s, A_NH] = head + iph
        if data[a + iph] >> 4 == 4:
            anno[s, A_DST_IP] = ((np.int64(data[a + iph + 16]) << 24) | (np.int64(data[a + iph + 17]) << 16)
                                 | (np.int64(data[a + iph + 18]) << 8) | np.int64(data[a + iph + 19]))
    c[PENDING] = -1
    c[COUNT] += 1
    return s


@njit(cache=True, _nrt=False)
def _stop_requested(P, c):
    if c[STOP_REQ]:                  # the `stop` handler cannot reach the pool itself
        c[STOP_REQ] = 0
        P[5][C_STOP] += 1


@njit(cache=True, _nrt=False)
def fromdump_calls_pending(P, st):
    """An END_CALL the data path asked for waits for the host (take_handler_calls)."""
    return st[4][END_CALLS] != 0


@njit(cache=True, _nrt=False)
def fromdump_task(P, st):
    """Click's run_task: the next packet of the file, or -1 (not yet due, inactive, end)."""
    c = st[4]
    _stop_requested(P, c)
    if c[ACTIVE] == 0 or c[SCHED] == 0:
        return -1
    iph = -1
    while True:
        if c[PENDING] < 0 and not _read_packet(P, st):
            _end_call(P, c)
            c[SCHED] = 0             # Click does not reschedule the task at the end
            return -1
        if c[PENDING] >= 0 and c[TIMING] and not _due(P, st):
            return -1
        if c[PENDING] >= 0 and c[FORCE_IP]:
            iph = _filter_ip(st)
        if c[PENDING] >= 0:
            break
        if c[ACTIVE] == 0:           # an END time deactivated us while skipping
            return -1
    return _emit(P, st, iph)


@njit(cache=True, _nrt=False)
def fromdump_pull(P, port, st):
    """Click's pull: like run_task, one record per call, END_CALL at every pull at the end."""
    c = st[4]
    _stop_requested(P, c)
    if c[ACTIVE] == 0:
        return -1
    more = True
    if c[PENDING] < 0:
        more = _read_packet(P, st)
    if c[PENDING] >= 0 and c[TIMING] and not _due(P, st):
        return -1
    iph = -1
    if c[PENDING] >= 0 and c[FORCE_IP]:
        iph = _filter_ip(st)
    if not more:
        _end_call(P, c)
    if c[PENDING] >= 0:
        return _emit(P, st, iph)
    return -1


# ---- host side ------------------------------------------------------------------------------

def _ns(seconds: float | None) -> int:
    """Seconds to ns, at Click's microsecond Timestamp precision; 0 stays 0 (= unset)."""
    return 0 if not seconds else round(seconds * 1e6) * 1000


class FromDump(Element):
    """Reads packets from a tcpdump file.

    Emits the packets of FILENAME, a file written by `tcpdump -w` or ToDump
    (gzip- and bzip2-compressed files too), on output 0.  TIMING keeps the
    original gaps between packets; SAMPLE keeps each packet with that
    probability; START/START_AFTER and END/END_AFTER/INTERVAL select a time
    window.  With FORCE_IP only IP packets leave on output 0, with their IP
    header annotation set; the others go to output 1 if connected, else are
    dropped.  At the end, STOP stops the driver, or END_CALL calls a handler.

    clickpy reads the whole file when the configuration starts and emits each
    record into a fresh pool slot with its timestamp annotation.  Where it
    differs from Click: non-IP packets under FORCE_IP are never emitted, even
    with output 1 connected (a source's kernel returns one packet, for output
    0); records longer than a pool slot (1920 bytes) are skipped with a
    warning; the extra length annotation (len - caplen) is not kept; FILEPOS
    and the `filepos` handler accept only record boundaries; an END_CALL
    other than `stop` is made by the Router after the round in which the
    file ended (take_handler_calls).  A truncated or damaged file plays the records before
    the damage, with a warning, as Click does.
    """

    port_count = "0/1-2"
    processing = "a/ah"
    args = (
        Arg("FILENAME", Filename(), required=True, positional=True, doc="pcap file to read"),
        Arg("TIMING", Bool(), positional=True, default=False,
            doc="keep the original timing between packets"),
        Arg("STOP", Bool(), default=False, doc="stop the driver at the end of the file"),
        Arg("ACTIVE", Bool(), default=True, doc="emit packets at all"),
        Arg("SAMPLE", Real(0.0), default=1.0, doc="probability of emitting each packet, 0 to 1"),
        Arg("FORCE_IP", Bool(), default=False, doc="emit only IP packets, IP header marked"),
        Arg("START", Seconds(), doc="absolute time (seconds since 1970) of the first packet"),
        Arg("START_AFTER", Seconds(), doc="skip this much of the trace's beginning"),
        Arg("END", Seconds(), doc="absolute time at which to stop"),
        Arg("END_AFTER", Seconds(), doc="stop this long after the trace's first packet"),
        Arg("INTERVAL", Seconds(), doc="stop this long after the first packet emitted"),
        Arg("END_CALL", HandlerCallArg(), doc="write handler called at the end"),
        Arg("FILEPOS", Integer(0, name="file offset"), default=0,
            doc="(uncompressed) file offset of the first packet"),
        Arg("MMAP", Bool(), doc="read the file with mmap(2) (default: false on Linux)"),
    )
    handlers = (
        Handler("count", doc="packets emitted so far"),
        Handler("reset_counts", read=False, write=True, doc="reset count"),
        Handler("sampling_prob", doc="the sampling probability in use"),
        Handler("active", write=True, doc="whether packets are emitted"),
        Handler("encap", doc="the file's encapsulation type"),
        Handler("filename", doc="the FILENAME"),
        Handler("filesize", doc="file length in bytes, or '-'"),
        Handler("filepos", write=True, doc="position in the (uncompressed) file"),
        Handler("packet_filepos", doc="file position of the last packet emitted"),
        Handler("extend_interval", read=False, write=True, doc="push the end time back"),
        Handler("reset_timing", read=False, write=True, doc="reset TIMING's reference"),
        Handler("stop", read=False, write=True, doc="deactivate and stop the driver"),
    )
    new_packets = True
    run_task = fromdump_task
    pull = fromdump_pull
    host_pending = fromdump_calls_pending

    @classmethod
    def sets_for(cls, values):
        """FORCE_IP marks the IP header of what leaves output 0."""
        return {IP_HEADER: (0,)} if values.get("FORCE_IP") else {}

    @classmethod
    def check_config(cls, values, ctx):
        given = lambda *keys: [k for k in keys if values.get(k) is not None]  # noqa: E731
        issues: list[ArgIssue] = []
        if len(given("START", "START_AFTER")) > 1:
            issues.append(ArgIssue("START and START_AFTER are mutually exclusive", None,
                                   "keep one way of giving the start time"))
        if len(given("END", "END_AFTER", "INTERVAL")) > 1:
            issues.append(ArgIssue("END, END_AFTER, and INTERVAL are mutually exclusive", None,
                                   "keep one way of giving the end time"))
        if values.get("STOP") and values.get("END_CALL") is not None:
            issues.append(ArgIssue("END_CALL and STOP are mutually exclusive", None,
                                   "STOP true is the same as END_CALL stop; keep one"))
        sample = values.get("SAMPLE")
        if sample is not None and sample > 1:
            issues.append(ArgWarning("SAMPLE probability reduced to 1", None,
                                     "SAMPLE is a probability between 0 and 1"))
        elif sample == 0:
            issues.append(ArgWarning("SAMPLE probability is 0; emitting no packets", None,
                                     "SAMPLE is the probability of keeping each packet"))
        return issues

    # ---- state ---------------------------------------------------------------------------
    @classmethod
    def state(cls, values, n_inputs, n_outputs):
        """Read the whole file (Click's initialize); PcapError (a ValueError) if it cannot be."""
        name = values["FILENAME"]
        trace = read_pcap(name, strict=False)
        shown = trace.filename
        if trace.problem:
            warnings.warn(PcapWarning(f"{shown}: {trace.problem}; the {len(trace)} packets "
                                      "before it are read"), stacklevel=2)
        force_ip = bool(values.get("FORCE_IP"))
        if force_ip and trace.linktype not in FORCE_IPABLE:
            raise PcapError(shown, f"unknown linktype {trace.linktype}; can't force IP packets",
                            "FORCE_IP understands ETHER, IP, FDDI, ATM, SLL, HDLC, PPP, 802_11 "
                            "and NULL traces")
        if trace.linktype == LINKTYPE_RAW:
            force_ip = True
        big = int(np.count_nonzero(trace.caplen > MAX_PACKET))
        if big:
            warnings.warn(PcapWarning(f"{shown}: {big} packet(s) longer than a packet slot "
                                      f"({MAX_PACKET} bytes) will be skipped"), stacklevel=2)
        start = 0
        filepos = int(values.get("FILEPOS") or 0)
        if filepos:
            if trace.filesize is not None and filepos > trace.filesize:
                raise PcapError(shown, "FILEPOS out of range",
                                f"the file has {trace.filesize} bytes")
            start = cls._record_at(trace.filepos, filepos)
            if start is None:
                raise PcapError(shown, f"FILEPOS {filepos} is not the start of a packet record",
                                "give the file offset of a record header, e.g. a "
                                "packet_filepos value")
        c = np.zeros(NCTL, dtype=np.int64)
        n = len(trace)
        c[NEXT], c[NREC], c[PENDING] = start, n, -1
        c[ACTIVE] = 1 if values.get("ACTIVE", True) else 0
        c[SCHED] = 1
        c[TIMING] = 1 if values.get("TIMING") else 0
        c[FORCE_IP] = 1 if force_ip else 0
        c[LINKTYPE] = trace.linktype
        c[FILEPOS] = trace.filepos[start]
        c[FILESIZE] = -1 if trace.filesize is None else trace.filesize
        c[NOUT] = n_outputs
        c[RNG] = 0x2545F491                      # fixed seed: runs are reproducible
        sample = values.get("SAMPLE")
        c[SAMPLE] = SAMPLING_ONE if sample is None else min(round(sample * SAMPLING_ONE), SAMPLING_ONE)
        # Times, as Click's configure: a zero time counts as not given.
        first, first_off = _ns(values.get("START")), _ns(values.get("START_AFTER"))
        last, last_off, interval = (_ns(values.get("END")), _ns(values.get("END_AFTER")),
                                    _ns(values.get("INTERVAL")))
        c[HAVE_FIRST], c[HAVE_LAST] = 1, 1
        if first:
            c[FIRST_T] = first
        elif first_off:
            c[FIRST_T], c[FIRST_REL] = first_off, 1
        else:
            c[HAVE_FIRST], c[FIRST_REL] = 0, 1
        if last:
            c[LAST_T] = last
        elif last_off:
            c[LAST_T], c[LAST_REL] = last_off, 1
        elif interval:
            c[LAST_T], c[LAST_INTERVAL] = interval, 1
        else:
            c[HAVE_LAST] = 0
        end_call = values.get("END_CALL")
        if end_call is not None:
            router_stop = end_call.element is None and end_call.handler == "stop"
            c[END_ACTION] = END_ROUTER_STOP if router_stop else END_HANDLER
        elif values.get("STOP"):
            c[END_ACTION] = END_STOP
        elif c[HAVE_LAST]:
            c[END_ACTION] = END_INACTIVE
        iph = np.full(n if force_ip else 0, -1, dtype=np.int64)
        if force_ip:
            tiered.call(ip_offsets, trace.data.size <= SMALL_FILE, trace.data, trace.offsets,
                        trace.linktype, iph)
        return (trace.data, trace.offsets, trace.ts_ns, trace.filepos, c, iph)

    @staticmethod
    def _record_at(filepos: np.ndarray, offset: int) -> int | None:
        i = int(np.searchsorted(filepos, offset))
        return i if i < len(filepos) and int(filepos[i]) == offset else None

    @classmethod
    def take_handler_calls(cls, values, st) -> list[HandlerCall]:
        """END_CALLs the data path asked for since the last look (the host makes them)."""
        c = st[4]
        n, c[END_CALLS] = int(c[END_CALLS]), 0
        return [values["END_CALL"]] * n if values.get("END_CALL") is not None else []

    # ---- handlers ------------------------------------------------------------------------
    @classmethod
    def read_handler(cls, name, values, st):
        c = st[4]
        if name == "count":
            return str(int(c[COUNT]))
        if name == "sampling_prob":
            return unparse_real2(int(c[SAMPLE]), SAMPLING_SHIFT)
        if name == "active":
            return "true" if c[ACTIVE] else "false"
        if name == "encap":
            return unparse_linktype(int(c[LINKTYPE]))
        if name == "filename":
            return "<stdin>" if values["FILENAME"] == "-" else values["FILENAME"]
        if name == "filesize":
            return "-" if c[FILESIZE] < 0 else str(int(c[FILESIZE]))
        if name == "filepos":
            return str(int(c[FILEPOS]))
        if name == "packet_filepos":
            return str(int(c[PKT_FILEPOS]))
        raise KeyError(name)

    @classmethod
    def write_handler(cls, name, text, values, st):
        c = st[4]
        text = text.strip()
        if name == "reset_counts":
            c[COUNT] = 0
        elif name == "active":
            try:
                active = Bool().parse(text, ParseContext())
            except ArgError:
                raise ValueError(f"active: type mismatch: expected true or false, "
                                 f"not {text!r}") from None
            c[ACTIVE] = 1 if active else 0
            if active:
                c[SCHED] = 1
        elif name == "stop":
            c[ACTIVE] = 0
            c[STOP_REQ] = 1
        elif name == "extend_interval":
            try:
                seconds = Seconds().parse(text, ParseContext())
            except ArgError:
                raise ValueError(f"'extend_interval' takes a time interval, not {text!r}") from None
            c[LAST_T] += _ns(seconds)
            if c[END_ACTION] != END_NONE:
                c[HAVE_LAST] = 1
                c[ACTIVE] = 1
                c[SCHED] = 1
        elif name == "reset_timing":
            c[FIRST_REL] = 0
            c[LAST_REL] = 0
            c[LAST_INTERVAL] = 0
            c[HAVE_ANY] = 0
        elif name == "filepos":
            try:
                offset = int(text, 10)
                if offset < 0:
                    raise ValueError
            except ValueError:
                raise ValueError(f"filepos: argument must be file offset, not {text!r}") from None
            if c[FILESIZE] >= 0 and offset > c[FILESIZE]:
                raise ValueError(f"filepos: FILEPOS out of range (the file has "
                                 f"{int(c[FILESIZE])} bytes)")
            i = cls._record_at(st[3], offset)
            if i is None:
                raise ValueError(f"filepos: {offset} is not the start of a packet record "
                                 "(clickpy seeks only to record boundaries)")
            c[NEXT] = i
            c[FILEPOS] = offset
        else:
            raise KeyError(name)


__all__ = ["FromDump", "ether_ip_header_offset", "ip_header_offset"]
