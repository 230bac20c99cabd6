"""Truncate: limits packet length."""
import numpy as np
from numba import njit

from clickpy import packet
from clickpy.args import Arg, ArgError, Bool, Integer, ParseContext
from clickpy.element import Element, Handler

NBYTES, EXTRA_COLUMN = 0, 1  # state words
# Click's EXTRA_LENGTH annotation, when the pool has a column for it (-1: not kept).
EXTRA_LENGTH_COLUMN = getattr(packet, "A_EXTRA_LENGTH", -1)


@njit(cache=True, _nrt=False)
def truncate(P, s, st):
    c = st[0]
    length = P[2]
    n = length[s] - c[NBYTES]
    if n > 0:
        col = c[EXTRA_COLUMN]
        if col >= 0:
            P[3][s, col] = (P[3][s, col] + n) & 0xFFFFFFFF
        length[s] -= n
    return 0


class Truncate(Element):
    """Limits packet length to LENGTH bytes.

    Shortens packets longer than LENGTH bytes to LENGTH.  With EXTRA_LENGTH
    true (the default) the removed byte count is added to the packet's extra
    length annotation, so ToDump still records the original length.
    """

    port_count = "1/1"
    processing = "a/a"
    args = (
        Arg("LENGTH", Integer(0, name="byte count"), required=True, positional=True,
            doc="maximum packet length"),
        Arg("EXTRA_LENGTH", Bool(), default=True,
            doc="add dropped bytes to the extra length annotation"),
    )
    handlers = (Handler("nbytes", write=True, doc="the LENGTH limit"),)
    simple_action = truncate

    @classmethod
    def state(cls, values, n_inputs, n_outputs):
        col = EXTRA_LENGTH_COLUMN if values.get("EXTRA_LENGTH", True) else -1
        return (np.array([values["LENGTH"], col], dtype=np.int64),)

    @classmethod
    def read_handler(cls, name, values, st):
        if name != "nbytes":
            raise KeyError(name)
        return str(int(st[0][NBYTES]))

    @classmethod
    def write_handler(cls, name, text, values, st):
        if name != "nbytes":
            raise KeyError(name)
        try:
            st[0][NBYTES] = Integer(0, 0xFFFFFFFF).parse(text.strip(), ParseContext())
        except ArgError:
            raise ValueError(f"nbytes: expected a byte count (unsigned integer), "
                             f"not {text.strip()!r}") from None
