"""SetIPDSCP: sets the Differentiated Services Code Point."""
from clickpy.args import Arg, ArgError, ArgType, Integer
from clickpy.element import IP_HEADER, Element, Handler


class _DSCP(ArgType):
    name = "DSCP"
    example = "46"

    def parse(self, text, ctx):
        value = Integer(0, name="DSCP").parse(text, ctx)
        if value > 0x3F:
            raise ArgError("diffserv code point out of range", "expected a DSCP from 0 to 63")
        return value


class SetIPDSCP(Element):
    """Sets IP packets' DSCP fields (the upper 6 bits of the TOS byte).

    Writes DSCP into each packet's IP header, incrementally updates the
    checksum and passes the packet on.
    """

    port_count = "1/1"
    processing = "a/a"
    args = (Arg("DSCP", _DSCP(), required=True, positional=True, doc="code point, 0 to 63"),)
    handlers = (Handler("dscp", write=True, doc="the DSCP argument"),)
    requires = {IP_HEADER: (0,)}
