"""CheckPaint: separates packets of one paint color from the rest."""
import numpy as np
from numba import njit

from clickpy.args import Arg, Integer
from clickpy.argtypes.packet_annotations import PAINT_ANNOTATION, Annotation
from clickpy.element import Element, Handler
from clickpy.kernel import drop
from elements.standard.paint import COLOR, COLUMN, SHIFT, get_anno_byte, paint_state, parse_color

NOUT = 3  # state word after the paint words: outputs connected


@njit(cache=True, _nrt=False)
def checkpaint(P, s, st):
    # Click: other colors go to checked_output_push(1): dropped without output 1.
    c = st[0]
    if get_anno_byte(P[3], s, c[COLUMN], c[SHIFT]) == c[COLOR]:
        return 0
    return 1 if c[NOUT] > 1 else drop(0)


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
    drop_reasons = ("other paint color",)
    simple_action = checkpaint

    @classmethod
    def state(cls, values, n_inputs, n_outputs):
        return (np.append(paint_state(cls, values), np.int64(n_outputs)),)

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
