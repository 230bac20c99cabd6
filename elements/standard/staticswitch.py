"""StaticSwitch: sends every packet to one fixed output."""
import numpy as np
from numba import njit

from clickpy.args import Arg, Integer
from clickpy.element import Element
from clickpy.kernel import drop


@njit(cache=True, _nrt=False)
def staticswitch(P, s, st):
    o = st[0][0]
    return o if o >= 0 else drop(0)


class StaticSwitch(Element):
    """Sends packet stream to a fixed output.

    Every packet leaves on output OUTPUT.  A negative OUTPUT, or one with no
    such output, drops the packets.  Unlike Switch, OUTPUT cannot change at
    run time, so StaticSwitch has no `switch` handler.
    """

    port_count = "1/-"
    processing = "h/h"
    args = (Arg("OUTPUT", Integer(name="output number"), required=True, positional=True,
                doc="output that receives packets; negative drops them"),)
    drop_reasons = ("switched off (no such output)",)
    simple_action = staticswitch

    @classmethod
    def state(cls, values, n_inputs, n_outputs):
        output = values["OUTPUT"]
        return (np.array([output if output < n_outputs else -1], dtype=np.int64),)
