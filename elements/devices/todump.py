"""ToDump: writes packets to a tcpdump (pcap) file."""
import sys
import time
import weakref

import numpy as np
from numba import njit

from clickpy.args import Arg, ArgIssue, Bool, ElementRef, Integer, SpaceList
from clickpy.argtypes.filenames import Filename
from clickpy.argtypes.pcap_encap import ETHER, PcapEncap
from clickpy.element import Element, Handler
from clickpy.kernel import STOLEN, drop
from clickpy.packet import A_TSTAMP, C_NOW, NANNO, U, alloc, copy_bytes, release
from clickpy.pcap import PcapError, PcapWriter

RING = 1 << 16            # packets held for the host when the record buffer is full, at most
BUFFER = 1 << 20          # pcap records written by the data path between two host flushes

# Control words (state tuple: ring of slots, ctl, record buffer).
LEN, COUNT, ACTIVE, NOUT, SNAPLEN, MISSED, NANO, USED, RECORDS = range(9)
NCTL = 9


@njit(cache=True, _nrt=False)
def todump(P, s, st):
    """Write the packet's pcap record into the buffer the host flushes; else hold the packet.

    Records go straight into the buffer while it has room and no packet is
    held, so the slot is free again at once (holding a round's packets until
    the host writes them made every packet touch cold memory).  When it is
    full, packets are held in the ring, in order, for the host to serialize.
    """
    ring, c, out = st[0], st[1], st[2]
    if c[ACTIVE] == 0:                      # a write failed: Click stops writing
        return 0 if c[NOUT] > 0 else drop(1)
    if c[LEN] == 0:
        used = _record(P, s, c[SNAPLEN], c[NANO], P[5][C_NOW], out, c[USED])
        if used > 0:
            c[USED] = used
            c[RECORDS] += 1
            if c[NOUT] > 0:
                return 0
            release(P, s)
            return STOLEN
    if c[LEN] >= ring.shape[0]:
        c[MISSED] += 1
        return 0 if c[NOUT] > 0 else drop(0)
    rec = s
    if c[NOUT] > 0:
        # The packet goes on: hold a copy of the bytes the file gets (not a
        # counted packet: it never leaves ToDump and the host frees it).
        rec = alloc(P)
        if rec < 0:
            c[MISSED] += 1
            return 0
        data, head, length, anno = P[0], P[1], P[2], P[3]
        h, n = head[s], length[s]
        head[rec] = h                       # same place as the original: always fits
        caplen = min(n, c[SNAPLEN])
        copy_bytes(data[rec], h, data[s], h, caplen)
        length[rec] = n                     # the wire length; only caplen bytes are copied
        for k in range(NANNO):
            anno[rec, k] = anno[s, k]
    ring[c[LEN]] = rec
    c[LEN] += 1
    return 0 if c[NOUT] > 0 else STOLEN


@njit(cache=True, _nrt=False)
def _le32(out, at, value):
    a = U(at)
    out[a] = value & 0xFF
    out[a + U(1)] = (value >> 8) & 0xFF
    out[a + U(2)] = (value >> 16) & 0xFF
    out[a + U(3)] = (value >> 24) & 0xFF


@njit(cache=True, _nrt=False)
def _record(P, s, snaplen, nano, now, out, used):
    """Packet s's pcap record (little-endian header) at out[used:]: the new end, or -1 if no room.

    A packet without a timestamp gets `now`, as Click's ToDump gives it the current time.
    """
    data, head, length, anno = P[0], P[1], P[2], P[3]
    h, wire = head[s], length[s]
    caplen = min(wire, snaplen)
    if used + 16 + caplen > out.shape[0]:
        return -1
    ts = anno[s, A_TSTAMP]
    if ts == 0:
        ts = now
    sec = ts // 1000000000
    frac = ts % 1000000000 if nano else (ts % 1000000000) // 1000
    _le32(out, used, sec)
    _le32(out, used + 4, frac)
    _le32(out, used + 8, caplen)
    _le32(out, used + 12, wire)
    used += 16
    copy_bytes(out, used, data[s], h, caplen)
    return used + caplen


@njit(cache=True, _nrt=False)
def serialize(P, ring, start, n, snaplen, nano, now, out):
    """pcap records of the held packets ring[start:n] into out, as many as fit: (next, bytes)."""
    used = 0
    k = start
    while k < n:
        end = _record(P, ring[k], snaplen, nano, now, out, used)
        if end < 0:
            break
        used = end
        k += 1
    return k, used


_OUT = np.empty(1 << 20, dtype=np.uint8)     # one host flush's records, reused


@njit(cache=True, _nrt=False)
def _release_all(P, ring, n):
    for k in range(n):
        release(P, ring[k])


# Open files, by the id of the element's ctl array; closed when that array goes.
_WRITERS: dict[int, tuple[weakref.ref, PcapWriter]] = {}


def _forget(key: int) -> None:
    entry = _WRITERS.pop(key, None)
    if entry is not None:
        try:
            entry[1].close()
        except (PcapError, OSError):
            pass


def _remember(c: np.ndarray, writer: PcapWriter) -> None:
    _forget(id(c))
    _WRITERS[id(c)] = (weakref.ref(c), writer)
    weakref.finalize(c, _forget, id(c))


@njit(cache=True, _nrt=False)
def todump_pending(P, st):
    """Records written or packets held this round: host_flush writes them out."""
    return st[1][LEN] != 0 or st[1][USED] != 0


class ToDump(Element):
    """Writes packets to a tcpdump file.

    Writes each packet to FILENAME (`-`: standard output) in `tcpdump -w`
    format, at most SNAPLEN bytes of it (default 2000; 0 means all).  ENCAP
    (default ETHER) names the packets' first header and must be right for
    tcpdump to read the file; USE_ENCAP_FROM copies it from the `encap`
    handlers of the named elements instead.  Packets continue out the
    optional output; a pull ToDump without output schedules itself.

    clickpy opens the file and writes its header when the configuration
    starts; the data path records packets and the host writes them after each
    round (names ending in .gz, .bz2, .xz are compressed).  Where it differs
    from Click: the extra length annotation is not kept, so a record's length
    is the packet's; USE_ENCAP_FROM cannot be resolved yet (give ENCAP).
    """

    port_count = "1/0-1"
    processing = "a/a"
    args = (
        Arg("FILENAME", Filename(), required=True, positional=True,
            doc="file to write; '-' for standard output"),
        Arg("SNAPLEN", Integer(0, 0xFFFFFFFF, name="byte count"), positional=True, default=2000,
            doc="bytes stored per packet; 0 means all"),
        Arg("ENCAP", PcapEncap(), positional=True, doc="packets' link type (default ETHER)"),
        Arg("USE_ENCAP_FROM", SpaceList(ElementRef()),
            doc="elements whose 'encap' handlers give ENCAP"),
        Arg("EXTRA_LENGTH", Bool(), default=True,
            doc="record the extra length annotation in the packet length"),
        Arg("UNBUFFERED", Bool(), default=False, doc="write without buffering"),
        Arg("NANO", Bool(), doc="write nanosecond timestamps"),
    )
    handlers = (
        Handler("count", doc="packets written so far"),
        Handler("reset_counts", read=False, write=True, doc="reset count"),
        Handler("filename", doc="the FILENAME"),
    )
    drop_reasons = ("dump record ring full", "not written after a file error")
    simple_action = todump
    host_pending = todump_pending
    sink = "forwarded"

    @classmethod
    def encapsulation(cls, values):
        """The link type written: ENCAP, else ETHER (None when USE_ENCAP_FROM decides)."""
        if values.get("USE_ENCAP_FROM"):
            return None
        return values.get("ENCAP") or ETHER

    @classmethod
    def check_config(cls, values, ctx):
        from_elements = values.get("USE_ENCAP_FROM")
        if from_elements is not None and values.get("ENCAP") is not None:
            return [ArgIssue("specify at most one of 'ENCAP' and 'USE_ENCAP_FROM'", None,
                             "ENCAP names the link type; USE_ENCAP_FROM copies it from elements")]
        if from_elements is not None and not from_elements:
            return [ArgIssue("element names missing after 'USE_ENCAP_FROM'", None,
                             "for example USE_ENCAP_FROM src, where src is a FromDump")]
        return []

    # ---- state and host I/O ----------------------------------------------------------------
    @staticmethod
    def _snaplen(values) -> int:
        snaplen = values.get("SNAPLEN")
        snaplen = 2000 if snaplen is None else snaplen
        return 0xFFFFFFFF if snaplen == 0 else snaplen

    @classmethod
    def state(cls, values, n_inputs, n_outputs):
        """Open the file and write its header (Click's initialize); PcapError if it cannot."""
        encap = cls.encapsulation(values)
        if encap is None:
            raise ValueError(f"{values['FILENAME']}: USE_ENCAP_FROM needs other elements' "
                             "'encap' handlers, which clickpy cannot read when it starts yet; "
                             "give ENCAP instead")
        snaplen = cls._snaplen(values)
        writer = PcapWriter(values["FILENAME"], encap.linktype, snaplen, bool(values.get("NANO")))
        c = np.zeros(NCTL, dtype=np.int64)
        c[ACTIVE], c[NOUT], c[SNAPLEN] = 1, n_outputs, snaplen
        c[NANO] = bool(writer.nano)
        _remember(c, writer)
        return (np.zeros(RING, dtype=np.int32), c, np.zeros(BUFFER, dtype=np.uint8))

    @classmethod
    def _writer(cls, values, c) -> PcapWriter | None:
        entry = _WRITERS.get(id(c))
        if entry is not None and entry[0]() is c and not entry[1].closed:
            return entry[1]
        # State copied or closed by host_close: append to the file state() started.
        encap = cls.encapsulation(values) or ETHER
        try:
            writer = PcapWriter(values["FILENAME"], encap.linktype, int(c[SNAPLEN]),
                                bool(values.get("NANO")), append=True)
        except PcapError as e:
            cls._failed(c, e)
            return None
        _remember(c, writer)
        return writer

    @staticmethod
    def _failed(c, e: Exception) -> None:
        c[ACTIVE] = 0
        print(f"ToDump({getattr(e, 'filename', '?')}): {getattr(e, 'message', e)}", file=sys.stderr)

    @classmethod
    def host_flush(cls, values, st, pool):
        """Write the records the data path wrote this round, then the packets it held."""
        ring, c, out = st
        n, used = int(c[LEN]), int(c[USED])
        if n == 0 and used == 0:
            return
        writer = cls._writer(values, c) if c[ACTIVE] else None
        if writer is not None and used:
            try:
                writer.write_records(out[:used])
                c[COUNT] += c[RECORDS]
            except PcapError as e:
                cls._failed(c, e)
        c[USED] = c[RECORDS] = 0
        if writer is not None and c[ACTIVE] and n:
            # Serialized by compiled code, written in large pieces: no per-packet Python.
            k, now, nano = 0, time.time_ns(), bool(writer.nano)
            while k < n:
                nxt, used = serialize(pool.arrays, ring, k, n, int(c[SNAPLEN]), nano, now, _OUT)
                try:
                    writer.write_records(_OUT[:used])
                except PcapError as e:
                    cls._failed(c, e)
                    break
                c[COUNT] += nxt - k
                k = nxt
        if writer is not None and c[ACTIVE] and values.get("UNBUFFERED"):
            try:
                writer.flush()
            except PcapError as e:
                cls._failed(c, e)
        _release_all(pool.arrays, ring, n)
        c[LEN] = 0

    @classmethod
    def host_close(cls, values, st, pool):
        cls.host_flush(values, st, pool)
        entry = _WRITERS.pop(id(st[1]), None)
        if entry is not None:
            try:
                entry[1].close()
            except PcapError as e:
                cls._failed(st[1], e)

    # ---- handlers ----------------------------------------------------------------------------
    @classmethod
    def read_handler(cls, name, values, st):
        if name == "count":
            return str(int(st[1][COUNT]))
        if name == "filename":
            return "<stdout>" if values["FILENAME"] == "-" else values["FILENAME"]
        raise KeyError(name)

    @classmethod
    def write_handler(cls, name, text, values, st):
        if name != "reset_counts":
            raise KeyError(name)
        st[1][COUNT] = 0
