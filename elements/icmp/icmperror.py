"""ICMPError: answers a packet with an ICMP error message."""
from dataclasses import dataclass

from clickpy.args import Arg, ArgError, ArgIssue, ArgType, Bool, Integer, IPAddress, SpaceList, Word
from clickpy.argtypes.ip_names import ICMPType, icmp_code
from clickpy.element import DST_IP, IP_HEADER, Element, Handler


@dataclass(frozen=True)
class ICMPCodeWord:
    """CODE as written; its meaning depends on TYPE, so check_config resolves it."""

    text: str


class _ICMPCode(ArgType):
    name = "ICMP code"
    example = "port"

    def parse(self, text, ctx):
        return ICMPCodeWord(Word().parse(text, ctx))


class ICMPError(Element):
    """Generates ICMP error packets in response to IP packets.

    Each input packet is answered by a new IP/ICMP packet from SRC to the
    packet's source, of type TYPE and code CODE (numbers or names such as
    `timeexceeded` / `transit`, `unreachable` / `needfrag`), carrying the
    original IP header and the start of its payload; the input packet is
    consumed.  No error is sent for ICMP errors, fragments, broadcasts or
    BADADDRS.  Output packets have the IP header and destination IP
    annotations set, and the Fix IP Source annotation (for FixIPSrc) unless
    SET_FIX_ANNO is false.  Connect the output to the routing lookup.
    """

    port_count = "1/1"
    processing = "a/a"
    args = (
        Arg("SRC", IPAddress(), required=True, positional=True, doc="source address of errors"),
        Arg("TYPE", ICMPType(error_only=True), required=True, positional=True,
            doc="unreachable, sourcequench, redirect, timeexceeded or parameterproblem"),
        Arg("CODE", _ICMPCode(), positional=True, default=0,
            doc="number or name valid for TYPE"),
        Arg("BADADDRS", SpaceList(IPAddress()), positional=True, default=[],
            doc="addresses never to send errors to"),
        Arg("MTU", Integer(0), default=576, doc="largest error packet"),
        Arg("PMTU", Integer(0), default=0, doc="next-hop MTU reported in needfrag errors"),
        Arg("SET_FIX_ANNO", Bool(), default=True, doc="set the Fix IP Source annotation"),
    )
    handlers = (
        Handler("src", write=True, doc="the SRC argument"),
        Handler("mtu", write=True, doc="the MTU argument"),
        Handler("pmtu", write=True, doc="the PMTU argument"),
    )
    requires = {IP_HEADER: (0,)}
    sets = {IP_HEADER: (0,), DST_IP: (0,)}
    new_packets = True

    @classmethod
    def check_config(cls, values, ctx):
        code = values.get("CODE", 0)
        if isinstance(code, int):   # the default, or already resolved
            return []
        try:
            values["CODE"] = icmp_code(values["TYPE"], code.text)
        except ArgError as e:
            return [ArgIssue(f"CODE: {e.message}", None, e.hint)]
        return []
