"""StripIPHeader: removes the IP header the annotation points at."""
from clickpy.element import IP_HEADER, Element


class StripIPHeader(Element):
    """Strips the outermost IP header, found through the IP header annotation.

    Annotations are left unchanged, so the IP header annotation still points
    at the removed header: follow StripIPHeader with CheckIPHeader or
    MarkIPHeader to handle an inner (IP-in-IP) header.
    """

    port_count = "1/1"
    processing = "a/a"
    requires = {IP_HEADER: (0,)}
