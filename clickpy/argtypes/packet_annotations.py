"""Packet annotation names, as Click's AnnoArg reads them (Paint's ANNO and friends).

Click packets carry 48 bytes of annotation space.  Elements that read or
write "some annotation byte" take an ANNO argument: either one of Click's
annotation names (PAINT, DST_IP, AGGREGATE, ...) or a byte offset.  A name
has a fixed size; an element that needs, say, a one-byte annotation rejects
a four-byte name such as DST_IP.
"""
from __future__ import annotations

from dataclasses import dataclass

from clickpy.args import ArgError, ArgType, Integer
from clickpy.diagnostics import did_you_mean

ANNOTATION_SPACE = 48  # Click's Packet::anno_size, in bytes

# Click's built-in annotation names: name -> (byte offset, size in bytes).
KNOWN_ANNOTATIONS: dict[str, tuple[int, int]] = {
    "AGGREGATE": (20, 4),
    "DST_IP": (0, 4),
    "DST_IP6": (0, 16),
    "EXTRA_LENGTH": (28, 4),
    "EXTRA_PACKETS": (24, 4),
    "FIRST_TIMESTAMP": (32, 8),
    "FIX_IP_SRC": (19, 1),
    "FWD_RATE": (20, 4),
    "GRID_ROUTE_CB": (27, 1),
    "ICMP_PARAMPROB": (17, 1),
    "IPREASSEMBLER": (28, 4),
    "IPSEC_SA_DATA_REFERENCE": (40, 8),
    "IPSEC_SPI": (32, 4),
    "MISC_IP": (20, 4),
    "PACKET_NUMBER": (32, 4),
    "PAINT": (16, 1),
    "PERFCTR": (40, 8),
    "REV_RATE": (24, 4),
    "SEQUENCE_NUMBER": (36, 4),
    "VLAN": (20, 2),
    "VLAN_TCI": (20, 2),
    "WIFI_EXTRA": (16, 28),
}


@dataclass(frozen=True)
class AnnotationRef:
    """Where an element reads or writes: `name` is None for a bare byte offset."""

    name: str | None
    offset: int
    size: int


PAINT_ANNOTATION = AnnotationRef("PAINT", *KNOWN_ANNOTATIONS["PAINT"])


class Annotation(ArgType):
    """Click's AnnoArg(size): an annotation name or byte offset that fits `size` bytes."""

    def __init__(self, size: int = 0):
        self.size = size
        self.name = f"{size}-byte annotation" if size else "annotation"
        self.example = "PAINT" if size in (0, 1) else "AGGREGATE"

    def parse(self, text, ctx):
        t = text.strip()
        if t[:1].isdigit() or t[:1] in "+-":
            try:
                offset = Integer(0, ANNOTATION_SPACE - 1, name="annotation offset").parse(t, ctx)
            except ArgError as e:
                raise ArgError(f"annotation offset {t} is outside the "
                               f"{ANNOTATION_SPACE}-byte annotation area",
                               f"use a name such as {self.example} or an offset in "
                               f"[0, {ANNOTATION_SPACE - max(self.size, 1)}]") from e
            ref = AnnotationRef(None, offset, self.size)
        elif t in KNOWN_ANNOTATIONS:
            offset, size = KNOWN_ANNOTATIONS[t]
            if self.size and size != self.size:
                raise ArgError(f"{t} is a {size}-byte annotation, but a {self.size}-byte one "
                               f"is needed here", f"use a {self.size}-byte annotation such as "
                               f"{self.example}, or a byte offset")
            ref = AnnotationRef(t, offset, size)
        else:
            hint = did_you_mean(t, KNOWN_ANNOTATIONS) or (
                f"use one of Click's annotation names ({self.example}, ...) or a byte offset")
            raise ArgError(f"unknown annotation {t!r}", hint)
        if ref.offset + self.size > ANNOTATION_SPACE:
            raise ArgError(f"a {self.size}-byte annotation at offset {ref.offset} runs past the "
                           f"{ANNOTATION_SPACE}-byte annotation area",
                           f"use an offset in [0, {ANNOTATION_SPACE - self.size}]")
        return ref
