"""Routes as Click's IP routing tables read them (StaticIPLookup, RadixIPLookup, ...).

Each configuration argument of a routing table is one route (Click's
cp_ip_route): `ADDR/MASK [GATEWAY] OUTPUT`, where GATEWAY may be `-` for "no
gateway" and ADDR/MASK follows IPPrefixArg (so `18.26.4/24` and `0/0` work).
The old LookupIPRoute form with a separate netmask, `ADDR MASK GATEWAY OUTPUT`
with gateway 0.0.0.0 meaning none (as make-ip-conf.pl writes it), is read too.
Click has no drop routes: a route always names an output port >= 0.

When two routes name the same prefix Click keeps the first one and only
warns; `duplicate_routes` finds them for the elements' check_config.
"""
from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Sequence

from clickpy.args import ArgError, ArgType, Integer, split_words
from clickpy.argtypes.ip_prefixes import dotted_bytes, parse_ip_address, parse_ip_prefix

_FORM = "ADDR/MASK [GATEWAY] OUTPUT"
_EXAMPLE = "10.0.0.0/8 10.0.0.1 1"


@dataclass(frozen=True)
class Route:
    """One route: packets whose destination is in `prefix` go to output `port`,
    with the destination annotation changed to `gateway` when there is one."""

    prefix: ipaddress.IPv4Network
    gateway: ipaddress.IPv4Address | None
    port: int

    def __str__(self) -> str:
        return f"{self.prefix} {self.gateway or '-'} {self.port}"


def _fail(text: str, why: str) -> ArgError:
    return ArgError(f"{text!r} is not a route: {why}",
                    f"write {_FORM}, for example {_EXAMPLE}")


def _port(word: str, text: str) -> int:
    try:
        port = Integer().parse(word, None)
    except ArgError:
        raise _fail(text, f"bad OUTPUT {word!r}") from None
    if port < 0:
        raise ArgError(f"{text!r} is not a route: bad OUTPUT {port}",
                       "OUTPUT is an output port number, 0 or more; Click has no drop routes, "
                       "so send unwanted prefixes to an output connected to Discard")
    return port


def _gateway(word: str, text: str, ctx) -> ipaddress.IPv4Address | None:
    if word == "-":
        return None
    try:
        gateway = parse_ip_address(word, ctx)
    except ArgError:
        raise _fail(text, f"bad GATEWAY {word!r}") from None
    return None if int(gateway) == 0 else gateway


def _gateway_or_none(word: str, ctx) -> ipaddress.IPv4Address | None:
    try:
        return parse_ip_address(word, ctx)
    except ArgError:
        return None


def _old_form(words: list[str], text: str, ctx) -> Route:
    """`ADDR MASK GATEWAY OUTPUT`, the old LookupIPRoute syntax."""
    addr_word, mask_word, gw_word, port_word = words
    try:
        prefix = parse_ip_prefix(f"{addr_word}/{mask_word}", ctx)
    except ArgError:
        raise _fail(text, f"bad ADDR {addr_word!r} or MASK {mask_word!r}") from None
    return Route(prefix.network, _gateway(gw_word, text, ctx), _port(port_word, text))


def parse_route(text: str, ctx) -> Route:
    words = split_words(text.strip())
    if not words:
        raise _fail(text, "empty")
    if len(words) == 4 and len(dotted_bytes(words[1]) or ()) == 4 and "/" not in words[0]:
        return _old_form(words, text, ctx)
    if len(words) > 3:
        raise _fail(text, f"too many words ({len(words)})")
    try:
        prefix = parse_ip_prefix(words[0], ctx)
    except ArgError as e:
        raise ArgError(f"{text!r} is not a route: bad ADDR/MASK: {e.message}", e.hint) from None
    if len(words) == 1:
        raise _fail(text, "missing OUTPUT")
    if len(words) == 2:
        if words[1] == "-":
            raise ArgError(f"{text!r} is not a route: missing OUTPUT after '-'",
                           "'-' means no gateway and must be followed by an output port; Click "
                           "has no drop routes, so route to an output connected to Discard")
        if "." in words[1] and _gateway_or_none(words[1], ctx) is not None:
            raise _fail(text, f"missing OUTPUT after GATEWAY {words[1]!r}")
        return Route(prefix.network, None, _port(words[1], text))
    return Route(prefix.network, _gateway(words[1], text, ctx), _port(words[2], text))


class RouteArg(ArgType):
    """One `ADDR/MASK [GATEWAY] OUTPUT` route; the value is a Route."""

    name = "route"
    example = _EXAMPLE

    def parse(self, text, ctx):
        return parse_route(text, ctx)


def duplicate_routes(routes: Sequence[Route]) -> list[tuple[int, int]]:
    """(later index, first index) for each route whose prefix an earlier route already has."""
    first: dict[ipaddress.IPv4Network, int] = {}
    duplicates = []
    for i, route in enumerate(routes):
        if route.prefix in first:
            duplicates.append((i, first[route.prefix]))
        else:
            first[route.prefix] = i
    return duplicates
