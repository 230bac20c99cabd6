"""IPEncap: wraps packets in a fixed IP header."""
from dataclasses import dataclass

from clickpy.args import Arg, ArgError, ArgIssue, ArgType, Bool, Integer, IPAddress
from clickpy.argtypes.ip_names import IPProtocol
from clickpy.argtypes.ip_prefixes import parse_ip_address
from clickpy.element import DST_IP, IP_HEADER, Element, Handler


@dataclass(frozen=True)
class DestinationAnnotation:
    """DST given as DST_ANNO: use each packet's destination IP annotation."""

    def __str__(self) -> str:
        return "DST_ANNO"


class Destination(ArgType):
    """An IP address, or DST_ANNO for the packet's destination IP annotation."""

    name = "destination"
    example = "10.0.0.1 or DST_ANNO"

    def parse(self, text, ctx):
        if text.strip() == "DST_ANNO":
            return DestinationAnnotation()
        try:
            return parse_ip_address(text, ctx)
        except ArgError:
            raise ArgError("DST argument should be IP address or 'DST_ANNO'",
                           f"for example 10.0.0.1; got {text.strip()!r}") from None


class _ECT(ArgType):
    """Boolean or 2: which ECN-capable codepoint to set."""

    name = "ECT value"
    example = "true"

    def parse(self, text, ctx):
        if text.strip() == "2":
            return 2
        try:
            return int(Bool().parse(text, ctx))
        except ArgError:
            raise ArgError(f"bad ECT value '{text.strip()}'", "expected true, false or 2") from None


class IPEncap(Element):
    """Encapsulates packets in a static IP header: protocol PROTO, source SRC, destination DST.

    Mostly for IP-in-IP (PROTO 4 or ipip).  Sets the destination IP
    annotation to DST and the IP header annotation to the new header; with
    DST written DST_ANNO, the destination comes from each packet's
    annotation instead.
    """

    port_count = "1/1"
    processing = "a/a"
    args = (
        Arg("PROTO", IPProtocol(), required=True, positional=True,
            doc="protocol number or name (ipip, tcp, udp, gre, ...)"),
        Arg("SRC", IPAddress(), required=True, positional=True, doc="source address"),
        Arg("DST", Destination(), required=True, positional=True,
            doc="destination address or DST_ANNO"),
        Arg("TOS", Integer(0, 255, name="TOS"), doc="TOS byte (excludes DSCP, ECT, CE)"),
        Arg("TTL", Integer(0, 255, name="TTL"), default=250, doc="time to live"),
        Arg("DSCP", Integer(0, 63, name="DSCP"), doc="DSCP, 0 to 63"),
        Arg("ECT", _ECT(), default=0, doc="true or 2: mark ECN-capable transport"),
        Arg("CE", Bool(), default=False, doc="mark Congestion Experienced"),
        Arg("DF", Bool(), default=False, doc="set Don't Fragment"),
    )
    handlers = (
        Handler("src", write=True, doc="the SRC argument"),
        Handler("dst", write=True, doc="the DST argument"),
    )
    sets = {IP_HEADER: (0,), DST_IP: (0,)}

    @classmethod
    def check_config(cls, values, ctx):
        tos, dscp = values.get("TOS"), values.get("DSCP")
        ect, ce = values.get("ECT") or 0, values.get("CE")
        if tos is not None and dscp is not None:
            return [ArgIssue("cannot set both TOS and DSCP", None, "keep one of them")]
        if tos is not None and (ect or ce):
            return [ArgIssue("cannot set both TOS and ECN bits", None,
                             "put the ECN bits in TOS, or use DSCP with ECT/CE")]
        if ect and ce:
            return [ArgIssue("can set at most one ECN option", None, "keep ECT or CE")]
        return []
