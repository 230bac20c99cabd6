"""IPAddrRewriter: Basic NAT, rewriting IP source addresses."""
from clickpy.args import Arg, Seconds
from clickpy.argtypes.packet_annotations import Annotation
from clickpy.argtypes.rewriter_specs import (InputSpecArg, MappingCapacity, check_rewriter_specs,
                                             rewriter_port_counts)
from clickpy.element import IP_HEADER, Element, Handler

_KEYWORD_ARGS = (
    Arg("REPLY_ANNO", Annotation(1), doc="1-byte annotation copied onto reply packets"),
    Arg("CAPACITY", MappingCapacity(), doc="same as MAPPING_CAPACITY"),
    Arg("MAPPING_CAPACITY", MappingCapacity(),
        doc="maximum mappings, or a rewriter whose capacity to share"),
    Arg("TIMEOUT", Seconds(), default=2 * 60 * 60.0,
        doc="idle mapping lifetime (Click's code: 2 hours; its documentation says 5 minutes)"),
    Arg("GUARANTEE", Seconds(), default=5.0, doc="minimum mapping lifetime after a packet"),
    Arg("REAP_INTERVAL", Seconds(), default=15 * 60.0, doc="how often to drop expired mappings"),
    Arg("REAP_TIME", Seconds(), doc="deprecated name of REAP_INTERVAL"),
)


class IPAddrRewriter(Element):
    """Rewrites IP packets' source addresses: Basic NAT, for any IP protocol.

    Packets matching a mapping (by source or destination address) are
    rewritten and sent to the mapping's output.  Others are handled by the
    INPUTSPEC of their input port (one input per INPUTSPEC): drop, pass
    OUTPUT, keep FOUTPUT ROUTPUT, an IPMapper element's name, or
    `pattern SADDR[-SADDR2] - FOUTPUT ROUTPUT`, which picks a new source
    address from the range and sends the packet to FOUTPUT and its replies,
    rewritten back, to ROUTPUT.
    """

    port_count = "1-/1-"
    processing = "h/h"
    args = (Arg("INPUTSPEC", InputSpecArg([a.keyword for a in _KEYWORD_ARGS], address_only=True),
                positional=True, repeat=True,
                doc="drop | pass OUTPUT | keep FOUT ROUT | pattern SADDR - FOUT ROUT | MAPPER"),
            ) + _KEYWORD_ARGS
    handlers = (
        Handler("table", doc="the current mappings"),
        Handler("mappings", doc="deprecated name of table"),
        Handler("nmappings", doc="number of mappings"),
        Handler("mapping_failures", doc="flows that could not be mapped"),
        Handler("patterns", doc="the input specs, with their mapping counts"),
        Handler("size", doc="flows in the shared flow set"),
        Handler("capacity", write=True, doc="flow capacity"),
        Handler("clear", read=False, write=True, doc="remove every mapping"),
    )
    requires = {IP_HEADER: None}

    @classmethod
    def check_config(cls, values, ctx):
        return check_rewriter_specs(cls.class_name, cls.args, values, ctx)

    @classmethod
    def port_counts_for(cls, values):
        return rewriter_port_counts(values.get("INPUTSPEC") or [])
