"""SetUDPChecksum: computes UDP checksums."""
from clickpy.element import IP_HEADER, Element


class SetUDPChecksum(Element):
    """Sets UDP packets' checksums, using the IP header for the pseudo-header.

    Input packets are UDP in IP (the protocol is not checked).  Fragments and
    packets shorter than their UDP length go to output 1, or are dropped when
    output 1 is not connected.
    """

    port_count = "1/1-2"
    processing = "a/ah"
    requires = {IP_HEADER: (0,)}
