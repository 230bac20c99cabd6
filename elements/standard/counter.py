"""Counter: counts packets and bytes."""
import numpy as np
from numba import njit

from clickpy.args import Arg, Raw
from clickpy.element import Element, Handler
from clickpy.packet import C_NOW

COUNT, BYTES, FIRST, LAST = 0, 1, 2, 3  # state words


@njit(cache=True, _nrt=False)
def count(P, s, st):
    c = st[0]
    c[COUNT] += 1
    c[BYTES] += P[2][s]
    now = P[5][C_NOW]
    if c[COUNT] == 1:
        c[FIRST] = now
    c[LAST] = now
    return 0


class Counter(Element):
    """Measures packet count and rate.

    Passes packets unchanged from its input to its output, keeping counts of
    packets and bytes and their rates.  COUNT_CALL and BYTE_COUNT_CALL name a
    handler to call when a count is reached.
    """

    port_count = "1/1"
    processing = "a/a"
    args = (
        Arg("COUNT_CALL", Raw(), doc="N HANDLER: call HANDLER after N packets"),
        Arg("BYTE_COUNT_CALL", Raw(), doc="N HANDLER: call HANDLER after N bytes"),
    )
    handlers = (
        Handler("count", doc="packets counted"),
        Handler("byte_count", doc="bytes counted"),
        Handler("rate", doc="arrival rate between the first and last packet, packets/s"),
        Handler("bit_rate", doc="the same in bits per second"),
        Handler("byte_rate", doc="the same in bytes per second"),
        Handler("reset", read=False, write=True, doc="reset counts and rates"),
        Handler("reset_counts", read=False, write=True, doc="reset counts only"),
    )
    simple_action = count

    @classmethod
    def state(cls, values, n_inputs, n_outputs):
        return (np.zeros(4, dtype=np.int64),)

    @classmethod
    def read_handler(cls, name, values, st):
        c = st[0]
        seconds = (c[LAST] - c[FIRST]) / 1e9
        packets_per_s = (c[COUNT] - 1) / seconds if seconds > 0 else 0.0
        bytes_per_s = c[BYTES] * (c[COUNT] - 1) / c[COUNT] / seconds if seconds > 0 else 0.0
        values_by_name = {"count": int(c[COUNT]), "byte_count": int(c[BYTES]),
                          "rate": packets_per_s, "byte_rate": bytes_per_s,
                          "bit_rate": bytes_per_s * 8}
        if name not in values_by_name:
            raise KeyError(name)
        v = values_by_name[name]
        return f"{v}" if isinstance(v, int) else f"{v:.6g}"

    @classmethod
    def write_handler(cls, name, text, values, st):
        if name not in ("reset", "reset_counts"):
            raise KeyError(name)
        st[0][:] = 0
