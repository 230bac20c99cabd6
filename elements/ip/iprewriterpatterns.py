"""IPRewriterPatterns: named patterns that rewriters' input specs may use."""
from clickpy.args import Arg, ArgError, ArgIssue, split_words
from clickpy.argtypes.rewriter_specs import PatternDefinitionArg
from clickpy.element import Element


class IPRewriterPatterns(Element):
    """Defines shared IPRewriter patterns: each argument is `NAME SADDR SPORT DADDR DPORT`.

    Rewriters (IPRewriter, IPAddrRewriter, UDPRewriter, TCPRewriter,
    ICMPPingRewriter) and RoundRobinIPMapper may then write
    `pattern NAME FOUTPUT ROUTPUT`.  Names are global to the router: every
    NAME of every IPRewriterPatterns must be distinct.  It has no ports.
    Click shares one pattern object between the rewriters that name it; here
    each rewriter gets its own copy, so their sequential (`#`) and
    round-robin allocations are independent.
    """

    port_count = "0/0"
    processing = "a/a"
    info_only = True
    source = False
    args = (Arg("PATTERN", PatternDefinitionArg(), positional=True, repeat=True,
                doc="NAME SADDR SPORT DADDR DPORT"),)

    @classmethod
    def check_config(cls, values, ctx):
        issues, seen = [], set()
        for name, _ in values.get("PATTERN") or []:
            if name in seen:
                continue
            seen.add(name)
            places = ctx.patterns.get(name, ())
            if len(places) > 1:
                where = ", ".join(f"{node} at {pos}" for node, pos, _ in places)
                issues.append(ArgIssue(
                    f"pattern name {name!r} is defined {len(places)} times", None,
                    f"pattern names are global to the router ({where}): rename one"))
        if not ctx.patterns:       # no configuration around: this element's own names
            names = [name for name, _ in values.get("PATTERN") or []]
            for name in sorted({n for n in names if names.count(n) > 1}):
                issues.append(ArgIssue(f"pattern name {name!r} is defined {names.count(name)} "
                                       "times", None, "every pattern needs its own name"))
        return issues

    @classmethod
    def pattern_table(cls, items, ctx):
        """(name, position, Pattern or None) per argument, for every rewriter's checks
        (clickpy.check.arguments.context): names are global to the router."""
        out = []
        for item in items:
            words = split_words(item.text.strip())
            if not words:
                continue
            try:
                pattern = PatternDefinitionArg().parse(item.text, ctx)[1]
            except ArgError:
                pattern = None     # this element's own argument check reports it
            out.append((words[0], item.pos, pattern))
        return out

    @classmethod
    def named_patterns(cls, values):
        """name -> Pattern, which the router passes to every element as
        values["_patterns"] (as it passes mappers' patterns as values["_mappers"])."""
        return dict(values.get("PATTERN") or [])
