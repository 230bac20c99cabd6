"""RandomSource: generates packets of random bytes whenever scheduled.

Click's RandomSource is an InfiniteSource whose packets are random bytes:
it shares InfiniteSource's LIMIT, BURST, ACTIVE, STOP and END_CALL logic,
state words and budget, with LENGTH and a random generator added.
"""
import random

import numpy as np
from numba import njit

from clickpy.args import Arg, ArgIssue, Bool, Integer
from clickpy.argtypes.handler_calls import HandlerCallArg
from clickpy.datapath.xorshift import xorshift32
from clickpy.element import Element, Handler
from clickpy.packet import A_TSTAMP, C_NOW, alloc
from elements.standard.infinitesource import (ACTIVE, BURST, COUNT, LIMIT, MAX_PACKET, STOP,
                                              TIMESTAMP, InfiniteSource, _limit_reached,
                                              infinitesource_budget,
                                              infinitesource_calls_pending, parse_int,
                                              read_source_handler, write_source_handler)

LENGTH, RNG = 10, 11    # state words after InfiniteSource's
MAX_LENGTH = 64 * 1024  # Click: "bad length" from here on


@njit(cache=True, _nrt=False)
def click_random(c):
    """A 31-bit random number, as click_random() (random()) gives, from a 32-bit xorshift."""
    return xorshift32(c, RNG) & 0x7FFFFFFF


@njit(cache=True, _nrt=False)
def randomsource(P, st):
    c = st[0]
    if not c[ACTIVE] or _limit_reached(P, c):
        return -1
    s = alloc(P)
    if s < 0:
        return -1
    data, h, n = P[0], P[1][s], c[LENGTH]
    # Click stores one int (little-endian, as on x86) per 4 bytes.
    for i in range(0, n, 4):
        r = click_random(c)
        for k in range(min(4, n - i)):
            data[s, h + i + k] = (r >> (8 * k)) & 0xFF
    P[2][s] = n
    if c[TIMESTAMP]:
        P[3][s, A_TSTAMP] = P[5][C_NOW]
    c[COUNT] += 1
    return s


class RandomSource(Element):
    """Generates random packets whenever scheduled.

    Creates packets of LENGTH random bytes and emits BURST of them each
    time it runs (or one per pull), until LIMIT packets have been sent; a
    negative LIMIT (the default) never stops.  Only while ACTIVE.  Once
    LIMIT is reached, STOP stops the driver, or END_CALL calls a write
    handler (not both).  TIMESTAMP sets the timestamp annotation.
    """

    port_count = "0/1"
    processing = "a/a"
    args = (
        Arg("LENGTH", Integer(name="packet length"), required=True, positional=True,
            doc="length of each packet"),
        Arg("LIMIT", Integer(name="packet count"), positional=True, default=-1,
            doc="packets to send; negative means forever"),
        Arg("BURST", Integer(name="burst size"), positional=True, default=1,
            doc="packets sent per scheduling (>= 1)"),
        Arg("ACTIVE", Bool(), positional=True, default=True, doc="send packets at all"),
        Arg("TIMESTAMP", Bool(), default=True, doc="set the timestamp annotation"),
        Arg("STOP", Bool(), default=False, doc="stop the driver after LIMIT packets"),
        Arg("END_CALL", HandlerCallArg(), doc="write handler called after LIMIT packets"),
    )
    handlers = (
        Handler("count", doc="packets generated so far"),
        Handler("reset", read=False, write=True, doc="reset count; send LIMIT more packets"),
        Handler("length", write=True, doc="the LENGTH parameter"),
        Handler("limit", write=True, doc="the LIMIT parameter"),
        Handler("burst", write=True, doc="the BURST parameter"),
        Handler("active", write=True, doc="whether packets are generated"),
    )
    new_packets = True
    run_task = randomsource
    task_budget = infinitesource_budget
    host_pending = infinitesource_calls_pending
    end_action = InfiniteSource.end_action
    take_handler_calls = InfiniteSource.take_handler_calls

    @classmethod
    def check_config(cls, values, ctx):
        n = values.get("LENGTH")
        if n is not None and not 0 <= n < MAX_LENGTH:
            return [ArgIssue(f"bad length {n}", None, f"use a length in [0, {MAX_LENGTH})")]
        if n is not None and n > MAX_PACKET:
            return [ArgIssue(f"packets of {n} bytes do not fit clickpy's packet slots "
                             f"({MAX_PACKET} bytes at most)", None,
                             f"use LENGTH {MAX_PACKET} or less")]
        burst = values.get("BURST")
        if burst is not None and burst < 1:
            return [ArgIssue("burst size must be >= 1", None)]
        if values.get("STOP") and values.get("END_CALL") is not None:
            return [ArgIssue("END_CALL and STOP are mutually exclusive", None,
                             "STOP true is the same as END_CALL stop; keep one")]
        return []

    @classmethod
    def state(cls, values, n_inputs, n_outputs):
        c = np.zeros(12, dtype=np.int64)
        limit = values.get("LIMIT")
        c[ACTIVE] = bool(values.get("ACTIVE", True))
        c[LIMIT] = -1 if limit is None else limit
        c[BURST] = values.get("BURST") or 1
        c[STOP] = cls.end_action(values)
        c[TIMESTAMP] = bool(values.get("TIMESTAMP", True))
        c[LENGTH] = values["LENGTH"]
        c[RNG] = random.getrandbits(32) or 1
        return (c,)

    @classmethod
    def read_handler(cls, name, values, st):
        c = st[0]
        if name == "length":
            return str(int(c[LENGTH]))
        text = read_source_handler(c, name)
        if text is None:
            raise KeyError(name)
        return text

    @classmethod
    def write_handler(cls, name, text, values, st):
        c = st[0]
        if write_source_handler(c, name, text, cls.end_action(values)):
            return
        if name == "length":
            n = parse_int(text, "length must be integer")
            if not 0 <= n <= MAX_PACKET:
                raise ValueError(f"length: packets of {n} bytes cannot be made "
                                 f"(0 to {MAX_PACKET} bytes)")
            c[LENGTH] = n
        else:
            raise KeyError(name)
