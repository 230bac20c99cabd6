"""Classifier: sends each packet to the output of the first pattern its bytes match."""
from clickpy.args import Arg, ArgType
from clickpy.element import Element, Handler
from clickpy.rules.classifier_pattern import parse_pattern


class ClassifierPatternArg(ArgType):
    """One Classifier pattern: `[!]OFFSET/VALUE[%MASK]` clauses, or `-`."""

    name = "Classifier pattern"
    example = "12/0800"

    def parse(self, text, ctx):
        return parse_pattern(text)


class Classifier(Element):
    """Classifies packets by contents.

    Each argument is a pattern of space-separated clauses `OFFSET/VALUE` or
    `OFFSET/VALUE%MASK` (offset in decimal, value and mask in hex, `?` for a
    nibble that is not compared, `!` before a clause to negate it); `-`
    matches every packet.  There is one output per pattern; a packet goes to
    the output of the first pattern it matches and is dropped if none does.
    A clause that reads past the end of the packet does not match.
    """

    port_count = "1/-"
    processing = "h/h"
    args = (Arg("PATTERN", ClassifierPatternArg(), positional=True, repeat=True,
                doc="one pattern per output, e.g. 12/0806 20/0001"),)
    handlers = (Handler("program", doc="the decision program the patterns compile to"),)

    @classmethod
    def port_counts_for(cls, values):
        """Exactly one output per pattern, as Click's Classifier requires."""
        return None, len(values.get("PATTERN") or ())
