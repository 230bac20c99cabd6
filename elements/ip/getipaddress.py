"""GetIPAddress: copies an IP address from packet data into an annotation."""
from clickpy.args import Arg, ArgIssue, Choice, Integer
from clickpy.argtypes.packet_annotations import Annotation, AnnotationRef, KNOWN_ANNOTATIONS
from clickpy.element import DST_IP, Element

DST_IP_ANNOTATION = AnnotationRef("DST_IP", *KNOWN_ANNOTATIONS["DST_IP"])


class GetIPAddress(Element):
    """Sets the destination IP address annotation from packet data.

    Copies the 4 bytes at OFFSET (usually 16, an IP header's destination) into
    the destination IP annotation, or into ANNO when given.  Instead of
    OFFSET, the keyword IP `src` or `dst` takes the address from the IP header
    the IP header annotation points at.
    """

    port_count = "1/1"
    processing = "a/a"
    args = (
        Arg("OFFSET", Integer(0), positional=True, doc="byte offset of the address"),
        Arg("ANNO", Annotation(4), positional=True, default=DST_IP_ANNOTATION,
            doc="annotation to set"),
        Arg("IP", Choice("src", "dst", name="IP header field"),
            doc="src or dst: read the IP header's address instead of OFFSET"),
    )
    sets = {DST_IP: (0,)}

    @classmethod
    def check_config(cls, values, ctx):
        if (values.get("OFFSET") is None) == (values.get("IP") is None):
            return [ArgIssue("set one of OFFSET, IP", None,
                             "write GetIPAddress(16) or GetIPAddress(IP dst)")]
        return []
