"""RandomSwitch: sends each packet to a random output."""
import random

import numpy as np
from numba import njit

from clickpy.element import Element
from elements.standard.randomsample import NOUT, RNG, _random


@njit(cache=True, _nrt=False)
def randomswitch(P, s, st):
    # Click: click_random(0, noutputs() - 1), each output equally likely.
    c = st[0]
    return _random(c) % c[NOUT]


class RandomSwitch(Element):
    """Sends packets to random outputs.

    Pushes each arriving packet to one of its N outputs, chosen at random,
    each output equally likely.
    """

    port_count = "1/1-"
    processing = "h/h"
    simple_action = randomswitch

    @classmethod
    def state(cls, values, n_inputs, n_outputs):
        # RandomSample's state words: its generator (RNG) and output count (NOUT).
        c = np.zeros(5, dtype=np.int64)
        c[NOUT], c[RNG] = max(n_outputs, 1), random.getrandbits(32) or 1
        return (c,)
