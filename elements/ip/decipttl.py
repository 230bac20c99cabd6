"""DecIPTTL: decrements the IP time-to-live and diverts expired packets."""
import numpy as np
from numba import njit

from clickpy.args import Arg, Bool
from clickpy.datapath.ipheader import NO_IP_HEADER, ip_header_at, parse_bool, unparse_bool
from clickpy.element import IP_HEADER, Element, Handler
from clickpy.kernel import drop
from clickpy.packet import rd16, wr16

ACTIVE, MULTICAST, NOUT, DROPS = range(4)  # state words


@njit(cache=True, _nrt=False)
def dec_ip_ttl(P, s, st):
    data = P[0]
    c = st[0]
    if c[ACTIVE] == 0:
        return 0
    ip = ip_header_at(P, s, 20)
    if ip < 0:
        return drop(1)
    if c[MULTICAST] == 0 and data[s, ip + 16] >> 4 == 0xE:
        return 0
    if data[s, ip + 8] <= 1:
        c[DROPS] += 1
        return 1 if c[NOUT] > 1 else drop(0)
    data[s, ip + 8] -= 1
    # RFC 1624 update, as Click does it: ~(~old_sum + 0xFEFF), folded once.
    total = ((~rd16(data, s, ip + 10)) & 0xFFFF) + 0xFEFF
    wr16(data, s, ip + 10, ~(total + (total >> 16)) & 0xFFFF)
    return 0


class DecIPTTL(Element):
    """Decrements IP time-to-live, sending dead packets to output 1.

    Packets whose TTL is 1 or less leave on output 1 (usually an
    ICMPError(..., timeexceeded) element) or are dropped when output 1 is not
    connected; others get TTL - 1 and an updated checksum on output 0.
    """

    port_count = "1/1-2"
    processing = "a/ah"
    args = (
        Arg("ACTIVE", Bool(), default=True, doc="when false, leave every TTL alone"),
        Arg("MULTICAST", Bool(), default=True, doc="when false, leave multicast TTLs alone"),
    )
    handlers = (
        Handler("drops", doc="packets sent to output 1 (TTL expired)"),
        Handler("active", write=True, doc="the ACTIVE setting"),
    )
    requires = {IP_HEADER: (0,)}
    drop_reasons = ("TTL expired", NO_IP_HEADER)
    simple_action = dec_ip_ttl

    @classmethod
    def state(cls, values, n_inputs, n_outputs):
        c = np.zeros(4, dtype=np.int64)
        c[ACTIVE] = values.get("ACTIVE", True) is not False
        c[MULTICAST] = values.get("MULTICAST", True) is not False
        c[NOUT] = n_outputs
        return (c,)

    @classmethod
    def read_handler(cls, name, values, st):
        c = st[0]
        if name == "drops":
            return str(int(c[DROPS]))
        if name == "active":
            return unparse_bool(c[ACTIVE])
        raise KeyError(name)

    @classmethod
    def write_handler(cls, name, text, values, st):
        if name != "active":
            raise KeyError(name)
        st[0][ACTIVE] = parse_bool(text, name)
