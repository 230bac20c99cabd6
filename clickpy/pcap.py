"""pcap files: libpcap's format, as tcpdump, Wireshark and Click's FromDump/ToDump use it.

Plain Python and numpy, shared by FromDump and ToDump, the tests and the
benchmarks.  read_pcap() reads a whole file into numpy arrays (concatenated
captured bytes, offsets, lengths, timestamps in ns since the epoch, file
positions); write_pcap() and PcapWriter write one.

Reading follows Click's FromDump: microsecond (0xA1B2C3D4), nanosecond
(0xA1B23C4D) and Kuznetsov's "modified" (0xA1B2CD34) magic numbers in
either byte order; files compressed with gzip, bzip2 or xz; version 2.x,
with 2.3-and-older files that swapped caplen and len; a record whose caplen
exceeds its len keeps len bytes (tcptrace's off-by-one); a record with
caplen over 65535 ends the trace ("bad packet header; giving up").  Problems
are PcapError (a ValueError) whose text starts with the file name.
"""
from __future__ import annotations

import bz2
import gzip
import lzma
import os
import struct
import sys
from dataclasses import dataclass
from typing import Iterable, Iterator, NamedTuple

import numpy as np

from clickpy import pcap_records as records
from clickpy.compile import tiered

MAGIC_USEC = 0xA1B2C3D4
MAGIC_NSEC = 0xA1B23C4D
MAGIC_MODIFIED = 0xA1B2CD34          # patched Linux libpcap: 8 more bytes per record header
VERSION_MAJOR, VERSION_MINOR = 2, 4
FILE_HEADER_LEN = 24
RECORD_HEADER_LEN = 16
MODIFIED_EXTRA = 8                   # ifindex (4), protocol (2), pkt_type (1), pad (1)
MAX_CAPLEN = 65535                   # Click gives up on records claiming more
SMALL_FILE = 1 << 16                 # bytes: indexed as plain Python unless compiled already

LINKTYPE_NULL = 0
LINKTYPE_ETHERNET = 1
LINKTYPE_RAW = 101                   # raw IPv4/IPv6
LINKTYPE_HOST_RAW = 12               # what some hosts write for raw IP; read as LINKTYPE_RAW

# Click's encapsulation words (fake_pcap_unparse_dlt), first name wins.
_DLT_NAMES = (("NULL", 0), ("IP", 101), ("ETHER", 1), ("FDDI", 10), ("ATM", 100),
              ("RFC1483", 100), ("ATM_RFC1483", 100), ("802_11", 105), ("802.11", 105),
              ("802_11_RADIO", 127), ("802.11_RADIO", 127), ("SLL", 113), ("AIRONET", 120),
              ("HDLC", 104), ("PPP_HDLC", 50), ("PPP", 9), ("SUNATM", 123), ("PRISM", 119))


def unparse_linktype(linktype: int) -> str:
    """Click's name for a link type (ETHER, IP, ...), `#N` when it has none."""
    for name, dlt in _DLT_NAMES:
        if dlt == linktype:
            return name
    return "<none>" if linktype < 0 else f"#{linktype}"


def canonical_linktype(linktype: int) -> int:
    """The file link type with host-specific numbers mapped to the canonical ones."""
    return LINKTYPE_RAW if linktype == LINKTYPE_HOST_RAW else linktype


class PcapError(ValueError):
    """A pcap file that cannot be read or written; the text starts with its name."""

    def __init__(self, filename: str, message: str, hint: str | None = None):
        self.filename, self.message, self.hint = filename, message, hint
        super().__init__(f"{filename}: {message}")


class PcapWarning(UserWarning):
    """A file read only in part (truncated, bad record): the records before are kept."""


class Record(NamedTuple):
    ts_ns: int          # timestamp, ns since the epoch
    data: bytes         # the captured bytes
    wirelen: int        # the packet's length on the wire (>= len(data))
    filepos: int        # file offset of the record header (uncompressed file)


@dataclass
class Trace:
    """A whole pcap file in numpy arrays; also a sequence of Records."""

    filename: str                 # the name as given ("<stdin>" for standard input)
    linktype: int                 # canonical link type (LINKTYPE_*)
    snaplen: int
    nanosecond: bool
    byteorder: str                # "<" or ">": the byte order the file was written in
    version: tuple[int, int]
    modified: bool                # Kuznetsov's modified record headers
    data: np.ndarray              # uint8: every record's captured bytes, concatenated
    offsets: np.ndarray           # int64[n + 1]: record i is data[offsets[i]:offsets[i + 1]]
    wirelen: np.ndarray           # int64[n]: original length on the wire
    ts_ns: np.ndarray             # int64[n]: timestamps, ns since the epoch
    filepos: np.ndarray           # int64[n + 1]: file offset of each record; [n]: where reading ended
    filesize: int | None          # bytes, None when not a regular file (compressed, stdin)
    problem: str | None = None    # why reading stopped before the end of the file, if it did

    def __len__(self) -> int:
        return len(self.ts_ns)

    def __getitem__(self, i: int) -> Record:
        if not -len(self) <= i < len(self):
            raise IndexError(i)
        i %= len(self)
        a, b = int(self.offsets[i]), int(self.offsets[i + 1])
        return Record(int(self.ts_ns[i]), self.data[a:b].tobytes(), int(self.wirelen[i]),
                      int(self.filepos[i]))

    def __iter__(self) -> Iterator[Record]:
        return (self[i] for i in range(len(self)))

    def frames(self) -> list[bytes]:
        return [r.data for r in self]

    @property
    def caplen(self) -> np.ndarray:
        return np.diff(self.offsets)


def _decompress(raw: bytes, name: str) -> tuple[bytes, bool]:
    """The file's bytes, uncompressed if gzip, bzip2 or xz (as Click pipes through zcat)."""
    kinds = ((b"\x1f\x8b", gzip.decompress, "gzip"), (b"BZh", bz2.decompress, "bzip2"),
             (b"\xfd7zXZ\x00", lzma.decompress, "xz"))
    for magic, decompress, kind in kinds:
        if raw.startswith(magic):
            try:
                return decompress(raw), True
            except (OSError, EOFError, ValueError, lzma.LZMAError) as e:
                raise PcapError(name, f"bad {kind} data ({e})",
                                "the file looks compressed but does not decompress") from None
    return raw, False


def parse_pcap(raw: bytes, filename: str = "<memory>", *, strict: bool = True,
               filesize: int | None = None) -> Trace:
    """Parse the bytes of a (decompressed) pcap file.

    strict: a truncated or bad record raises PcapError; otherwise reading
    stops there, as in Click, and Trace.problem says why.
    """
    n_raw = len(raw)
    if n_raw == 0:
        raise PcapError(filename, "empty file", "FromDump reads files written by tcpdump -w or ToDump")
    if n_raw < FILE_HEADER_LEN:
        raise PcapError(filename, "not a tcpdump file (too short)",
                        f"a pcap file starts with a {FILE_HEADER_LEN}-byte header")
    magics = (MAGIC_USEC, MAGIC_NSEC, MAGIC_MODIFIED)
    byteorder = "<"
    magic = struct.unpack_from("<I", raw)[0]
    if magic not in magics:
        byteorder = ">"
        magic = struct.unpack_from(">I", raw)[0]
    if magic not in magics:
        hint = ("this is a pcapng file; convert it with `editcap -F pcap`"
                if raw[:4] == b"\x0a\x0d\x0d\x0a" else "not written by tcpdump -w or ToDump")
        raise PcapError(filename, "not a tcpdump file (bad magic number)", hint)
    major, minor, _zone, _sigfigs, snaplen, linktype = struct.unpack_from(byteorder + "HHiIII", raw, 4)
    if major != VERSION_MAJOR:
        raise PcapError(filename, f"unknown major version {major}", "pcap files have version 2.x")
    nano = magic == MAGIC_NSEC
    modified = magic == MAGIC_MODIFIED
    extra = MODIFIED_EXTRA if modified else 0
    scale = 1 if nano else 1000
    buf = np.frombuffer(raw, dtype=np.uint8)
    big = byteorder == ">"
    args = (buf, FILE_HEADER_LEN, big, minor, extra, scale, MAX_CAPLEN)
    none = np.zeros(0, dtype=np.int64)
    small = n_raw <= SMALL_FILE
    n, _, _, _ = tiered.call(records.walk, small, *args, False, none, none, none, none, none)
    ts, wire, starts, lens = (np.zeros(n, dtype=np.int64) for _ in range(4))
    fpos = np.zeros(n + 1, dtype=np.int64)              # and where the walk stopped
    _, pos, why, detail = tiered.call(records.walk, small, *args, True,
                                      ts, wire, starts, lens, fpos)
    problem = None
    if why == records.TRUNCATED_HEADER:
        problem = f"truncated packet header at file offset {pos} (file ends inside it)"
    elif why == records.TOO_BIG:
        problem = (f"bad packet header; giving up (record at file offset {pos} "
                   f"claims {detail} captured bytes)")
    elif why == records.TRUNCATED_BODY:
        body = pos + RECORD_HEADER_LEN + extra
        problem = (f"truncated packet at file offset {pos} "
                   f"({detail} bytes captured, the file ends after {max(n_raw - body, 0)})")
    if problem is not None and strict:
        raise PcapError(filename, problem, "the file was cut short or is damaged")
    fpos[n] = pos
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(lens, out=offsets[1:])
    data = np.empty(int(offsets[-1]), dtype=np.uint8)
    tiered.call(records.gather, small, buf, starts, lens, offsets, data)
    return Trace(filename=filename, linktype=canonical_linktype(linktype), snaplen=snaplen,
                 nanosecond=nano, byteorder=byteorder, version=(major, minor), modified=modified,
                 data=data, offsets=offsets, wirelen=wire, ts_ns=ts,
                 filepos=fpos, filesize=filesize, problem=problem)


def read_pcap(path: str | os.PathLike, *, strict: bool = True) -> Trace:
    """Read a whole pcap file (`-`: standard input); see parse_pcap for `strict`."""
    path = os.fspath(path)
    if path == "-":
        name, raw, regular = "<stdin>", sys.stdin.buffer.read(), False
    else:
        name = path
        try:
            with open(os.path.expanduser(path), "rb") as f:
                raw = f.read()
                regular = os.path.isfile(os.path.expanduser(path))
        except OSError as e:
            raise PcapError(name, e.strerror or str(e), _open_hint(e)) from None
    raw, compressed = _decompress(raw, name)
    size = len(raw) if regular and not compressed else None
    return parse_pcap(raw, name, strict=strict, filesize=size)


def _open_hint(e: OSError) -> str | None:
    import errno
    if e.errno == errno.ENOENT:
        return "check the file name (relative names are relative to the current directory)"
    if e.errno in (errno.EACCES, errno.EPERM):
        return "check the file's permissions"
    if e.errno == errno.EISDIR:
        return "name a file, not a directory"
    return None


# ---- writing --------------------------------------------------------------------------------

def pcap_header(linktype: int = LINKTYPE_ETHERNET, snaplen: int = 65535, nano: bool = False,
                byteorder: str = "<") -> bytes:
    """A pcap file header, version 2.4, as ToDump writes it (thiszone 0, sigfigs 0)."""
    return struct.pack(byteorder + "IHHiIII", MAGIC_NSEC if nano else MAGIC_USEC, VERSION_MAJOR,
                       VERSION_MINOR, 0, 0, snaplen & 0xFFFFFFFF, linktype & 0xFFFFFFFF)


def record_header(ts_ns: int, caplen: int, wirelen: int, nano: bool = False,
                  byteorder: str = "<") -> bytes:
    """A record header: seconds, micro- (or nano-) seconds, caplen, len."""
    sec, sub = divmod(int(ts_ns), 1_000_000_000)
    if not nano:
        sub //= 1000
    return struct.pack(byteorder + "IIII", sec & 0xFFFFFFFF, sub, caplen & 0xFFFFFFFF,
                       wirelen & 0xFFFFFFFF)


def _compressor(path: str):
    for suffix, opener in ((".gz", gzip.open), (".bz2", bz2.open), (".xz", lzma.open)):
        if path.endswith(suffix):
            return opener
    return None


class PcapWriter:
    """Writes a pcap file: the header when opened, then one record per write().

    path `-` writes to standard output; names ending in .gz, .bz2 or .xz are
    compressed (Click's ToDump pipes through gzip/bzip2).  append=True adds
    records to a file whose header is already written.
    """

    def __init__(self, path: str | os.PathLike, linktype: int = LINKTYPE_ETHERNET,
                 snaplen: int = 65535, nano: bool = False, byteorder: str = "<",
                 append: bool = False):
        path = os.fspath(path)
        self.name = "<stdout>" if path == "-" else path
        self.nano, self.byteorder = nano, byteorder
        self.snaplen = snaplen & 0xFFFFFFFF
        if path == "-":
            self._f, self._own = sys.stdout.buffer, False
        else:
            real = os.path.expanduser(path)
            opener = _compressor(real)
            mode = "ab" if append else "wb"
            try:
                self._f = opener(real, mode) if opener else open(real, mode)
            except OSError as e:
                raise PcapError(self.name, e.strerror or str(e), _open_hint(e)) from None
            self._own = True
        if not append:
            self._write(pcap_header(linktype, snaplen, nano, byteorder))

    def _write(self, b: bytes) -> None:
        try:
            self._f.write(b)
        except OSError as e:
            raise PcapError(self.name, e.strerror or str(e)) from None

    def write(self, data: bytes | memoryview | np.ndarray, ts_ns: int = 0,
              wirelen: int | None = None) -> None:
        """One record: at most snaplen bytes of data; wirelen defaults to len(data)."""
        data = memoryview(data).cast("B") if not isinstance(data, bytes) else data
        n = len(data)
        caplen = min(n, self.snaplen) if self.snaplen else n
        self._write(record_header(ts_ns, caplen, n if wirelen is None else wirelen,
                                  self.nano, self.byteorder) + bytes(data[:caplen]))

    def write_records(self, records) -> None:
        """Records already serialized (headers in this writer's byte order): one write."""
        self._write(records)

    def flush(self) -> None:
        try:
            self._f.flush()
        except OSError as e:
            raise PcapError(self.name, e.strerror or str(e)) from None

    def close(self) -> None:
        if self._f is None:
            return
        try:
            if self._own:
                self._f.close()
            else:
                self._f.flush()
        except OSError as e:
            raise PcapError(self.name, e.strerror or str(e)) from None
        finally:
            self._f = None

    @property
    def closed(self) -> bool:
        return self._f is None

    def __enter__(self) -> "PcapWriter":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def write_pcap(path: str | os.PathLike, frames: Iterable, linktype: int = LINKTYPE_ETHERNET, *,
               snaplen: int = 65535, nano: bool = False, byteorder: str = "<") -> int:
    """Write frames to a pcap file; returns how many.

    Each frame is bytes (timestamp 0), a (ts_ns, bytes) or (ts_ns, bytes,
    wirelen) tuple, or a Record.
    """
    count = 0
    with PcapWriter(path, linktype, snaplen, nano, byteorder) as w:
        for fr in frames:
            if isinstance(fr, (bytes, bytearray, memoryview)):
                w.write(bytes(fr))
            elif isinstance(fr, Record):
                w.write(fr.data, fr.ts_ns, fr.wirelen)
            else:
                w.write(fr[1], fr[0], fr[2] if len(fr) > 2 else None)
            count += 1
    return count
