"""StoreEtherAddress: writes an Ethernet address into packet data."""
import numpy as np
from numba import njit

from clickpy.args import Arg, ArgError, ArgIssue, ArgType, EtherAddress, Integer
from clickpy.argtypes.packet_annotations import Annotation
from clickpy.element import Element, Handler
from clickpy.kernel import drop
from elements.ethernet.etherencap import ether_unparse, parse_handler_value

OFFSET, NOUT = 0, 1  # configuration words


@njit(cache=True, _nrt=False)
def storeetheraddress(P, s, st):
    c, addr = st[0], st[1]
    if c[OFFSET] + 6 > P[2][s]:
        return 1 if c[NOUT] > 1 else drop(0)
    data, at = P[0], P[1][s] + c[OFFSET]
    for i in range(6):
        data[s, at + i] = addr[i]
    return 0


class _Offset(ArgType):
    """A byte offset, or 'src' (6) / 'dst' (0) for the Ethernet header's fields."""

    name = "offset"
    example = "src"

    def parse(self, text, ctx):
        t = text.strip()
        if t.lower() == "src":
            return 6
        if t.lower() == "dst":
            return 0
        try:
            return Integer(0).parse(t, ctx)
        except ArgError:
            raise ArgError(f"type mismatch: bad OFFSET {t!r}",
                           "give a byte offset, or src or dst for the Ethernet header") from None


class StoreEtherAddress(Element):
    """Stores Ethernet address ADDR into each packet at byte OFFSET.

    OFFSET may be `src` (6) or `dst` (0), the Ethernet header's address
    fields.  ANNO instead copies the address from a 6-byte annotation.
    Packets too short for OFFSET go to output 1, or are dropped when it is
    not connected.  (The compiled data path runs the ADDR form only: clickpy's
    annotations are not Click's byte-addressed annotation area.)
    """

    port_count = "1/1-2"
    processing = "a/ah"
    args = (
        Arg("ADDR", EtherAddress(), positional=True, doc="address to store"),
        Arg("OFFSET", _Offset(), required=True, positional=True, doc="src, dst or a byte offset"),
        Arg("ANNO", Annotation(6), doc="6-byte annotation holding the address, instead of ADDR"),
    )
    handlers = (Handler("addr", write=True, doc="the ADDR argument"),)
    drop_reasons = ("packet too short for an address at OFFSET",)
    simple_action = storeetheraddress

    @classmethod
    def state(cls, values, n_inputs, n_outputs):
        if values.get("ANNO") is not None:
            raise ValueError("StoreEtherAddress ANNO cannot run in the compiled data path: "
                             "packet annotations there are typed columns, not Click's "
                             "byte-addressed annotation area; give ADDR instead")
        c = np.array([values["OFFSET"], n_outputs], dtype=np.int64)
        return (c, np.frombuffer(values["ADDR"], dtype=np.uint8).copy())

    @classmethod
    def read_handler(cls, name, values, st):
        if name != "addr":
            raise KeyError(name)
        return ether_unparse(st[1])

    @classmethod
    def write_handler(cls, name, text, values, st):
        if name != "addr":
            raise KeyError(name)
        addr = parse_handler_value(EtherAddress(), text, name)
        values["ADDR"] = addr
        st[1][:] = np.frombuffer(addr, dtype=np.uint8)

    @classmethod
    def check_config(cls, values, ctx):
        if (values.get("ADDR") is None) == (values.get("ANNO") is None):
            return [ArgIssue("must specify exactly one of ADDR/ANNO", None,
                             "e.g. StoreEtherAddress(00:11:22:33:44:55, src)")]
        return []
