"""SetPacketType: sets the packet type annotation (Linux's link-level packet type)."""
import numpy as np
from numba import njit

from clickpy.args import Arg, ArgError, Word
from clickpy.diagnostics import did_you_mean
from clickpy.element import Element
from clickpy.packet import A_PKTTYPE

# Click's Packet::PacketType values, as Linux's PACKET_* (packet.py names the first five).
PACKET_TYPES = {"HOST": 0, "BROADCAST": 1, "MULTICAST": 2, "OTHERHOST": 3, "OUTGOING": 4,
                "LOOPBACK": 5}


@njit(cache=True, _nrt=False)
def setpackettype(P, s, st):
    P[3][s, A_PKTTYPE] = st[0][0]
    return 0


class PacketType(Word):
    """Click's SetPacketType::parse_type: a word, compared upper-cased."""

    name = "packet type"
    example = "HOST"

    def parse(self, text, ctx):
        word = super().parse(text, ctx)
        if word.upper() not in PACKET_TYPES:
            raise ArgError(f"unrecognized packet type '{word}'",
                           did_you_mean(word.upper(), PACKET_TYPES)
                           or "expected " + ", ".join(PACKET_TYPES))
        return word.upper()


class SetPacketType(Element):
    """Sets packet type annotation.

    Sets passing packets' packet type annotation to TYPE: HOST, BROADCAST,
    MULTICAST, OTHERHOST, OUTGOING or LOOPBACK (in any case).  The
    annotation tells Linux (ToHost) the packet's link-level kind: sent to
    this host directly, broadcast, and so on.
    """

    port_count = "1/1"
    processing = "a/a"
    args = (Arg("TYPE", PacketType(), required=True, positional=True,
                doc="HOST, BROADCAST, MULTICAST, OTHERHOST, OUTGOING or LOOPBACK"),)
    simple_action = setpackettype

    @classmethod
    def state(cls, values, n_inputs, n_outputs):
        return (np.array([PACKET_TYPES[values["TYPE"]]], dtype=np.int64),)
