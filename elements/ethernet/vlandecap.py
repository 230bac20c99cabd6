"""VLANDecap: removes an 802.1Q VLAN shim header."""
from clickpy.args import Arg, Bool, Integer
from clickpy.element import Element


class VLANDecap(Element):
    """Strips VLAN information from Ethernet packets.

    An 802.1Q-tagged frame (type ETHERTYPE, 0x8100 by default) loses its tag
    and becomes a plain Ethernet frame; untagged frames pass unchanged.  With
    ANNO true (the default) the VLAN_TCI annotation is set to the tag's TCI,
    or 0 for untagged frames.
    """

    port_count = "1/1"
    processing = "a/a"
    args = (
        Arg("ANNO", Bool(), positional=True, default=True, doc="set the VLAN_TCI annotation"),
        Arg("ETHERTYPE", Integer(0, 0xFFFF, name="Ethernet type"), default=0x8100,
            doc="tag type: 0x8100, 0x88a8 (QinQ) or 0x9100"),
    )
