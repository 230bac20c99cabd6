"""StoreData: overwrites packet bytes at an offset, optionally through a mask."""
import numpy as np
from numba import njit

from clickpy.args import Arg, ArgIssue, Bool, Data, Integer
from clickpy.element import Element
from clickpy.kernel import drop
from clickpy.packet import put_back

OFFSET, DLEN, MLEN, GROW = range(4)  # state words
UINT_MAX = 0xFFFFFFFF


@njit(cache=True, _nrt=False)
def storedata(P, s, st):
    data, head, length = P[0], P[1], P[2]
    c, d, mask = st[0], st[1], st[2]
    off = c[OFFSET]
    if length[s] <= off:                # Click: too short, passed on unchanged
        return 0
    avail = length[s] - off
    dlen = c[DLEN]
    if c[GROW] and dlen > avail:
        if not put_back(P, s, dlen - avail):
            return drop(0)
        avail = dlen
    n = min(dlen, avail)
    at = head[s] + off
    for i in range(n):
        if i < c[MLEN]:
            data[s, at + i] = (data[s, at + i] & ~mask[i]) | d[i]
        else:
            data[s, at + i] = d[i]
    return 0


class StoreData(Element):
    """Changes packet data.

    Overwrites the packet's bytes from OFFSET with DATA.  With MASK (no
    longer than DATA), only the bits set in MASK change in the first
    len(MASK) bytes; the rest of DATA is stored whole.  DATA past the end of
    the packet is cut, unless GROW is true: then the packet is extended to
    hold it.  Packets no longer than OFFSET pass unchanged.  (MASK and GROW
    are FastClick's additions to Click's StoreData(OFFSET, DATA).)
    """

    port_count = "1/1"
    processing = "a/a"
    args = (
        Arg("OFFSET", Integer(0, UINT_MAX, name="unsigned integer"), required=True,
            positional=True, doc="first byte to change"),
        Arg("DATA", Data(), required=True, positional=True, doc="the bytes to store"),
        Arg("MASK", Data(), positional=True, doc="bits of DATA's first bytes to change"),
        Arg("GROW", Bool(), default=False, doc="extend packets too short for DATA"),
    )
    drop_reasons = ("no room to grow the packet",)
    simple_action = storedata

    @classmethod
    def check_config(cls, values, ctx):
        mask, data = values.get("MASK"), values.get("DATA")
        if mask and data is not None and len(mask) > len(data):
            return [ArgIssue("MASK must be no longer than DATA", None,
                             f"DATA has {len(data)} bytes, MASK {len(mask)}")]
        return []

    @classmethod
    def state(cls, values, n_inputs, n_outputs):
        data = bytes(values["DATA"])
        mask = bytes(values.get("MASK") or b"")
        d = np.zeros(max(len(data), 1), dtype=np.uint8)
        d[:len(data)] = np.frombuffer(data, dtype=np.uint8) if data else []
        m = np.zeros(max(len(mask), 1), dtype=np.uint8)
        m[:len(mask)] = np.frombuffer(mask, dtype=np.uint8) if mask else []
        d[:len(mask)] &= m[:len(mask)]          # Click's initialize: DATA &= MASK
        c = np.array([values["OFFSET"], len(data), len(mask), bool(values.get("GROW"))],
                     dtype=np.int64)
        return (c, d, m)
