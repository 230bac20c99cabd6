"""HostEtherFilter: acts like an Ethernet card's address filter."""
import numpy as np
from numba import njit

from clickpy.args import Arg, Bool, EtherAddress, Integer
from clickpy.element import Element, Handler
from clickpy.kernel import drop
from clickpy.packet import (A_PKTTYPE, PKTTYPE_BROADCAST, PKTTYPE_HOST, PKTTYPE_MULTICAST,
                            PKTTYPE_OTHERHOST)
from elements.ethernet.etherencap import ether_unparse, parse_handler_value

DROP_OWN, DROP_OTHER, OFFSET, NOUT = range(4)  # configuration words


@njit(cache=True, _nrt=False)
def _filtered(c, reason):
    return 1 if c[NOUT] > 1 else drop(reason)


@njit(cache=True, _nrt=False)
def hostetherfilter(P, s, st):
    c, me = st[0], st[1]
    data, at = P[0], P[1][s] + c[OFFSET]
    # Click reads the destination, and the source only with DROP_OWN.
    if P[2][s] < c[OFFSET] + (12 if c[DROP_OWN] else 6):
        return drop(0)
    if c[DROP_OWN]:
        own = True
        for i in range(6):
            if data[s, at + 6 + i] != me[i]:
                own = False
        if own:
            return _filtered(c, 1)
    mine, bcast = True, True
    for i in range(6):
        if data[s, at + i] != me[i]:
            mine = False
        if data[s, at + i] != 0xFF:
            bcast = False
    anno = P[3]
    if mine:
        anno[s, A_PKTTYPE] = PKTTYPE_HOST
    elif bcast:
        anno[s, A_PKTTYPE] = PKTTYPE_BROADCAST
    elif data[s, at] & 1:
        anno[s, A_PKTTYPE] = PKTTYPE_MULTICAST
    else:
        anno[s, A_PKTTYPE] = PKTTYPE_OTHERHOST
        if c[DROP_OTHER]:
            return _filtered(c, 2)
    return 0


class HostEtherFilter(Element):
    """Drops Ethernet packets sent to other machines, like a NIC with address ETHER.

    Sets each packet's packet type annotation (HOST, BROADCAST, MULTICAST or
    OTHERHOST) from its destination.  Packets from ETHER (with DROP_OWN) and
    unicast packets to other hosts (with DROP_OTHER, the default) go to
    output 1 if it is connected, else are dropped; the rest leave on output 0.
    A packet too short to hold the addresses read at OFFSET is dropped.
    """

    port_count = "1/1-2"
    processing = "a/ah"
    args = (
        Arg("ETHER", EtherAddress(), required=True, positional=True, doc="this host's address"),
        Arg("DROP_OWN", Bool(), positional=True, default=False,
            doc="filter packets whose source is ETHER"),
        Arg("DROP_OTHER", Bool(), positional=True, default=True,
            doc="filter unicast packets to other hosts"),
        Arg("OFFSET", Integer(0), default=0, doc="byte position of the Ethernet header"),
    )
    handlers = (Handler("ether", write=True, doc="the ETHER argument"),)
    drop_reasons = ("packet too short for the Ethernet addresses at OFFSET",
                    "sent by this host (DROP_OWN)",
                    "unicast to another host (DROP_OTHER)")
    simple_action = hostetherfilter

    @classmethod
    def state(cls, values, n_inputs, n_outputs):
        c = np.zeros(4, dtype=np.int64)
        c[DROP_OWN], c[DROP_OTHER] = bool(values["DROP_OWN"]), bool(values["DROP_OTHER"])
        c[OFFSET], c[NOUT] = values["OFFSET"], n_outputs
        return (c, np.frombuffer(values["ETHER"], dtype=np.uint8).copy())

    @classmethod
    def read_handler(cls, name, values, st):
        if name != "ether":
            raise KeyError(name)
        return ether_unparse(st[1])

    @classmethod
    def write_handler(cls, name, text, values, st):
        if name != "ether":
            raise KeyError(name)
        addr = parse_handler_value(EtherAddress(), text, name)
        values["ETHER"] = addr
        st[1][:] = np.frombuffer(addr, dtype=np.uint8)
