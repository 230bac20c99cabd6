"""PaintSwitch: sends each packet to the output its paint annotation names."""
import numpy as np
from numba import njit

from clickpy.args import Arg
from clickpy.argtypes.packet_annotations import PAINT_ANNOTATION, Annotation
from clickpy.element import Element
from clickpy.kernel import drop
from clickpy.packet import clone
from elements.standard.paint import anno_byte, get_anno_byte

COLUMN, SHIFT, NOUT = range(3)  # state words


@njit(cache=True, _nrt=False)
def paintswitch(P, port, s, st, emit):
    c = st[0]
    n = c[NOUT]
    out = get_anno_byte(P[3], s, c[COLUMN], c[SHIFT])
    if out != 0xFF:
        # Click's checked_output_push: a paint with no such output drops the packet.
        emit[0] = out if out < n else drop(0)
        emit[1] = s
        return 1
    # 255: copies to outputs 0..n-2, the packet itself to n-1 (like Tee).
    k = 0
    for o in range(n - 1):
        q = clone(P, s)
        if q >= 0:
            emit[2 * k] = o
            emit[2 * k + 1] = q
            k += 1
    emit[2 * k] = n - 1 if n > 0 else drop(0)
    emit[2 * k + 1] = s
    return k + 1


class PaintSwitch(Element):
    """Sends packet stream to output chosen per-packet by its paint annotation.

    A packet painted K leaves on output K; one painted 255 is copied to every
    output.  Packets whose paint names no existing output are dropped, so
    PaintSwitch has up to 255 useful outputs.  ANNO selects another one-byte
    annotation.
    """

    port_count = "1/-"
    processing = "h/h"
    args = (Arg("ANNO", Annotation(1), positional=True, default=PAINT_ANNOTATION,
                doc="one-byte annotation holding the output number (default PAINT)"),)
    # No `requires`: an unpainted packet just has paint 0, and Click's own IP router
    # routes ICMPError's (unpainted) packets through PaintTee.
    # A dropped packet is emitted with port drop(0) (see the kernel).
    drop_reasons = ("paint names no output",)
    push = paintswitch

    @classmethod
    def state(cls, values, n_inputs, n_outputs):
        column, shift = anno_byte(values.get("ANNO") or PAINT_ANNOTATION, cls.class_name)
        return (np.array([column, shift, n_outputs], dtype=np.int64),)

    @classmethod
    def emits(cls, values, n_outputs):
        return max(1, n_outputs)
