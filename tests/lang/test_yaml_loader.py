"""The YAML front end: the format, exact source positions, and clean errors."""
from __future__ import annotations

import textwrap

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clickpy.diagnostics import ConfigError, SourcePos
from clickpy.graph import build_graph, same_graph
from clickpy.lang import parse_text
from clickpy.lang import yaml_loader
from clickpy.lang.yaml_loader import parse_yaml

F = "t.yaml"


def P(line: int, col: int) -> SourcePos:
    return SourcePos(F, line, col)


def load(text: str):
    return parse_yaml(textwrap.dedent(text), F)


def errors(text: str, dedent: bool = True) -> list[tuple[str, SourcePos, str | None]]:
    with pytest.raises(ConfigError) as info:
        parse_yaml(textwrap.dedent(text) if dedent else text, F)
    return [(d.message, d.pos, d.hint) for d in info.value.diagnostics]


def the_error(text: str, dedent: bool = True) -> tuple[str, SourcePos, str | None]:
    found = errors(text, dedent)
    assert len(found) == 1, found
    return found[0]


def decl(scope, name):
    [d] = [d for d in scope.declarations if d.name == name]
    return d


BRIEF_EXAMPLE = """\
# yaml-language-server: $schema=../clickpy/lang/clickpy.schema.json
# a router, in the format's own example
require: [library common.yaml]
define:
  DEV: eth0
elements:
  src:
    class: FromDump
    args: "file.pcap, STOP true"
  rt:
    class: RadixIPLookup
    args: ["10.0.0.0/8 1", "0.0.0.0/0 0"]
  arpq:
    class: ARPQuerier
    args: [10.0.0.1, "00:11:22:33:44:55"]
    keywords: {TIMEOUT: 10s, POLL_TIMEOUT: 5s}
  q: Queue(200)
connections:
  - "src -> Strip(14) -> chk :: CheckIPHeader -> rt"
  - "rt[1] -> [0]arpq"
  - |
    rt -> q;
    arpq[1] -> Discard;
"""


# ---------------------------------------------------------------------------
# The format


def test_the_brief_example_reads_into_the_syntax_tree():
    s = parse_yaml(BRIEF_EXAMPLE, F)
    assert s.file == F
    assert [(r.kind, r.value, r.pos) for r in s.requires] == [("library", "common.yaml", P(3, 11))]
    assert [(d.name, d.value, d.pos) for d in s.defines] == [("$DEV", "eth0", P(5, 3))]
    src = decl(s, "src")
    assert (src.class_name, src.config, src.pos, src.config_pos, src.arg_positions) == \
        ("FromDump", "file.pcap, STOP true", P(7, 3), P(9, 12), None)
    rt = decl(s, "rt")
    assert (rt.config, rt.config_pos, rt.arg_positions) == \
        ("10.0.0.0/8 1, 0.0.0.0/0 0", P(12, 13), [P(12, 13), P(12, 29)])
    arpq = decl(s, "arpq")
    assert arpq.config == "10.0.0.1, 00:11:22:33:44:55, TIMEOUT 10s, POLL_TIMEOUT 5s"
    assert arpq.arg_positions == [P(15, 12), P(15, 23), P(16, 16), P(16, 30)]
    q = decl(s, "q")
    assert (q.class_name, q.config, q.pos, q.config_pos) == ("Queue", "200", P(17, 3), P(17, 12))
    names = [(d.name, d.class_name, d.anonymous) for d in s.declarations]
    assert names == [("src", "FromDump", False), ("rt", "RadixIPLookup", False),
                     ("arpq", "ARPQuerier", False), ("q", "Queue", False),
                     ("Strip@5", "Strip", True), ("chk", "CheckIPHeader", False),
                     ("Discard@7", "Discard", True)]
    assert decl(s, "chk").pos == P(19, 26)
    conns = [(c.src, c.src_port, c.dst, c.dst_port, c.pos, c.dst_pos) for c in s.connections]
    assert conns == [
        ("src", 0, "Strip@5", 0, P(19, 6), P(19, 13)),
        ("Strip@5", 0, "chk", 0, P(19, 13), P(19, 26)),
        ("chk", 0, "rt", 0, P(19, 26), P(19, 50)),
        ("rt", 1, "arpq", 0, P(20, 6), P(20, 18)),
        ("rt", 0, "q", 0, P(22, 5), P(22, 11)),
        ("arpq", 1, "Discard@7", 0, P(23, 5), P(23, 16)),
    ]


def test_yaml_and_click_versions_flatten_to_the_same_graph():
    click = """
        define($DEV eth0);
        src :: FromDump(file.pcap, STOP true);
        rt :: RadixIPLookup(10.0.0.0/8 1, 0.0.0.0/0 0);
        arpq :: ARPQuerier(10.0.0.1, 00:11:22:33:44:55, TIMEOUT 10s, POLL_TIMEOUT 5s);
        q :: Queue(200);
        src -> Strip(14) -> chk :: CheckIPHeader -> rt;
        rt[1] -> [0]arpq;
        rt -> q;
        arpq[1] -> Discard;
    """
    from_click = build_graph(parse_text(textwrap.dedent(click), "t.click", yaml=False))
    from_yaml = build_graph(parse_yaml(BRIEF_EXAMPLE.replace("require: [library common.yaml]\n", ""), F))
    assert from_yaml.graph["diagnostics"] == []
    assert same_graph(from_click, from_yaml)
    assert set(from_yaml.nodes) >= {"src", "rt", "arpq", "q", "chk"}


def test_element_forms_give_click_configurations():
    s = load("""
        elements:
          a: Queue
          b: Queue()
          c: "Queue( 1, 2 )"
          d: {class: Queue}
          e: {class: Queue, args: []}
          f: {class: Queue, args: ""}
          g: {class: Queue, args: 200}
          h: {class: Queue, args: ~}
          i: {class: Queue, keywords: {CAPACITY: 5}}
          j: {class: Queue, args: "1, 2", keywords: {A: x, B: ""}}
          k: {class: Queue, args: "1, // one\\n", keywords: {A: x}}
          l: {class: Queue, args: [1, "", ~]}
    """)
    got = {d.name: (d.class_name, d.config) for d in s.declarations}
    assert got == {
        "a": ("Queue", None), "b": ("Queue", ""), "c": ("Queue", " 1, 2 "),
        "d": ("Queue", None), "e": ("Queue", ""), "f": ("Queue", ""), "g": ("Queue", "200"),
        "h": ("Queue", None), "i": ("Queue", "CAPACITY 5"), "j": ("Queue", "1, 2, A x, B"),
        "k": ("Queue", "1, A x"), "l": ("Queue", "1"),
    }
    assert decl(s, "c").config_pos == P(5, 13)
    assert decl(s, "i").config_pos == P(11, 32)
    assert decl(s, "j").arg_positions == [P(12, 28), P(12, 31), P(12, 46), P(12, 52)]


def test_scalars_keep_the_text_written_except_booleans_and_null():
    s = load("""
        define:
          HEX: 0x10
          FLOAT: 1.50
          BIG: 1_000
          YES: yes
          OFF: Off
          QUOTED: "yes"
          NOTHING: ~
          $DOLLAR: eth0
        elements:
          x: {class: Foo, args: [0x1F, true, no, ~, "", 2.0, '007']}
    """)
    assert [(d.name, d.value) for d in s.defines] == [
        ("$HEX", "0x10"), ("$FLOAT", "1.50"), ("$BIG", "1_000"), ("$YES", "true"),
        ("$OFF", "false"), ("$QUOTED", "yes"), ("$NOTHING", ""), ("$DOLLAR", "eth0")]
    assert decl(s, "x").config == "0x1F, true, false, , , 2.0, 007"


def test_requirements_and_inclusions():
    s = load("""
        require: ['library "a b.click"', package foo, ip6, compact_config]
        include: [common.yaml, other.click]
    """)
    assert [(r.kind, r.value, r.pos) for r in s.requires] == [
        ("library", "a b.click", P(2, 12)), ("package", "foo", P(2, 34)),
        ("package", "ip6", P(2, 47)), ("compact_config", "", P(2, 52)),
        ("library", "common.yaml", P(3, 11)), ("library", "other.click", P(3, 24)),
    ]
    one = load("include: common.yaml\nrequire: 'library a.yaml, b'\n")
    assert [(r.kind, r.value, r.pos) for r in one.requires] == [
        ("library", "a.yaml", P(2, 11)), ("package", "b", P(2, 27)),
        ("library", "common.yaml", P(1, 10))]


def test_element_classes_with_params_body_and_synonyms():
    s = load("""
        elementclass:
          Router1:
            params: [$addr, "KEY $eth"]
            define: {LOCAL: 1}
            elements:
              q: Queue($addr)
            connections:
              - input -> q -> Strip(1) -> output
          Alias: Router1
          Other: {synonym: Queue}
          Clickish:
            params: "$a, $b"
            connections: "input -> output"
        elements:
          r: Router1(10.0.0.1, KEY eth0)
        connections: [r -> Discard]
    """)
    r1, alias, other, clickish = s.classes
    assert (r1.name, r1.pos, r1.synonym) == ("Router1", P(3, 3), None)
    assert [(f.name, f.keyword, f.pos) for f in r1.formals] == [
        ("$addr", None, P(4, 14)), ("$eth", "KEY", P(4, 22))]
    assert [(d.name, d.value) for d in r1.body.defines] == [("$LOCAL", "1")]
    assert [(d.name, d.class_name, d.config) for d in r1.body.declarations] == [
        ("q", "Queue", "$addr"), ("Strip@2", "Strip", "1")]
    assert [(c.src, c.dst) for c in r1.body.connections] == [
        ("input", "q"), ("q", "Strip@2"), ("Strip@2", "output")]
    assert (alias.synonym, alias.synonym_pos, alias.body) == ("Router1", P(10, 10), None)
    assert (other.synonym, other.synonym_pos) == ("Queue", P(11, 20))
    assert [(f.name, f.pos) for f in clickish.formals] == [("$a", P(13, 14)), ("$b", P(13, 18))]
    g = build_graph(s)
    assert g.graph["diagnostics"] == []
    assert {n: g.nodes[n]["config"] for n in ("r/q", "r/Strip@2")} == {"r/q": "10.0.0.1",
                                                                      "r/Strip@2": "1"}


def test_sections_are_read_in_clicks_order_whatever_the_order_in_the_file():
    s = load("""
        connections: ["a -> Discard"]
        elements: {a: Idle}
    """)
    assert [(d.name, d.anonymous) for d in s.declarations] == [("a", False), ("Discard@2", True)]
    assert [(c.src, c.dst) for c in s.connections] == [("a", "Discard@2")]


def test_anchors_aliases_and_merge_keys_work():
    s = load("""
        x-queue: &queue {class: Queue, args: [5]}
        elements:
          q1: *queue
          q2: {<<: *queue, args: [6]}
          q3: {<<: [*queue], keywords: {CAPACITY: 7}}
    """)
    assert [(d.name, d.class_name, d.config) for d in s.declarations] == [
        ("q1", "Queue", "5"), ("q2", "Queue", "6"), ("q3", "Queue", "5, CAPACITY 7")]
    assert decl(s, "q1").config_pos == P(2, 39)   # where the anchored text is
    assert decl(s, "q2").config_pos == P(5, 27)


def test_empty_documents_and_sections_are_empty_configurations():
    for text in ("", "# only a comment\n", "elements:\nconnections:\ndefine:\n", "{}\n"):
        s = parse_yaml(text, F)
        assert (s.declarations, s.connections, s.classes, s.defines, s.requires) == \
            ([], [], [], [], [])


# ---------------------------------------------------------------------------
# Exact positions inside every kind of scalar


def test_positions_in_plain_and_quoted_scalars():
    s = load("""
        elements:
          a: {class: X, args: plain text, keywords: {K: v}}
          b: {class: X, args: 'x''y'', z'}
          c: {class: X, args: "tab\\there, \\u00e9t\\u00e9, x"}
          "d": {class: X, args: ["  spaced"]}
    """)
    assert decl(s, "a").config_pos == P(3, 23)
    b = decl(s, "b")
    assert (b.config, b.config_pos, b.arg_positions) == ("x'y', z", P(4, 24), [P(4, 24), P(4, 32)])
    c = decl(s, "c")
    assert c.config == "tab\there, été, x"
    # escapes make the text shorter than the source: positions follow the source
    assert c.arg_positions == [P(5, 24), P(5, 35), P(5, 50)]
    d = decl(s, "d")
    assert (d.pos, d.arg_positions) == (P(6, 4), [P(6, 29)])  # the first non-blank


def test_positions_in_block_scalars():
    s = load("""
        elements:
          rt:
            class: RadixIPLookup
            args: |
              10.0.0.0/8 1,
                192.168.0.0/16 2,
              0.0.0.0/0 0
        connections:
          - |
            rt -> Discard;
                rt[1] -> Discard;
          - >-
            rt[2] ->
              Print(x) -> Discard
    """)
    rt = decl(s, "rt")
    assert rt.config_pos == P(6, 7)
    assert rt.arg_positions == [P(6, 7), P(7, 9), P(8, 7)]
    conns = [(c.src_port, c.pos, c.dst_pos) for c in s.connections]
    assert conns[:2] == [(0, P(11, 5), P(11, 11)), (1, P(12, 9), P(12, 18))]
    assert conns[2] == (2, P(14, 5), P(15, 7))
    assert decl(s, "Print@4").config_pos == P(15, 13)


def test_positions_in_scalars_folded_over_several_lines():
    text = ('elements: {x: Idle}\n'
            'connections:\n'
            '  - "a :: Idle -> b :: C\nheckIPHeader -> c ::\n      Discard"\n'
            '  - x ->\n    Discard\n')
    s = parse_yaml(text, F)
    assert [(d.name, d.pos) for d in s.declarations] == [
        ("x", P(1, 12)), ("a", P(3, 6)), ("b", P(3, 19)), ("heckIPHeader@4", P(4, 1)),
        ("c", P(4, 17)), ("Discard@6", P(7, 5))]
    assert [(c.src, c.dst, c.pos, c.dst_pos) for c in s.connections] == [
        ("a", "b", P(3, 6), P(3, 19)), ("heckIPHeader@4", "c", P(4, 1), P(4, 17)),
        ("x", "Discard@6", P(6, 5), P(7, 5))]


def test_a_byte_order_mark_does_not_shift_columns():
    s = parse_yaml("\ufeffelements: {q: Queue(5)}\n", F)
    assert (decl(s, "q").pos, decl(s, "q").config_pos) == (P(1, 12), P(1, 21))


def test_a_carriage_return_escape_is_a_line_break_for_click():
    s = parse_yaml('connections:\n  - "x :: Idle;\\ry :: Discard; x -> y"\n', F)
    assert [(d.name, d.pos) for d in s.declarations] == [("x", P(2, 6)), ("y", P(2, 18))]
    assert [(c.pos, c.dst_pos) for c in s.connections] == [(P(2, 32), P(2, 37))]


def test_positions_with_anchors_tags_and_crlf_line_ends():
    text = "elements:\r\n  a: {class: X, args: &one !!str 5}\r\n  b: {class: X, args: *one}\r\n"
    s = parse_yaml(text, F)
    assert decl(s, "a").config_pos == P(2, 34)
    assert decl(s, "b").config_pos == P(2, 34)
    assert decl(s, "b").pos == P(3, 3)


def test_click_parser_errors_point_into_block_scalars():
    message, pos, hint = the_error("""
        connections:
          - |
            a :: Idle;
              a -> -> b;
    """)
    assert (message, pos) == ("expected an element after '->'", P(5, 12))


def test_errors_in_a_shorthand_expression_point_into_the_file():
    message, pos, _ = the_error("""
        elements:
          q: "Queue(\\t5"
    """)
    assert (message, pos) == ("unterminated configuration string (missing ')')", P(3, 12))


# ---------------------------------------------------------------------------
# Errors


def test_malformed_yaml_reports_pyyamls_position():
    message, pos, hint = the_error("elements:\n  q: [Queue\nconnections: []\n", dedent=False)
    assert message.startswith("YAML syntax error: ")
    assert pos == P(3, 12)
    message, pos, hint = the_error("connections:\n  - a -> b\n\t- c\n", dedent=False)
    assert message == "YAML syntax error: found character '\\t' that cannot start any token"
    assert pos == P(3, 1)
    assert "never tabs" in hint


def test_unknown_top_level_keys_get_a_suggestion():
    assert errors("""
        elemnts: {}
        conections: []
        x-mine: {whatever: [1, 2]}
        bogus: 1
    """) == [
        ("unknown top-level key 'elemnts'", P(2, 1), "did you mean elements?"),
        ("unknown top-level key 'conections'", P(3, 1), "did you mean connections?"),
        ("unknown top-level key 'bogus'", P(5, 1),
         "the keys are require, include, define, elementclass, elements, connections "
         "(and x-... for your own anchors)"),
    ]


def test_diagnostics_name_the_yaml_front_end():
    with pytest.raises(ConfigError) as info:
        parse_yaml("bogus: 1\n", F)
    assert [d.check for d in info.value.diagnostics] == ["yaml"]
    assert str(info.value) == ("t.yaml:1:1: error: unknown top-level key 'bogus'\n"
                               "  hint: the keys are require, include, define, elementclass, "
                               "elements, connections (and x-... for your own anchors)")


def test_wrong_node_types():
    assert the_error("- a\n", dedent=False)[:2] == (
        "the configuration must be a mapping of sections, not a list", P(1, 1))
    assert the_error("elements: [a, b]\n", dedent=False)[:2] == (
        "elements must be a mapping of element name to element, not a list", P(1, 11))
    assert the_error("elements: {q: 5}\n", dedent=False)[:2] == (
        "element 'q' must be a mapping (class, args, keywords) or a Click expression "
        "such as Queue(200), not a number", P(1, 15))
    assert the_error("connections: {a: b}\n", dedent=False)[:2] == (
        "connections must be a list of Click connection strings, not a mapping", P(1, 14))
    assert the_error("define: [a]\n", dedent=False)[:2] == (
        "define must be a mapping of variable name to value, not a list", P(1, 9))
    assert the_error("elements:\n  q: {class: [Queue]}\n", dedent=False)[:2] == (
        "the class of element 'q' must be a class name, not a list", P(2, 14))


def test_element_without_class():
    assert errors("""
        elements:
          q: {args: 5}
          r:
    """) == [
        ("element 'q' has no class", P(3, 3), "add `class: ClassName`"),
        ("element 'r' has no class", P(4, 3), "write `r: Class(config)` or give it `class:`"),
    ]


def test_args_of_the_wrong_type():
    assert the_error("elements:\n  q: {class: Queue, args: {CAPACITY: 5}}\n", dedent=False) == (
        "args of element 'q' must be a string or a list of arguments, not a mapping", P(2, 27),
        "put KEYWORD: value pairs under keywords:")
    assert the_error("elements:\n  q: {class: Queue, args: [CAPACITY: 5]}\n", dedent=False) == (
        "argument 1 of element 'q' must be a single value, not a mapping", P(2, 28),
        "YAML read 'CAPACITY: ...' as a mapping: quote the argument (\"CAPACITY value\") "
        "or move it under keywords:")
    assert the_error("elements:\n  q: {class: Queue, args: [1, [2]]}\n", dedent=False)[:2] == (
        "argument 2 of element 'q' must be a single value, not a list", P(2, 31))
    assert the_error("elements:\n  q: {class: Queue, args: ['1, 2']}\n", dedent=False)[:2] == (
        "argument 1 of element 'q' contains a comma, so it would be read as 2 arguments", P(2, 29))
    assert the_error("elements:\n  q: {class: Queue, args: ['(1', 2]}\n", dedent=False) == (
        "argument 1 of element 'q' has an unclosed quote or bracket, or a comment", P(2, 29),
        "close the quote or bracket; comments do not belong in an argument")
    assert the_error("elements:\n  q: {class: Queue, args: ['1 // one', 2]}\n", dedent=False)[:2] == (
        "argument 1 of element 'q' has an unclosed quote or bracket, or a comment", P(2, 29))
    assert the_error("elements:\n  q: {class: Queue, keywords: {A: '1, 2'}}\n", dedent=False)[:2] == (
        "keyword A of element 'q' contains a comma, so it would be read as 2 arguments", P(2, 36))
    assert the_error("elements:\n  q: {class: Queue, args: '\"1', keywords: {A: 1}}\n",
                     dedent=False)[:2] == (
        "args of element 'q' end inside a quote or bracket, so the keywords after them would "
        "be lost", P(2, 28))
    assert the_error("elements:\n  q: {class: Queue, keywords: {capacity: 5}}\n", dedent=False) == (
        "'capacity' is not a Click keyword", P(2, 32), "keywords are upper case, like CAPACITY")
    assert the_error("elements:\n  q: {class: Queue, keywords: {A: [1]}}\n", dedent=False)[:2] == (
        "keyword A of element 'q' must be a single value, not a list", P(2, 35))
    assert the_error("elements:\n  q: {class: Queue, arg: 5}\n", dedent=False) == (
        "unknown key 'arg' in element 'q'", P(2, 21), "did you mean args?")


def test_bad_names_and_expressions():
    assert errors("""
        elements:
          'a b': Queue
          '1': Queue
          q: Queue 5
          r: {class: Queue(5)}
    """) == [
        ("'a b' is not a valid element name", P(3, 4),
         "Click names are letters, digits, _ and @, with single / between parts"),
        ("element name '1' has all-digit component", P(4, 4),
         "each '/'-separated part of a name needs a letter, '_' or '@'"),
        ("'Queue 5' is not a Click element expression", P(5, 6),
         "write Class or Class(configuration), or use class: and args:"),
        ("'Queue(5)' is not a valid class name", P(6, 14),
         "put the configuration under args:, as in `class: Queue` and `args: 200`"),
    ]


def test_duplicate_keys_are_errors_not_silently_dropped():
    assert the_error("""
        elements:
          a: Queue
          b: Queue
          a: Discard
    """) == ("duplicate key 'a' in elements", P(5, 3),
             "the first 'a' is at line 3, column 3; YAML would silently keep only the last one")
    assert the_error("elements: {}\nelements: {}\n", dedent=False)[:2] == (
        "duplicate key 'elements' in the configuration", P(2, 1))
    assert the_error("define: {A: 1, $A: 2}\n", dedent=False) == (
        "variable '$A' multiply defined", P(1, 16), "the first one is at t.yaml:1:10")


def test_connection_items_must_be_strings():
    assert the_error("connections:\n  - a -> b: c\n", dedent=False) == (
        "connection 1 must be a string of Click statements, not a mapping", P(2, 5),
        "quote the whole string: YAML reads ': ' (as in 'a :: Class') as a mapping, and [...] as a list")
    assert the_error("connections:\n  - ~\n  - 5\n", dedent=False)[:2] == (
        "connection 2 must be a string of Click statements, not a number", P(3, 5))


def test_parameters_are_checked_like_clicks():
    assert errors("""
        elementclass:
          A:
            params: [$a, KEY $b, $c, x, $a]
    """) == [
        ("compound element parameters out of order", P(4, 26),
         "the correct order is positional parameters, then keywords"),
        ("'x' is not a parameter", P(4, 30),
         "write $name, or KEYWORD $name for a keyword parameter"),
        ("parameter '$a' multiply defined", P(4, 33), None),
    ]
    assert the_error("elementclass:\n  A: {synonym: B, elements: {}}\n", dedent=False)[:2] == (
        "elementclass A: synonym cannot be combined with elements", P(2, 19))


def test_bad_requirement():
    assert the_error("require: ['foo bar baz']\n", dedent=False) == (
        "bad requirement 'foo bar baz'", P(1, 12),
        "write `library FILE`, `package NAME` or a package name; "
        "quote file names that contain spaces")


def test_every_error_is_reported_not_only_the_first():
    found = errors("""
        elements:
          q: {args: 1}
          r: {class: Queue, args: {A: 1}}
        connections: [q -> r]
        oops: 1
    """)
    assert [m for m, _, _ in found] == [
        "unknown top-level key 'oops'",
        "element 'q' has no class",
        "args of element 'r' must be a string or a list of arguments, not a mapping",
    ]


def test_non_utf8_bytes_are_reported_with_their_position():
    data = b"elements:\n  q: Queue(\xff)\n"
    text = data.decode("utf-8", errors="surrogateescape")
    assert the_error(text, dedent=False) == (
        "the file is not valid UTF-8 (byte 0xFF)", P(2, 12), "save the file as UTF-8")


def test_control_characters_are_reported():
    assert the_error("elements:\n  q: Queue(\x07)\n", dedent=False)[:2] == (
        "character U+0007 is not allowed in YAML", P(2, 12))


def test_huge_documents_are_refused(monkeypatch):
    monkeypatch.setattr(yaml_loader, "MAX_CHARS", 1000)
    message, pos, hint = the_error("elements:\n" + "  # padding\n" * 100, dedent=False)
    assert message == ("configuration too large for the YAML front end (1210 characters; "
                       "the limit is 1000)")
    assert pos == P(1, 1)


def test_too_many_nodes_are_refused(monkeypatch):
    monkeypatch.setattr(yaml_loader, "MAX_NODES", 500)
    text = "connections: [" + ", ".join(["a -> b"] * 600) + "]\n"
    assert the_error(text, dedent=False)[0] == "configuration has more than 500 YAML nodes"


def test_deep_nesting_is_an_error_not_a_recursion_error():
    text = "elements: " + "[" * 5000 + "]" * 5000 + "\n"
    message, pos, _ = the_error(text, dedent=False)
    assert message == "YAML nested more than 100 levels deep"
    assert pos == P(1, 110)
    block = "".join("  " * i + f"k{i}:\n" for i in range(300))
    assert the_error(block, dedent=False)[0] == "YAML nested more than 100 levels deep"


def test_billion_laughs_is_stopped(monkeypatch):
    monkeypatch.setattr(yaml_loader, "MAX_NODES", 5000)
    lines = ["x-a: &a {" + ", ".join(f"q{i}: Idle" for i in range(10)) + "}"]
    previous = "a"
    for level in "bcdefg":
        key = "elements" if previous == "a" else "elementclass"
        lines.append(f"x-{level}: &{level} {{"
                     + ", ".join(f"C{i}: {{{key}: *{previous}}}" for i in range(10)) + "}")
        previous = level
    lines.append(f"elementclass: *{previous}")
    message, _, hint = the_error("\n".join(lines) + "\n", dedent=False)
    assert message == "configuration expands to more than 5000 YAML nodes"
    assert "aliases" in hint


def test_recursive_aliases_are_stopped():
    message, _, _ = the_error("elementclass: &e\n  A:\n    elementclass: *e\n", dedent=False)
    assert message == "elementclass nested more than 32 deep"


def test_several_documents_are_an_error():
    assert the_error("elements: {}\n---\nelements: {}\n", dedent=False)[:2] == (
        "YAML syntax error: expected a single document in the stream, but found another document",
        P(2, 1))


def test_undefined_alias():
    assert the_error("elements: *nope\n", dedent=False) == (
        "YAML syntax error: found undefined alias 'nope'", P(1, 11),
        "define the anchor (&name) before using it (*name)")


# ---------------------------------------------------------------------------
# Never anything but a Scope or a ConfigError

_keys = st.sampled_from(["elements", "connections", "define", "elementclass", "require",
                         "include", "class", "args", "keywords", "params", "synonym", "q",
                         "rt", "x-a", "<<", "TIMEOUT", "$A", "a b", "1"])
_scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False),
                     st.text(max_size=20),
                     st.sampled_from(["Queue(5)", "a -> b", "a[1] -> [0]b", "Queue", "x :: Y",
                                      "input -> output", "$a", "KEY $b", "library x.yaml",
                                      "Queue(", "->", "[0]", "{", "'"]))
_documents = st.recursive(
    _scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(_keys, inner, max_size=4)),
    max_leaves=25)


_names = st.sampled_from(["q", "rt", "a/b", "x y", "1", "Queue@2", "input"])
_elements = st.dictionaries(_names, st.one_of(
    _scalars,
    st.fixed_dictionaries({"class": _scalars}, optional={
        "args": st.one_of(_scalars, st.lists(_scalars, max_size=3), _documents),
        "keywords": st.one_of(st.dictionaries(_keys, _scalars, max_size=3), _documents),
        "extra": _scalars})), max_size=4)
_shaped = st.fixed_dictionaries({}, optional={
    "elements": _elements,
    "connections": st.one_of(_scalars, st.lists(_scalars, max_size=3)),
    "define": st.one_of(st.dictionaries(_keys, _scalars, max_size=3), _documents),
    "require": st.one_of(_scalars, st.lists(_scalars, max_size=3)),
    "include": st.one_of(_scalars, st.lists(_scalars, max_size=3)),
    "elementclass": st.dictionaries(_names, st.one_of(_scalars, st.fixed_dictionaries({}, optional={
        "params": st.one_of(_scalars, st.lists(_scalars, max_size=3)),
        "elements": _elements, "connections": st.lists(_scalars, max_size=2),
        "synonym": _scalars})), max_size=3),
})


def _text_at(lines: list[str], pos: SourcePos) -> str:
    return lines[pos.line - 1][pos.col - 1:]


def _check_positions(scope, lines: list[str]) -> None:
    """Names are found in the file exactly where their positions say."""
    for d in scope.declarations:
        assert _text_at(lines, d.pos).startswith(d.class_name if d.anonymous else d.name), d
    named = {d.name for d in scope.declarations if not d.anonymous}
    for c in scope.connections:
        for name, pos in ((c.src, c.pos), (c.dst, c.dst_pos)):
            if name in named or name in ("input", "output"):
                assert _text_at(lines, pos).startswith(name), (c, pos)
    for cls in scope.classes:
        assert _text_at(lines, cls.pos).startswith(cls.name), cls
        if cls.body is not None:
            _check_positions(cls.body, lines)


def _parses_or_config_error(text: str) -> None:
    try:
        scope = parse_yaml(text, F)
    except ConfigError as e:
        assert e.diagnostics and all(d.pos.file == F and d.pos.line >= 1 for d in e.diagnostics)
        return
    _check_positions(scope, yaml_loader._Source(text, F).text.splitlines() + [""])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(_keys, _documents, max_size=6))
def test_random_documents_parse_or_raise_config_error(doc):
    _parses_or_config_error(yaml.safe_dump(doc, allow_unicode=True))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_shaped, st.sampled_from([None, False, True]))
def test_random_configuration_shapes_parse_or_raise_config_error(doc, flow):
    _parses_or_config_error(yaml.safe_dump(doc, allow_unicode=True, default_flow_style=flow))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(0, len(BRIEF_EXAMPLE)), st.integers(0, 3),
                          st.sampled_from(list(":-[]{}'\"|>&*!#,\n\t %@`\\") + ["\udcff", "  ", "- "])),
                min_size=1, max_size=4))
def test_mutated_configurations_parse_or_raise_config_error(edits):
    text = BRIEF_EXAMPLE
    for at, delete, insert in edits:
        at = min(at, len(text))
        text = text[:at] + insert + text[at + delete:]
    _parses_or_config_error(text)
