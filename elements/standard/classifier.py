"""Classifier: sends each packet to the output of the first pattern its bytes match."""
from numba import njit

from clickpy.args import Arg, ArgType
from clickpy.element import Element, Handler
from clickpy.kernel import drop
from clickpy.rules import decision_tree
from clickpy.rules.classifier_pattern import parse_pattern
from clickpy.rules.decision_tree import run_program


class ClassifierPatternArg(ArgType):
    """One Classifier pattern: `[!]OFFSET/VALUE[%MASK]` clauses, or `-`."""

    name = "Classifier pattern"
    example = "12/0800"

    def parse(self, text, ctx):
        return parse_pattern(text)


@njit(cache=True, _nrt=False)
def verdict(t):
    return -3 - t if t <= -3 else drop(0)


@njit(cache=True, _nrt=False)
def classify(P, s, st):
    # The compiled decision program over the packet's bytes from its first byte.
    return verdict(run_program(P[0], s, P[1][s], P[2][s], st[0], st[1][0], False))


# classify() with the decision program written out (Element.kernel_source).
SPECIALIZED = """
from elements.standard.classifier import verdict

def kernel(P, s, st):
    row, start, length = P[0][s], P[1][s], P[2][s]
{program}
    return verdict(t)
"""


class Classifier(Element):
    """Classifies packets by contents.

    Each argument is a pattern of space-separated clauses `OFFSET/VALUE` or
    `OFFSET/VALUE%MASK` (offset in decimal, value and mask in hex, `?` for a
    nibble that is not compared, `!` before a clause to negate it); `-`
    matches every packet.  There is one output per pattern; a packet goes to
    the output of the first pattern it matches and is dropped if none does.
    A clause that reads past the end of the packet does not match.
    The patterns are compiled at configure time into one decision program of
    32-bit word tests (clickpy.rules.decision_tree), shown by `program`.
    """

    port_count = "1/-"
    processing = "h/h"
    args = (Arg("PATTERN", ClassifierPatternArg(), positional=True, repeat=True,
                doc="one pattern per output, e.g. 12/0806 20/0001"),)
    handlers = (Handler("program", doc="the decision program the patterns compile to"),)
    drop_reasons = ("matched no pattern",)
    simple_action = classify

    @classmethod
    def port_counts_for(cls, values):
        """Exactly one output per pattern, as Click's Classifier requires."""
        return None, len(values.get("PATTERN") or ())

    @classmethod
    def state(cls, values, n_inputs, n_outputs):
        return decision_tree.classifier_program(values.get("PATTERN") or ()).arrays()

    @classmethod
    def kernel_source(cls, values, st):
        return decision_tree.specialize(SPECIALIZED, st, transport=False)

    @classmethod
    def read_handler(cls, name, values, st):
        if name != "program":
            raise KeyError(name)
        return decision_tree.unparse(st[0], st[1])
