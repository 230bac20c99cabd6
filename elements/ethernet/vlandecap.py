"""VLANDecap: removes an 802.1Q VLAN shim header."""
import numpy as np
from numba import njit

from clickpy.args import Arg, Bool, Integer
from clickpy.element import Element
from clickpy.kernel import drop
from clickpy.packet import A_VLAN, rd16

ANNO, ETHERTYPE = 0, 1  # configuration words


@njit(cache=True, _nrt=False)
def vlandecap(P, s, st):
    c = st[0]
    data, head, length = P[0], P[1], P[2]
    h = head[s]
    tci = 0
    # A frame too short to hold a type field is not tagged.
    if length[s] >= 14 and rd16(data, s, h + 12) == c[ETHERTYPE]:
        if length[s] < 16:
            return drop(0)
        tci = rd16(data, s, h + 14)
        for i in range(h + 11, h - 1, -1):   # the addresses move over the tag
            data[s, i + 4] = data[s, i]
        head[s] = h + 4
        length[s] -= 4
    if c[ANNO]:
        P[3][s, A_VLAN] = tci
    return 0


class VLANDecap(Element):
    """Strips VLAN information from Ethernet packets.

    An 802.1Q-tagged frame (type ETHERTYPE, 0x8100 by default) loses its tag
    and becomes a plain Ethernet frame; untagged frames pass unchanged.  With
    ANNO true (the default) the VLAN_TCI annotation is set to the tag's TCI,
    or 0 for untagged frames.  A frame of type ETHERTYPE too short to hold
    the TCI is dropped.
    """

    port_count = "1/1"
    processing = "a/a"
    args = (
        Arg("ANNO", Bool(), positional=True, default=True, doc="set the VLAN_TCI annotation"),
        Arg("ETHERTYPE", Integer(0, 0xFFFF, name="Ethernet type"), default=0x8100,
            doc="tag type: 0x8100, 0x88a8 (QinQ) or 0x9100"),
    )
    drop_reasons = ("VLAN header truncated (tagged frame shorter than 16 bytes)",)
    simple_action = vlandecap

    @classmethod
    def state(cls, values, n_inputs, n_outputs):
        return (np.array([bool(values["ANNO"]), values["ETHERTYPE"]], dtype=np.int64),)
