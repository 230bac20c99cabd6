"""Link-layer encapsulations of pcap files and capture devices (Click's ENCAP words).

FromDevice, FromDump and ToDump name the first header of each packet with
Click's words (ETHER, IP, 802_11, ...) or `#N` for a raw pcap link type.
The value keeps the word and the pcap file link type it stands for.
"""
from __future__ import annotations

from dataclasses import dataclass

from clickpy.args import ArgError, ArgType, Integer
from clickpy.diagnostics import did_you_mean

# Click's encapsulation words -> canonical pcap link types (fakepcap).
ENCAPSULATIONS: dict[str, int] = {
    "NULL": 0,
    "IP": 101,
    "ETHER": 1,
    "FDDI": 10,
    "ATM": 100,
    "RFC1483": 100,
    "ATM_RFC1483": 100,
    "802_11": 105,
    "802.11": 105,
    "802_11_RADIO": 127,
    "802.11_RADIO": 127,
    "SLL": 113,
    "AIRONET": 120,
    "HDLC": 104,
    "PPP_HDLC": 50,
    "PPP": 9,
    "SUNATM": 123,
    "PRISM": 119,
}


@dataclass(frozen=True)
class Encapsulation:
    """An encapsulation word as written (upper case) and its pcap link type."""

    name: str
    linktype: int


ETHER = Encapsulation("ETHER", ENCAPSULATIONS["ETHER"])


class PcapEncap(ArgType):
    """ETHER, IP, FDDI, ATM, 802_11, SLL, ... or `#N` (a pcap link type number)."""

    name = "encapsulation type"
    example = "ETHER"

    def parse(self, text, ctx):
        t = text.strip()
        if t.startswith("#") and len(t) >= 2:
            try:
                return Encapsulation(t, Integer(0, 0x7FFFFFFE).parse(t[1:], ctx))
            except ArgError:
                raise ArgError(f"bad link type number {t!r}", "write # followed by a pcap "
                               "link type, e.g. #1 for Ethernet") from None
        if t in ENCAPSULATIONS:
            return Encapsulation(t, ENCAPSULATIONS[t])
        upper = t.upper()
        hint = (f"encapsulation words are upper case: {upper}" if upper in ENCAPSULATIONS
                else did_you_mean(t, ENCAPSULATIONS)
                or "use ETHER, IP, FDDI, ATM, 802_11, 802_11_RADIO, SLL, AIRONET, HDLC, "
                   "PPP_HDLC, PPP, SUNATM, PRISM, NULL or #N")
        raise ArgError(f"bad encapsulation type {t!r}", hint)
