"""CompareBlock: splits packets on the rate annotations IPRateMonitor sets."""
import numpy as np
from numba import njit

from clickpy.args import Arg, ArgError, Integer, ParseContext, split_config
from clickpy.element import Element, Handler
from clickpy.packet import A_AGG, A_USER

FWD_WEIGHT, REV_WEIGHT, THRESH = range(3)  # state words
INT_MIN, INT_MAX = -(1 << 31), (1 << 31) - 1


@njit(cache=True, _nrt=False)
def _s32(v):
    """The low 32 bits as C's int (a product wraps as in Click)."""
    v &= 0xFFFFFFFF
    return v - (1 << 32) if v >= (1 << 31) else v


@njit(cache=True, _nrt=False)
def compareblock(P, s, st):
    c = st[0]
    anno = P[3]
    fwd = max(_s32(anno[s, A_AGG]), 1)      # FWD_RATE_ANNO: Click bytes 20-23
    rev = max(_s32(anno[s, A_USER]), 1)     # REV_RATE_ANNO: Click bytes 24-27
    thresh = c[THRESH]
    if (fwd > thresh or rev > thresh) and _s32(c[FWD_WEIGHT] * fwd) > _s32(c[REV_WEIGHT] * rev):
        return 1
    return 0


class CompareBlock(Element):
    """Drops packets out of rate range.

    Splits packets on the forward and reverse rate annotations (FWD_RATE,
    Click's annotation bytes 20-23, and REV_RATE, bytes 24-27, each a signed
    32-bit number, read as at least 1) that IPRateMonitor sets: if either is
    greater than THRESH and FWD_WEIGHT * FWD_RATE > REV_WEIGHT * REV_RATE, the
    packet goes to output 1, otherwise to output 0.  The arithmetic is C's
    32-bit int, as in Click.
    """

    port_count = "1/2"
    processing = "a/a"
    args = (
        Arg("FWD_WEIGHT", Integer(INT_MIN, INT_MAX), required=True, positional=True,
            doc="weight of the forward rate"),
        Arg("REV_WEIGHT", Integer(INT_MIN, INT_MAX), required=True, positional=True,
            doc="weight of the reverse rate"),
        Arg("THRESH", Integer(INT_MIN, INT_MAX), required=True, positional=True,
            doc="rate either annotation must exceed"),
    )
    handlers = (
        Handler("fwd_weight", write=True, doc="the FWD_WEIGHT argument"),
        Handler("rev_weight", write=True, doc="the REV_WEIGHT argument"),
        Handler("thresh", write=True, doc="the THRESH argument"),
    )
    simple_action = compareblock

    @classmethod
    def state(cls, values, n_inputs, n_outputs):
        return (np.array([values["FWD_WEIGHT"], values["REV_WEIGHT"], values["THRESH"]],
                         dtype=np.int64),)

    @classmethod
    def read_handler(cls, name, values, st):
        words = {"fwd_weight": FWD_WEIGHT, "rev_weight": REV_WEIGHT, "thresh": THRESH}
        if name not in words:
            raise KeyError(name)
        return str(int(st[0][words[name]]))

    @classmethod
    def write_handler(cls, name, text, values, st):
        words = {"fwd_weight": FWD_WEIGHT, "rev_weight": REV_WEIGHT, "thresh": THRESH}
        if name not in words:
            raise KeyError(name)
        args = [a.text for a in split_config(text)]      # Click's cp_argvec
        if len(args) != 1:
            raise ValueError(f"{name}: expecting one integer")
        try:
            st[0][words[name]] = Integer(INT_MIN, INT_MAX).parse(args[0], ParseContext())
        except ArgError:
            raise ValueError(f"{name}: not an integer: {args[0]!r}") from None
