"""IPFragmenter: splits IP packets larger than the MTU."""
from clickpy.args import Arg, ArgError, ArgType, Bool, Integer
from clickpy.element import IP_HEADER, Element, Handler


class _MTU(ArgType):
    name = "MTU"
    example = "1500"

    def parse(self, text, ctx):
        value = Integer(0, name="MTU").parse(text, ctx)
        if value < 8:
            raise ArgError("MTU must be at least 8", "give the link MTU in bytes, e.g. 1500")
        return value


class IPFragmenter(Element):
    """Fragments IP packets larger than MTU bytes.

    Packets of at most MTU bytes leave unchanged on output 0; larger ones are
    split into fragments, sent in order on output 0 with all annotations
    copied.  A packet too large but marked Don't Fragment (when HONOR_DF) goes
    to output 1, usually an ICMPError(..., unreachable, needfrag), or is
    dropped when output 1 is not connected.
    """

    port_count = "1/1-2"
    processing = "h/h"
    args = (
        Arg("MTU", _MTU(), required=True, positional=True, doc="largest packet to emit"),
        Arg("HONOR_DF", Bool(), positional=True, default=True,
            doc="send DF packets to output 1 instead of fragmenting them"),
        Arg("VERBOSE", Bool(), positional=True, default=False,
            doc="report every DF packet, not just the first 5"),
        Arg("HEADROOM", Integer(0), doc="headroom of new fragments (default about 28 bytes)"),
    )
    handlers = (
        Handler("drops", doc="packets sent to output 1"),
        Handler("fragments", doc="fragments emitted"),
    )
    requires = {IP_HEADER: (0,)}
    sets = {IP_HEADER: (0,)}
