"""IPPrint: prints IP packets in a tcpdump-like format."""
import ipaddress
import sys

import numpy as np
from numba import njit

from clickpy.args import Arg, ArgError, ArgIssue, ArgType, Bool, Integer, String, Word
from clickpy.argtypes.ip_names import ICMP_CODES, ICMP_TYPES, IP_PROTOCOLS
from clickpy.datapath.ipheader import parse_bool, unparse_bool
from clickpy.element import IP_HEADER, Element, Handler
from clickpy.packet import A_AGG, A_NH, A_PAINT, A_TH, A_TSTAMP, SLOT_SIZE

# The kernel copies each packet it would print into a record; host_flush
# formats the records after each round, as Click's simple_action would.
RECORDS = 1024
ACTIVE, COUNT, LOST, OPENED = range(4)                        # control words
R_HEAD, R_END, R_LO, R_NH, R_TH, R_TSTAMP, R_AGG, R_PAINT = range(8)  # record words


@njit(cache=True, _nrt=False)
def ip_print(P, s, st):
    data, head, length, anno = P[0], P[1], P[2], P[3]
    c, meta, buf = st[0], st[1], st[2]
    nh = anno[s, A_NH]
    if c[ACTIVE] == 0 or nh < 0:
        return 0
    k = c[COUNT]
    if k >= meta.shape[0]:
        c[LOST] += 1
        return 0
    h = head[s]
    end = h + length[s]
    lo = min(h, nh)
    for i in range(lo, end):
        buf[k, i] = data[s, i]
    meta[k, R_HEAD], meta[k, R_END], meta[k, R_LO] = h, end, lo
    meta[k, R_NH], meta[k, R_TH] = nh, anno[s, A_TH]
    meta[k, R_TSTAMP], meta[k, R_AGG], meta[k, R_PAINT] = (
        anno[s, A_TSTAMP], anno[s, A_AGG], anno[s, A_PAINT])
    c[COUNT] = k + 1
    return 0


# ---- host side: Click's IPPrint text ------------------------------------------

def _name(table: dict[str, int], value: int) -> str | None:
    """Click's NameInfo::revquery_int: the first name (alphabetically) for a value."""
    for name in sorted(table):
        if table[name] == value:
            return name
    return None


def _timestamp(ns: int) -> str:
    """Click's Timestamp unparse (nanosecond build): 6 subsecond digits, 9 when needed."""
    sec, sub = divmod(ns, 1_000_000_000)
    sign = ""
    if sec < 0:
        sign = "-"
        sec, sub = (-sec, 0) if sub == 0 else (-sec - 1, 1_000_000_000 - sub)
    if sub % 1000 == 0:
        return f"{sign}{sec}.{sub // 1000:06d}"
    return f"{sign}{sec}.{sub:09d}"


class _Packet:
    """One record: bytes at absolute slot offsets lo..end, and the annotations."""

    def __init__(self, row, m):
        self.row = row
        self.head, self.end, self.lo = int(m[R_HEAD]), int(m[R_END]), int(m[R_LO])
        self.nh, self.th = int(m[R_NH]), int(m[R_TH])
        self.tstamp, self.agg, self.paint = int(m[R_TSTAMP]), int(m[R_AGG]), int(m[R_PAINT])

    def b(self, at: int) -> int:
        return int(self.row[at]) if self.lo <= at < self.end else 0

    def u16(self, at: int) -> int:
        return (self.b(at) << 8) | self.b(at + 1)

    def u32(self, at: int) -> int:
        return (self.u16(at) << 16) | self.u16(at + 2)

    def addr(self, at: int) -> str:
        return str(ipaddress.IPv4Address(self.u32(at)))


def _tcp(p: _Packet, tl: int, first: bool) -> str:
    ip, th = p.nh, p.th
    pair = f"{p.addr(ip + 12)} > {p.addr(ip + 16)}"
    if tl < 4 or not first:
        return pair + (": truncated-tcp" if first else ": tcp")
    out = f"{p.addr(ip + 12)}.{p.u16(th)} > {p.addr(ip + 16)}.{p.u16(th + 2)}: "
    if tl < 14:
        return out + "truncated-tcp"
    ip_len = p.u16(ip + 2)
    seqlen = ip_len - ((p.b(ip) & 0xF) << 2) - ((p.b(th + 12) >> 4) << 2)
    flags = p.b(th + 13)
    if flags & 0x02:                # SYN
        out += "S"
        seqlen += 1
    if flags & 0x01:                # FIN
        out += "F"
        seqlen += 1
    if flags & 0x04:                # RST
        out += "R"
    if flags & 0x08:                # PUSH
        out += "P"
    if not flags & 0x0F:
        out += "."
    seq = p.u32(th + 4)
    out += f" {seq}:{(seq + seqlen) & 0xFFFFFFFF}({seqlen},{p.end - p.head},{ip_len})"
    if flags & 0x10:                # ACK
        out += f" ack {p.u32(th + 8)}"
    if tl < 16:
        return out + "truncated-tcp"
    return out + f" win {p.u16(th + 14)}"


def _udp(p: _Packet, tl: int, first: bool) -> str:
    ip, th = p.nh, p.th
    if tl < 4 or not first:
        return f"{p.addr(ip + 12)} > {p.addr(ip + 16)}" + (": truncated-udp" if first else ": udp")
    out = f"{p.addr(ip + 12)}.{p.u16(th)} > {p.addr(ip + 16)}.{p.u16(th + 2)}: "
    if tl < 8:
        return out + "truncated-udp"
    return out + f"udp {p.u16(th + 4)}"


def _proto(p: int, prepend: bool) -> str:
    name = _name(IP_PROTOCOLS, p)
    return name if name else (f"protocol {p}" if prepend else str(p))


def _icmp(p: _Packet, tl: int, first: bool, swap: bool) -> str:
    ip, th = p.nh, p.th
    out = f"{p.addr(ip + 12)} > {p.addr(ip + 16)}: "
    if not first:
        return out + "icmp"
    if tl < 2:
        return out + "truncated-icmp"
    kind, code = p.b(th), p.b(th + 1)
    if kind in (0, 8):              # echo-reply, echo
        out += "icmp echo-reply " if kind == 0 else "icmp echo "
        if tl < 8:
            return out + "truncated-icmp"

        def field(at):              # Click prints the raw 16-bit field, swapped if SWAP
            big = p.u16(at)
            return big if swap else ((big & 0xFF) << 8) | (big >> 8)
        return out + f"({field(th + 4)}, {field(th + 6)})"
    if kind == 3:                   # unreachable
        code_name = _name(ICMP_CODES[3], code) or f"code {code}"
        inner = th + 8
        inner_len = tl - 8
        if inner_len < 20:
            return out + f"icmp unreachable {code_name} truncated-icmp"
        inner_hl = (p.b(inner) & 0xF) << 2
        out += f"icmp {p.addr(inner + 16)} unreachable {code_name}"
        if code == 2:               # protocol
            out += " " + _proto(p.b(inner + 9), False)
        elif code == 3:             # port
            out += " " + _proto(p.b(inner + 9), True)
            if inner_len - inner_hl < 4:
                return out + "truncated-icmp"
            out += f"/{p.u16(inner + inner_hl + 2)}"
        elif code == 4:             # needfrag
            mtu = p.u16(th + 6)
            if mtu:
                out += f" (mtu {mtu})"
        return out
    out += "icmp " + (_name(ICMP_TYPES, kind) or f"type {kind}")
    code_name = _name(ICMP_CODES.get(kind, {}), code)
    if code_name:
        out += " " + code_name
    elif code:
        out += f" code {code}"
    return out


def format_record(values, row, m) -> str:
    """The line Click's IPPrint prints for one recorded packet (without the newline)."""
    p = _Packet(row, m)
    out = ""
    if values.get("LABEL"):
        out += values["LABEL"] + ": "
    if values.get("TIMESTAMP", True):
        out += _timestamp(p.tstamp) + ": "
    aggregate, paint = values.get("AGGREGATE"), values.get("PAINT")
    if aggregate:
        out += f"#{p.agg & 0xFFFFFFFF}"
    if paint:
        out += ("." if aggregate else "paint ") + str(p.paint & 0xFF)
    if aggregate or paint:
        out += ": "
    ip = p.nh
    if p.end - ip < 20:
        return out + "truncated-ip"
    ip_len = p.u16(ip + 2)
    hl = (p.b(ip) & 0xF) << 2
    payload_len = ip_len - hl
    if p.th < 0:
        p.th = ip + hl
    tl = min(p.end - p.th, payload_len)
    if values.get("ID"):
        out += f"id {p.u16(ip + 4)} "
    if values.get("TTL"):
        out += f"ttl {p.b(ip + 8)} "
    if values.get("TOS"):
        out += f"tos {p.b(ip + 1)} "
    if values.get("LENGTH"):
        out += f"length {ip_len} "
    proto, off = p.b(ip + 9), p.u16(ip + 6)
    first = (off & 0x1FFF) == 0
    if proto == 6:
        out += _tcp(p, tl, first)
    elif proto == 17:
        out += _udp(p, tl, first)
    elif proto == 1:
        out += _icmp(p, tl, first, values.get("SWAP", True) is not False)
    else:
        out += f"{p.addr(ip + 12)} > {p.addr(ip + 16)}: ip-proto-{proto}"
    if off & 0x3FFF:                # IP_MF | IP_OFFMASK
        out += (f" (frag {p.u16(ip + 4)}:{payload_len}@{(off & 0x1FFF) << 3}"
                f"{'+' if off & 0x2000 else ''})")
    contents, payload = values.get("CONTENTS", "none"), values.get("PAYLOAD", "none")
    mode = payload if payload != "none" else contents
    if mode == "none":
        return out
    if payload != "none":
        if first and proto == 6:
            # The TCP header length byte must be in the packet to find the payload.
            data = p.th + ((p.b(p.th + 12) >> 4) << 2) if p.th + 12 < p.end else p.end
        elif first and proto == 17:
            data = p.th + 8
        else:
            data = p.th
    else:
        data = p.head
    nbytes = values.get("NBYTES")
    nbytes = values.get("MAXLENGTH", 1500) if nbytes is None else nbytes
    if data >= p.end:
        nbytes = 0
    elif nbytes < 0 or p.end - data < nbytes:
        nbytes = p.end - data
    parts = []
    for i in range(nbytes):
        x = p.b(data + i)
        if mode == "hex":
            parts.append("\n  " if i % 24 == 0 else (" " if i % 4 == 0 else ""))
            parts.append(f"{x:02x}")
        else:
            parts.append("\n  " if i % 48 == 0 else (" " if i % 8 == 0 else ""))
            parts.append(chr(x) if 32 <= x <= 126 else ".")
    return out + "".join(parts)


class _Contents(ArgType):
    """CONTENTS: a boolean or NONE/HEX/ASCII; PAYLOAD: false/true/HEX/ASCII (any case).

    The value is "none", "hex" or "ascii".
    """

    name = "contents mode"
    example = "HEX"
    _WORDS = {
        "CONTENTS": {"NONE": "none", "FALSE": "none", "NO": "none", "0": "none",
                     "HEX": "hex", "TRUE": "hex", "YES": "hex", "1": "hex", "ASCII": "ascii"},
        "PAYLOAD": {"NO": "none", "FALSE": "none", "YES": "hex", "TRUE": "hex",
                    "HEX": "hex", "ASCII": "ascii"},
    }

    def __init__(self, keyword: str):
        self.keyword = keyword

    def parse(self, text, ctx):
        word = text.strip()
        mode = self._WORDS[self.keyword].get(word.upper())
        if mode is not None:
            return mode
        if self.keyword == "PAYLOAD":
            raise ArgError(f"bad payload value '{word}'; should be 'false', 'hex', or 'ascii'",
                           "for example PAYLOAD ascii")
        raise ArgError(f"bad contents value '{word}'; should be 'NONE', 'HEX', or 'ASCII'",
                       "for example CONTENTS HEX")


@njit(cache=True, _nrt=False)
def ip_print_pending(P, st):
    """Records (or lost ones) since the last flush: host_flush formats them."""
    return st[0][COUNT] != 0 or st[0][LOST] != 0


class IPPrint(Element):
    """Pretty-prints IP packets, tcpdump-style, preceded by LABEL.

    Place it after CheckIPHeader or an equivalent: it reads the IP header
    annotation.  Packets pass through unchanged.  CONTENTS or PAYLOAD also
    dumps the packet or its payload in hex or ASCII.
    """

    port_count = "1/1"
    processing = "a/a"
    args = (
        Arg("LABEL", String(), positional=True, default="", doc="text printed first"),
        Arg("CONTENTS", _Contents("CONTENTS"), default="none",
            doc="dump the whole packet: NONE, HEX or ASCII"),
        Arg("PAYLOAD", _Contents("PAYLOAD"), default="none",
            doc="dump only the payload: false, HEX or ASCII"),
        Arg("MAXLENGTH", Integer(), default=1500, doc="bytes to dump; -1 for all"),
        Arg("NBYTES", Integer(), doc="deprecated name of MAXLENGTH"),
        Arg("ID", Bool(), default=False, doc="print the IP ID"),
        Arg("TIMESTAMP", Bool(), default=True, doc="print the timestamp"),
        Arg("PAINT", Bool(), default=False, doc="print the paint annotation"),
        Arg("TOS", Bool(), default=False, doc="print the TOS field"),
        Arg("TTL", Bool(), default=False, doc="print the TTL field"),
        Arg("SWAP", Bool(), default=True,
            doc="byte-swap ICMP ids and sequence numbers (Click's code defaults to true; "
                "its documentation says false)"),
        Arg("LENGTH", Bool(), default=False, doc="print the IP length"),
        Arg("AGGREGATE", Bool(), default=False, doc="print the aggregate annotation"),
        Arg("ACTIVE", Bool(), default=True, doc="print anything at all"),
        Arg("OUTFILE", String(), doc="file to print to instead of standard error"),
        Arg("CHANNEL", Word(), doc="chatter channel to print to"),
    )
    handlers = (Handler("active", write=True, doc="the ACTIVE setting"),)
    requires = {IP_HEADER: (0,)}
    simple_action = ip_print
    host_pending = ip_print_pending

    @classmethod
    def state(cls, values, n_inputs, n_outputs):
        c = np.zeros(4, dtype=np.int64)
        c[ACTIVE] = values.get("ACTIVE", True) is not False
        return (c, np.zeros((RECORDS, 8), dtype=np.int64),
                np.zeros((RECORDS, SLOT_SIZE), dtype=np.uint8))

    @classmethod
    def read_handler(cls, name, values, st):
        if name == "active":
            return unparse_bool(st[0][ACTIVE])
        raise KeyError(name)

    @classmethod
    def write_handler(cls, name, text, values, st):
        if name != "active":
            raise KeyError(name)
        st[0][ACTIVE] = parse_bool(text, name)

    @classmethod
    def lines(cls, values, st) -> list[str]:
        """The recorded packets' lines, oldest first; empties the record buffer."""
        c, meta, buf = st
        out = [format_record(values, buf[k], meta[k]) for k in range(int(c[COUNT]))]
        if c[LOST]:
            out.append(f"IPPrint: {int(c[LOST])} packets not printed (more than {RECORDS} "
                       "in one round)")
        c[COUNT] = c[LOST] = 0
        return out

    @classmethod
    def host_flush(cls, values, st, pool):
        c = st[0]
        if c[COUNT] == 0 and c[LOST] == 0:
            return
        text = "".join(line + "\n" for line in cls.lines(values, st))
        if values.get("OUTFILE"):
            # Click opens (truncates) OUTFILE at initialization and appends each line.
            with open(values["OUTFILE"], "ab" if c[OPENED] else "wb") as f:
                f.write(text.encode("latin-1"))
            c[OPENED] = 1
        else:
            sys.stderr.write(text)
            sys.stderr.flush()

    @classmethod
    def host_close(cls, values, st, pool):
        cls.host_flush(values, st, pool)
        if values.get("OUTFILE") and not st[0][OPENED]:
            open(values["OUTFILE"], "wb").close()
            st[0][OPENED] = 1

    @classmethod
    def check_config(cls, values, ctx):
        if values.get("CONTENTS", "none") != "none" and values.get("PAYLOAD", "none") != "none":
            return [ArgIssue("specify at most one of PAYLOAD and CONTENTS", None,
                             "CONTENTS dumps the whole packet, PAYLOAD only the payload")]
        return []
