"""PaintTee: copies packets of one paint color to a second output."""
from clickpy.args import Arg, Integer
from clickpy.argtypes.packet_annotations import PAINT_ANNOTATION, Annotation
from clickpy.element import Element, Handler


class PaintTee(Element):
    """Duplicates packets with a given paint annotation.

    Every packet leaves on output 0.  When its paint annotation equals COLOR,
    a copy also goes to output 1 (push).  ANNO selects another one-byte
    annotation.  Routers use it to send ICMP redirects for packets that leave
    by the interface they arrived on:
    `rt[7] -> pt :: PaintTee(7) -> ...; pt[1] -> ICMPError(..., redirect, host)`.
    """

    port_count = "1/2"
    processing = "a/ah"
    args = (
        Arg("COLOR", Integer(0, 255, name="color"), required=True, positional=True,
            doc="paint value whose packets are copied to output 1"),
        Arg("ANNO", Annotation(1), positional=True, default=PAINT_ANNOTATION,
            doc="one-byte annotation to compare (default PAINT)"),
    )
    handlers = (Handler("color", write=True, doc="the color copied to output 1"),)
    # No `requires`: an unpainted packet just has paint 0, and Click's own IP router
    # routes ICMPError's (unpainted) packets through PaintTee.
