"""CheckLength: separates packets longer than LENGTH from the rest."""
import numpy as np
from numba import njit

from clickpy.args import Arg, ArgError, Integer, ParseContext
from clickpy.element import Element, Handler
from clickpy.kernel import drop

MAX, NOUT = 0, 1  # state words
UINT_MAX = 0xFFFFFFFF


@njit(cache=True, _nrt=False)
def checklength(P, s, st):
    # Click: longer packets go to checked_output_push(1): dropped without output 1.
    c = st[0]
    if P[2][s] <= c[MAX]:
        return 0
    return 1 if c[NOUT] > 1 else drop(0)


class CheckLength(Element):
    """Drops large packets.

    Packets no longer than LENGTH bytes leave on output 0; longer ones go
    to output 1 (push) if it is connected, and are dropped otherwise.
    """

    port_count = "1/1-2"
    processing = "a/ah"
    args = (
        Arg("LENGTH", Integer(0, UINT_MAX, name="unsigned integer"), required=True,
            positional=True, doc="longest packet sent to output 0, in bytes"),
    )
    handlers = (Handler("length", write=True, doc="the LENGTH parameter"),)
    drop_reasons = ("packet longer than LENGTH",)
    simple_action = checklength

    @classmethod
    def state(cls, values, n_inputs, n_outputs):
        return (np.array([values["LENGTH"], n_outputs], dtype=np.int64),)

    @classmethod
    def read_handler(cls, name, values, st):
        if name != "length":
            raise KeyError(name)
        return str(int(st[0][MAX]))

    @classmethod
    def write_handler(cls, name, text, values, st):
        if name != "length":
            raise KeyError(name)
        try:
            st[0][MAX] = Integer(0, UINT_MAX).parse(text.strip(), ParseContext())
        except ArgError:
            raise ValueError("length: expected unsigned integer") from None
