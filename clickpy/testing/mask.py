"""Masks: expected packets with don't-care bits, as PTF's ptf.mask.Mask.

A Mask holds the expected packet's bytes and one mask bit per packet bit;
a received packet matches when every cared-for bit is equal.  Fields are
named the scapy way: `m.set_do_not_care_scapy(IP, "ttl")`.  clickpy adds
named groups for what middleboxes legitimately change or make up:

    Mask(expected).ignore("ttl", "checksums")      # or masked(expected, ...)

    ttl          IPv4 TTL (IPv6 hop limit)
    ip_checksum  the IPv4 header checksum
    checksums    every checksum: IPv4 header, TCP, UDP, ICMP
    ip_id        the IPv4 identification
    timestamps   TCP timestamp option values, ICMP timestamp fields,
                 IPv4 timestamp option data
"""
from __future__ import annotations

from scapy.fields import ConditionalField, MultipleTypeField, _BitField
from scapy.layers.inet import ICMP, IP, TCP, UDP
from scapy.layers.inet6 import IPv6
from scapy.packet import Packet

GROUPS = ("ttl", "ip_checksum", "checksums", "ip_id", "timestamps")


def _concrete(layer: Packet, field):
    """The field as it applies to this layer (conditional fields: None when absent)."""
    if isinstance(field, ConditionalField):
        if not field._evalcond(layer):
            return None
        field = field.fld
    if isinstance(field, MultipleTypeField):
        field = field._find_fld_pkt(layer)
    return field


def field_bits(layer: Packet, field) -> int:
    """How many bits the field takes in this (built) layer."""
    field = _concrete(layer, field)
    if field is None:
        return 0
    if isinstance(field, _BitField):
        return abs(field.size)
    return 8 * len(field.addfield(layer, b"", layer.getfieldval(field.name)))


def layer_offset(packet: Packet, layer: Packet) -> int:
    """Byte offset of a layer within the (built) packet."""
    return len(bytes(packet)) - len(bytes(layer))


def field_span(packet: Packet, layer: Packet, name: str) -> tuple[int, int]:
    """(offset, width) in bits of field `name` of `layer` within `packet`."""
    bit = 8 * layer_offset(packet, layer)
    for f in layer.fields_desc:
        width = field_bits(layer, f)
        if f.name == name:
            return bit, width
        bit += width
    raise KeyError(f"{type(layer).__name__} has no field {name!r}")


def built(packet) -> Packet:
    """The packet dissected from its bytes: every length and checksum filled in."""
    if isinstance(packet, Packet):
        return packet.__class__(bytes(packet))
    from clickpy.testing.dissect import dissect
    return dissect(bytes(packet))


class Mask:
    """An expected packet with don't-care bits (PTF's Mask)."""

    def __init__(self, exp_pkt, ignore_extra_bytes: bool = False):
        self.exp_pkt = built(exp_pkt)
        self.exp_bytes = bytes(self.exp_pkt)
        self.mask = bytearray(b"\xff" * len(self.exp_bytes))
        self.ignore_extra_bytes = ignore_extra_bytes

    # ---- PTF's calls ---------------------------------------------------------------------
    def set_do_not_care(self, offset: int, bitwidth: int) -> None:
        """Ignore `bitwidth` bits from bit `offset` on."""
        for bit in range(offset, min(offset + bitwidth, 8 * len(self.mask))):
            self.mask[bit // 8] &= ~(0x80 >> (bit % 8)) & 0xFF

    def set_do_not_care_scapy(self, hdr_type, field_name: str, index: int = 1) -> None:
        """Ignore a field of the `index`-th header of that type: (IP, "ttl")."""
        if hdr_type not in self.exp_pkt:
            raise KeyError(f"the expected packet has no {hdr_type.__name__} header")
        offset, width = field_span(self.exp_pkt, self.exp_pkt.getlayer(hdr_type, index), field_name)
        self.set_do_not_care(offset, width)

    def set_do_not_care_packet(self, hdr_type, index: int = 1) -> None:
        """Ignore a whole header (its fields, not its payload)."""
        layer = self.exp_pkt.getlayer(hdr_type, index)
        if layer is None:
            raise KeyError(f"the expected packet has no {hdr_type.__name__} header")
        start = layer_offset(self.exp_pkt, layer)
        size = len(bytes(layer)) - len(bytes(layer.payload))
        self.set_do_not_care(8 * start, 8 * size)

    def set_ignore_extra_bytes(self) -> None:
        """Accept packets longer than the expected one (trailing bytes, padding)."""
        self.ignore_extra_bytes = True

    def pkt_match(self, pkt) -> bool:
        data = bytes(pkt)
        if len(data) < len(self.exp_bytes) or (len(data) > len(self.exp_bytes)
                                               and not self.ignore_extra_bytes):
            return False
        return all((a ^ b) & m == 0 for a, b, m in zip(data, self.exp_bytes, self.mask))

    # ---- clickpy's groups ----------------------------------------------------------------
    def ignore(self, *groups: str) -> "Mask":
        """Ignore named groups of fields (see the module doc); returns the mask."""
        for g in groups:
            if g not in GROUPS:
                raise ValueError(f"unknown don't-care group {g!r} (groups: {', '.join(GROUPS)})")
            getattr(self, f"_ignore_{g}")()
        return self

    def _each(self, hdr_type, field: str) -> None:
        k = 1
        while self.exp_pkt.getlayer(hdr_type, k) is not None:
            layer = self.exp_pkt.getlayer(hdr_type, k)
            if type(layer) is hdr_type:          # not IPerror quoted inside ICMP
                self.set_do_not_care_scapy(hdr_type, field, k)
            k += 1

    def _ignore_ttl(self) -> None:
        self._each(IP, "ttl")
        self._each(IPv6, "hlim")

    def _ignore_ip_checksum(self) -> None:
        self._each(IP, "chksum")

    def _ignore_checksums(self) -> None:
        for t in (IP, TCP, UDP, ICMP):
            self._each(t, "chksum")

    def _ignore_ip_id(self) -> None:
        self._each(IP, "id")

    def _ignore_timestamps(self) -> None:
        for name in ("ts_ori", "ts_rx", "ts_tx"):
            if ICMP in self.exp_pkt and field_bits(self.exp_pkt[ICMP],
                                                   self.exp_pkt[ICMP].get_field(name)):
                self.set_do_not_care_scapy(ICMP, name)
        if TCP in self.exp_pkt:
            self._options(self.exp_pkt[TCP], 20, kind=8, skip=2)
        if IP in self.exp_pkt:
            self._options(self.exp_pkt[IP], 20, kind=0x44, skip=4)

    def _options(self, layer: Packet, fixed: int, kind: int, skip: int) -> None:
        """Ignore the data of option `kind` (after `skip` bytes) in a TCP or IPv4 header."""
        raw = bytes(layer)
        header = (raw[12] >> 4) * 4 if isinstance(layer, TCP) else (raw[0] & 0x0F) * 4
        base = layer_offset(self.exp_pkt, layer)
        i = fixed
        while i < min(header, len(raw)):
            k = raw[i]
            if k == 0:
                break
            if k == 1:
                i += 1
                continue
            if i + 1 >= len(raw) or raw[i + 1] < 2:
                break
            length = raw[i + 1]
            if k == kind:
                self.set_do_not_care(8 * (base + i + skip), 8 * (length - skip))
            i += length

    # ---- display ---------------------------------------------------------------------------
    def cares(self, offset: int, width: int) -> bool:
        """Whether any bit of the span is compared."""
        return any(self.mask[b // 8] & (0x80 >> (b % 8))
                   for b in range(offset, min(offset + width, 8 * len(self.mask))))

    def __str__(self) -> str:
        return f"Mask({self.exp_pkt.summary()}, {sum(bin(b).count('1') for b in self.mask)} " \
               f"of {8 * len(self.mask)} bits compared)"


def masked(packet, *groups: str, ignore_extra_bytes: bool = False) -> Mask:
    """Mask(packet) ignoring named groups: masked(p, "ttl", "checksums")."""
    return Mask(packet, ignore_extra_bytes).ignore(*groups)
