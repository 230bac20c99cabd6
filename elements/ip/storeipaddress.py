"""StoreIPAddress: writes an IP address (given, or the destination annotation) into packets.

OFFSET `src` or `dst` names a field of the IP header; then the IP checksum and, on
first fragments, the TCP or UDP checksum are updated incrementally (Click 2.0's
storeipaddress.cc), so no SetIPChecksum is needed after it.
"""
import ipaddress

import numpy as np
from numba import njit

from clickpy.args import Arg, ArgError, ArgIssue, ArgType, Integer, IPAddress
from clickpy.datapath.inet import transport_offset
from clickpy.datapath.ipheader import NO_IP_HEADER, ip_header_at, ip_int, update_cksum
from clickpy.element import Element
from clickpy.kernel import drop
from clickpy.packet import A_DST_IP, rd16, wr16, wr32

OFFSET, USE_ADDRESS, ADDRESS, NOUT = range(4)   # state words
SRC, DST = -12, -16                             # Click's _offset for `src` and `dst`
INT_MAX = 0x7FFFFFFF


@njit(cache=True, _nrt=False)
def _other(c):
    # Click's checked_output_push(1): dropped when output 1 is not connected.
    return 1 if c[NOUT] > 1 else drop(0 if c[OFFSET] >= 0 else 1)


@njit(cache=True, _nrt=False)
def storeipaddress(P, s, st):
    data, anno = P[0], P[3]
    c = st[0]
    offset = c[OFFSET]
    ipa = c[ADDRESS] if c[USE_ADDRESS] else anno[s, A_DST_IP] & 0xFFFFFFFF
    if offset >= 0:
        if (ipa != 0 or c[USE_ADDRESS]) and offset + 4 <= P[2][s]:
            wr32(data, s, P[1][s] + offset, ipa)
            return 0
        return _other(c)
    # src or dst: Click needs a network header of at least 20 bytes.
    ip = ip_header_at(P, s, 20)
    th = transport_offset(P, s)
    if ip < 0 or th - ip < 20:
        return _other(c)
    at = ip - offset
    old = rd16(data, s, at) + rd16(data, s, at + 2)
    old = (old + (old >> 16)) & 0xFFFF
    wr32(data, s, at, ipa)
    new = rd16(data, s, at) + rd16(data, s, at + 2)
    new = (new + (new >> 16)) & 0xFFFF
    wr16(data, s, ip + 10, update_cksum(rd16(data, s, ip + 10), old, new))
    proto = data[s, ip + 9]
    first = (rd16(data, s, ip + 6) & 0x1FFF) == 0
    tlen = P[1][s] + P[2][s] - th
    if proto == 6 and first and tlen >= 20:
        wr16(data, s, th + 16, update_cksum(rd16(data, s, th + 16), old, new))
    elif proto == 17 and first and tlen >= 8 and rd16(data, s, th + 6) != 0:
        wr16(data, s, th + 6, update_cksum(rd16(data, s, th + 6), old, new))
    return 0


class _Offset:
    """A parsed OFFSET: a byte offset, or SRC/DST."""

    def __init__(self, value: int):
        self.value = value

    def __eq__(self, other):
        return isinstance(other, _Offset) and other.value == self.value

    def __repr__(self):
        return {SRC: "src", DST: "dst"}.get(self.value, str(self.value))


def _parse_offset(text: str) -> _Offset:
    t = text.strip()
    if t.lower() == "src":
        return _Offset(SRC)
    if t.lower() == "dst":
        return _Offset(DST)
    try:
        return _Offset(Integer(0, INT_MAX).parse(t, None))
    except ArgError:
        raise ArgError("type mismatch: OFFSET requires integer",
                       "expected a byte offset (integer >= 0), src or dst") from None


class OffsetArg(ArgType):
    """Click's OFFSET: an integer >= 0, or `src` or `dst` (the IP header's fields)."""

    name = "offset"
    example = "30, src or dst"

    def parse(self, text, ctx):
        return _parse_offset(text)


class AddrOrOffsetArg(ArgType):
    """The first argument: ADDR in the two-argument form, OFFSET in the one-argument form
    (Click decides by the number of arguments); resolved by check_config."""

    name = "IP address or offset"
    example = "10.0.0.1"

    def parse(self, text, ctx):
        try:
            return _parse_offset(text)
        except ArgError:
            pass
        try:
            return IPAddress().parse(text, ctx)
        except ArgError:
            raise ArgError(f"{text.strip()!r} is neither an IP address nor an offset",
                           "expected StoreIPAddress(OFFSET) or StoreIPAddress(ADDR, OFFSET)") \
                from None


class StoreIPAddress(Element):
    """Stores IP address in packet.

    StoreIPAddress(OFFSET) writes the destination IP address annotation into
    the packet at byte OFFSET, unless the annotation is zero.
    StoreIPAddress(ADDR, OFFSET) writes ADDR there (zero too).  OFFSET may be
    `src` or `dst`: then packets must be IP packets (IP header annotation)
    and the address goes into that field of the IP header, with the IP
    checksum and, on first fragments, the TCP or UDP checksum (a UDP one when
    not zero) updated incrementally.  Packets whose address cannot be stored
    (OFFSET out of range, a zero annotation, no IP header for src/dst) leave
    on output 1, or are dropped without it.
    """

    port_count = "1/1-2"
    processing = "a/ah"
    args = (
        Arg("ADDR", AddrOrOffsetArg(), positional=True,
            doc="address to store (two-argument form); alone, it is the OFFSET"),
        Arg("OFFSET", OffsetArg(), positional=True,
            doc="where: byte offset from the packet's start, or src or dst"),
    )
    drop_reasons = ("OFFSET out of range or zero destination annotation", NO_IP_HEADER)
    simple_action = storeipaddress

    @classmethod
    def check_config(cls, values, ctx):
        first, offset = values.get("ADDR"), values.get("OFFSET")
        if first is None and offset is None:
            return [ArgIssue("missing argument OFFSET", None,
                             "usage: StoreIPAddress(OFFSET) or StoreIPAddress(ADDR, OFFSET)")]
        if first is None:                        # StoreIPAddress(OFFSET 8)
            return []
        if offset is None:                       # the one-argument form: OFFSET only
            if not isinstance(first, _Offset):
                return [ArgIssue("type mismatch: OFFSET requires integer", None,
                                 "StoreIPAddress(OFFSET) takes an offset, src or dst; "
                                 "write StoreIPAddress(ADDR, OFFSET) to store ADDR")]
            values["ADDR"], values["OFFSET"] = None, first
        elif not isinstance(first, ipaddress.IPv4Address):
            return [ArgIssue(f"ADDR: {first!r} is not an IP address", None,
                             "expected StoreIPAddress(ADDR, OFFSET), e.g. "
                             "StoreIPAddress(10.0.0.1, dst)")]
        return []

    @classmethod
    def state(cls, values, n_inputs, n_outputs):
        first, offset = values.get("ADDR"), values.get("OFFSET")
        if offset is None:                       # check_config has not run (direct use)
            first, offset = None, first
        address = first if isinstance(first, ipaddress.IPv4Address) else None
        c = np.array([offset.value, address is not None,
                      ip_int(address) if address is not None else 0, n_outputs],
                     dtype=np.int64)
        return (c,)
