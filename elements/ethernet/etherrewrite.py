"""EtherRewrite: overwrites both Ethernet addresses."""
from clickpy.args import Arg, EtherAddress
from clickpy.element import Element, Handler


class EtherRewrite(Element):
    """Rewrites the source and destination Ethernet addresses to SRC and DST.

    The Ethernet type is left untouched.  Useful when a link has a single
    possible next hop, as in a transparent firewall.
    """

    port_count = "1/1"
    processing = "a/a"
    args = (
        Arg("SRC", EtherAddress(), required=True, positional=True, doc="new source address"),
        Arg("DST", EtherAddress(), required=True, positional=True, doc="new destination address"),
    )
    handlers = (
        Handler("src", write=True, doc="the SRC argument"),
        Handler("dst", write=True, doc="the DST argument"),
    )
