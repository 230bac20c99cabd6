"""IPFilter: allows, drops or routes IP packets by the first matching tcpdump-like rule."""
from numba import njit

from clickpy.args import Arg, ArgType
from clickpy.element import IP_HEADER, Element, Handler
from clickpy.kernel import drop
from clickpy.packet import A_NH
from clickpy.rules import decision_tree
from clickpy.rules.decision_tree import run_program
from clickpy.rules.ipfilter_expr import parse_filter_rule


class FilterRuleArg(ArgType):
    """One IPFilter rule: `ACTION PATTERN`, ACTION being allow, deny, drop or a port."""

    name = "filter rule (ACTION PATTERN)"
    example = "allow tcp dst port 80"

    def parse(self, text, ctx):
        return parse_filter_rule(text, ctx)


@njit(cache=True, _nrt=False)
def verdict(t):
    # As IPClassifier's, with one more verdict: -2 for a drop/deny rule.
    if t <= -3:
        return -3 - t
    if t == -2:
        return drop(0)
    return drop(1)


@njit(cache=True, _nrt=False)
def ipfilter(P, s, st):
    nh = P[3][s, A_NH]
    if nh < 0:
        return drop(2)
    return verdict(run_program(P[0], s, nh, P[1][s] + P[2][s] - nh, st[0], st[1][0], True))


# ipfilter() with the decision program written out (Element.kernel_source).
SPECIALIZED = """
from clickpy.kernel import drop
from clickpy.packet import A_NH
from elements.ip.ipfilter import verdict

def kernel(P, s, st):
    nh = P[3][s, A_NH]
    if nh < 0:
        return drop(2)
    row, start, length = P[0][s], nh, P[1][s] + P[2][s] - nh
{program}
    return verdict(t)
"""


class IPFilter(Element):
    """Filters IP packets by contents, with tcpdump-like patterns.

    Each argument is `ACTION PATTERN`: ACTION is an output number, `allow`
    (output 0), or `drop` / `deny` (drop the packet); PATTERN uses the
    language of IPClassifier (`-`, `any`, `all` or nothing match everything).
    Rules are tried in order and the first match decides.  Packets matching
    no rule are dropped.  Input packets need the IP header annotation
    (CheckIPHeader, MarkIPHeader); packets without one are dropped.
    """

    port_count = "1/-"
    processing = "h/h"
    args = (Arg("FILTER", FilterRuleArg(), positional=True, repeat=True,
                doc="ACTION PATTERN, e.g. allow src net 10.0.0.0/8 && tcp"),)
    handlers = (Handler("program", doc="the decision program the rules compile to"),)
    requires = {IP_HEADER: None}
    drop_reasons = ("matched a drop rule", "matched no rule", "no IP header annotation")
    simple_action = ipfilter

    @classmethod
    def port_counts_for(cls, values):
        """One output past the highest output a rule sends to (allow is 0).

        Click sizes IPFilter by its connections and only checks that each
        rule's output exists; here the highest one also fixes the count, so
        an output no rule uses is reported.  With only drop/deny rules the
        count is left to the connections.
        """
        ports = [rule.port for rule in values.get("FILTER") or () if rule.port is not None]
        return None, (max(ports) + 1 if ports else None)

    @classmethod
    def state(cls, values, n_inputs, n_outputs):
        return decision_tree.ipfilter_program(values.get("FILTER") or ()).arrays()

    @classmethod
    def kernel_source(cls, values, st):
        return decision_tree.specialize(SPECIALIZED, st, transport=True)

    @classmethod
    def read_handler(cls, name, values, st):
        if name != "program":
            raise KeyError(name)
        return decision_tree.unparse(st[0], st[1])
