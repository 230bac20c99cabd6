"""RandomSample: lets each packet through with a fixed probability."""
import random
import re

import numpy as np
from numba import njit

from clickpy.args import Arg, ArgIssue, Bool, Real
from clickpy.datapath.ipheader import parse_bool, unparse_bool
from clickpy.datapath.xorshift import xorshift32
from clickpy.element import Element, Handler
from clickpy.fixedpoint import to_fixed, unparse_real2
from clickpy.kernel import drop

SAMPLING_SHIFT = 28                 # Click: probabilities are 28-bit fixed point
ONE = 1 << SAMPLING_SHIFT
_NUMBER = re.compile(r"^\+?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
SAMPLING_MASK = ONE - 1
PROB, ACTIVE, DROPS, NOUT, RNG = range(5)  # state words


@njit(cache=True, _nrt=False)
def _random(c):
    """The next value of the generator kept in c[RNG] (click_random's role)."""
    return xorshift32(c, RNG)


@njit(cache=True, _nrt=False)
def randomsample(P, s, st):
    c = st[0]
    if not c[ACTIVE] or (_random(c) & SAMPLING_MASK) < c[PROB]:
        return 0
    c[DROPS] += 1
    return 1 if c[NOUT] > 1 else drop(0)


class RandomSample(Element):
    """Samples packets with some probability.

    Each packet is sent to output 0 with probability P; the others are
    dropped, or emitted on output 1 (push) when it is connected.  Give P, or
    one of SAMPLE (the same) and DROP (1 - P).  With ACTIVE false every packet
    goes to output 0.
    """

    port_count = "1/1-2"
    processing = "a/ah"
    args = (
        Arg("P", Real(0.0), positional=True, doc="sampling probability, 0 to 1"),
        Arg("SAMPLE", Real(0.0), doc="sampling probability, 0 to 1"),
        Arg("DROP", Real(0.0), doc="drop probability, 0 to 1"),
        Arg("ACTIVE", Bool(), default=True, doc="when false, every packet goes to output 0"),
    )
    handlers = (
        Handler("sampling_prob", write=True, doc="the sampling probability"),
        Handler("drop_prob", write=True, doc="the drop probability (1 - sampling_prob)"),
        Handler("active", write=True, doc="whether packets are sampled"),
        Handler("drops", doc="packets dropped or sent to output 1"),
        Handler("config", doc="SAMPLE and ACTIVE as a configuration string"),
    )
    drop_reasons = ("not sampled",)
    simple_action = randomsample

    @classmethod
    def sampling_probability(cls, values):
        """The probability Click ends up with: DROP wins, then SAMPLE, then P."""
        if values.get("DROP") is not None:
            return 1.0 - values["DROP"]
        if values.get("SAMPLE") is not None:
            return values["SAMPLE"]
        return values.get("P")

    @classmethod
    def check_config(cls, values, ctx):
        if values.get("SAMPLE") is not None and values.get("DROP") is not None:
            return [ArgIssue("give at most one of SAMPLE and DROP", None,
                             "SAMPLE q is the same as DROP 1-q; keep one")]
        p = cls.sampling_probability(values)
        if p is None:
            return [ArgIssue("no sampling probability: give P, SAMPLE or DROP", None,
                             "for example RandomSample(0.1) keeps one packet in ten")]
        if not 0.0 <= p <= 1.0:
            return [ArgIssue("sampling probability must be between 0 and 1", None,
                             "for example RandomSample(0.1) or RandomSample(DROP 0.25)")]
        return []

    @classmethod
    def state(cls, values, n_inputs, n_outputs):
        if values.get("DROP") is not None:
            prob = ONE - to_fixed(values["DROP"], SAMPLING_SHIFT)
        else:
            prob = to_fixed(cls.sampling_probability(values), SAMPLING_SHIFT)
        seed = random.getrandbits(32) or 1
        return (np.array([prob, bool(values.get("ACTIVE", True)), 0, n_outputs, seed],
                         dtype=np.int64),)

    @classmethod
    def read_handler(cls, name, values, st):
        c = st[0]
        if name == "sampling_prob":
            return unparse_real2(int(c[PROB]), SAMPLING_SHIFT)
        if name == "drop_prob":
            return unparse_real2(ONE - int(c[PROB]), SAMPLING_SHIFT)
        if name == "active":
            return unparse_bool(c[ACTIVE])
        if name == "drops":
            return str(int(c[DROPS]))
        if name == "config":
            sample = unparse_real2(int(c[PROB]), SAMPLING_SHIFT)
            return f"SAMPLE {sample}, ACTIVE {unparse_bool(c[ACTIVE])}"
        raise KeyError(name)

    @classmethod
    def write_handler(cls, name, text, values, st):
        c = st[0]
        if name == "active":
            c[ACTIVE] = parse_bool(text, "active")
            return
        if name not in ("sampling_prob", "drop_prob"):
            raise KeyError(name)
        p = to_fixed(text, SAMPLING_SHIFT) if _NUMBER.match(text.strip()) else -1
        if not 0 <= p <= ONE:
            raise ValueError(f"{name}: must be given a number between 0.0 and 1.0, "
                             f"not {text.strip()!r}")
        c[PROB] = ONE - p if name == "drop_prob" else p
