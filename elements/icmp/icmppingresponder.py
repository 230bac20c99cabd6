"""ICMPPingResponder: turns ICMP echo requests into echo replies."""
from clickpy.element import DST_IP, IP_HEADER, Element


class ICMPPingResponder(Element):
    """Responds to ICMP echo requests.

    Each echo request is turned into the matching echo reply (addresses
    swapped, TTL 255) and emitted on output 0 with its destination IP
    annotation set, paint cleared and a fresh timestamp; other annotations are
    kept.  Other IP packets go to output 1, or are dropped when it is not
    connected.
    """

    port_count = "1/1-2"
    processing = "a/ah"
    requires = {IP_HEADER: (0,)}
    sets = {IP_HEADER: (0,), DST_IP: (0,)}
