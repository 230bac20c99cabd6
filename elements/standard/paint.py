"""Paint: sets the paint annotation, marking where packets came from."""
from clickpy.args import Arg, Integer
from clickpy.argtypes.packet_annotations import PAINT_ANNOTATION, Annotation
from clickpy.element import PAINT, Element, Handler


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

    @classmethod
    def sets_for(cls, values):
        """PAINT is set only when ANNO is the paint annotation."""
        return dict(cls.sets) if values.get("ANNO") == PAINT_ANNOTATION else {}
