"""Expected against arrived, field by field, laid out as scapy's show2 lays out packets.

    ###[ IP ]###
        version   = 4
      ! ttl       = 63            arrived: 64
      ~ chksum    = 0x66c5        arrived: 0x65c5   (don't care)

`!` marks a compared field that differs, `~` a don't-care field that differs;
equal fields are listed plainly, so the whole packet reads as show2 would
print it.  Headers that differ in kind (an ICMP error where a UDP packet
was expected) end the field walk; the rest of each is shown in full.
"""
from __future__ import annotations

from scapy.packet import NoPayload, Packet

from clickpy.testing.dissect import dissect
from clickpy.testing.mask import Mask, _concrete, field_bits, layer_offset

NAME = 10      # field name column
VALUE = 22     # expected value column


def _layers(p: Packet) -> list[Packet]:
    out = []
    while not isinstance(p, NoPayload):
        out.append(p)
        p = p.payload
    return out


def _show(p: Packet, indent: str = "  ") -> list[str]:
    return [indent + line for line in p.show2(dump=True).rstrip().splitlines()]


def diff(expected, arrived, mask: Mask | None = None) -> str:
    """Text comparing an expected packet (or Mask) with one that arrived."""
    mask = mask or (expected if isinstance(expected, Mask) else Mask(expected))
    exp = mask.exp_pkt
    got = dissect(bytes(arrived))
    lines = []
    e_layers, g_layers = _layers(exp), _layers(got)
    for k, e in enumerate(e_layers):
        g = g_layers[k] if k < len(g_layers) else None
        if g is None or type(g) is not type(e):
            lines.append(f"  expected ###[ {e.name} ]### and what follows:")
            lines += _show(e, "    ")
            lines.append("  arrived " + (f"###[ {g.name} ]### and what follows:" if g is not None
                                         else "nothing more"))
            if g is not None:
                lines += _show(g, "    ")
            break
        lines.append(f"  ###[ {e.name} ]###")
        bit = 8 * layer_offset(exp, e)
        for f in e.fields_desc:
            width = field_bits(e, f)
            cf = _concrete(e, f)
            if cf is None:
                continue
            ev = cf.i2repr(e, e.getfieldval(f.name))
            try:
                gv = cf.i2repr(g, g.getfieldval(f.name))
            except (AttributeError, KeyError):
                gv = "?"
            cared = mask.cares(bit, width)
            mark = " " if ev == gv else ("!" if cared else "~")
            line = f"  {mark} {f.name:<{NAME}}= {ev:<{VALUE}}"
            if ev != gv:
                line += f" arrived: {gv}" + ("" if cared else "   (don't care)")
            lines.append(line.rstrip())
            bit += width
    exp_len, got_len = len(mask.exp_bytes), len(bytes(arrived))
    if exp_len != got_len:
        lines.append(f"  length: expected {exp_len} bytes, arrived {got_len}"
                     + ("   (extra bytes ignored)" if mask.ignore_extra_bytes and got_len > exp_len
                        else ""))
    return "\n".join(lines)


def summary(packet) -> str:
    """One line for a packet (scapy's summary, with its length)."""
    p = dissect(bytes(packet))
    return f"{p.summary()}  ({len(bytes(packet))} bytes)"
