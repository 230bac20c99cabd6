"""SetIPAddress: sets the destination IP address annotation to a constant."""
from clickpy.args import Arg, IPAddress
from clickpy.argtypes.packet_annotations import Annotation
from clickpy.element import DST_IP, Element, Handler
from elements.ip.getipaddress import DST_IP_ANNOTATION


class SetIPAddress(Element):
    """Sets destination IP address annotations to the fixed address IPADDR.

    ANNO names a different 4-byte annotation to set instead of the
    destination IP annotation.
    """

    port_count = "1/1"
    processing = "a/a"
    args = (
        Arg("IPADDR", IPAddress(), required=True, positional=True, doc="address to store"),
        Arg("ANNO", Annotation(4), default=DST_IP_ANNOTATION, doc="annotation to set"),
    )
    handlers = (Handler("addr", write=True, doc="the IPADDR argument"),)
    sets = {DST_IP: (0,)}
