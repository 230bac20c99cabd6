"""DRRSched: pulls from its inputs by deficit round robin, fair in bytes."""
import numpy as np
from numba import njit

from clickpy.args import Arg, ArgIssue, Integer
from clickpy.element import Element

NEXT, N, QUANTUM = range(3)     # st[0]; st[1] the packet held per input (-1: none), st[2]
                                # each input's deficit in bytes


@njit(cache=True, _nrt=False)
def drr_choice(P, st, attempt):
    """Click's loop looks at each input once, from the one it left off on last time."""
    c = st[0]
    if attempt >= c[N]:
        return -1
    return c[NEXT]


@njit(cache=True, _nrt=False)
def drr_held(P, st, j):
    """The packet kept from input j when its deficit did not cover it, given up now."""
    s = st[1][j]
    st[1][j] = -1
    return s


@njit(cache=True, _nrt=False)
def drr_offer(P, st, j, s):
    """Click's DRRSched::pull after taking packet s (-1: none) from input j: s when the
    deficit covers its length; otherwise kept for later (or the deficit emptied, when
    the input had nothing), and the next input's deficit grows by QUANTUM."""
    c, deficit = st[0], st[2]
    if s < 0:
        deficit[j] = 0
    elif P[2][s] <= deficit[j]:
        deficit[j] -= P[2][s]
        return s
    else:
        st[1][j] = s
    nxt = j + 1
    if nxt >= c[N]:
        nxt = 0
    c[NEXT] = nxt
    deficit[nxt] += c[QUANTUM]
    return -1


class DRRSched(Element):
    """Pulls packets from its inputs by deficit round robin scheduling.

    From Shreedhar and Varghese's "Efficient Fair Queuing using Deficit
    Round Robin" (SIGCOMM 1995), as Click's DRRSched: each input has a
    deficit counter, which grows by QUANTUM bytes each time the scheduler
    moves on to that input.  A pull looks at each input once, starting
    with the one it left off on: its first packet leaves if its length is
    at most the input's deficit (the deficit shrinks by that length);
    otherwise the packet is kept at the head of that input for a later
    pull, and the next input is tried.  An input with no packet loses its
    deficit.  Over time each busy input gets about the same number of bytes
    through, whatever its packet sizes.
    """

    port_count = "-/1"
    processing = "l/l"
    args = (Arg("QUANTUM", Integer(name="quantum"), positional=True, default=500,
                doc="bytes added to an input's deficit each turn"),)

    pull_choice = drr_choice
    pull_held = drr_held
    pull_offer = drr_offer

    @classmethod
    def check_config(cls, values, ctx):
        if values.get("QUANTUM", 500) <= 0:
            return [ArgIssue("bad QUANTUM", None, "QUANTUM is a number of bytes, at least 1")]
        return []

    @classmethod
    def state(cls, values, n_inputs, n_outputs):
        n = max(n_inputs, 1)
        c = np.zeros(3, dtype=np.int64)
        c[N], c[QUANTUM] = n, values.get("QUANTUM", 500)
        return (c, np.full(n, -1, dtype=np.int64), np.zeros(n, dtype=np.int64))
