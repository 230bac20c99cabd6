"""PullSwitch: forwards pull requests to one settable input."""
import numpy as np
from numba import njit

from clickpy.args import Arg, ArgError, Integer, ParseContext
from clickpy.element import Element, Handler

INPUT, NIN = 0, 1  # state words
INT32 = (-2**31, 2**31 - 1)   # Click's IntArg for int


@njit(cache=True, _nrt=False)
def switched_input(P, st, attempt):
    # One try, at the active input; a negative one means no packet (Click returns null).
    c = st[0]
    return c[INPUT] if attempt == 0 else -1


def _active(k: int, n_inputs: int) -> int:
    """Click's set_input: an input out of range (negative, or not there) is -1."""
    return -1 if k < 0 or k >= n_inputs else k


class PullSwitch(Element):
    """Forwards pull requests to settable input.

    On every pull, PullSwitch returns the packet pulled from one of its
    inputs -- specifically, input INPUT.  The default INPUT is zero; a
    negative INPUT, or one with no such input, means always returning no
    packet.  The `switch` write handler changes INPUT while running.
    PullSwitch has an unlimited number of inputs.
    """

    port_count = "-/1"
    processing = "l/l"
    args = (Arg("INPUT", Integer(*INT32, name="input number"), positional=True, default=0,
                doc="input pulled from; negative pulls nothing"),)
    handlers = (
        Handler("switch", write=True, doc="the INPUT in use (-1: none)"),
        Handler("config", doc="the INPUT in use"),
    )
    pull_choice = switched_input

    @classmethod
    def state(cls, values, n_inputs, n_outputs):
        k = values.get("INPUT")
        return (np.array([_active(0 if k is None else k, n_inputs), n_inputs], dtype=np.int64),)

    @classmethod
    def read_handler(cls, name, values, st):
        if name not in ("switch", "config"):
            raise KeyError(name)
        return str(int(st[0][INPUT]))

    @classmethod
    def write_handler(cls, name, text, values, st):
        if name != "switch":
            raise KeyError(name)
        try:
            k = Integer(*INT32).parse(text.strip(), ParseContext())
        except ArgError:
            raise ValueError("syntax error") from None
        c = st[0]
        c[INPUT] = _active(k, int(c[NIN]))
