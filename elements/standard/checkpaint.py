"""CheckPaint: separates packets of one paint color from the rest."""
from clickpy.args import Arg, Integer
from clickpy.argtypes.packet_annotations import PAINT_ANNOTATION, Annotation
from clickpy.element import Element, Handler


class CheckPaint(Element):
    """Checks packets' paint annotation.

    Packets whose paint annotation equals COLOR leave on output 0; the others
    go to output 1 (push) if it is connected, and are dropped otherwise.
    ANNO selects another one-byte annotation.
    """

    port_count = "1/1-2"
    processing = "a/ah"
    args = (
        Arg("COLOR", Integer(0, 255, name="color"), required=True, positional=True,
            doc="paint value that passes to output 0"),
        Arg("ANNO", Annotation(1), positional=True, default=PAINT_ANNOTATION,
            doc="one-byte annotation to compare (default PAINT)"),
    )
    handlers = (Handler("color", write=True, doc="the color that passes"),)
    # No `requires`: an unpainted packet just has paint 0, and Click's own IP router
    # routes ICMPError's (unpainted) packets through PaintTee.
