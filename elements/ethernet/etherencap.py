"""EtherEncap: prepends a fixed Ethernet header."""
from clickpy.args import Arg, ArgError, ArgType, EtherAddress, Integer
from clickpy.element import Element, Handler


class EtherType(ArgType):
    """A 16-bit Ethernet type, in host order (0x0800 for IP)."""

    name = "Ethernet type"
    example = "0x0800"

    def parse(self, text, ctx):
        value = Integer(0, name="Ethernet type").parse(text, ctx)
        if value > 0xFFFF:
            raise ArgError(f"Ethernet encapsulation type {text.strip()} must be <= 0xFFFF",
                           "for example 0x0800 (IP) or 0x0806 (ARP)")
        return value


class EtherEncap(Element):
    """Encapsulates packets in an Ethernet header with type ETHERTYPE, source SRC, destination DST.

    ETHERTYPE is in host order, e.g. 0x0800 for IP.  For IP packets ARPQuerier
    usually fits better, since it finds the destination address itself.
    """

    port_count = "1/1"
    processing = "a/a"
    args = (
        Arg("ETHERTYPE", EtherType(), required=True, positional=True, doc="e.g. 0x0800"),
        Arg("SRC", EtherAddress(), required=True, positional=True, doc="source address"),
        Arg("DST", EtherAddress(), required=True, positional=True, doc="destination address"),
    )
    handlers = (
        Handler("src", write=True, doc="the SRC argument"),
        Handler("dst", write=True, doc="the DST argument"),
        Handler("etht", write=True, doc="the ETHERTYPE argument"),
    )
