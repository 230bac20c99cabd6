"""StoreEtherAddress: writes an Ethernet address into packet data."""
from clickpy.args import Arg, ArgError, ArgIssue, ArgType, EtherAddress, Integer
from clickpy.argtypes.packet_annotations import Annotation
from clickpy.element import Element, Handler


class _Offset(ArgType):
    """A byte offset, or 'src' (6) / 'dst' (0) for the Ethernet header's fields."""

    name = "offset"
    example = "src"

    def parse(self, text, ctx):
        t = text.strip()
        if t.lower() == "src":
            return 6
        if t.lower() == "dst":
            return 0
        try:
            return Integer(0).parse(t, ctx)
        except ArgError:
            raise ArgError(f"type mismatch: bad OFFSET {t!r}",
                           "give a byte offset, or src or dst for the Ethernet header") from None


class StoreEtherAddress(Element):
    """Stores Ethernet address ADDR into each packet at byte OFFSET.

    OFFSET may be `src` (6) or `dst` (0), the Ethernet header's address
    fields.  ANNO instead copies the address from a 6-byte annotation.
    Packets too short for OFFSET go to output 1, or are dropped when it is
    not connected.
    """

    port_count = "1/1-2"
    processing = "a/ah"
    args = (
        Arg("ADDR", EtherAddress(), positional=True, doc="address to store"),
        Arg("OFFSET", _Offset(), required=True, positional=True, doc="src, dst or a byte offset"),
        Arg("ANNO", Annotation(6), doc="6-byte annotation holding the address, instead of ADDR"),
    )
    handlers = (Handler("addr", write=True, doc="the ADDR argument"),)

    @classmethod
    def check_config(cls, values, ctx):
        if (values.get("ADDR") is None) == (values.get("ANNO") is None):
            return [ArgIssue("must specify exactly one of ADDR/ANNO", None,
                             "e.g. StoreEtherAddress(00:11:22:33:44:55, src)")]
        return []
