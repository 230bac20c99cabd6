"""Flattening: compounds, formals, tunnels, variables, positions."""
from checking import check_click

from clickpy.graph import build_graph, same_graph
from clickpy.lang import parse_text


def graph(text, defs=None):
    return build_graph(parse_text(text, "g.click", yaml=False), defs)


def edges(g):
    return sorted((u, v, k) for u, v, k in g.edges(keys=True))


def test_compound_is_flattened_with_prefixed_names():
    g = graph("elementclass Pair { input -> a :: Counter -> b :: Counter -> output }\n"
              "s :: InfiniteSource -> p :: Pair -> d :: Discard;\n")
    assert sorted(g.nodes) == ["d", "p/a", "p/b", "s"]
    assert edges(g) == [("p/a", "p/b", (0, 0)), ("p/b", "d", (0, 0)), ("s", "p/a", (0, 0))]
    assert g.nodes["p/a"]["pos"].line == 1


def test_formals_are_substituted_and_keyword_formals_work():
    g = graph("elementclass Q { $cap, LABEL $l | input -> q :: Queue($cap) -> Print($l) -> output }\n"
              "s :: InfiniteSource -> x :: Q(7, LABEL hi) -> td :: ToDevice(eth0);\n")
    assert g.nodes["x/q"]["config"] == "7"
    prints = [n for n in g.nodes if g.nodes[n]["class_name"] == "Print"]
    assert g.nodes[prints[0]]["config"] == "hi"


def test_passthrough_and_nested_compounds():
    g = graph("elementclass Wire { input -> output }\n"
              "elementclass Two { input -> Wire -> w :: Wire -> output }\n"
              "s :: InfiniteSource -> t :: Two -> d :: Discard;\n")
    assert edges(g) == [("s", "d", (0, 0))]


def test_compound_ports_map_to_inner_ports():
    g = graph("elementclass Split { input -> c :: Classifier(12/0800, -); c[0] -> output; "
              "c[1] -> [1]output }\n"
              "s :: InfiniteSource -> sp :: Split; sp[0] -> a :: Discard; sp[1] -> b :: Discard;\n")
    assert ("sp/c", "b", (1, 0)) in edges(g)
    assert ("sp/c", "a", (0, 0)) in edges(g)


def test_missing_compound_port_is_reported():
    r = check_click("elementclass W { input -> output }\n"
                    "s :: InfiniteSource -> w :: W; w[1] -> Discard; w -> Discard;\n")
    d = [x for x in r.errors if "has no output 1" in x.message][0]
    assert d.message == "compound element 'w' has no output 1"
    assert (d.pos.line, d.pos.col) == (2, 32)


def test_recursive_compound_is_an_error_not_a_crash():
    r = check_click("elementclass R { input -> R -> output }\ns :: InfiniteSource -> R -> Discard;\n")
    assert any("contains itself" in d.message for d in r.errors)


def test_compound_argument_count():
    r = check_click("elementclass Q { $cap | input -> Queue($cap) -> output }\n"
                    "s :: InfiniteSource -> Q(1, 2) -> td :: ToDevice(eth0);\n")
    d = [x for x in r.errors if x.check == "arguments"][0]
    assert d.message == "too many arguments to Q: it takes 1 positional argument"
    assert (d.pos.line, d.pos.col) == (2, 29)


def test_synonym_classes():
    g = graph("elementclass Cnt Counter;\ns :: InfiniteSource -> c :: Cnt -> Discard;\n")
    assert g.nodes["c"]["class_name"] == "Counter"
    assert g.nodes["c"]["element"].class_name == "Counter"


def test_same_graph_ignores_anonymous_numbering_but_not_names():
    a = graph("s :: InfiniteSource -> Counter -> Discard;")
    b = graph("x :: Idle; s :: InfiniteSource -> Counter -> Discard;")
    b.remove_node("x")
    assert same_graph(a, b)
    c = graph("z :: InfiniteSource -> Counter -> Discard;")
    assert not same_graph(a, c)
    d = graph("s :: InfiniteSource -> Counter -> Print(x) -> Discard;")
    assert not same_graph(a, d)
