"""IPRewriter: network address and port translation (NAPT) for TCP and UDP."""
from clickpy.args import Arg, Bool, Seconds
from clickpy.argtypes.packet_annotations import Annotation
from clickpy.argtypes.rewriter_specs import (InputSpecArg, MappingCapacity, check_rewriter_specs,
                                             rewriter_port_counts)
from clickpy.element import IP_HEADER, Element, Handler

_KEYWORD_ARGS = (
    Arg("TCP_TIMEOUT", Seconds(), default=24 * 60 * 60.0,
        doc="lifetime of TCP mappings with data seen both ways"),
    Arg("TIMEOUT", Seconds(), doc="same as TCP_TIMEOUT"),
    Arg("TCP_DONE_TIMEOUT", Seconds(), default=4 * 60.0,
        doc="lifetime of TCP mappings after FIN or RST"),
    Arg("TCP_NODATA_TIMEOUT", Seconds(), default=5 * 60.0,
        doc="lifetime of TCP mappings without data both ways"),
    Arg("TCP_GUARANTEE", Seconds(), default=5.0,
        doc="minimum TCP mapping lifetime after a packet"),
    Arg("UDP_TIMEOUT", Seconds(), default=5 * 60.0, doc="lifetime of UDP mappings"),
    Arg("UDP_STREAMING_TIMEOUT", Seconds(),
        doc="lifetime of streaming UDP mappings (default: UDP_TIMEOUT)"),
    Arg("UDP_GUARANTEE", Seconds(), default=5.0,
        doc="minimum UDP mapping lifetime after a packet"),
    Arg("GUARANTEE", Seconds(), doc="same as TCP_GUARANTEE"),
    Arg("REAP_INTERVAL", Seconds(), default=15 * 60.0, doc="how often to drop expired mappings"),
    Arg("REAP_TIME", Seconds(), doc="deprecated name of REAP_INTERVAL"),
    Arg("MAPPING_CAPACITY", MappingCapacity(),
        doc="maximum mappings, or a rewriter whose capacity to share"),
    Arg("CAPACITY", MappingCapacity(), doc="same as MAPPING_CAPACITY"),
    Arg("DST_ANNO", Bool(), default=True,
        doc="set the destination IP annotation to the rewritten destination"),
    Arg("REPLY_ANNO", Annotation(1), doc="1-byte annotation copied onto reply packets"),
)


class IPRewriter(Element):
    """Rewrites TCP/UDP packets' addresses and ports (a network address/port translator).

    Packets of a flow with a mapping are rewritten and sent to the mapping's
    output.  Others are handled by the INPUTSPEC of their input port (one
    input per INPUTSPEC): `drop`, `pass OUTPUT`, `keep FOUTPUT ROUTPUT`,
    `pattern SADDR SPORT DADDR DPORT FOUTPUT ROUTPUT` (fields `-` unchanged,
    SPORT may be a range like 1024-65535#) or an IPMapper element's name.
    New mappings send the flow to FOUTPUT and its replies, rewritten back, to
    ROUTPUT.  Non-TCP/UDP packets and later fragments are dropped unless their
    input is a `pass` input.  Handlers pattern0, pattern1, ... read or change
    each input's spec.
    """

    port_count = "1-/1-"
    processing = "h/h"
    args = (Arg("INPUTSPEC", InputSpecArg([a.keyword for a in _KEYWORD_ARGS]),
                positional=True, repeat=True,
                doc="drop | pass OUTPUT | keep FOUT ROUT | pattern ... FOUT ROUT | MAPPER"),
            ) + _KEYWORD_ARGS
    handlers = (
        Handler("tcp_table", doc="the TCP mappings"),
        Handler("udp_table", doc="the UDP mappings"),
        Handler("tcp_mappings", doc="deprecated name of tcp_table"),
        Handler("udp_mappings", doc="deprecated name of udp_table"),
        Handler("tcp_lookup", doc="read with 'SADDR SPORT DADDR DPORT': the rewritten flow"),
        Handler("nmappings", doc="number of mappings"),
        Handler("mapping_failures", doc="flows that could not be mapped"),
        Handler("patterns", doc="the input specs, with their mapping counts"),
        Handler("size", doc="flows in the shared flow set"),
        Handler("capacity", write=True, doc="flow capacity [and short-term reservation]"),
        Handler("clear", read=False, write=True, doc="remove every mapping"),
    )
    requires = {IP_HEADER: None}

    @classmethod
    def check_config(cls, values, ctx):
        return check_rewriter_specs(cls.class_name, cls.args, values, ctx)

    @classmethod
    def port_counts_for(cls, values):
        return rewriter_port_counts(values.get("INPUTSPEC") or [])
