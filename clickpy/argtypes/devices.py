"""Arguments of the device elements: device names, METHOD words, interface TYPEs.

METHOD takes Click's words (PCAP, LINUX, NETMAP, ...) plus clickpy's own ring
types (AFPACKET, AFXDP).  Click compares METHOD and TYPE words in upper case;
clickpy accepts any case and keeps the upper-case word.
"""
from __future__ import annotations

from clickpy.args import ArgError, ArgType, split_words, unquote
from clickpy.diagnostics import did_you_mean

CLICKPY_METHODS = ("AFPACKET", "AFXDP")


class DeviceName(ArgType):
    """A network device name (`eth0`), one word or quoted; never empty."""

    name = "device name"
    example = "eth0"

    def parse(self, text, ctx):
        t = text.strip()
        if len(split_words(t)) != 1:
            raise ArgError(f"{t!r} is not a device name" if t else "empty device name",
                           f"name a network interface, for example {self.example}")
        name = unquote(t).decode("latin-1")
        if not name:
            raise ArgError("empty device name",
                           f"name a network interface, for example {self.example}")
        return name


class DeviceMethod(ArgType):
    """One of a device element's METHOD words, case-insensitive; value is upper case."""

    name = "device method"

    def __init__(self, *click_words: str):
        self.words = tuple(w.upper() for w in click_words) + CLICKPY_METHODS
        self.example = self.words[0]

    def parse(self, text, ctx):
        word = text.strip().upper()
        if word in self.words:
            return word
        raise ArgError(f"bad METHOD {text.strip()!r}",
                       did_you_mean(word, self.words) or f"use one of {', '.join(self.words)}")


class InterfaceType(ArgType):
    """ToHost's and FromHost's TYPE: ETHER (Ethernet frames) or IP (bare IP packets)."""

    name = "interface type"
    example = "ETHER"
    words = ("ETHER", "IP")

    def parse(self, text, ctx):
        word = text.strip().upper()
        if word in self.words:
            return word
        raise ArgError(f"bad TYPE {text.strip()!r}", "use ETHER or IP")
