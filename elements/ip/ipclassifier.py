"""IPClassifier: sends each IP packet to the output of the first tcpdump-like pattern it matches."""
from clickpy.args import Arg, ArgType
from clickpy.element import IP_HEADER, Element, Handler
from clickpy.rules.ipfilter_expr import parse_pattern


class IPPatternArg(ArgType):
    """One IPClassifier pattern, e.g. `dst tcp port 80 and syn`, or `-`."""

    name = "IP pattern"
    example = "tcp dst port 80"

    def parse(self, text, ctx):
        return parse_pattern(text, ctx)


class IPClassifier(Element):
    """Classifies IP packets by contents, with tcpdump-like patterns.

    There is one output per pattern.  Patterns combine primitives such as
    `src host ADDR`, `dst net ADDR/LEN`, `ip proto tcp` (or just `tcp`),
    `src tcp port www`, `tcp opt syn`, `icmp type echo`, `ip ttl > 64`,
    `ip[9] == 6`, `true`, with and/&&, or/||, not/!, parentheses and
    `?:`; `-`, `any` or `all` matches every packet.  A packet goes to the
    first matching pattern's output and is dropped if none matches.  Input
    packets need the IP header annotation (CheckIPHeader, MarkIPHeader).
    Besides `program`, Click also has read/write handlers `pattern0`... for
    each pattern.
    """

    port_count = "1/-"
    processing = "h/h"
    args = (Arg("PATTERN", IPPatternArg(), positional=True, repeat=True,
                doc="one tcpdump-like pattern per output"),)
    handlers = (Handler("program", doc="the decision program the patterns compile to"),)
    requires = {IP_HEADER: None}

    @classmethod
    def port_counts_for(cls, values):
        """Exactly one output per pattern, as Click's IPClassifier requires."""
        return None, len(values.get("PATTERN") or ())
