"""IPClassifier: sends each IP packet to the output of the first tcpdump-like pattern it matches."""
from numba import njit

from clickpy.args import Arg, ArgType
from clickpy.element import IP_HEADER, Element, Handler
from clickpy.kernel import drop
from clickpy.packet import A_NH
from clickpy.rules import decision_tree
from clickpy.rules.decision_tree import run_program
from clickpy.rules.ipfilter_expr import parse_pattern


class IPPatternArg(ArgType):
    """One IPClassifier pattern, e.g. `dst tcp port 80 and syn`, or `-`."""

    name = "IP pattern"
    example = "tcp dst port 80"

    def parse(self, text, ctx):
        return parse_pattern(text, ctx)


@njit(cache=True, _nrt=False)
def verdict(t):
    return -3 - t if t <= -3 else drop(0)


@njit(cache=True, _nrt=False)
def ipclassify(P, s, st):
    # The decision program over the bytes from the IP header (A_NH) to the
    # packet's end; transport tests read at the IP header length from there.
    nh = P[3][s, A_NH]
    if nh < 0:
        return drop(1)
    return verdict(run_program(P[0], s, nh, P[1][s] + P[2][s] - nh, st[0], st[1][0], True))


# ipclassify() with the decision program written out (Element.kernel_source).
SPECIALIZED = """
from clickpy.kernel import drop
from clickpy.packet import A_NH
from elements.ip.ipclassifier import verdict

def kernel(P, s, st):
    nh = P[3][s, A_NH]
    if nh < 0:
        return drop(1)
    row, start, length = P[0][s], nh, P[1][s] + P[2][s] - nh
{program}
    return verdict(t)
"""


class IPClassifier(Element):
    """Classifies IP packets by contents, with tcpdump-like patterns.

    There is one output per pattern.  Patterns combine primitives such as
    `src host ADDR`, `dst net ADDR/LEN`, `ip proto tcp` (or just `tcp`),
    `src tcp port www`, `tcp opt syn`, `icmp type echo`, `ip ttl > 64`,
    `ip[9] == 6`, `true`, with and/&&, or/||, not/!, parentheses and
    `?:`; `-`, `any` or `all` matches every packet.  A packet goes to the
    first matching pattern's output and is dropped if none matches.  Input
    packets need the IP header annotation (CheckIPHeader, MarkIPHeader);
    packets without one are dropped.  Besides `program`, Click also has
    read/write handlers `pattern0`... for each pattern.
    """

    port_count = "1/-"
    processing = "h/h"
    args = (Arg("PATTERN", IPPatternArg(), positional=True, repeat=True,
                doc="one tcpdump-like pattern per output"),)
    handlers = (Handler("program", doc="the decision program the patterns compile to"),)
    requires = {IP_HEADER: None}
    drop_reasons = ("matched no pattern", "no IP header annotation")
    simple_action = ipclassify

    @classmethod
    def port_counts_for(cls, values):
        """Exactly one output per pattern, as Click's IPClassifier requires."""
        return None, len(values.get("PATTERN") or ())

    @classmethod
    def state(cls, values, n_inputs, n_outputs):
        return decision_tree.ipclassifier_program(values.get("PATTERN") or ()).arrays()

    @classmethod
    def kernel_source(cls, values, st):
        return decision_tree.specialize(SPECIALIZED, st, transport=True)

    @classmethod
    def read_handler(cls, name, values, st):
        if name != "program":
            raise KeyError(name)
        return decision_tree.unparse(st[0], st[1])
