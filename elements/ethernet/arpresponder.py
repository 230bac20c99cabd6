"""ARPResponder: answers ARP queries for configured addresses."""
import ipaddress
from dataclasses import dataclass

from clickpy.args import Arg, ArgError, ArgType, EtherAddress, split_words
from clickpy.argtypes.arg_warnings import ArgWarning
from clickpy.argtypes.ip_prefixes import parse_ip_prefix
from clickpy.element import Element, Handler


@dataclass(frozen=True)
class ARPEntry:
    """IP networks answered with one Ethernet address."""

    prefixes: tuple[ipaddress.IPv4Network, ...]
    ether: bytes


def _ether_or_none(word: str, ctx) -> bytes | None:
    try:
        return EtherAddress().parse(word, ctx)
    except ArgError:
        return None


class ARPEntryArg(ArgType):
    """`IP/MASK [IP/MASK...] ETH`, as ARPResponder reads each argument.

    A word that is an AddressInfo name for both an IP address and an
    Ethernet address can stand for both (`ARPResponder(NAME)`).
    """

    name = "ARP entry"
    example = "18.26.4.24 18.26.7.0/24 00:00:C0:AE:67:EF"

    def parse(self, text, ctx):
        words = split_words(text.strip())
        prefixes, ether, ip_words = [], None, []
        for word in words:
            try:
                prefixes.append(parse_ip_prefix(word, ctx).network)
                ip_words.append(word)
                continue
            except ArgError:
                pass
            found = _ether_or_none(word, ctx)
            if found is None:
                raise ArgError(f"expected IP/MASK ETH, but {word!r} is neither",
                               f"for example {self.example}")
            if ether is not None:
                raise ArgError(f"more than one ETH in {text.strip()!r}",
                               "give one Ethernet address per argument; use another argument "
                               "for the next one")
            ether = found
        if ether is None:   # a name that is both an IP and an Ethernet address
            ether = next(filter(None, (_ether_or_none(w, ctx) for w in ip_words)), None)
        if not prefixes:
            raise ArgError(f"missing IP/MASK in {text.strip()!r}", f"for example {self.example}")
        if ether is None:
            raise ArgError(f"missing ETH in {text.strip()!r}", f"for example {self.example}")
        return ARPEntry(tuple(prefixes), ether)


class ARPResponder(Element):
    """Generates responses to ARP queries for the configured IP networks.

    Input packets are ARP requests with their Ethernet header.  When a
    request asks for an address in one of the IP/MASK networks, the matching
    ARP reply (a new packet, with the query's device and VLAN annotations)
    leaves on output 0; other packets go to output 1, or are dropped when it
    is not connected.  Serves a host's own addresses as well as proxy ARP.
    """

    port_count = "1/1-2"
    processing = "a/ah"
    args = (Arg("ENTRY", ARPEntryArg(), positional=True, repeat=True,
                doc="IP/MASK [IP/MASK...] ETH"),)
    handlers = (
        Handler("table", doc="the table, one IP network per line"),
        Handler("lookup", doc="read with an IP address: its Ethernet address"),
        Handler("add", read=False, write=True, doc="add entries 'IP/MASK [IP/MASK...] ETH'"),
        Handler("remove", read=False, write=True, doc="remove the entry for 'IP/MASK'"),
    )
    new_packets = True

    @classmethod
    def check_config(cls, values, ctx):
        seen: dict[ipaddress.IPv4Network, int] = {}
        issues = []
        for index, entry in enumerate(values.get("ENTRY") or []):
            for prefix in entry.prefixes:
                if prefix in seen and seen[prefix] != index:
                    issues.append(ArgWarning(
                        f"multiple entries for {prefix} (arguments {seen[prefix] + 1} and "
                        f"{index + 1}); Click answers with argument {index + 1}'s address",
                        None, "remove one of them"))
                seen[prefix] = index
        return issues
