"""RoundRobinIPMapper: gives IPRewriter its patterns in turn (load balancing)."""
from clickpy.args import Arg, ArgIssue
from clickpy.argtypes.arg_warnings import ArgWarning
from clickpy.argtypes.rewriter_specs import PatternArg
from clickpy.element import Element


class RoundRobinIPMapper(Element):
    """Round-robin mapper for IPRewriter: tries its PATTERNs in turn for each new flow.

    Named by an IPRewriter input spec, it answers that rewriter's mapping
    requests with the first pattern, in round-robin order, that can make a
    mapping; useful for load balancing.  Each argument is
    `PATTERN FOUTPUT ROUTPUT` as in IPRewriter; the ports are the rewriter's.
    It has no ports of its own.
    """

    port_count = "0/0"
    processing = "a/a"
    info_only = True
    source = False
    args = (Arg("PATTERN", PatternArg(), positional=True, repeat=True,
                doc="SADDR SPORT DADDR DPORT FOUTPUT ROUTPUT"),)

    @classmethod
    def check_config(cls, values, ctx):
        patterns = values.get("PATTERN") or []
        if not patterns:
            return [ArgIssue("no patterns given", None,
                             "e.g. RoundRobinIPMapper(- - 10.0.0.1 - 0 1, - - 10.0.0.2 - 0 1)")]
        if len(patterns) == 1:
            return [ArgWarning("only one pattern given", None,
                               "with one pattern, name it in IPRewriter's input spec instead")]
        return []

    @classmethod
    def highest_output(cls, values) -> int | None:
        """The rewriter outputs its patterns name must exist (max FOUTPUT/ROUTPUT)."""
        patterns = values.get("PATTERN") or []
        return max((max(p.foutput, p.routput) for p in patterns), default=None)

    @classmethod
    def mapper_patterns(cls, values):
        """The PatternSpecs a rewriter naming this mapper needs in its state.

        Rewriters (IPRewriter, IPAddrRewriter) build their state from their own
        values only; the compiler passes each named mapper's patterns to them as
        values["_mappers"][name] = mapper_patterns(mapper's values).  The
        round-robin position lives in the rewriter's state.
        """
        return list(values.get("PATTERN") or [])
