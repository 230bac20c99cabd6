"""Paint: sets the paint annotation, marking where packets came from.

Also home of the one-byte annotation access that Paint, PaintTee, CheckPaint,
PaintSwitch share (Click's AnnoArg(1) + Packet::anno_u8/set_anno_u8).
"""
import numpy as np
from numba import njit

from clickpy import packet
from clickpy.args import Arg, ArgError, Integer, ParseContext
from clickpy.argtypes.packet_annotations import PAINT_ANNOTATION, Annotation
from clickpy.element import PAINT, Element, Handler

# ---- one-byte annotations ----------------------------------------------------------
# Click addresses annotations as 48 bytes; the pool keeps them as int64 columns.
# Each Click byte that has a column: offset -> (column, bit shift of the byte).
# DST_IP (0-3) is the address in network order; AGGREGATE (20-23) is a host-order
# (little-endian) 32-bit number, as in Click on x86.
ANNO_BYTES = {
    0: (packet.A_DST_IP, 24), 1: (packet.A_DST_IP, 16), 2: (packet.A_DST_IP, 8),
    3: (packet.A_DST_IP, 0),
    16: (packet.A_PAINT, 0), 17: (packet.A_ICMP_PARAM, 0), 19: (packet.A_FIX_IP_SRC, 0),
    20: (packet.A_AGG, 0), 21: (packet.A_AGG, 8), 22: (packet.A_AGG, 16), 23: (packet.A_AGG, 24),
}
if hasattr(packet, "A_EXTRA_LENGTH"):  # EXTRA_LENGTH (28-31), host order
    ANNO_BYTES.update({28 + k: (packet.A_EXTRA_LENGTH, 8 * k) for k in range(4)})
# EXTRA_PACKETS / REV_RATE (24-27), host order: the low word of the first user annotation.
ANNO_BYTES.update({24 + k: (packet.A_USER, 8 * k) for k in range(4)})


def anno_byte(ref, element: str) -> tuple[int, int]:
    """(column, shift) of a one-byte ANNO argument; ValueError if the pool has no such byte."""
    where = ANNO_BYTES.get(ref.offset)
    if where is None:
        raise ValueError(
            f"annotation byte {ref.name or ref.offset} has no column in clickpy's "
            f"packet pool; use PAINT, ICMP_PARAMPROB, FIX_IP_SRC, or a byte of DST_IP (0-3), "
            f"AGGREGATE (20-23) or REV_RATE (24-27)")
    return where


@njit(cache=True, _nrt=False)
def get_anno_byte(anno, s, column, shift):
    """Packet::anno_u8(): the annotation byte at (column, shift)."""
    return (anno[s, column] >> shift) & 0xFF


@njit(cache=True, _nrt=False)
def set_anno_byte(anno, s, column, shift, value):
    """Packet::set_anno_u8()."""
    anno[s, column] = (anno[s, column] & ~(0xFF << shift)) | ((value & 0xFF) << shift)


def parse_color(text: str, handler: str = "color") -> int:
    """A color written to a `color` handler: an integer 0..255 (Click's uint8 data handler)."""
    try:
        return Integer(0, 255).parse(text.strip(), ParseContext())
    except ArgError as e:
        raise ValueError(f"{handler}: {e.message}; expected an integer 0 to 255") from None


# ---- Paint ------------------------------------------------------------------------------
COLUMN, SHIFT, COLOR = 0, 1, 2  # state words (shared by the paint elements)


def paint_state(cls, values) -> np.ndarray:
    column, shift = anno_byte(values.get("ANNO") or PAINT_ANNOTATION, cls.class_name)
    return np.array([column, shift, values.get("COLOR") or 0], dtype=np.int64)


@njit(cache=True, _nrt=False)
def paint(P, s, st):
    c = st[0]
    set_anno_byte(P[3], s, c[COLUMN], c[SHIFT], c[COLOR])
    return 0


class Paint(Element):
    """Sets packet paint annotations to COLOR.

    Sets each packet's PAINT annotation to COLOR, an integer 0..255, and
    passes it on.  ANNO selects another one-byte annotation instead (a name
    such as ICMP_PARAMPROB, or a byte offset).  Routers paint packets with
    their input interface so that PaintTee and CheckPaint can spot packets
    leaving by the interface they arrived on.
    """

    port_count = "1/1"
    processing = "a/a"
    args = (
        Arg("COLOR", Integer(0, 255, name="color"), required=True, positional=True,
            doc="paint value, 0 to 255"),
        Arg("ANNO", Annotation(1), positional=True, default=PAINT_ANNOTATION,
            doc="one-byte annotation to set (default PAINT)"),
    )
    handlers = (Handler("color", write=True, doc="the color painted"),)
    sets = {PAINT: (0,)}
    simple_action = paint

    @classmethod
    def sets_for(cls, values):
        """PAINT is set only when ANNO is the paint annotation."""
        return dict(cls.sets) if values.get("ANNO") == PAINT_ANNOTATION else {}

    @classmethod
    def state(cls, values, n_inputs, n_outputs):
        return (paint_state(cls, values),)

    @classmethod
    def read_handler(cls, name, values, st):
        if name != "color":
            raise KeyError(name)
        return str(int(st[0][COLOR]))

    @classmethod
    def write_handler(cls, name, text, values, st):
        if name != "color":
            raise KeyError(name)
        st[0][COLOR] = parse_color(text)
