"""EtherEncap: prepends a fixed Ethernet header."""
import numpy as np
from numba import njit

from clickpy.args import Arg, ArgError, ArgType, EtherAddress, Integer, ParseContext
from clickpy.element import Element, Handler
from clickpy.kernel import drop
from clickpy.packet import A_NH, A_TH, HEADROOM, SLOT_SIZE, copy_bytes


class EtherType(ArgType):
    """A 16-bit Ethernet type, in host order (0x0800 for IP)."""

    name = "Ethernet type"
    example = "0x0800"

    def parse(self, text, ctx):
        value = Integer(0, name="Ethernet type").parse(text, ctx)
        if value > 0xFFFF:
            raise ArgError(f"Ethernet encapsulation type {text.strip()} must be <= 0xFFFF",
                           "for example 0x0800 (IP) or 0x0806 (ARP)")
        return value


def ether_unparse(addr) -> str:
    """Click's EtherAddress::unparse(): 00-1A-2B-3C-4D-5E."""
    return "-".join(f"{int(b):02X}" for b in bytes(addr))


def parse_handler_value(arg_type: ArgType, text: str, what: str):
    """Parse a handler write with an argument type; bad input raises ValueError."""
    try:
        return arg_type.parse(text.strip(), ParseContext())
    except ArgError as e:
        raise ValueError(f"{what}: {e.message}" + (f" ({e.hint})" if e.hint else "")) from None


@njit(cache=True, _nrt=False)
def push_mac_header(P, s, n):
    """Room for n header bytes at the front, like Click's Packet::push.

    Moves the packet further into its slot when the headroom is short (Click
    would reallocate), keeping the header annotations pointing at the same
    bytes; False only when the slot cannot hold the larger packet.
    """
    data, head, length, anno = P[0], P[1], P[2], P[3]
    h = head[s]
    if n > h:
        size = length[s]
        start = HEADROOM if HEADROOM >= n else n
        if start + size > SLOT_SIZE:
            return False
        shift = start - h
        for i in range(h + size - 1, h - 1, -1):
            data[s, i + shift] = data[s, i]
        head[s] = start
        if anno[s, A_NH] >= 0:
            anno[s, A_NH] += shift
        if anno[s, A_TH] >= 0:
            anno[s, A_TH] += shift
    head[s] -= n
    length[s] += n
    return True


@njit(cache=True, _nrt=False)
def etherencap(P, s, st):
    hdr = st[0]
    if not push_mac_header(P, s, 14):
        return drop(0)
    copy_bytes(P[0][s], P[1][s], hdr, 0, 14)
    return 0


class EtherEncap(Element):
    """Encapsulates packets in an Ethernet header with type ETHERTYPE, source SRC, destination DST.

    ETHERTYPE is in host order, e.g. 0x0800 for IP.  For IP packets ARPQuerier
    usually fits better, since it finds the destination address itself.
    """

    port_count = "1/1"
    processing = "a/a"
    args = (
        Arg("ETHERTYPE", EtherType(), required=True, positional=True, doc="e.g. 0x0800"),
        Arg("SRC", EtherAddress(), required=True, positional=True, doc="source address"),
        Arg("DST", EtherAddress(), required=True, positional=True, doc="destination address"),
    )
    handlers = (
        Handler("src", write=True, doc="the SRC argument"),
        Handler("dst", write=True, doc="the DST argument"),
        Handler("etht", write=True, doc="the ETHERTYPE argument"),
    )
    drop_reasons = ("packet too large for its slot",)
    simple_action = etherencap
    # (Click also names etht `ethertype`; both are served.)

    @classmethod
    def state(cls, values, n_inputs, n_outputs):
        hdr = np.zeros(14, dtype=np.uint8)
        hdr[0:6] = np.frombuffer(values["DST"], dtype=np.uint8)
        hdr[6:12] = np.frombuffer(values["SRC"], dtype=np.uint8)
        hdr[12], hdr[13] = values["ETHERTYPE"] >> 8, values["ETHERTYPE"] & 0xFF
        return (hdr,)

    @classmethod
    def read_handler(cls, name, values, st):
        hdr = st[0]
        if name == "src":
            return ether_unparse(hdr[6:12])
        if name == "dst":
            return ether_unparse(hdr[0:6])
        if name in ("ethertype", "etht"):
            return str((int(hdr[12]) << 8) | int(hdr[13]))
        raise KeyError(name)

    @classmethod
    def write_handler(cls, name, text, values, st):
        hdr = st[0]
        if name in ("src", "dst"):
            addr = parse_handler_value(EtherAddress(), text, name)
            values[name.upper()] = addr
            at = 6 if name == "src" else 0
            hdr[at:at + 6] = np.frombuffer(addr, dtype=np.uint8)
        elif name in ("ethertype", "etht"):
            etht = parse_handler_value(EtherType(), text, name)
            values["ETHERTYPE"] = etht
            hdr[12], hdr[13] = etht >> 8, etht & 0xFF
        else:
            raise KeyError(name)
