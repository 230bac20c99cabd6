"""RED: drops packets early, more often the longer its queues are on average."""
import random

import numpy as np
from numba import njit

from clickpy.args import (Arg, ArgError, ArgIssue, Bool, Integer, ParseContext, Real,
                         SpaceList, Word)
from clickpy.datapath.xorshift import xorshift32
from clickpy.element import Element, Handler
from clickpy.fixedpoint import to_fixed, unparse_real2
from clickpy.flowcontext import nearby_storage
from clickpy.kernel import drop
from clickpy.packet import C_NOW

# state words (st[0]); st[1:] are the queues' own length arrays, shared with them
(MIN, MAX, MAXP, GENTLE, KILL, C1, C2, G1, G2, STAB, AVG, COUNT, RND, LASTJ, DROPS, NOUT,
 RNG, EXPIRY, QWORD) = range(19)      # EXPIRY: AdaptiveRED's timer
QUEUE_SCALE = 10                # the average has 10 bits of fraction (Click's QUEUE_SCALE)
P_BITS = 16                     # MAX_P is fixed point with 16 bits of fraction
M32 = 0xFFFFFFFF
MAX_THRESH = 0xFFFF
JIFFY_NS = 20_000_000           # Click counts empty periods in 1/50 s (CLICK_HZ / 50)


@njit(cache=True, _nrt=False)
def _int32(x):
    """x's low 32 bits as a signed int (a C assignment of an unsigned value to int)."""
    x &= M32
    return x - (1 << 32) if x >= 0x80000000 else x


@njit(cache=True, _nrt=False)
def _ewma(avg, x, stability, n):
    """Click's DirectEWMAX<StabilityEWMAXParameters<10, uint64_t, int64_t>>::update_n(x, n)."""
    if n >= 100:
        return x << QUEUE_SCALE
    target = (x << QUEUE_SCALE) + (1 << (stability - 1))
    for _ in range(n):
        avg += (target - avg) >> stability
    return avg


@njit(cache=True, _nrt=False)
def queue_size(st):
    """The queues' lengths, summed."""
    c = st[0]
    n = 0
    for k in range(1, len(st)):
        n += st[k][c[QWORD + k - 1]]
    return n


def queue_problems(names, storage_of) -> list[tuple[str, str]]:
    """Why RED cannot watch the queues `names`, as (message, hint) pairs; storage_of(name):
    that element's Element.storage, or None (not a Storage element, or no such element)."""
    if not names:
        return [("no nearby Queues", "put a Queue after a pushed RED (before a pulled one), "
                 "or name them with QUEUES")]
    return [(f"{name!r} is not a Storage element (a Queue)",
             "QUEUES names the Queues whose lengths RED watches")
            for name in names if storage_of(name) is None]


@njit(cache=True, _nrt=False)
def _random16(c):
    return (xorshift32(c, RNG) >> 5) & 0xFFFF


@njit(cache=True, _nrt=False)
def should_drop(P, st):
    """Click's RED::should_drop: update the average queue length, then decide."""
    c = st[0]
    s = queue_size(st)
    stability = c[STAB]
    if stability == 0:
        avg = s                                     # the instantaneous length
    else:
        if s:
            c[AVG] = _ewma(c[AVG], s, stability, 1)
            c[LASTJ] = 0
        else:                                       # an empty period, in 1/50 s
            j = (P[5][C_NOW] // JIFFY_NS) & M32
            n = ((j - c[LASTJ]) & M32) if c[LASTJ] else 1
            c[AVG] = _ewma(c[AVG], 0, stability, n)
            c[LASTJ] = j
        avg = (c[AVG] + (1 << (QUEUE_SCALE - 1))) >> QUEUE_SCALE
    if avg <= c[MIN]:
        c[COUNT] = -1
        return False
    if avg > c[KILL]:
        c[COUNT] = -1
        return True
    if avg <= c[MAX]:
        p_b = _int32(((c[C1] * c[AVG]) >> QUEUE_SCALE) - c[C2])
    else:                                           # gentle: MAX_P to 1 up to twice MAX
        p_b = _int32(((c[G1] * c[AVG]) >> QUEUE_SCALE) - c[G2])
    c[COUNT] += 1
    if c[COUNT] > 0 and p_b > 0 and c[COUNT] > c[RND] // p_b:
        c[COUNT] = 0
        c[RND] = _random16(c)
        return True
    if c[COUNT] == 0:
        c[RND] = _random16(c)
    return False


@njit(cache=True, _nrt=False)
def red(P, s, st):
    c = st[0]
    if not should_drop(P, st):
        return 0
    c[DROPS] += 1
    return 1 if c[NOUT] > 1 else drop(0)


@njit(cache=True, _nrt=False)
def set_slopes(c):
    """The drop probability's slopes from the thresholds and MAX_P (Click's set_C1_and_C2)."""
    lo, hi, max_p = c[MIN], c[MAX], c[MAXP]
    if lo >= hi:
        c[C1] = 0
        c[C2] = 1
    else:
        c[C1] = max_p // (hi - lo)
        c[C2] = (max_p * lo) // (hi - lo)
    # Click divides by MAX_THRESH unchecked (0 stops it); then no average is in this range
    c[G1] = ((1 << P_BITS) - max_p) // hi if hi else 0
    c[G2] = ((1 << P_BITS) - 2 * max_p) & M32


def set_parameters(c: np.ndarray, min_thresh: int, max_thresh: int, max_p: int,
                   gentle: bool) -> None:
    """The thresholds and the slopes derived from them, in c."""
    c[MIN], c[MAX], c[MAXP], c[GENTLE] = min_thresh, max_thresh, max_p, gentle
    c[KILL] = 2 * max_thresh if gentle and max_p != 1 << P_BITS else max_thresh
    getattr(set_slopes, "py_func", set_slopes)(c)      # plain Python: no compile to configure


def parameter_problem(min_thresh: int, max_thresh: int, max_p: int) -> str | None:
    """Click's check_params, for thresholds and MAX_P (STABILITY is checked as parsed)."""
    if max_thresh > MAX_THRESH:
        return f"MAX_THRESH must be <= {MAX_THRESH}"
    if min_thresh > max_thresh:
        return "MIN_THRESH must be <= MAX_THRESH"
    if not 0 <= max_p <= 1 << P_BITS:
        return "MAX_P must be between 0 and 1"
    return None


class RED(Element):
    """Drops packets according to Random Early Detection (gentle RED).

    RED keeps a moving average of the summed lengths of its queues: those
    QUEUES names, or else the nearest Storage elements (Queues) downstream
    when RED pushes, upstream when it is pulled (Click's flow-based router
    context).  Below MIN_THRESH nothing is dropped; between MIN_THRESH and
    MAX_THRESH packets are dropped with a probability rising to MAX_P, and,
    with GENTLE (the default), from MAX_P to 1 up to twice MAX_THRESH; above
    that every packet is dropped.  STABILITY is -log2 of the average's weight
    (default 4); with 0 the thresholds see the instantaneous length, and, as
    in Click, the probability between them stays 0 (it follows the average,
    no longer kept).  Dropped packets leave on output 1 when it is connected.
    A pulled RED pulls again after each drop.
    """

    port_count = "1/1-2"
    processing = "a/ah"
    args = (
        Arg("MIN_THRESH", Integer(0, name="queue length"), required=True, positional=True,
            doc="average length below which nothing is dropped"),
        Arg("MAX_THRESH", Integer(0, name="queue length"), required=True, positional=True,
            doc="average length at which the drop probability reaches MAX_P"),
        Arg("MAX_P", Real(0.0, 1.0), required=True, positional=True,
            doc="drop probability at MAX_THRESH, between 0 and 1"),
        Arg("QUEUES", SpaceList(Word()), doc="the Storage elements (Queues) whose lengths count"),
        Arg("STABILITY", Integer(0, 16), default=4, doc="-log2 of the moving average's weight"),
        Arg("GENTLE", Bool(), default=True, doc="raise the probability to 1 up to twice "
            "MAX_THRESH rather than drop everything past it"),
    )
    handlers = (
        Handler("drops", doc="packets dropped so far"),
        Handler("min_thresh", write=True, doc="MIN_THRESH"),
        Handler("max_thresh", write=True, doc="MAX_THRESH"),
        Handler("max_p", write=True, doc="MAX_P"),
        Handler("avg_queue_size", doc="the average queue length"),
        Handler("stats", doc="current and average queue length, drops"),
        Handler("queues", doc="the queues, one per line"),
        Handler("config", doc="the configuration, with the queues found"),
    )
    drop_reasons = ("random early drop (average queue length)",)
    simple_action = red
    pulls_past_drops = True

    @classmethod
    def parameters(cls, values) -> tuple[int, int, int, bool]:
        """MIN_THRESH, MAX_THRESH, MAX_P (fixed point) and GENTLE as configured."""
        return (values["MIN_THRESH"], values["MAX_THRESH"], to_fixed(values["MAX_P"], P_BITS),
                values.get("GENTLE", True))

    @classmethod
    def check_config(cls, values, ctx):
        problem = parameter_problem(*cls.parameters(values)[:3])
        issues = [ArgIssue(problem, None, "for example RED(5, 50, 0.02)")] if problem else []
        for name in values.get("QUEUES") or []:
            if ctx.element_names and name not in ctx.element_names:
                issues.append(ArgIssue(f"QUEUES: no element named {name!r}", None,
                                       "name the Queues whose lengths RED watches"))
        return issues

    @classmethod
    def graph_values(cls, graph, node):
        return {"_nearby_storage": nearby_storage(graph, node)}

    @classmethod
    def check_context(cls, values, classes):
        return [ArgIssue(message, None, hint) for message, hint in queue_problems(
            cls.queue_names(values), lambda name: getattr(classes.get(name), "storage", None))]

    @classmethod
    def queue_names(cls, values) -> list[str]:
        return list(values.get("QUEUES") or values.get("_nearby_storage") or [])

    @classmethod
    def peers(cls, values):
        return cls.queue_names(values)

    @classmethod
    def state(cls, values, n_inputs, n_outputs):
        names = cls.queue_names(values)
        peers = values.get("_peers") or {}
        for message, hint in queue_problems(
                names, lambda name: getattr(peers.get(name, (None,))[0], "storage", None)):
            raise ValueError(f"{message}: {hint}")
        c = np.zeros(QWORD + len(names), dtype=np.int64)
        lengths = []
        for k, name in enumerate(names):
            pcls, pst = peers[name]
            array, word = pcls.storage
            lengths.append(pst[array])
            c[QWORD + k] = word
        set_parameters(c, *cls.parameters(values))
        c[STAB] = values.get("STABILITY", 4)
        c[COUNT] = -1
        c[NOUT] = n_outputs
        c[RNG] = random.getrandbits(32) or 1
        c[EXPIRY] = -1
        return (c, *lengths)

    @classmethod
    def read_handler(cls, name, values, st):
        c = st[0]
        if name == "drops":
            return str(int(c[DROPS]))
        if name == "min_thresh":
            return str(int(c[MIN]))
        if name == "max_thresh":
            return str(int(c[MAX]))
        if name == "max_p":
            return unparse_real2(int(c[MAXP]), P_BITS)
        avg = unparse_real2(int(c[AVG]), QUEUE_SCALE)
        if name == "avg_queue_size":
            return avg
        if name == "stats":
            return (f"{int(queue_size(st))} current queue\n{avg} avg queue\n"
                    f"{int(c[DROPS])} drops\n")
        if name == "queues":
            return "".join(q + "\n" for q in cls.queue_names(values))
        if name == "config":
            return (f"{int(c[MIN])}, {int(c[MAX])}, {unparse_real2(int(c[MAXP]), P_BITS)}, "
                    f"QUEUES {' '.join(cls.queue_names(values))}, STABILITY {int(c[STAB])}"
                    + ("" if c[GENTLE] else ", GENTLE false"))
        raise KeyError(name)

    @classmethod
    def write_handler(cls, name, text, values, st):
        """Click's reconfigure_keyword_handler: one parameter changes, the average stays."""
        c = st[0]
        words = {"min_thresh": MIN, "max_thresh": MAX, "max_p": MAXP}
        if name not in words or not any(h.name == name and h.write for h in cls.handlers):
            raise KeyError(name)
        new = {k: int(c[w]) for k, w in words.items()}
        try:
            if name == "max_p":
                new[name] = to_fixed(Real(0.0, 1.0).parse(text, ParseContext()), P_BITS)
            else:
                new[name] = Integer(0, name="queue length").parse(text, ParseContext())
        except ArgError as e:
            raise ValueError(f"{name}: {e}") from None
        problem = parameter_problem(new["min_thresh"], new["max_thresh"], new["max_p"])
        if problem:
            raise ValueError(problem)
        set_parameters(c, new["min_thresh"], new["max_thresh"], new["max_p"], bool(c[GENTLE]))
