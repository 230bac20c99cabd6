"""EtherRewrite: overwrites both Ethernet addresses."""
import numpy as np
from numba import njit

from clickpy.args import Arg, EtherAddress
from clickpy.element import Element, Handler
from clickpy.kernel import drop
from clickpy.packet import copy_bytes
from elements.ethernet.etherencap import ether_unparse, parse_handler_value


@njit(cache=True, _nrt=False)
def etherrewrite(P, s, st):
    addrs = st[0]
    if P[2][s] < 12:
        return drop(0)
    copy_bytes(P[0][s], P[1][s], addrs, 0, 12)
    return 0


class EtherRewrite(Element):
    """Rewrites the source and destination Ethernet addresses to SRC and DST.

    The Ethernet type is left untouched.  Useful when a link has a single
    possible next hop, as in a transparent firewall.  The Ethernet header is
    the front of the packet (clickpy keeps no separate MAC header pointer);
    a packet shorter than the two addresses is dropped.
    """

    port_count = "1/1"
    processing = "a/a"
    args = (
        Arg("SRC", EtherAddress(), required=True, positional=True, doc="new source address"),
        Arg("DST", EtherAddress(), required=True, positional=True, doc="new destination address"),
    )
    handlers = (
        Handler("src", write=True, doc="the SRC argument"),
        Handler("dst", write=True, doc="the DST argument"),
    )
    drop_reasons = ("packet shorter than the Ethernet addresses (12 bytes)",)
    simple_action = etherrewrite

    @classmethod
    def state(cls, values, n_inputs, n_outputs):
        addrs = np.zeros(12, dtype=np.uint8)
        addrs[0:6] = np.frombuffer(values["DST"], dtype=np.uint8)
        addrs[6:12] = np.frombuffer(values["SRC"], dtype=np.uint8)
        return (addrs,)

    @classmethod
    def read_handler(cls, name, values, st):
        if name == "src":
            return ether_unparse(st[0][6:12])
        if name == "dst":
            return ether_unparse(st[0][0:6])
        raise KeyError(name)

    @classmethod
    def write_handler(cls, name, text, values, st):
        if name not in ("src", "dst"):
            raise KeyError(name)
        addr = parse_handler_value(EtherAddress(), text, name)
        values[name.upper()] = addr
        at = 6 if name == "src" else 0
        st[0][at:at + 6] = np.frombuffer(addr, dtype=np.uint8)
