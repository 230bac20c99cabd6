"""FixIPSrc: sets the IP source address on packets that ask for it."""
from clickpy.args import Arg, IPAddress
from clickpy.element import IP_HEADER, Element


class FixIPSrc(Element):
    """Sets the IP source field to IPADDR when the Fix IP Source annotation asks for it.

    ICMPError marks its packets with the Fix IP Source annotation; FixIPSrc on
    the output path rewrites their source to the outgoing interface's address
    IPADDR, recomputes the checksum and clears the annotation.  Other packets
    pass unchanged.
    """

    port_count = "1/1"
    processing = "a/a"
    args = (Arg("IPADDR", IPAddress(), required=True, positional=True,
                doc="this interface's IP address"),)
    requires = {IP_HEADER: (0,)}
