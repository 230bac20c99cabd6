"""SetIPDSCP: sets the Differentiated Services Code Point."""
import numpy as np
from numba import njit

from clickpy.args import Arg, ArgError, ArgType, Integer, ParseContext
from clickpy.datapath.ipheader import NO_IP_HEADER, ip_header_at, update_cksum
from clickpy.element import IP_HEADER, Element, Handler
from clickpy.kernel import drop
from clickpy.packet import rd16, wr16


@njit(cache=True, _nrt=False)
def set_ip_dscp(P, s, st):
    data = P[0]
    ip = ip_header_at(P, s, 20)
    if ip < 0:
        return drop(0)
    old_hw = rd16(data, s, ip)
    data[s, ip + 1] = (data[s, ip + 1] & 0x3) | st[0][0]
    sum_ = update_cksum(rd16(data, s, ip + 10), old_hw, rd16(data, s, ip))
    wr16(data, s, ip + 10, sum_)
    return 0


class _DSCP(ArgType):
    name = "DSCP"
    example = "46"

    def parse(self, text, ctx):
        value = Integer(0, name="DSCP").parse(text, ctx)
        if value > 0x3F:
            raise ArgError("diffserv code point out of range", "expected a DSCP from 0 to 63")
        return value


class SetIPDSCP(Element):
    """Sets IP packets' DSCP fields (the upper 6 bits of the TOS byte).

    Writes DSCP into each packet's IP header, incrementally updates the
    checksum and passes the packet on.
    """

    port_count = "1/1"
    processing = "a/a"
    args = (Arg("DSCP", _DSCP(), required=True, positional=True, doc="code point, 0 to 63"),)
    handlers = (Handler("dscp", write=True, doc="the DSCP argument"),)
    requires = {IP_HEADER: (0,)}
    drop_reasons = (NO_IP_HEADER,)
    simple_action = set_ip_dscp

    @classmethod
    def state(cls, values, n_inputs, n_outputs):
        return (np.array([values["DSCP"] << 2], dtype=np.int64),)

    @classmethod
    def read_handler(cls, name, values, st):
        if name == "dscp":
            return str(int(st[0][0]) >> 2)
        raise KeyError(name)

    @classmethod
    def write_handler(cls, name, text, values, st):
        if name != "dscp":
            raise KeyError(name)
        try:
            dscp = _DSCP().parse(text, ParseContext())
        except ArgError as e:
            raise ValueError(f"dscp: {e.message}") from None
        st[0][0] = dscp << 2
