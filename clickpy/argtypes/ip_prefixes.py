"""IPv4 addresses and prefixes exactly as Click's IPAddressArg and IPPrefixArg read them.

Click is more liberal than Python's ipaddress module in one documented way:
before a slash, an address may stop early and the missing bytes are zero, so
`18.26.4/24` is 18.26.4.0/24 and `0/0` is the default route (Click's own
routing examples use both).  The mask after the slash is a length (0-32) or a
dotted netmask, and it may not cover bytes the address left out (`10/16` is
an error).  AddressInfo names stand for addresses (`NAME`, `NAME:ip`) and
prefixes (`NAME:ipnet`).  Non-contiguous netmasks, which Click accepts but no
lookup element can use, are rejected here with an explanation.
"""
from __future__ import annotations

import ipaddress

from clickpy.args import ArgError, ArgType, ParseContext


def dotted_bytes(text: str) -> list[int] | None:
    """1 to 4 dot-separated decimal bytes (Click's basic_parse), or None."""
    parts = text.split(".")
    if not 1 <= len(parts) <= 4:
        return None
    values = []
    for part in parts:
        if not part.isdigit() or not part.isascii() or int(part) > 255:
            return None
        values.append(int(part))
    return values


def _name_and_suffix(word: str) -> tuple[str, str]:
    name, _, suffix = word.partition(":")
    return name, suffix.lower()


def named_address(word: str, ctx: ParseContext) -> ipaddress.IPv4Address | None:
    """The IP address an AddressInfo name (`NAME` or `NAME:ip`) stands for."""
    name, suffix = _name_and_suffix(word)
    if suffix not in ("", "ip"):
        return None
    for text in ctx.addresses.get(name, ()):
        try:
            return ipaddress.IPv4Interface(text.strip()).ip
        except ValueError:
            continue
    return None


def named_prefix(word: str, ctx: ParseContext) -> ipaddress.IPv4Interface | None:
    """The prefix an AddressInfo name (`NAME` or `NAME:ipnet`) stands for."""
    name, suffix = _name_and_suffix(word)
    if suffix not in ("", "ipnet"):
        return None
    for text in ctx.addresses.get(name, ()):
        if "/" in text:
            try:
                return ipaddress.IPv4Interface(text.strip())
            except ValueError:
                continue
    return None


def parse_ip_address(text: str, ctx: ParseContext) -> ipaddress.IPv4Address:
    """A full dotted quad or an AddressInfo name; ArgError otherwise."""
    t = text.strip()
    values = dotted_bytes(t)
    if values is not None and len(values) == 4:
        return ipaddress.IPv4Address(bytes(values))
    named = named_address(t, ctx)
    if named is not None:
        return named
    raise ArgError(f"{t!r} is not an IP address", "expected an IP address, for example 10.0.0.1")


def _mask_length(mask_text: str, ctx: ParseContext, whole: str) -> int:
    if mask_text.isdigit() and mask_text.isascii():
        length = int(mask_text)
        if length > 32:
            raise ArgError(f"{whole!r} is not an IP prefix: prefix length {length} is above 32",
                           "use a length from 0 to 32, for example 10.0.0.0/8")
        return length
    try:
        mask = parse_ip_address(mask_text, ctx)
    except ArgError:
        raise ArgError(f"{whole!r} is not an IP prefix: {mask_text!r} is neither a prefix "
                       f"length nor a netmask",
                       "write ADDR/LEN or ADDR/NETMASK, for example 10.0.0.0/8 or "
                       "10.0.0.0/255.0.0.0") from None
    bits = f"{int(mask):032b}"
    if "01" in bits:
        raise ArgError(f"{whole!r} is not an IP prefix: netmask {mask} is not contiguous",
                       "routing lookups need a prefix mask such as 255.255.255.0")
    return bits.count("1")


def parse_ip_prefix(text: str, ctx: ParseContext,
                    allow_bare: bool = True) -> ipaddress.IPv4Interface:
    """ADDR/LEN, ADDR/NETMASK, a bare address (/32) or an AddressInfo name.

    The result keeps the address as written (host bits included), like Click;
    callers that want the network use `.network`.
    """
    t = text.strip()
    slash = t.rfind("/")
    if 0 < slash < len(t) - 1:
        addr_text, mask_text = t[:slash], t[slash + 1:]
        values = dotted_bytes(addr_text)
        if values is None:
            named = named_address(addr_text, ctx)
            if named is None:
                raise ArgError(f"{t!r} is not an IP prefix: {addr_text!r} is not an IP address",
                               "write ADDR/LEN, for example 10.0.0.0/8")
            values = list(named.packed)
        length = _mask_length(mask_text, ctx, t)
        if length > 8 * len(values):
            full = ".".join(str(v) for v in values + [0] * (4 - len(values)))
            raise ArgError(f"{t!r} is not an IP prefix: the /{length} mask covers bytes "
                           f"{addr_text!r} leaves out", f"write all four bytes: {full}/{length}")
        address = bytes(values + [0] * (4 - len(values)))
        return ipaddress.IPv4Interface((address, length))
    if allow_bare:
        values = dotted_bytes(t)
        if values is not None and len(values) == 4:
            return ipaddress.IPv4Interface((bytes(values), 32))
        named = named_address(t, ctx)
        if named is not None:
            return ipaddress.IPv4Interface((named.packed, 32))
    named_net = named_prefix(t, ctx)
    if named_net is not None:
        return named_net
    if not allow_bare and dotted_bytes(t) is not None:
        raise ArgError(f"{t!r} is not an IP prefix: no /length",
                       f"write ADDR/LEN, for example {t}/32")
    raise ArgError(f"{t!r} is not an IP prefix", "expected ADDR/LEN, for example 10.0.0.0/8")


class ClickIPAddress(ArgType):
    """Click's IPAddressArg: a dotted quad or an AddressInfo name."""

    name = "IP address"
    example = "10.0.0.1"

    def parse(self, text, ctx):
        return parse_ip_address(text, ctx)


class ClickIPPrefix(ArgType):
    """Click's IPPrefixArg(allow_bare): `18.26.4/24`, `0/0`, `10.0.0.0/255.0.0.0`, names."""

    name = "IP prefix"
    example = "10.0.0.0/8"

    def __init__(self, allow_bare: bool = True):
        self.allow_bare = allow_bare

    def parse(self, text, ctx):
        return parse_ip_prefix(text, ctx, self.allow_bare)
