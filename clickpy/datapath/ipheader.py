"""Helpers shared by the IP header elements (elements/ip/): checksums, header bounds.

Kernel side (numba): the Internet checksum of a byte range, Click's incremental
checksum update (click_update_in_cksum, RFC 1624), and the bounds check every
element that follows the IP header annotation makes before touching it.
Host side (plain Python): annotation columns for Click's ANNO arguments, the
boolean text of data handlers, and the checksum of a header built at
configure time.
"""
from __future__ import annotations

import ipaddress

from numba import njit

from clickpy.packet import A_AGG, A_DST_IP, A_NH, fold, ones_sum, wr16, wr32

# The drop reason of elements that need an IP header where the annotation points.
NO_IP_HEADER = "missing or truncated IP header"


@njit(cache=True, _nrt=False)
def in_cksum(data, s, at, n):
    """Click's click_in_cksum: the Internet checksum of n bytes at absolute offset `at`."""
    return fold(ones_sum(data, s, at, n, 0))


@njit(cache=True, _nrt=False)
def update_cksum(csum, old_hw, new_hw):
    """Click's click_update_in_cksum: the checksum after one halfword changes (RFC 1624)."""
    total = ((~csum) & 0xFFFF) + ((~old_hw) & 0xFFFF) + new_hw
    total = (total & 0xFFFF) + (total >> 16)
    return (~(total + (total >> 16))) & 0xFFFF


@njit(cache=True, _nrt=False)
def write_ip_header(data, s, h, length, ip_id, ttl, proto, src, dst):
    """A plain IPv4 header at h (IHL 5, TOS 0, no fragment bits), checksum included, as
    the elements that make packets (ICMPPingEncap, ICMPSendPings) write it."""
    data[s, h] = 0x45
    data[s, h + 1] = 0
    wr16(data, s, h + 2, length)
    wr16(data, s, h + 4, ip_id)
    wr16(data, s, h + 6, 0)
    data[s, h + 8] = ttl
    data[s, h + 9] = proto
    wr16(data, s, h + 10, 0)
    wr32(data, s, h + 12, src)
    wr32(data, s, h + 16, dst)
    wr16(data, s, h + 10, in_cksum(data, s, h, 20))


@njit(cache=True, _nrt=False)
def ip_header_at(P, s, need):
    """The IP header annotation's offset if `need` bytes from it are in the packet, else -1.

    The header may start in the headroom (Click keeps the header pointer when
    a header is stripped); it must end by the end of the packet data.
    """
    nh = P[3][s, A_NH]
    if nh < 0 or nh + need > P[1][s] + P[2][s]:
        return -1
    return nh


# ---- host side ---------------------------------------------------------------

# Click's 4-byte annotations that have a column in the pool, by byte offset.
_FOUR_BYTE_COLUMNS = {0: A_DST_IP, 20: A_AGG}


def anno_column(ref, element: str) -> int:
    """The pool column for a 4-byte ANNO argument (DST_IP, AGGREGATE/MISC_IP, or offsets 0, 20)."""
    column = _FOUR_BYTE_COLUMNS.get(ref.offset)
    if column is None:
        raise ValueError(f"{element}: annotation {ref.name or ref.offset} has no column in "
                         "clickpy's packet pool; use DST_IP (offset 0) or AGGREGATE (offset 20)")
    return column


def parse_bool(text: str, handler: str) -> bool:
    """A boolean written to a data handler (Click's BoolArg; empty text is not a boolean)."""
    word = text.strip().lower()
    if word in ("true", "yes", "1", "on", "t", "y"):
        return True
    if word in ("false", "no", "0", "off", "f", "n"):
        return False
    raise ValueError(f"{handler}: expected boolean, not {text.strip()!r}")


def unparse_bool(value) -> str:
    return "true" if value else "false"


def ip_int(addr) -> int:
    """An IPv4 address as the unsigned 32-bit value kept in annotations and state."""
    return int(ipaddress.IPv4Address(addr))


def cksum_bytes(header: bytes) -> int:
    """The Internet checksum of `header` (host side, for headers built at configure time)."""
    total = 0
    for i in range(0, len(header) - 1, 2):
        total += (header[i] << 8) | header[i + 1]
    if len(header) % 2:
        total += header[-1] << 8
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF
