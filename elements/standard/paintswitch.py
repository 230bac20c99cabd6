"""PaintSwitch: sends each packet to the output its paint annotation names."""
from clickpy.args import Arg
from clickpy.argtypes.packet_annotations import PAINT_ANNOTATION, Annotation
from clickpy.element import Element


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
