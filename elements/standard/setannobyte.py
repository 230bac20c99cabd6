"""SetAnnoByte: sets one annotation byte of each packet (Click's obsolete Paint with ANNO)."""
import numpy as np

from clickpy.args import Arg, ArgIssue, Integer
from clickpy.argtypes.arg_warnings import ArgWarning
from clickpy.argtypes.packet_annotations import Annotation
from clickpy.element import Element, Handler
from elements.standard.paint import COLOR, COLUMN, SHIFT, anno_byte, paint, parse_color


class SetAnnoByte(Element):
    """Sets packet user annotations.

    Sets each packet's annotation byte at ANNO (a byte offset, or a one-byte
    annotation name such as PAINT) to VALUE, an integer 0..255, and passes it
    on.  Click calls it obsolete, with a warning: Paint(VALUE, ANNO) does the
    same.  Only the annotation bytes clickpy's packet pool keeps can be set.
    """

    port_count = "1/1"
    processing = "a/a"
    args = (
        Arg("ANNO", Annotation(1), required=True, positional=True,
            doc="annotation byte: an offset or a one-byte name"),
        Arg("VALUE", Integer(0, 255, name="byte value"), required=True, positional=True,
            doc="the value, 0 to 255"),
    )
    handlers = (
        Handler("anno", doc="the annotation byte's offset"),
        Handler("value", write=True, doc="the VALUE argument"),
    )
    simple_action = paint

    @classmethod
    def check_config(cls, values, ctx):
        issues = [ArgWarning("SetAnnoByte(ANNO, VALUE) is obsolete, use Paint(VALUE, ANNO) "
                             "instead")]
        ref = values.get("ANNO")
        if ref is not None:
            try:
                anno_byte(ref, cls.class_name)
            except ValueError as e:
                issues.append(ArgIssue(str(e), None, "use another annotation byte"))
        return issues

    @classmethod
    def state(cls, values, n_inputs, n_outputs):
        column, shift = anno_byte(values["ANNO"], cls.class_name)
        c = np.zeros(3, dtype=np.int64)
        c[COLUMN], c[SHIFT], c[COLOR] = column, shift, values["VALUE"]
        return (c,)

    @classmethod
    def read_handler(cls, name, values, st):
        if name == "anno":
            return str(values["ANNO"].offset)
        if name == "value":
            return str(int(st[0][COLOR]))
        raise KeyError(name)

    @classmethod
    def write_handler(cls, name, text, values, st):
        if name != "value":
            raise KeyError(name)
        st[0][COLOR] = parse_color(text, "value")
