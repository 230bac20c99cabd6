"""Switch: sends every packet to one output, changeable at run time."""
import numpy as np
from numba import njit

from clickpy.args import Arg, ArgError, ArgIssue, Integer, ParseContext
from clickpy.element import Element, Handler
from clickpy.kernel import drop

OUTPUT, NOUT = 0, 1  # state words


@njit(cache=True, _nrt=False)
def switch(P, s, st):
    # Click's checked_output_push(_output): a negative output drops the packet.
    c = st[0]
    o = c[OUTPUT]
    return o if 0 <= o < c[NOUT] else drop(0)


class Switch(Element):
    """Sends packet stream to a settable output.

    Every packet leaves on output OUTPUT (default 0); a negative OUTPUT drops
    them instead.  The `switch` write handler changes OUTPUT while running.
    Switch has as many outputs as are connected; OUTPUT must be less than
    that number.
    """

    port_count = "1/-"
    processing = "h/h"
    args = (Arg("OUTPUT", Integer(name="output number"), positional=True, default=0,
                doc="output that receives packets; negative drops them"),)
    handlers = (
        Handler("switch", write=True, doc="the OUTPUT in use (out of range: drop)"),
        Handler("config", doc="the OUTPUT in use"),
    )
    drop_reasons = ("switched off (negative output)",)
    simple_action = switch

    @classmethod
    def check_ports(cls, values, n_inputs, n_outputs):
        output = values.get("OUTPUT", 0)
        if output is not None and output >= n_outputs:
            return [ArgIssue(f"output must be < {n_outputs}", None,
                             f"Switch sends packets to output {output}, which is not connected; "
                             "connect it or choose another OUTPUT")]
        return []

    @classmethod
    def state(cls, values, n_inputs, n_outputs):
        output = values.get("OUTPUT", 0) or 0
        return (np.array([output if output < n_outputs else -1, n_outputs], dtype=np.int64),)

    @classmethod
    def read_handler(cls, name, values, st):
        if name not in ("switch", "config"):
            raise KeyError(name)
        return str(int(st[0][OUTPUT]))

    @classmethod
    def write_handler(cls, name, text, values, st):
        if name != "switch":
            raise KeyError(name)
        try:
            output = Integer().parse(text.strip(), ParseContext())
        except ArgError:
            raise ValueError(f"Switch output must be integer, not {text.strip()!r}") from None
        c = st[0]
        c[OUTPUT] = output if output < c[NOUT] else -1
