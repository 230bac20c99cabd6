"""Print: logs a line per packet with its contents, for debugging.

The kernel copies what a line needs (length, headroom, timestamp,
annotations, the first bytes) into a record ring in the element's state;
host_flush formats the records exactly as Click's Print does and writes them
to standard error (Click's click_chatter), one line per packet.
"""
import sys

import numpy as np
from numba import njit

from clickpy.args import Arg, ArgError, ArgType, Bool, Integer, String
from clickpy.datapath.ipheader import parse_bool, unparse_bool
from clickpy.element import Element, Handler
from clickpy.packet import A_AGG, A_TSTAMP, A_VLAN, NANNO, SLOT_SIZE
from elements.standard.paint import ANNO_BYTES

ANNO_SIZE = 48          # Click's Packet::anno_size
RECORDS = 1024          # lines kept between two host flushes
ACTIVE, COUNT, LOST, BYTES, WITH_ANNO = range(5)  # control words
R_LENGTH, R_HEAD, R_TSTAMP, R_NDATA = range(4)    # record words


class _Contents(ArgType):
    """Print's CONTENTS: NONE, HEX or ASCII (any case), or a boolean (false = NONE)."""

    name = "contents mode"
    example = "HEX"

    def parse(self, text, ctx):
        word = text.strip()
        try:
            return "HEX" if Bool().parse(word, ctx) else "NONE"
        except ArgError:
            pass
        if word.upper() in ("NONE", "HEX", "ASCII"):
            return word.upper()
        raise ArgError(f"bad contents value {word!r}; should be 'NONE', 'HEX', or 'ASCII'",
                       "for example CONTENTS ASCII")


@njit(cache=True, _nrt=False)
def print_record(P, s, st):
    c, meta, annos, datas = st[0], st[1], st[2], st[3]
    if not c[ACTIVE]:
        return 0
    k = c[COUNT]
    if k >= meta.shape[0]:
        c[LOST] += 1
        return 0
    data, head, length, anno = P[0], P[1], P[2], P[3]
    n = length[s]
    b = c[BYTES]
    if b < 0 or n < b:
        b = n
    if b > datas.shape[1]:
        b = datas.shape[1]
    meta[k, R_LENGTH] = n
    meta[k, R_HEAD] = head[s]
    meta[k, R_TSTAMP] = anno[s, A_TSTAMP]
    meta[k, R_NDATA] = b
    h = head[s]
    for i in range(b):
        datas[k, i] = data[s, h + i]
    if c[WITH_ANNO]:
        for j in range(NANNO):
            annos[k, j] = anno[s, j]
    c[COUNT] = k + 1
    return 0


def anno_bytes(row) -> bytes:
    """The 48 annotation bytes Click would show for a packet's annotation columns."""
    out = bytearray(ANNO_SIZE)
    for offset, (column, shift) in ANNO_BYTES.items():
        out[offset] = (int(row[column]) >> shift) & 0xFF
    if not row[A_AGG] and row[A_VLAN]:  # VLAN_TCI shares bytes 20-21 with AGGREGATE
        out[20:22] = (int(row[A_VLAN]) & 0xFFFF).to_bytes(2, "big")
    return bytes(out)


def timestamp_text(ns: int) -> str:
    """Click's Timestamp unparse (microsecond precision, Click's default build)."""
    sec, sub = divmod(int(ns), 1_000_000_000)
    return f"{sec}.{sub // 1000:06d}"


def contents_text(data: bytes, mode: str) -> str:
    if mode == "HEX":
        return " ".join(data[i:i + 4].hex() for i in range(0, len(data), 4))
    text = "".join(chr(b) if 32 <= b <= 126 else "." for b in data)
    return "".join(" " + text[i:i + 8] for i in range(0, len(text), 8))


def format_line(values, length: int, head: int, tstamp: int, data: bytes, anno_row=None) -> str:
    """One line of Print's output, as Click's Print::simple_action builds it."""
    line, sep = "", ""
    if values.get("LABEL"):
        line, sep = values["LABEL"], ": "
    if values.get("TIMESTAMP"):
        line += sep + timestamp_text(tstamp)
        sep = ": "
    line += f"{sep}{length:4d}"
    if values.get("HEADROOM"):
        line += f" (h{head} t{SLOT_SIZE - head - length})"
    if values.get("PRINTANNO"):
        line += " | " + anno_bytes(anno_row).hex()
    if data:
        line += " | " + contents_text(data, values.get("CONTENTS") or "HEX")
    return line


@njit(cache=True, _nrt=False)
def print_pending(P, st):
    """Lines recorded (or lost) since the last flush: host_flush prints them."""
    return st[0][COUNT] != 0 or st[0][LOST] != 0


class Print(Element):
    """Prints packet contents, preceded by LABEL.

    Logs one line per packet: LABEL, then optionally the timestamp, the
    length, headroom and annotations, then up to MAXLENGTH bytes of data in
    hex (CONTENTS HEX, the default) or text (CONTENTS ASCII).  A negative
    MAXLENGTH prints the whole packet.  Packets pass through unchanged.
    """

    port_count = "1/1"
    processing = "a/a"
    args = (
        Arg("LABEL", String(), positional=True, default="", doc="text printed before each packet"),
        Arg("MAXLENGTH", Integer(name="byte count"), positional=True, default=24,
            doc="bytes of data printed; negative prints everything"),
        Arg("LENGTH", Integer(name="byte count"), doc="deprecated synonym for MAXLENGTH"),
        Arg("NBYTES", Integer(name="byte count"), doc="deprecated synonym for MAXLENGTH"),
        Arg("CONTENTS", _Contents(), default="HEX", doc="NONE, HEX or ASCII"),
        Arg("TIMESTAMP", Bool(), default=False, doc="print each packet's timestamp"),
        Arg("PRINTANNO", Bool(), default=False, doc="print the annotation bytes"),
        Arg("CPU", Bool(), default=False, doc="print the CPU (Linux kernel module only)"),
        Arg("HEADROOM", Bool(), default=False, doc="print headroom and tailroom"),
        Arg("ACTIVE", Bool(), default=True, doc="when false, print nothing"),
    )
    handlers = (Handler("active", write=True, doc="whether packets are printed"),)
    simple_action = print_record
    host_pending = print_pending

    @classmethod
    def max_bytes(cls, values) -> int:
        """Click's _bytes: NBYTES, else LENGTH, else MAXLENGTH (the last read wins)."""
        for key in ("NBYTES", "LENGTH", "MAXLENGTH"):
            if values.get(key) is not None:
                return values[key]
        return 24

    @classmethod
    def state(cls, values, n_inputs, n_outputs):
        nbytes = cls.max_bytes(values) if (values.get("CONTENTS") or "HEX") != "NONE" else 0
        width = SLOT_SIZE if nbytes < 0 else max(nbytes, 1)
        with_anno = bool(values.get("PRINTANNO"))
        c = np.array([bool(values.get("ACTIVE", True)), 0, 0, nbytes, with_anno], dtype=np.int64)
        return (c, np.zeros((RECORDS, 4), dtype=np.int64),
                np.zeros((RECORDS if with_anno else 1, NANNO), dtype=np.int64),
                np.zeros((RECORDS, min(width, SLOT_SIZE)), dtype=np.uint8))

    @classmethod
    def lines(cls, values, st) -> list[str]:
        """The lines recorded since the last flush (and forget them)."""
        c, meta, annos, datas = st
        out = []
        for k in range(int(c[COUNT])):
            n = int(meta[k, R_NDATA])
            out.append(format_line(values, int(meta[k, R_LENGTH]), int(meta[k, R_HEAD]),
                                   int(meta[k, R_TSTAMP]), datas[k, :n].tobytes(),
                                   annos[k] if c[WITH_ANNO] else None))
        c[COUNT] = 0
        if c[LOST]:
            out.append(f"{values.get('LABEL') or 'Print'}: {int(c[LOST])} packets not printed "
                       f"(more than {RECORDS} in one round)")
            c[LOST] = 0
        return out

    @classmethod
    def host_flush(cls, values, st, pool):
        lines = cls.lines(values, st)
        if lines:
            sys.stderr.write("".join(line + "\n" for line in lines))
            sys.stderr.flush()

    @classmethod
    def host_close(cls, values, st, pool):
        cls.host_flush(values, st, pool)

    @classmethod
    def read_handler(cls, name, values, st):
        if name != "active":
            raise KeyError(name)
        return unparse_bool(st[0][ACTIVE])

    @classmethod
    def write_handler(cls, name, text, values, st):
        if name != "active":
            raise KeyError(name)
        st[0][ACTIVE] = parse_bool(text, "active")
