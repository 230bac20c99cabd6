"""Click's names for IP protocols, ICMP types and codes, and TCP/UDP ports.

These are the tables of Click's IPNameInfo (elements/ip/ipnameinfo.cc): an
argument that takes a protocol, an ICMP type or code, or a port accepts a
number or one of these names, case-sensitively as Click does.  Ports also
fall back to the system's services database, as user-level Click does.
"""
from __future__ import annotations

import socket

from clickpy.args import ArgError, ArgType, Integer
from clickpy.diagnostics import did_you_mean

IP_PROTOCOLS: dict[str, int] = {
    "dccp": 33, "gre": 47, "icmp": 1, "igmp": 2, "ipip": 4,
    "sctp": 132, "tcp": 6, "udp": 17,
}
# Names Click's classifiers understand that are not real protocol numbers.
PSEUDO_PROTOCOLS = ("payload", "tcpudp", "transp")

ICMP_UNREACH, ICMP_SOURCEQUENCH, ICMP_REDIRECT, ICMP_TIMXCEED, ICMP_PARAMPROB = 3, 4, 5, 11, 12
ICMP_TYPES: dict[str, int] = {
    "echo": 8, "echo-reply": 0, "inforeq": 15, "inforeq-reply": 16, "maskreq": 17,
    "maskreq-reply": 18, "parameterproblem": ICMP_PARAMPROB, "redirect": ICMP_REDIRECT,
    "routeradvert": 9, "routersolicit": 10, "sourcequench": ICMP_SOURCEQUENCH,
    "timeexceeded": ICMP_TIMXCEED, "timestamp": 13, "timestamp-reply": 14,
    "unreachable": ICMP_UNREACH,
}
ICMP_ERROR_TYPES = frozenset({ICMP_UNREACH, ICMP_SOURCEQUENCH, ICMP_REDIRECT,
                              ICMP_TIMXCEED, ICMP_PARAMPROB})
ICMP_CODES: dict[int, dict[str, int]] = {
    ICMP_UNREACH: {
        "net": 0, "host": 1, "protocol": 2, "port": 3, "needfrag": 4, "srcroutefail": 5,
        "netunknown": 6, "hostunknown": 7, "isolated": 8, "netprohibited": 9,
        "hostprohibited": 10, "tosnet": 11, "toshost": 12, "filterprohibited": 13,
        "hostprecedence": 14, "precedencecutoff": 15,
    },
    ICMP_REDIRECT: {"net": 0, "host": 1, "tosnet": 2, "toshost": 3},
    ICMP_TIMXCEED: {"transit": 0, "reassembly": 1},
    ICMP_PARAMPROB: {"erroratptr": 0, "missingopt": 1, "length": 2},
}

WELL_KNOWN_PORTS: dict[str, int] = {
    "auth": 113, "bootpc": 68, "bootps": 67, "chargen": 19, "daytime": 13, "discard": 9,
    "dns": 53, "domain": 53, "echo": 7, "finger": 79, "ftp": 21, "ftp-data": 20,
    "https": 443, "imap3": 220, "imaps": 993, "irc": 194, "netbios-dgm": 138,
    "netbios-ns": 137, "netbios-ssn": 139, "nntp": 119, "ntp": 123, "pop3": 110,
    "pop3s": 995, "pptp": 1723, "rip": 520, "route": 520, "smtp": 25, "snmp": 161,
    "snmp-trap": 162, "ssh": 22, "sunrpc": 111, "telnet": 23, "tftp": 69, "www": 80,
}


def icmp_type_name(icmp_type: int) -> str:
    for name, value in ICMP_TYPES.items():
        if value == icmp_type:
            return name
    return str(icmp_type)


def _is_number(text: str) -> bool:
    return text[:1].isdigit() or (text[:1] in "+-" and text[1:2].isdigit())


class IPProtocol(ArgType):
    """An IP protocol number 0-255 or one of Click's names (tcp, udp, icmp, ipip, gre, ...)."""

    name = "IP protocol"
    example = "tcp"

    def parse(self, text, ctx):
        t = text.strip()
        if t in IP_PROTOCOLS:
            return IP_PROTOCOLS[t]
        if t in PSEUDO_PROTOCOLS:
            raise ArgError(f"{t!r} is a classifier keyword, not an IP protocol",
                           "give a protocol number or name, for example 4 or ipip")
        if _is_number(t):
            value = Integer(name="IP protocol").parse(t, ctx)
            if not 0 <= value <= 255:
                raise ArgError(f"bad IP protocol {value}", "expected a number from 0 to 255")
            return value
        raise ArgError(f"unknown IP protocol {t!r}",
                       did_you_mean(t, IP_PROTOCOLS) or
                       f"expected a number or one of {', '.join(sorted(IP_PROTOCOLS))}")


class ICMPType(ArgType):
    """An ICMP type 0-255 or name; with error_only, one of the five ICMP error types."""

    def __init__(self, error_only: bool = False):
        self.error_only = error_only
        self.name = "ICMP error type" if error_only else "ICMP type"
        self.example = "timeexceeded" if error_only else "echo"

    def _choices(self) -> list[str]:
        return [n for n, v in ICMP_TYPES.items() if not self.error_only or v in ICMP_ERROR_TYPES]

    def parse(self, text, ctx):
        t = text.strip()
        if t in ICMP_TYPES:
            value = ICMP_TYPES[t]
        elif _is_number(t):
            value = Integer(name="ICMP type").parse(t, ctx)
            if not 0 <= value <= 255:
                raise ArgError("ICMP type must be between 0 and 255",
                               f"use a number or a name such as {self.example}")
        else:
            raise ArgError(f"unknown ICMP type {t!r}", did_you_mean(t, self._choices()) or
                           f"expected a number or one of {', '.join(self._choices())}")
        if self.error_only and value not in ICMP_ERROR_TYPES:
            names = ", ".join(f"{icmp_type_name(v)} [{v}]" for v in sorted(ICMP_ERROR_TYPES))
            raise ArgError(f"ICMP type {value} is not an error type", f"use one of {names}")
        return value


def icmp_code(icmp_type: int, word: str) -> int:
    """Resolve CODE for an ICMP type: a number 0-255 or a name valid for that type."""
    t = word.strip()
    names = ICMP_CODES.get(icmp_type, {})
    if t in names:
        return names[t]
    type_name = icmp_type_name(icmp_type)
    if _is_number(t):
        try:
            value = Integer().parse(t, None)
        except ArgError:
            value = -1
        if 0 <= value <= 255:
            return value
        raise ArgError(f"ICMP code {t!r} is out of range", "expected an integer between 0 and 255")
    if names:
        hint = did_you_mean(t, names) or (
            f"codes for {type_name} are " + ", ".join(f"{n} [{v}]" for n, v in names.items()))
    else:
        hint = f"{type_name} has no named codes; give a number between 0 and 255"
    raise ArgError(f"{t!r} is not an ICMP code for type {type_name}", hint)


class Port(ArgType):
    """Click's IPPortArg: a port number 0-65535 or a service name for the protocol."""

    name = "port"
    example = "80"

    def __init__(self, protocol: str = "tcp"):
        self.protocol = protocol

    def parse(self, text, ctx):
        t = text.strip()
        if _is_number(t):
            value = Integer(name="port").parse(t, ctx)
            if not 0 <= value <= 0xFFFF:
                raise ArgError(f"port {value} is out of range", "expected a port from 0 to 65535")
            return value
        if t in WELL_KNOWN_PORTS:
            return WELL_KNOWN_PORTS[t]
        try:
            return socket.getservbyname(t, self.protocol)
        except (OSError, UnicodeError):
            raise ArgError(f"unknown {self.protocol.upper()} port {t!r}",
                           did_you_mean(t, WELL_KNOWN_PORTS) or "expected a number from "
                           "0 to 65535 or a service name such as www") from None
