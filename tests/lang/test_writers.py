"""Writers: chains, Click text and YAML out of syntax trees and graphs."""
from __future__ import annotations

import networkx as nx
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from clickpy.diagnostics import ConfigError, SourcePos
from clickpy.lang.ast import (Connection, Declaration, Define, ElementClass, Formal, Require,
                              Scope)
from clickpy.lang.chains import Edge, plan_chains
from clickpy.lang.click_writer import config_text, graph_to_click, scope_to_click
from clickpy.lang.yaml_writer import schema_reference, scope_to_yaml

F = "t.click"


def P(line: int, col: int = 1) -> SourcePos:
    return SourcePos(F, line, col)


def decl(name, cls, config=None, line=1, col=1, anonymous=False, body=None):
    return Declaration(name, cls, config, P(line, col), P(line, col + 20) if config is not None else None,
                       anonymous=anonymous, body=body)


def conn(src, sp, dst, dp, at, dst_at):
    return Connection(src, sp, dst, dp, P(*at), P(*dst_at))


def chain_strings(plan):
    """Statements as compact strings, for exact comparison."""
    out = []
    for ch in plan.chains:
        text = ",".join(f"{e.src}[{e.src_port}]>[{e.dst_port}]" for e in ch.fan_in)
        text += ch.start + "".join(f"[{h.src_port}]>[{h.dst_port}]{h.element}" for h in ch.hops)
        text += "".join(f"|[{e.src_port}]>[{e.dst_port}]{e.dst}" for e in ch.fan_out)
        out.append(text)
    return out


# ---------------------------------------------------------------------------
# Chains

def test_connections_written_in_one_source_chain_stay_one_chain():
    edges = [Edge("a", 0, "b", 0, P(1, 1), P(1, 6)),
             Edge("x", 0, "y", 0, P(2, 1), P(2, 6)),
             Edge("b", 1, "c", 2, P(1, 6), P(1, 15))]
    assert chain_strings(plan_chains(edges)) == ["a[0]>[0]b[1]>[2]c", "x[0]>[0]y"]


def test_statements_stay_apart_unless_merging_port_0_like_click():
    edges = [Edge("a", 0, "b", 0, P(1, 1), P(1, 6)),
             Edge("x", 0, "y", 0, P(2, 1), P(2, 6)),
             Edge("b", 0, "c", 0, P(3, 1), P(3, 6))]
    assert chain_strings(plan_chains(edges)) == ["a[0]>[0]b", "x[0]>[0]y", "b[0]>[0]c"]
    assert chain_strings(plan_chains(edges, merge_port0=True)) == ["a[0]>[0]b[0]>[0]c", "x[0]>[0]y"]


def test_inline_anonymous_element_is_written_between_its_two_connections():
    # Listed out of order and at unrelated positions: the anonymous element still
    # has to sit between them, since it can be written only once.
    edges = [Edge("X@2", 0, "d", 1, P(5, 1), P(5, 9)),
             Edge("a", 3, "X@2", 0, P(1, 1), P(1, 9))]
    plan = plan_chains(edges, {"X@2"})
    assert chain_strings(plan) == ["a[3]>[0]X@2[0]>[1]d"]
    assert plan.inline == {"X@2"} and not plan.fans and not plan.declared_anonymous


def test_anonymous_element_with_several_inputs_becomes_a_fan():
    edges = [Edge("a", 0, "C@3", 0), Edge("b", 1, "C@3", 0), Edge("C@3", 0, "d", 0)]
    plan = plan_chains(edges, {"C@3"})
    assert chain_strings(plan) == ["a[0]>[0],b[1]>[0]C@3[0]>[0]d"]
    assert plan.fans == {"C@3"} and plan.in_place == {"C@3"}


def test_fan_out_ends_the_chain_that_reaches_it():
    edges = [Edge("src", 0, "S@2", 0), Edge("S@2", 0, "C@3", 0),
             Edge("C@3", 0, "x", 0), Edge("C@3", 1, "D@4", 0)]
    plan = plan_chains(edges, {"S@2", "C@3", "D@4"})
    assert chain_strings(plan) == ["src[0]>[0]S@2[0]>[0]C@3|[0]>[0]x|[1]>[0]D@4"]
    assert plan.inline == {"S@2", "D@4"} and plan.fans == {"C@3"}


def test_fan_listing_an_anonymous_element_with_other_connections_is_declared():
    # Classifier => Paint(0), Paint(1) -> next, with the classifier anonymous:
    # each Paint has a second connection, so it cannot sit in the list.
    edges = [Edge("src", 0, "Cl@1", 0),
             Edge("Cl@1", 0, "P@2", 0), Edge("Cl@1", 1, "P@3", 0),
             Edge("P@2", 0, "next", 0), Edge("P@3", 0, "next", 0)]
    plan = plan_chains(edges, {"Cl@1", "P@2", "P@3"})
    assert plan.declared_anonymous == {"Cl@1"}
    assert plan.inline == {"P@2", "P@3"}
    assert chain_strings(plan) == ["src[0]>[0]Cl@1[0]>[0]P@2[0]>[0]next",
                                   "Cl@1[1]>[0]P@3[0]>[0]next"]


def test_two_fans_listing_each_other_name_only_the_first():
    edges = [Edge("a", 0, "A@1", 0), Edge("b", 0, "A@1", 0),
             Edge("A@1", 0, "B@2", 0), Edge("A@1", 1, "B@2", 1),
             Edge("B@2", 0, "c", 0), Edge("B@2", 0, "d", 0)]
    plan = plan_chains(edges, {"A@1", "B@2"})
    assert plan.declared_anonymous == {"A@1"} and plan.fans == {"B@2"}
    assert chain_strings(plan) == ["a[0]>[0]A@1", "b[0]>[0]A@1",
                                   "A@1[0]>[0],A@1[1]>[1]B@2|[0]>[0]c|[0]>[0]d"]


def test_anonymous_self_loop_and_all_anonymous_cycle_are_declared():
    loop = plan_chains([Edge("Q@1", 0, "Q@1", 0)], {"Q@1"})
    assert loop.declared_anonymous == {"Q@1"}
    assert chain_strings(loop) == ["Q@1[0]>[0]Q@1"]
    cycle = plan_chains([Edge("A@1", 0, "B@2", 0), Edge("B@2", 0, "A@1", 0)], {"A@1", "B@2"})
    assert cycle.declared_anonymous == {"A@1"} and cycle.inline == {"B@2"}
    assert chain_strings(cycle) == ["A@1[0]>[0]B@2[0]>[0]A@1"]


def test_cycle_through_a_named_element_starts_at_it():
    edges = [Edge("X@1", 0, "r", 0), Edge("r", 0, "X@1", 0)]
    plan = plan_chains(edges, {"X@1"})
    assert chain_strings(plan) == ["r[0]>[0]X@1[0]>[0]r"]
    assert plan.inline == {"X@1"}


@st.composite
def random_graphs(draw):
    n = draw(st.integers(1, 7))
    names = [f"e{i}" for i in range(n)]
    anonymous = draw(st.sets(st.sampled_from(names)))
    edges = draw(st.lists(st.tuples(st.sampled_from(names), st.integers(0, 2),
                                    st.sampled_from(names), st.integers(0, 2)), max_size=12))
    same_pos = draw(st.booleans())
    return [Edge(a, p, b, q, P(i + 1) if same_pos else None, P(i + 2) if same_pos else None)
            for i, (a, p, b, q) in enumerate(edges)], anonymous


@settings(max_examples=300, deadline=None)
@given(random_graphs(), st.booleans())
def test_every_edge_written_once_and_anonymous_elements_once(graph, merge):
    edges, anonymous = graph
    plan = plan_chains(edges, anonymous, merge_port0=merge)
    written = []
    places = []
    for ch in plan.chains:
        here = ch.start
        for e in ch.fan_in:
            assert e.dst == ch.start
            written.append(e)
        for h in ch.hops:
            written.append(Edge(here, h.src_port, h.element, h.dst_port))
            here = h.element
        for e in ch.fan_out:
            assert e.src == here
            written.append(e)
        places += list(ch.elements())
    key = lambda e: (e.src, e.src_port, e.dst, e.dst_port)  # noqa: E731
    assert sorted(map(key, written)) == sorted(map(key, edges))
    assert plan.in_place | plan.declared_anonymous == anonymous
    assert not plan.in_place & plan.declared_anonymous
    connected = {e.src for e in edges} | {e.dst for e in edges}
    for a in plan.in_place & connected:
        assert places.count(a) == 1, (a, chain_strings(plan))
    for ch in plan.chains:   # list members are names, or anonymous elements with that one edge
        for e in ch.fan_in:
            assert e.src not in plan.fans
        for e in ch.fan_out:
            assert e.dst not in plan.fans


# ---------------------------------------------------------------------------
# Click text from a syntax tree

def sample_scope() -> Scope:
    s = Scope(file=F)
    s.requires = [Require("library", "common.click", P(1))]
    s.defines = [Define("$DEV", "eth0", P(2)), Define("$N", "10", P(2, 20))]
    counter = decl("Counter@1", "Counter", None, 3, 30, anonymous=True)
    s.classes = [
        ElementClass("Router1", [Formal("$a", None, P(3, 20)), Formal("$b", "KEY", P(3, 24))],
                     Scope([counter], [conn("input", 0, "Counter@1", 0, (3, 25), (3, 30)),
                                       conn("Counter@1", 0, "output", 0, (3, 30), (3, 40))], file=F),
                     P(3)),
        ElementClass("Alias", [], None, P(4), synonym="Queue", synonym_pos=P(4, 20)),
    ]
    s.declarations = [
        decl("src", "FromDevice", "$DEV", 5, 1),
        decl("Strip@2", "Strip", "14", 5, 24, anonymous=True),
        decl("chk", "CheckIPHeader", None, 5, 38),
        decl("rt", "RadixIPLookup", "10.0.0.0/8 1, 0.0.0.0/0 0", 6, 1),
        decl("Discard@5", "Discard", None, 7, 30, anonymous=True),
        decl("Idle@6", "Idle", None, 8, 1, anonymous=True),
        decl("lonely", "Counter", "", 9, 1),
    ]
    s.connections = [
        conn("src", 0, "Strip@2", 0, (5, 1), (5, 24)),
        conn("Strip@2", 0, "chk", 0, (5, 24), (5, 38)),
        conn("chk", 0, "rt", 0, (5, 38), (5, 60)),
        conn("rt", 0, "Discard@5", 0, (7, 1), (7, 30)),
        conn("rt", 1, "Discard@5", 0, (7, 8), (7, 30)),
    ]
    return s


def test_scope_to_click_keeps_structure_and_writes_chains():
    assert scope_to_click(sample_scope(), header="A test router.\n\nTwo lines.") == """\
// A test router.
//
// Two lines.

require(library common.click);
define($DEV eth0, $N 10);

elementclass Router1 {
  $a, KEY $b |
  input -> Counter -> output;
}

elementclass Alias Queue;

src :: FromDevice($DEV)
    -> Strip(14)
    -> chk :: CheckIPHeader
    -> rt :: RadixIPLookup(10.0.0.0/8 1, 0.0.0.0/0 0);
rt, rt [1] -> Discard;
Idle;
lonely :: Counter();
"""


def test_declaration_before_a_same_named_elementclass_keeps_the_old_class():
    # `q :: Queue; elementclass Queue {...}`: q is Click's Queue, not the compound.
    s = Scope(file=F)
    s.declarations = [decl("q", "Queue", "5", 1), decl("Queue@2", "Queue", None, 3, 10, anonymous=True),
                      decl("d", "Discard", None, 3, 20)]
    s.classes = [ElementClass("Queue", [], Scope([decl("Queue@1", "Queue", None, 2, 30, anonymous=True)],
                                                 [conn("input", 0, "Queue@1", 0, (2, 20), (2, 30)),
                                                  conn("Queue@1", 0, "output", 0, (2, 30), (2, 40))],
                                                 file=F), P(2))]
    s.connections = [conn("q", 0, "Queue@2", 0, (3, 1), (3, 10)), conn("Queue@2", 0, "d", 0, (3, 10), (3, 20))]
    assert scope_to_click(s) == """\
q :: Queue(5);
elementclass Queue {
  input -> Queue -> output;
}

q -> Queue -> d :: Discard;
"""


def test_inline_compound_declaration_is_written_with_braces():
    body = ElementClass(None, [Formal("$n", None, P(1, 10))],
                        Scope([decl("c", "Counter", "$n", 2, 10)],
                              [conn("input", 0, "c", 0, (2, 1), (2, 10)),
                               conn("c", 0, "output", 0, (2, 10), (2, 20))], file=F), P(1, 6))
    s = Scope([decl("x", "", "7", 1, 1, body=body), decl("sink", "Discard", None, 4, 10)],
              [conn("x", 0, "sink", 0, (4, 1), (4, 10))], file=F)
    assert scope_to_click(s) == """\
x :: {
  $n |
  input -> c :: Counter($n) -> output;
}(7) -> sink :: Discard;
"""


def test_fans_are_written_with_click_lists():
    s = Scope(file=F)
    s.declarations = [decl("a", "Idle", None, 1), decl("b", "Idle", None, 2),
                      decl("Counter@3", "Counter", None, 3, 20, anonymous=True),
                      decl("c", "Discard", None, 4), decl("Tee@5", "Tee", None, 5, 1, anonymous=True)]
    s.connections = [conn("a", 0, "Counter@3", 0, (3, 1), (3, 20)),
                     conn("b", 2, "Counter@3", 1, (3, 4), (3, 20)),
                     conn("Counter@3", 0, "Tee@5", 0, (3, 20), (3, 45)),
                     conn("Tee@5", 0, "a", 0, (5, 1), (5, 10)), conn("Tee@5", 1, "c", 1, (5, 1), (5, 20))]
    assert scope_to_click(s) == """\
a :: Idle [0], b :: Idle [2] => [0, 1] Counter
    -> Tee [0, 1]
    => [0] a, [1] c :: Discard;
"""


def test_configuration_ending_in_a_line_comment_gets_its_newline():
    assert config_text("1, 2 // two") == "(1, 2 // two\n)"
    assert config_text("a /* ) */, \"b)\"") == "(a /* ) */, \"b)\")"
    assert config_text(None) == "" and config_text("") == "()"


@pytest.mark.parametrize("config, problem", [
    ("a)", "unbalanced ')'"), ("(a", "unbalanced '('"), ("\"a", "unterminated \" quote"),
    ("a /* b", "unterminated /* comment"),
])
def test_configuration_click_cannot_read_back_is_an_error_at_its_position(config, problem):
    s = Scope([decl("x", "Print", config, 4, 3)], [], file=F)
    with pytest.raises(ConfigError) as info:
        scope_to_click(s)
    d = info.value.diagnostics[0]
    assert d.message == f"configuration {config!r} cannot be written between parentheses: {problem}"
    assert d.pos == P(4, 23)


@pytest.mark.parametrize("name, message", [
    ("my-element", "element name 'my-element' cannot be written in Click syntax"),
    ("a//b", "element name 'a//b' cannot be written in Click syntax"),
    ("define", "element name 'define' is a Click keyword"),
    ("x/12", "element name 'x/12' has an all-digit component"),
    ("Counter", "element name 'Counter' is also the name of an element class"),
])
def test_names_click_cannot_read_back_are_errors(name, message):
    s = Scope([decl(name, "Counter", None, 2, 5), decl("Counter@2", "Counter", None, 3, 1, anonymous=True)],
              [], file=F)
    with pytest.raises(ConfigError) as info:
        scope_to_click(s)
    d = info.value.diagnostics[0]
    assert (d.message, d.pos) == (message, P(2, 5))
    assert d.hint


def test_an_element_may_share_its_class_name_when_no_anonymous_element_uses_it():
    s = Scope([decl("Queue", "Queue", "5", 1), decl("d", "Discard", None, 1, 20)],
              [conn("Queue", 0, "d", 0, (1, 1), (1, 20))], file=F)
    assert scope_to_click(s) == "Queue :: Queue(5) -> d :: Discard;\n"


# ---------------------------------------------------------------------------
# Flattened graphs

def flat_graph() -> nx.MultiDiGraph:
    g = nx.MultiDiGraph()
    for name, cls, config, line in [("src", "FromDevice", "eth0", 1), ("r/c", "Counter", None, 2),
                                    ("Discard@3", "Discard", None, 3), ("q", "Queue", "10", 4),
                                    ("td", "ToDevice", "eth1", 5)]:
        g.add_node(name, class_name=cls, config=config, pos=P(line), anonymous="@" in name,
                   element=None)

    def edge(u, sp, v, dp, line):
        g.add_edge(u, v, key=(sp, dp), src_port=sp, dst_port=dp, pos=P(line), dst_pos=P(line, 9))
    edge("q", 0, "td", 0, 9)
    edge("src", 0, "r/c", 0, 6)
    edge("r/c", 0, "q", 0, 7)
    edge("r/c", 1, "Discard@3", 0, 8)
    return g


def test_graph_to_click_declares_named_elements_then_chains():
    g = flat_graph()
    g.add_node("Idle@9", class_name="Idle", config=None, pos=P(3, 5), anonymous=True, element=None)
    assert graph_to_click(g) == """\
src :: FromDevice(eth0);
r/c :: Counter;
Idle;
q :: Queue(10);
td :: ToDevice(eth1);

src -> r/c -> q -> td;
r/c [1] -> Discard;
"""


def test_flattened_text_reads_back_as_the_same_graph():
    pytest.importorskip("clickpy.lang.click_parser")
    from clickpy.graph import build_graph, same_graph
    g = flat_graph()
    g.add_node("x/Tee@7", class_name="Tee", config="2", pos=P(10), anonymous=True, element=None)
    g.add_node("x/Print@8", class_name="Print", config="t", pos=P(10), anonymous=True, element=None)
    for sp, v in ((0, "q"), (1, "td"), (1, "x/Print@8")):
        g.add_edge("x/Tee@7", v, key=(sp, 0), src_port=sp, dst_port=0, pos=P(11), dst_pos=P(11))
    text = graph_to_click(g)
    assert text.endswith("Tee(2) [0, 1, 1] => [0] q, [0] td, [0] Print(t);\n"), text
    assert same_graph(g, build_graph(_parse(text, "flat.click")))


def test_empty_graph_is_empty_text():
    assert graph_to_click(nx.MultiDiGraph()) == ""


# ---------------------------------------------------------------------------
# YAML

def test_scope_to_yaml_format():
    text = scope_to_yaml(sample_scope(), header="A test router.\n\nTwo lines.",
                         schema="../clickpy/lang/clickpy.schema.json")
    assert text == """\
# yaml-language-server: $schema=../clickpy/lang/clickpy.schema.json
# A test router.
#
# Two lines.

define: {DEV: eth0, "N": "10"}
require: ["library common.click"]
elementclass:
  Router1:
    params: [$a, "KEY $b"]
    connections:
      - "input -> Counter -> output"
  Alias: Queue
elements:
  src: {class: FromDevice, args: [$DEV]}
  chk: {class: CheckIPHeader}
  rt: {class: RadixIPLookup, args: ["10.0.0.0/8 1", "0.0.0.0/0 0"]}
  lonely: {class: Counter, args: []}
connections:
  - "src -> Strip(14) -> chk -> rt"
  - "rt, rt [1] -> Discard"
  - Idle
"""


@pytest.mark.parametrize("value", ["10.0.0.1", "10", "0x10", "1.5", "1e5", "yes", "No", "on", "OFF",
                                   "y", "null", "~", "", "00:11", "1:20", "2001:db8::1", "-", "- x",
                                   "a: b", "#x", "\\<0800>", "\"q\"", "'s'", "@x", "[a]", "{a}",
                                   "*ref", "&a", "!tag", "%x", "|", ">", "a\nb", " lead", "trail ",
                                   "12/0800 20/0001", ".inf", "true", "0o17", "1_000"])
def test_every_argument_reads_back_as_the_same_string(value):
    s = Scope([decl("x", "Foo", value, 1)], [], file=F)
    loaded = yaml.safe_load(scope_to_yaml(s))
    args = loaded["elements"]["x"]["args"]
    assert args == ([value.strip()] if value.strip() else [])
    assert all(isinstance(a, str) for a in args)


def test_long_argument_lists_are_written_in_block_style():
    config = ", ".join(f"10.0.{i}.0/24 {i}" for i in range(12))
    text = scope_to_yaml(Scope([decl("rt", "StaticIPLookup", config, 1)], [], file=F))
    assert text.startswith("elements:\n  rt:\n    class: StaticIPLookup\n    args:\n"
                           "      - \"10.0.0.0/24 0\"\n      - \"10.0.1.0/24 1\"\n")


def test_yaml_keeps_one_of_a_duplicate_name_so_it_refuses():
    s = Scope([decl("x", "Idle", None, 1), decl("x", "Discard", None, 2, 3)], [], file=F)
    with pytest.raises(ConfigError) as info:
        scope_to_yaml(s)
    assert info.value.diagnostics[0].message == "element 'x' declared twice"
    assert info.value.diagnostics[0].pos == P(2, 3)


def test_inline_compound_becomes_an_elementclass_in_yaml():
    body = ElementClass(None, [], Scope([decl("c", "Counter", None, 2, 10)],
                                        [conn("input", 0, "c", 0, (2, 1), (2, 10)),
                                         conn("c", 0, "output", 0, (2, 10), (2, 20))], file=F), P(1, 6))
    s = Scope([decl("x", "", None, 1, 1, body=body), decl("sink", "Discard", None, 4, 10)],
              [conn("x", 0, "sink", 0, (4, 1), (4, 10))], file=F)
    assert scope_to_yaml(s) == """\
elementclass:
  x_class:
    elements:
      c: {class: Counter}
    connections:
      - "input -> c -> output"
elements:
  x: {class: x_class}
  sink: {class: Discard}
connections:
  - "x -> sink"
"""


def test_schema_reference_is_relative_to_the_output_file(tmp_path):
    import clickpy.lang
    import os
    ref = schema_reference(str(tmp_path / "out.yaml"))
    assert os.path.normpath(os.path.join(tmp_path, ref)) == os.path.normpath(
        os.path.join(os.path.dirname(clickpy.lang.__file__), "clickpy.schema.json"))


# ---------------------------------------------------------------------------
# Round trips through the real front ends

ROUND_TRIP = {
    "chain": "src :: Idle -> Strip(14) -> CheckIPHeader -> rt :: Discard;",
    "ports": "c :: Classifier(12/0800, -); Idle -> c; c [1] -> [0] Discard; c -> Counter -> Discard;",
    "standalone": "AddressInfo(me 10.0.0.1); x :: Idle; Idle -> Discard;",
    "many_to_one": "a, b :: Idle; a, b [0] -> Counter -> Discard;",
    "many_to_many": "a :: Idle; b :: Discard; c :: Discard; "
                    "a [0], a [1] => [0, 1] Counter(1) [0, 1] => b, c;",
    "fan_out_then_leafs": "Idle -> Strip(1) [0, 1] => [0] Discard, [0] Print(x) ;",
    "compound": """
        elementclass Counted { $n, TAG $t | input -> Print($t) -> c :: Counter($n) -> output; }
        elementclass Q Queue;
        define($N 5);
        x :: Counted($N, TAG "a b");
        Idle -> x -> Q(3) -> d :: Discard;
        y :: { input -> Print(\"hi, there\") -> output } -> Discard;
        Idle -> y;
    """,
    "comments_in_config": "Idle -> Print(a /* ) */, b // trailing\n) -> Discard;",
    "loops": "t :: Tee(2); Idle -> t; t [1] -> Counter -> t; t -> Discard;",
    "anonymous_cycle_breaking": "q :: Queue -> Unqueue -> Counter -> q;",
}


def _parse(text, file):
    from clickpy.lang import parse_text
    return parse_text(text, file)


@pytest.mark.parametrize("name", sorted(ROUND_TRIP))
def test_round_trip_through_click_and_yaml(name):
    pytest.importorskip("clickpy.lang.click_parser")
    pytest.importorskip("clickpy.lang.yaml_loader")
    from clickpy.graph import build_graph, same_graph
    scope = _parse(ROUND_TRIP[name], f"{name}.click")
    before = build_graph(scope)
    assert before.number_of_nodes() > 0
    click = scope_to_click(scope)
    assert same_graph(before, build_graph(_parse(click, "out.click"))), click
    yml = scope_to_yaml(scope)
    assert same_graph(before, build_graph(_parse(yml, "out.yaml"))), yml
    flat = graph_to_click(before)
    assert same_graph(before, build_graph(_parse(flat, "flat.click"))), flat


def test_round_trip_of_a_fan_listing_each_other_declares_by_name():
    """The one shape Click cannot write anonymously: the element gets its Class@N name."""
    pytest.importorskip("clickpy.lang.click_parser")
    scope = _parse("a, b :: Idle; c, d :: Discard; "
                   "a, b -> Counter [0, 1] => [0, 1] Counter -> c, d;", "t.click")
    click = scope_to_click(scope)
    assert click == ("a :: Idle -> Counter@5 :: Counter;\n"
                     "b :: Idle -> Counter@5;\n"
                     "Counter@5 [0], Counter@5 [1] => [0, 1] Counter -> c :: Discard, d :: Discard;\n")
    from clickpy.graph import build_graph
    before, after = build_graph(scope), build_graph(_parse(click, "out.click"))
    assert nx.is_isomorphic(before, after,
                            node_match=lambda x, y: x["class_name"] == y["class_name"],
                            edge_match=lambda x, y: set(x) == set(y))
    assert after.nodes["Counter@5"]["anonymous"] is False     # named now


@st.composite
def random_scopes(draw):
    """Named and anonymous elements joined at random; every connection its own statement."""
    n_named = draw(st.integers(0, 4))
    n_anon = draw(st.integers(0, 5))
    decls, line = [], 1
    for i in range(n_named):
        config = draw(st.sampled_from([None, "", "1", "a b, c", "10.0.0.1/8 1"]))
        decls.append(decl(f"n{i}", f"Named{i % 2}", config, line))
        line += 1
    for j in range(n_anon):
        cls = draw(st.sampled_from(["Counter", "Strip", "Tee"]))
        config = draw(st.sampled_from([None, "2", "x, y"]))
        decls.append(decl(f"{cls}@{n_named + j + 1}", cls, config, line, anonymous=True))
        line += 1
    names = [d.name for d in decls]
    conns = []
    if names:
        for a, p, b, q in draw(st.lists(st.tuples(st.sampled_from(names), st.integers(0, 2),
                                                  st.sampled_from(names), st.integers(0, 2)),
                                        max_size=10)):
            conns.append(conn(a, p, b, q, (line, 1), (line, 10)))
            line += 1
    return Scope(decls, conns, file=F)


def _same_up_to_names(a, b):
    return nx.is_isomorphic(
        a, b, node_match=lambda x, y: (x["class_name"], x["config"]) == (y["class_name"], y["config"]),
        edge_match=lambda x, y: set(x) == set(y))


@settings(max_examples=200, deadline=None)
@given(random_scopes())
def test_random_scopes_round_trip_through_both_front_ends(scope):
    pytest.importorskip("clickpy.lang.click_parser")
    from clickpy.graph import build_graph, same_graph
    before = build_graph(scope)
    anonymous = {d.name for d in scope.declarations if d.anonymous}
    named_by_writer = plan_chains([Edge(c.src, c.src_port, c.dst, c.dst_port, c.pos, c.dst_pos)
                                   for c in scope.connections], anonymous).declared_anonymous
    for text, file in ((scope_to_click(scope), "out.click"), (scope_to_yaml(scope), "out.yaml"),
                       (graph_to_click(before), "flat.click")):
        after = build_graph(_parse(text, file))
        assert _same_up_to_names(before, after), text
        if not named_by_writer:
            assert same_graph(before, after), text


def test_header_drops_a_yaml_modeline():
    header = "yaml-language-server: $schema=../x.json\nMy firewall."
    assert scope_to_click(Scope(file=F), header=header) == "// My firewall.\n"
    assert scope_to_yaml(Scope(file=F), header=header, schema="s.json") == \
        "# yaml-language-server: $schema=s.json\n# My firewall.\n\n{}\n"


def test_define_value_click_would_split_is_an_error():
    s = Scope([], [], defines=[Define("$LIST", "a, b", P(3, 8))], file=F)
    with pytest.raises(ConfigError) as info:
        scope_to_click(s)
    d = info.value.diagnostics[0]
    assert d.message == "the value of $LIST ('a, b') holds a comma, so define() would split it"
    assert d.pos == P(3, 8)
    quoted = Scope([], [], defines=[Define("$LIST", '"a, b"', P(3, 8))], file=F)
    assert scope_to_click(quoted) == 'define($LIST "a, b");\n'


def test_long_one_line_configuration_gets_one_argument_per_line():
    config = ", ".join(f"10.0.{i}.0/24 {i}" for i in range(6)) + ", \"a, b\" /* c, d */"
    s = Scope([decl("rt", "StaticIPLookup", config, 1)], [], file=F)
    assert scope_to_click(s) == """\
rt :: StaticIPLookup(10.0.0.0/24 0,
        10.0.1.0/24 1,
        10.0.2.0/24 2,
        10.0.3.0/24 3,
        10.0.4.0/24 4,
        10.0.5.0/24 5,
        "a, b" /* c, d */);
"""
    short = Scope([decl("rt", "StaticIPLookup", "10.0.0.0/8 1,  0/0 2", 1)], [], file=F)
    assert scope_to_click(short) == "rt :: StaticIPLookup(10.0.0.0/8 1,  0/0 2);\n"
    assert config_text(config) == f"({config})"          # no wrapping unless asked
