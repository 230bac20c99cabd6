"""UDPIPEncap: wraps packets in fixed UDP and IP headers."""
from clickpy.args import Arg, Bool, IPAddress
from clickpy.argtypes.ip_names import Port
from clickpy.element import DST_IP, IP_HEADER, Element, Handler
from elements.ip.ipencap import Destination


class UDPIPEncap(Element):
    """Encapsulates packets in static UDP/IP headers: SRC:SPORT to DST:DPORT.

    Adds a UDP header and an IP header (TTL 250), computes the UDP checksum
    when CHECKSUM is true (the default), and sets the IP header annotation
    and the destination IP annotation to DST.  With DST written DST_ANNO, the
    destination comes from each packet's annotation instead.
    """

    port_count = "1/1"
    processing = "a/a"
    args = (
        Arg("SRC", IPAddress(), required=True, positional=True, doc="source address"),
        Arg("SPORT", Port("udp"), required=True, positional=True, doc="source port"),
        Arg("DST", Destination(), required=True, positional=True,
            doc="destination address or DST_ANNO"),
        Arg("DPORT", Port("udp"), required=True, positional=True, doc="destination port"),
        Arg("CHECKSUM", Bool(), positional=True, default=True, doc="compute UDP checksums"),
    )
    handlers = (
        Handler("src", write=True, doc="the SRC argument"),
        Handler("sport", write=True, doc="the SPORT argument"),
        Handler("dst", write=True, doc="the DST argument"),
        Handler("dport", write=True, doc="the DPORT argument"),
    )
    sets = {IP_HEADER: (0,), DST_IP: (0,)}
