"""AddressInfo: names for addresses, usable in every other element's arguments."""
from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

from clickpy.args import (Arg, ArgError, ArgType, EtherAddress, IPAddress, IPPrefix,
                          ParseContext, split_config, split_words)
from clickpy.element import Element

_NAME = re.compile(r"^[A-Za-z_][\w.\-]*$")
ETHER, IP, IPNET, IP6, IP6NET = "eth", "ip", "ipnet", "ip6", "ip6net"


@dataclass(frozen=True)
class NamedAddress:
    """One ADDRESS of an entry, as written, and the kinds of address it can stand for."""

    text: str
    kinds: frozenset[str]


@dataclass(frozen=True)
class AddressEntry:
    """`NAME ADDRESS [ADDRESS...]`."""

    name: str
    addresses: tuple[NamedAddress, ...]


def _kinds(text: str, ctx: ParseContext) -> frozenset[str]:
    """What `text` can be read as, the way Click's AddressInfo tries each kind."""
    kinds = set()
    for kind, parse in ((ETHER, EtherAddress().parse), (IP, IPAddress().parse)):
        try:
            parse(text, ctx)
            kinds.add(kind)
        except ArgError:
            pass
    if IP not in kinds and "/" in text:
        try:
            prefix = IPPrefix(allow_bare=False).parse(text, ctx)
            kinds.add(IPNET)
            if prefix.ip != prefix.network.network_address:
                kinds.add(IP)  # host bits set: also names that host
        except ArgError:
            pass
    try:
        ipaddress.IPv6Address(text)
        kinds.add(IP6)
    except ValueError:
        try:
            iface = ipaddress.IPv6Interface(text)
            if "/" in text:
                kinds.add(IP6NET)
                if iface.ip != iface.network.network_address:
                    kinds.add(IP6)
        except ValueError:
            pass
    return frozenset(kinds)


class _Entry(ArgType):
    """`NAME ADDRESS [ADDRESS...]`; an empty argument is allowed and yields None."""

    name = "address entry"
    example = "router 10.0.0.1/24 00:50:ba:85:84:a9"

    def parse(self, text, ctx):
        words = split_words(text.strip())
        if not words:
            return None
        if len(words) < 2:
            raise ArgError(f"expected 'NAME ADDRESS [ADDRESS...]', not {text.strip()!r}",
                           f"give the name one or more addresses, for example {self.example}")
        name = words[0]
        if not _NAME.match(name):
            raise ArgError(f"bad NAME {name!r}",
                           "names start with a letter or _ and contain letters, digits, _ . -")
        addresses = []
        for word in words[1:]:
            kinds = _kinds(word, ctx)
            if not kinds:
                raise ArgError(f"{word!r} is not a recognizable address",
                               "give IPv4 or IPv6 addresses or prefixes, or Ethernet addresses, "
                               "e.g. 10.0.0.1, 10.0.0.0/8, 00:50:ba:85:84:a9, fe80::1")
            addresses.append(NamedAddress(word, kinds))
        return AddressEntry(name, tuple(addresses))


class AddressInfo(Element):
    """Specifies address information: mnemonic names for addresses.

    Each argument `NAME ADDRESS [ADDRESS...]` lets other arguments write NAME
    for an IPv4 or IPv6 address or prefix, or an Ethernet address; the kind
    is chosen from context, or forced with a suffix (NAME:ip, NAME:ipnet,
    NAME:ip6, NAME:ip6net, NAME:eth).  `AddressInfo(mauer 10.0.0.1/8
    00:50:BA:85:84:A9)` makes `mauer` usable by IPEncap and EtherEncap alike.
    Names defined inside a compound element are local to it.  Has no ports.
    """

    port_count = "0/0"
    processing = "a/a"
    args = (Arg("ENTRY", _Entry(), positional=True, repeat=True,
                doc="NAME ADDRESS [ADDRESS...]"),)
    info_only = True
    source = False

    @classmethod
    def entries(cls, values) -> list[AddressEntry]:
        return [e for e in values.get("ENTRY") or () if e is not None]

    @classmethod
    def address_table(cls, config: str | None,
                      ctx: ParseContext | None = None) -> dict[str, list[str]]:
        """NAME -> address texts, for ParseContext.addresses; bad entries are skipped.

        When a name is defined again, its newer addresses come first, as in
        Click, where the later definition wins.
        """
        ctx = ctx or ParseContext()
        table: dict[str, list[str]] = {}
        for item in split_config(config):
            try:
                entry = _Entry().parse(item.text, ctx)
            except ArgError:
                continue
            if entry is not None:
                table[entry.name] = [a.text for a in entry.addresses] + table.get(entry.name, [])
        return table
