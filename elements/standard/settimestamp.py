"""SetTimestamp: stores the time, or a fixed time, in the packet's timestamp annotation."""
import re

import numpy as np
from numba import njit

from clickpy.args import Arg, ArgIssue, ArgType, Bool
from clickpy.element import Element
from clickpy.packet import A_FIRST_TSTAMP, A_TSTAMP, C_NOW

COLUMN, FIXED, TIME = range(3)  # state words: which annotation, fixed time or now, the time


class Timestamp(ArgType):
    """Click's TimestampArg: seconds since the epoch, with up to 9 decimals (ns)."""

    name = "timestamp"
    example = "1700000000.5"
    _FORM = re.compile(r"^(\d+)(?:\.(\d*))?$|^\.(\d+)$")

    def parse(self, text, ctx):
        m = self._FORM.match(text.strip())
        if not m:
            raise self.fail(text)
        sec, frac = (m.group(1) or "0"), (m.group(2) or m.group(3) or "")
        # Click rounds the fraction to its precision, nanoseconds.
        ns = int((frac + "0" * 10)[:10]) + 5
        return int(sec) * 10**9 + ns // 10


@njit(cache=True, _nrt=False)
def settimestamp(P, s, st):
    c = st[0]
    P[3][s, c[COLUMN]] = c[TIME] if c[FIXED] else P[5][C_NOW]
    return 0


class SetTimestamp(Element):
    """Store the time in the packet's timestamp annotation.

    Stores TIMESTAMP in each packet's timestamp annotation, or, without
    TIMESTAMP, the time the packet arrived here.  With FIRST true the
    packet's "first timestamp" annotation is set instead.
    """

    port_count = "1/1"
    processing = "a/a"
    args = (
        Arg("TIMESTAMP", Timestamp(), positional=True, doc="the time to store (default now)"),
        Arg("FIRST", Bool(), default=False, doc="set the first timestamp annotation instead"),
        Arg("DELTA", Bool(), default=False, doc="deprecated: an error if true"),
    )
    simple_action = settimestamp

    @classmethod
    def check_config(cls, values, ctx):
        if values.get("DELTA"):
            return [ArgIssue("SetTimestamp(DELTA) is deprecated, use "
                             "SetTimestampDelta(TYPE FIRST)", None)]
        return []

    @classmethod
    def state(cls, values, n_inputs, n_outputs):
        tv = values.get("TIMESTAMP")
        column = A_FIRST_TSTAMP if values.get("FIRST") else A_TSTAMP
        return (np.array([column, tv is not None, tv or 0], dtype=np.int64),)
