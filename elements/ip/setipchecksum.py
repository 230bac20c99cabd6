"""SetIPChecksum: recomputes the IP header checksum."""
from clickpy.element import Element, Handler


class SetIPChecksum(Element):
    """Sets IP packets' header checksums.

    Computes the checksum of the IP header (at the IP header annotation if it
    is set, else at the start of the packet) and stores it.  Packets too short
    for their header are dropped.  Elements that change headers, like
    DecIPTTL, already update checksums incrementally.
    """

    port_count = "1/1"
    processing = "a/a"
    handlers = (Handler("drops", doc="malformed packets dropped"),)
