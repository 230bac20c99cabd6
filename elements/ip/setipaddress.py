"""SetIPAddress: sets the destination IP address annotation to a constant."""
import ipaddress

import numpy as np
from numba import njit

from clickpy.args import Arg, ArgError, IPAddress, ParseContext
from clickpy.argtypes.packet_annotations import Annotation
from clickpy.datapath.ipheader import anno_column, ip_int
from clickpy.element import DST_IP, Element, Handler
from elements.ip.getipaddress import DST_IP_ANNOTATION

ADDR, COLUMN = range(2)  # state words


@njit(cache=True, _nrt=False)
def set_ip_address(P, s, st):
    c = st[0]
    P[3][s, c[COLUMN]] = c[ADDR]
    return 0


class SetIPAddress(Element):
    """Sets destination IP address annotations to the fixed address IPADDR.

    ANNO names a different 4-byte annotation to set instead of the
    destination IP annotation.
    """

    port_count = "1/1"
    processing = "a/a"
    args = (
        Arg("IPADDR", IPAddress(), required=True, positional=True, doc="address to store"),
        Arg("ANNO", Annotation(4), default=DST_IP_ANNOTATION, doc="annotation to set"),
    )
    handlers = (Handler("addr", write=True, doc="the IPADDR argument"),)
    sets = {DST_IP: (0,)}
    simple_action = set_ip_address

    @classmethod
    def state(cls, values, n_inputs, n_outputs):
        c = np.zeros(2, dtype=np.int64)
        c[ADDR] = ip_int(values["IPADDR"])
        c[COLUMN] = anno_column(values.get("ANNO") or DST_IP_ANNOTATION, cls.class_name)
        return (c,)

    @classmethod
    def read_handler(cls, name, values, st):
        if name == "addr":
            return str(ipaddress.IPv4Address(int(st[0][ADDR])))
        raise KeyError(name)

    @classmethod
    def write_handler(cls, name, text, values, st):
        if name != "addr":
            raise KeyError(name)
        try:
            addr = IPAddress().parse(text, ParseContext())
        except ArgError as e:
            raise ValueError(f"addr: expected IP address: {e.message}") from None
        st[0][ADDR] = ip_int(addr)
