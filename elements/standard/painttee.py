"""PaintTee: copies packets of one paint color to a second output."""
from numba import njit

from clickpy.args import Arg, Integer
from clickpy.argtypes.packet_annotations import PAINT_ANNOTATION, Annotation
from clickpy.element import Element, Handler
from clickpy.packet import clone
from elements.standard.paint import COLOR, COLUMN, SHIFT, get_anno_byte, paint_state, parse_color


@njit(cache=True, _nrt=False)
def painttee(P, port, s, st, emit):
    # Click: the copy is pushed out output 1 first, then the packet leaves on output 0.
    c = st[0]
    k = 0
    if get_anno_byte(P[3], s, c[COLUMN], c[SHIFT]) == c[COLOR]:
        q = clone(P, s)
        if q >= 0:
            emit[0] = 1
            emit[1] = q
            k = 1
    emit[2 * k] = 0
    emit[2 * k + 1] = s
    return k + 1


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
    push = painttee
    max_emit = 2

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
