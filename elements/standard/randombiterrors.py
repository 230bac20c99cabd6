"""RandomBitErrors: changes each bit of each packet with some probability.

Random numbers come from clickpy's own generator, not Click's click_random: a
32-bit xorshift per element (as RandomSample's), seeded from Python's random
module when the element is configured.  Runs are therefore not reproducible
unless a test sets the seed word (state word RNG).
"""
import random
import re

import numpy as np
from numba import njit

from clickpy.args import Arg, ArgError, ArgType, Bool, ParseContext, String
from clickpy.argtypes.arg_warnings import ArgWarning
from clickpy.datapath.ipheader import parse_bool, unparse_bool
from clickpy.datapath.xorshift import xorshift32
from clickpy.element import Element, Handler
from clickpy.fixedpoint import to_fixed, unparse_real2
from elements.standard.randomsample import ONE, SAMPLING_SHIFT

ON, KIND, RNG, PBIT = range(4)             # state words (st[0]); st[1]: P(<= i errors)
CLEAR, SET, FLIP = 0, 1, 2                 # Click's kind numbers
KIND_NAMES = ("clear", "set", "flip")
_NUMBER = re.compile(r"^\+?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")


def _flip_table():
    """Every byte value, grouped by how many bits are set (Click's bit_flip_array holds
    the same groups, in its own order and with a few repeated entries)."""
    groups = [[b for b in range(256) if bin(b).count("1") == k] for k in range(9)]
    idx = np.zeros(10, dtype=np.int64)
    for k in range(9):
        idx[k + 1] = idx[k] + len(groups[k])
    return np.array([b for g in groups for b in g], dtype=np.int64), idx


FLIPS, FLIP_IDX = _flip_table()


def error_table(bit_error: int) -> np.ndarray:
    """Click's set_bit_error: P(at most i of a byte's 8 bits change), 28-bit fixed point."""
    non = (0xFFFFFFF - bit_error) + 1
    p_error = np.zeros(9, dtype=np.int64)
    accum = 0
    for i in range(8):
        p = 0x800000000
        for _ in range(i):
            p = (p * bit_error) >> 28
        for _ in range(i, 8):
            p = (p * non) >> 28
        p *= int(FLIP_IDX[i + 1] - FLIP_IDX[i])
        accum = (accum + p) & 0xFFFFFFFFFFFFFFFF
        p_error[i] = (accum >> 7) & 0x1FFFFFFF
        if (accum & 0x7F) >= 0x40:
            p_error[i] += 1
    p_error[8] = 0x10000000
    return p_error


@njit(cache=True, _nrt=False)
def _random(c):
    return xorshift32(c, RNG)


@njit(cache=True, _nrt=False)
def random_bit_errors(P, s, st):
    data, head, length = P[0], P[1], P[2]
    c, p_error = st[0], st[1]
    if not c[ON] or p_error[0] >= 0x10000000:
        return 0
    kind = c[KIND]
    h = head[s]
    for i in range(length[s]):
        v = (_random(c) >> 3) & 0xFFFFFFF
        if v <= p_error[0]:
            continue
        nb = 1
        while v > p_error[nb]:
            nb += 1
        idx = FLIP_IDX[nb]
        n = FLIP_IDX[nb + 1] - idx
        errors = FLIPS[((_random(c) >> 5) % n) + idx]
        if kind == CLEAR:
            data[s, h + i] &= ~errors & 0xFF
        elif kind == SET:
            data[s, h + i] |= errors
        else:
            data[s, h + i] ^= errors
    return 0


class _Probability(ArgType):
    """Click's FixedPointArg(28): a nonnegative number, kept as 28-bit fixed point."""

    name = "probability"
    example = "0.001"

    def parse(self, text, ctx):
        t = text.strip()
        if not _NUMBER.match(t):
            raise self.fail(text)
        value = to_fixed(t, SAMPLING_SHIFT)
        if value > ONE:
            raise ArgError("drop probability must be between 0 and 1",
                           "expected a probability such as 0.001")
        return value


class _Kind(ArgType):
    name = "error kind"
    example = "flip"

    def parse(self, text, ctx):
        t = String().parse(text, ctx)       # Click reads KIND as a string: "" is flip
        if t == "":
            return FLIP
        if t in KIND_NAMES:
            return KIND_NAMES.index(t)
        raise ArgError(f"bad action {t!r} (must be 'set', 'clear', or 'flip')",
                       "flip changes bits, set sets them to one, clear to zero")


class RandomBitErrors(Element):
    """Changes packet data with some probability.

    Changes each bit of each packet with probability P.  KIND says how:
    flip (the default) flips bits, set sets them to one, clear sets them to
    zero.  Bits change only while the element is active; ACTIVE false starts
    it inactive.  Random numbers come from clickpy's own seeded xorshift
    generator, not Click's.
    """

    port_count = "1/1"
    processing = "a/a"
    args = (
        Arg("P", _Probability(), required=True, positional=True,
            doc="probability that a bit changes, 0 to 1"),
        Arg("KIND", _Kind(), positional=True, default=FLIP, doc="flip, set or clear"),
        Arg("ACTIVE", Bool(), positional=True, default=True, doc="start active"),
    )
    handlers = (
        Handler("p_bit_error", write=True, doc="the P argument"),
        Handler("error_kind", write=True, doc="the KIND argument"),
        Handler("active", write=True, doc="whether bits are changed"),
    )
    simple_action = random_bit_errors

    @classmethod
    def check_config(cls, values, ctx):
        if values.get("P") == 0:
            return [ArgWarning("zero bit error probability (underflow?)")]
        return []

    @classmethod
    def state(cls, values, n_inputs, n_outputs):
        kind = values.get("KIND")
        active = values.get("ACTIVE")
        c = np.array([True if active is None else bool(active),
                      FLIP if kind is None else kind, random.getrandbits(32) or 1, values["P"]],
                     dtype=np.int64)
        return (c, error_table(values["P"]))

    @classmethod
    def read_handler(cls, name, values, st):
        c = st[0]
        if name == "p_bit_error":
            return unparse_real2(int(c[PBIT]), SAMPLING_SHIFT)
        if name == "error_kind":
            return KIND_NAMES[int(c[KIND])]
        if name == "active":
            return unparse_bool(c[ON])
        raise KeyError(name)

    @classmethod
    def write_handler(cls, name, text, values, st):
        c = st[0]
        try:
            if name == "p_bit_error":
                p = _Probability().parse(text, ParseContext())
                st[1][:] = error_table(p)
                c[PBIT] = p
            elif name == "error_kind":
                c[KIND] = _Kind().parse(text, ParseContext())
            elif name == "active":
                c[ON] = parse_bool(text, "active")
            else:
                raise KeyError(name)
        except ArgError as e:
            raise ValueError(f"{name}: {e.message}" + (f" ({e.hint})" if e.hint else "")) from None

