"""The Click-language front end: syntax, names, positions, errors, robustness."""
from __future__ import annotations

import os
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clickpy.diagnostics import ConfigError, SourcePos
from clickpy.lang.ast import Scope
from clickpy.lang.click_parser import MAX_NESTING, ClickParser, parse_click

DATA = os.path.join(os.path.dirname(__file__), "data")


def at(pos: SourcePos) -> tuple[int, int]:
    return pos.line, pos.col


def decls(scope: Scope) -> dict:
    return {d.name: d for d in scope.declarations}


def links(scope: Scope) -> list[str]:
    return [f"{c.src}[{c.src_port}] -> [{c.dst_port}]{c.dst}" for c in scope.connections]


def fails(text: str, file: str = "<config>"):
    """The diagnostics of a configuration that must not parse."""
    with pytest.raises(ConfigError) as info:
        parse_click(text, file)
    return info.value.diagnostics


def one_error(text: str):
    diags = fails(text)
    assert len(diags) == 1, "\n".join(d.format() for d in diags)
    return diags[0]


# ---- declarations ------------------------------------------------------------

def test_declaration_with_and_without_config():
    s = parse_click("a :: Counter;\nq :: Queue(200);\nd :: Discard();")
    a, q, d = s.declarations
    assert (a.name, a.class_name, a.config, at(a.pos), a.config_pos) == ("a", "Counter", None, (1, 1), None)
    assert (q.name, q.class_name, q.config, at(q.pos), at(q.config_pos)) == ("q", "Queue", "200", (2, 1), (2, 12))
    assert (d.config, at(d.config_pos)) == ("", (3, 14))
    assert not any(x.anonymous for x in s.declarations)
    assert s.connections == [] and s.file == "<config>"


def test_scope_file_and_positions_name_the_file():
    s = parse_click("x :: Idle", "router.click")
    assert s.file == "router.click"
    assert s.declarations[0].pos == SourcePos("router.click", 1, 1)


def test_several_names_share_one_class_and_config():
    s = parse_click("a, b,\n  c :: Queue(5);")
    assert [(d.name, d.class_name, d.config) for d in s.declarations] == [
        ("a", "Queue", "5"), ("b", "Queue", "5"), ("c", "Queue", "5")]
    assert [at(d.pos) for d in s.declarations] == [(1, 1), (1, 4), (2, 3)]
    assert {at(d.config_pos) for d in s.declarations} == {(2, 14)}
    assert s.connections == []


def test_declarations_inside_a_chain():
    s = parse_click("x :: Idle; z :: Discard\nx -> y :: Foo(1) -> z;")
    y = decls(s)["y"]
    assert (y.class_name, y.config, at(y.pos), at(y.config_pos)) == ("Foo", "1", (2, 6), (2, 15))
    assert links(s) == ["x[0] -> [0]y", "y[0] -> [0]z"]
    assert [(at(c.pos), at(c.dst_pos)) for c in s.connections] == [((2, 1), (2, 6)), ((2, 6), (2, 21))]


def test_duplicate_declarations_are_kept_for_the_graph_builder():
    s = parse_click("a :: Idle; a :: Discard;")
    assert [(d.name, d.class_name, at(d.pos)) for d in s.declarations] == [
        ("a", "Idle", (1, 1)), ("a", "Discard", (1, 12))]


def test_identifiers_follow_click():
    s = parse_click("c/inner :: Idle; Strip@3 :: Strip(14); 1a :: Idle; _x@/y_ :: Idle;")
    assert [d.name for d in s.declarations] == ["c/inner", "Strip@3", "1a", "_x@/y_"]


def test_all_digit_name_component_is_an_error():
    d = one_error("a :: Idle;\nx/12 :: Idle;")
    assert d.message == "element name 'x/12' has all-digit component"
    assert at(d.pos) == (2, 1)
    assert "letter" in d.hint


def test_name_cannot_end_with_slash():
    d = one_error("a/ :: Idle;")
    assert d.message == "expected '->' or ';' after element 'a'"
    assert at(d.pos) == (1, 2)
    assert "between two name characters" in d.hint


# ---- connections ---------------------------------------------------------------

def test_ports_on_both_sides_with_and_without_spaces():
    s = parse_click("a :: Idle; b :: Idle;\na [1] -> [0] b;\na[2]->[3]b")
    assert links(s) == ["a[1] -> [0]b", "a[2] -> [3]b"]
    c1, c2 = s.connections
    assert (at(c1.pos), at(c1.dst_pos)) == ((2, 1), (2, 14))
    assert (at(c2.pos), at(c2.dst_pos)) == ((3, 1), (3, 10))


def test_chain_expands_pairwise_with_port_zero_by_default():
    s = parse_click("a, b, c, d :: Idle; a -> b [2] -> c -> [1] d;")
    assert links(s) == ["a[0] -> [0]b", "b[2] -> [0]c", "c[0] -> [1]d"]


def test_statements_span_lines_and_semicolons_are_optional():
    s = parse_click("a :: Idle\nb :: Discard\na\n  ->\n  b\nc :: Idle c -> b")
    assert [d.name for d in s.declarations] == ["a", "b", "c"]
    assert links(s) == ["a[0] -> [0]b", "c[0] -> [0]b"]
    assert at(s.connections[0].dst_pos) == (5, 3)


def test_anonymous_elements_are_numbered_like_click():
    s = parse_click("a :: Idle; b :: Discard;\na -> Strip(14) -> Counter -> b;\nIdle -> [1] b;")
    anon = [d for d in s.declarations if d.anonymous]
    assert [(d.name, d.class_name, d.config) for d in anon] == [
        ("Strip@3", "Strip", "14"), ("Counter@4", "Counter", None), ("Idle@5", "Idle", None)]
    assert [at(d.pos) for d in anon] == [(2, 6), (2, 19), (3, 1)]
    assert at(anon[0].config_pos) == (2, 12)
    assert links(s) == ["a[0] -> [0]Strip@3", "Strip@3[0] -> [0]Counter@4",
                        "Counter@4[0] -> [0]b", "Idle@5[0] -> [1]b"]


def test_anonymous_names_skip_names_already_taken():
    s = parse_click("Discard@2 :: Counter; Idle -> Discard -> Discard@2;")
    assert [d.name for d in s.declarations] == ["Discard@2", "Idle@2", "Discard@3"]
    s = parse_click("Idle@2 :: Counter; Idle@3 :: Counter; Idle -> x;")
    assert [d.name for d in s.declarations] == ["Idle@2", "Idle@3", "Idle@4", "x@4"]
    s = parse_click("Idle@2 :: Counter; Idle -> Idle@2;")
    assert [d.name for d in s.declarations] == ["Idle@2", "Idle@3"]


def test_names_declared_later_in_the_scope_are_references():
    s = parse_click("a -> b;\na :: Idle;\nb :: Discard;")
    assert [(d.name, d.anonymous) for d in s.declarations] == [("a", False), ("b", False)]
    assert links(s) == ["a[0] -> [0]b"]
    assert at(s.connections[0].pos) == (1, 1)


def test_bare_undeclared_names_are_anonymous_elements_of_that_class():
    s = parse_click("Idle -> Discard;")
    assert [(d.name, d.class_name, d.config, d.anonymous) for d in s.declarations] == [
        ("Idle@1", "Idle", None, True), ("Discard@2", "Discard", None, True)]


def test_config_on_an_element_reference_is_an_error():
    d = one_error("q :: Queue;\nIdle -> q(5);")
    assert d.message == "configuration string given to element reference 'q'"
    assert at(d.pos) == (2, 11)


def test_click_lexer_04_element_lists():
    s = parse_click("a, b, c :: Idle;\np, q :: PullNull;\na, a[1] -> b -> p, q;\n"
                    "p -> [0]c, [1]c; q -> [2]c;")
    assert links(s) == ["a[0] -> [0]b", "a[1] -> [0]b", "b[0] -> [0]p", "b[0] -> [0]q",
                        "p[0] -> [0]c", "p[0] -> [1]c", "q[0] -> [2]c"]


def test_double_arrow_connects_many_to_many():
    s = parse_click("a, b, c, d :: Idle;\na [0,1,2] => c, b, d;")
    assert links(s) == ["a[0] -> [0]c", "a[1] -> [0]b", "a[2] -> [0]d"]
    s = parse_click("a, b, c :: Idle;\na => b, c, [0,1] a;")
    assert links(s) == ["a[0] -> [0]b", "a[1] -> [0]c", "a[2] -> [0]a", "a[3] -> [1]a"]
    s = parse_click("a, b :: Idle;\na [0, 1] => [3, 4] b; a [] => [1, 2, 3] b")
    assert links(s) == ["a[0] -> [3]b", "a[1] -> [4]b",
                        "a[0] -> [1]b", "a[1] -> [2]b", "a[2] -> [3]b"]


def test_many_to_many_mistakes():
    diags = fails("a, b, c, d :: Idle;\na [0,1] => [0,1,2] b;\nc [] => [] d;\na [0,1,2] -> [0,1,2] b;")
    assert [(d.message, at(d.pos)) for d in diags] == [
        ("connection mismatch: 2 outputs connected to 3 inputs", (2, 9)),
        ("at most one expandable port allowed per connection", (3, 6)),
        ("many-to-many connections require '=>'", (4, 11)),
    ]


def test_ports_outside_a_connection_are_reported():
    diags = fails("a, b :: Idle;\n[1] a -> b;\na -> b [2];")
    assert [(d.message, at(d.pos)) for d in diags] == [
        ("input ports ignored at start of chain", (2, 1)),
        ("output ports ignored at end of chain", (3, 8)),
    ]


# ---- configuration strings -----------------------------------------------------

def test_config_is_kept_raw_between_matching_parentheses():
    text = ('c :: Classifier(12/0806 (x), "a)b\\"c)", \'x)\', // not ) here\n'
            '  \\<08 00 /* ) */>, /* ) */ -);\nd :: Idle')
    s = parse_click(text)
    c = decls(s)["c"]
    assert c.config == ('12/0806 (x), "a)b\\"c)", \'x)\', // not ) here\n'
                        '  \\<08 00 /* ) */>, /* ) */ -')
    assert at(c.config_pos) == (1, 17)
    assert at(decls(s)["d"].pos) == (3, 1)


def test_click_lexer_07_backslash_in_quotes():
    s = parse_click('m :: Message("\\\\");')
    assert s.declarations[0].config == '"\\\\"'


def test_unterminated_config_points_at_the_parenthesis():
    d = one_error("a :: Idle;\nq :: Queue(10 -> a;")
    assert d.message == "unterminated configuration string (missing ')')"
    assert at(d.pos) == (2, 11)
    d = one_error('q :: Print("abc);\nx :: Idle;')
    assert at(d.pos) == (1, 11)
    assert d.hint == "the quote at <config>:1:12 is never closed"
    d = one_error("q :: Print(\\<00 11);")
    assert d.hint == "the '\\<' at <config>:1:12 is never closed"


# ---- comments and line directives --------------------------------------------------

def test_comments_are_skipped_and_positions_stay_right():
    s = parse_click("// a comment -> x\na :: Idle; /* multi\nline -> */ b :: Discard\n"
                    "a -> /**/ b // end")
    assert [(d.name, at(d.pos)) for d in s.declarations] == [("a", (2, 1)), ("b", (3, 12))]
    assert links(s) == ["a[0] -> [0]b"]
    assert at(s.connections[0].dst_pos) == (4, 11)


def test_unterminated_comment():
    d = one_error("a :: Idle;\n  /* forever")
    assert (d.message, at(d.pos), d.hint) == ("unterminated comment", (2, 3), "close it with '*/'")


def test_line_directives_renumber_positions():
    s = parse_click('a :: Idle;\n# 10 "other.click"\nb :: Idle;\n# line 20\nc :: Idle;\n'
                    '# 30 ""\nd :: Idle;', "main.click")
    assert [d.pos for d in s.declarations] == [
        SourcePos("main.click", 1, 1), SourcePos("other.click", 10, 1),
        SourcePos("other.click", 20, 1), SourcePos("main.click", 30, 1)]


def test_click_lexer_08_directive_inside_a_config_string():
    s = parse_click('m :: Message(\n# 100 "foobar.click"\n"test");\nm2 :: Message("test2");',
                    "A.click")
    m, m2 = s.declarations
    assert m.pos == SourcePos("A.click", 1, 1)
    assert m.config == '\n\n"test"'
    assert m2.pos == SourcePos("foobar.click", 101, 1)


def test_other_hash_lines_are_skipped_but_hash_elsewhere_is_an_error():
    s = parse_click("#!/usr/bin/click\n#pragma whatever\na :: Idle;")
    assert at(s.declarations[0].pos) == (3, 1)
    d = one_error("a :: Idle; # not a comment")
    assert (d.message, at(d.pos)) == ("unexpected '#'", (1, 12))


def test_crlf_and_cr_line_endings():
    s = parse_click("a :: Idle;\r\nb :: Idle;\rc :: Idle;")
    assert [at(d.pos) for d in s.declarations] == [(1, 1), (2, 1), (3, 1)]


# ---- compound elements ------------------------------------------------------------

def test_elementclass_with_formals():
    s = parse_click("elementclass Foo {\n  $a, KEY $b |\n  input -> Strip($a) -> [1]output;\n"
                    "  input[1] -> Queue($b) -> output\n}\nf :: Foo(14, KEY 5);")
    (cls,) = s.classes
    assert (cls.name, at(cls.pos), cls.synonym) == ("Foo", (1, 14), None)
    assert [(f.name, f.keyword, at(f.pos)) for f in cls.formals] == [("$a", None, (2, 3)),
                                                                     ("$b", "KEY", (2, 7))]
    body = cls.body
    assert [(d.name, d.class_name, d.config) for d in body.declarations] == [
        ("Strip@1", "Strip", "$a"), ("Queue@2", "Queue", "$b")]
    assert links(body) == ["input[0] -> [0]Strip@1", "Strip@1[0] -> [1]output",
                           "input[1] -> [0]Queue@2", "Queue@2[0] -> [0]output"]
    assert at(body.connections[2].pos) == (4, 3)
    assert [(d.name, d.class_name, d.config) for d in s.declarations] == [("f", "Foo", "14, KEY 5")]


def test_click_lexer_02_nested_classes_number_their_own_elements():
    s = parse_click("elementclass Foo {\n$a |\n   elementclass Bar {\n   $b |\n      DriverManager($a);\n"
                    "   }\n   elementclass Baz {\n   $a |\n      Idle; Bar($a);\n   }\n   Baz(x);\n}\nFoo(stop);")
    (foo,) = s.classes
    bar, baz = foo.body.classes
    assert [d.name for d in bar.body.declarations] == ["DriverManager@1"]
    assert [d.name for d in baz.body.declarations] == ["Idle@1", "Bar@2"]
    assert [d.name for d in foo.body.declarations] == ["Baz@1"]
    assert [d.name for d in s.declarations] == ["Foo@1"]


def test_synonym_class():
    s = parse_click("elementclass Cnt Counter;\nc :: Cnt;")
    (cls,) = s.classes
    assert (cls.name, cls.synonym, cls.body, at(cls.pos), at(cls.synonym_pos)) == (
        "Cnt", "Counter", None, (1, 14), (1, 18))


def test_inline_and_anonymous_compounds():
    s = parse_click("a :: { input -> Null -> output };\nx :: Idle\n"
                    "x -> { $n | input -> Queue($n) -> output }(7) -> a;")
    a, x, anon = s.declarations
    assert (a.name, a.class_name, a.anonymous, at(a.pos)) == ("a", "", False, (1, 1))
    assert a.body.name is None and at(a.body.pos) == (1, 6)
    assert links(a.body.body) == ["input[0] -> [0]Null@1", "Null@1[0] -> [0]output"]
    assert (anon.name, anon.class_name, anon.anonymous, anon.config) == ("@3", "", True, "7")
    assert at(anon.pos) == (3, 6) and at(anon.config_pos) == (3, 44)
    assert [f.name for f in anon.body.formals] == ["$n"]
    assert links(s) == ["x[0] -> [0]@3", "@3[0] -> [0]a"]


def test_implicit_input_and_output_inside_compounds():
    s = parse_click("a, b :: Idle;\na -> { -> } -> b;\na [1] -> { [0] -> [0] } -> [1] b;\n"
                    "elementclass E { -> Strip(1) -> [2] }")
    first, second = [d for d in s.declarations if d.anonymous]
    assert links(first.body.body) == ["input[0] -> [0]output"]
    assert links(second.body.body) == ["input[0] -> [0]output"]
    assert links(s) == ["a[0] -> [0]@3", "@3[0] -> [0]b", "a[1] -> [0]@4", "@4[0] -> [1]b"]
    body = s.classes[0].body
    assert links(body) == ["input[0] -> [0]Strip@1", "Strip@1[0] -> [2]output"]
    assert [at(c.pos) for c in body.connections] == [(4, 18), (4, 21)]
    assert at(body.connections[1].dst_pos) == (4, 33)


def test_implicit_ports_only_inside_compounds():
    d = one_error("-> Null;")
    assert (d.message, at(d.pos)) == ("connection has no source element before '->'", (1, 1))


def test_unclosed_elementclass_body():
    d = one_error("elementclass Foo {\n  input -> output\n")
    assert (d.message, at(d.pos)) == ("elementclass body not closed (missing '}')", (1, 18))
    d = one_error("x :: Idle -> {\n input -> output")
    assert (d.message, at(d.pos)) == ("compound element body not closed (missing '}')", (1, 14))


def test_overloads_extensions_groups_and_provide_are_refused():
    d = one_error("elementclass A { input -> output || input -> Null -> output }")
    assert (d.message, at(d.pos)) == ("compound element overloading ('||') is not supported", (1, 34))
    d = one_error("elementclass A { ... }")
    assert d.message == "extending element classes with '...' is not supported"
    d = one_error("a, b :: Idle; a => (-> b) -> b;")
    assert (d.message, at(d.pos)) == ("element groups '( ... )' are not supported", (1, 20))
    d = one_error("provide(foo);")
    assert d.message == "provide(...) is not supported"


def test_formal_parameter_mistakes():
    diags = fails("elementclass A { KEY $k, $p, $p | input -> output }")
    assert [(d.message, at(d.pos)) for d in diags] == [
        ("compound element parameters out of order", (1, 26)),
        ("parameter '$p' multiply defined", (1, 30)),
    ]
    d = one_error("elementclass A { $a input -> output }")
    assert (d.message, at(d.pos)) == ("expected ',' or '|' after a compound element parameter", (1, 21))


# ---- define and require -----------------------------------------------------------

def test_define():
    s = parse_click("define($DEV eth0, $ADDR  10.0.0.1 ,\n       $EMPTY)\nx :: Idle")
    assert [(d.name, d.value, at(d.pos)) for d in s.defines] == [
        ("$DEV", "eth0", (1, 8)), ("$ADDR", "10.0.0.1", (1, 19)), ("$EMPTY", "", (2, 8))]
    d = one_error("define(DEV eth0)")
    assert (d.message, at(d.pos)) == ("bad 'define' declaration: 'DEV' is not a variable", (1, 8))
    d = one_error("define($A 1, $A 2)")
    assert (d.message, at(d.pos)) == ("variable '$A' multiply defined", (1, 14))


def test_require():
    s = parse_click('require(foo, package bar, library "my lib.click");\nrequire(library lib.click)')
    assert [(r.kind, r.value, at(r.pos)) for r in s.requires] == [
        ("package", "foo", (1, 9)), ("package", "bar", (1, 14)),
        ("library", "my lib.click", (1, 27)), ("library", "lib.click", (2, 9))]
    s = parse_click("require(library \"a\udcffb.click\", package 'x y', library \"a\\\"b\")")
    assert [r.value for r in s.requires] == ["a\udcffb.click", "x y", 'a"b']
    d = one_error("require(package a b)")
    assert d.message == "bad requirement 'package a b'"
    d = one_error("elementclass A { require(library x.click) input -> output }")
    assert d.message == "require(library ...) must be used at file scope"
    d = one_error("require foo")
    assert (d.message, at(d.pos)) == ("expected '(' after 'require'", (1, 9))


# ---- syntax errors -------------------------------------------------------------------

@pytest.mark.parametrize("text, message, where", [
    ("a :: Idle $x", "expected '->' or ';' after element 'a'", (1, 11)),
    ("a :: Idle;\nb :: Idle;\na [x] -> b;", "port number must be a non-negative integer", (3, 4)),
    ("a :: Idle; a[99999999999] -> a", "port number too large", (1, 14)),
    ("a :: Idle; a[1 2] -> a", "expected ',' or ']' in port list", (1, 16)),
    ("a :: Idle; a[-1] -> a", "expected a port number", (1, 14)),
    ("a :: ;", "missing element class after 'a ::'", (1, 6)),
    ("a :: Idle -> ;", "expected an element after '->'", (1, 14)),
    ("a :: Idle ->", "expected an element after '->'", (1, 13)),
    ("a :: Idle }", "unmatched '}'", (1, 11)),
    ("a :: Idle )", "unmatched ')'", (1, 11)),
    ("a :: Idle;\n  :: Foo", "syntax error near '::'", (2, 3)),
    ("a :: Idle; a -> b, :: Foo", "syntax error near '::'", (1, 20)),
    ("elementclass { }", "expected an element class name after 'elementclass'", (1, 14)),
    ("elementclass A ;", "expected '{' or a class name after 'elementclass A'", (1, 16)),
    ("a :: Idle -> [1];", "port is not attached to any element", (1, 14)),
    ("a :: Idle; é :: Foo", "unexpected character 'é'", (1, 12)),
    ("a :: Idle\x00", "expected '->' or ';' after element 'a'", (1, 10)),
    ("\x00", "syntax error near '\\x00'", (1, 1)),
    ("$x :: Foo", "unexpected variable '$x'", (1, 1)),
    ("a :: { input -> output } :: Foo", "syntax error near '::'", (1, 26)),
    ("x -> {input->output} :: Foo", "an anonymous compound element cannot be declared with '::'",
     (1, 22)),
])
def test_syntax_errors(text, message, where):
    d = fails(text)[-1]
    assert (d.message, at(d.pos)) == (message, where)
    assert d.check == "syntax"


def test_errors_carry_hints():
    d = one_error("a :: Idle\nb :: Idle\na -> b c d $v")
    assert (d.message, at(d.pos), d.hint) == ("expected '->' or ';' after element 'd'", (3, 12),
                                              "found variable '$v'")
    d = one_error("$v -> a")
    assert (d.message, at(d.pos), d.hint) == (
        "unexpected variable '$v'", (1, 1),
        "variables are used inside configuration strings, e.g. Queue($size)")
    d = one_error("a :: Idle; a - > a")
    assert d.hint == "found '-'"


# ---- the parser object and embedding -----------------------------------------------

def test_start_position_shifts_the_first_line_only():
    s = ClickParser("cfg.yaml").parse("a -> Strip(14)\n  -> b", start=SourcePos("cfg.yaml", 7, 12))
    assert [d.name for d in s.declarations] == ["a@1", "Strip@2", "b@3"]
    strip = decls(s)["Strip@2"]
    assert strip.pos == SourcePos("cfg.yaml", 7, 17)
    assert strip.config_pos == SourcePos("cfg.yaml", 7, 23)
    assert s.connections[1].dst_pos == SourcePos("cfg.yaml", 8, 6)
    with pytest.raises(ConfigError) as info:
        ClickParser("cfg.yaml").parse("a -> (", start=SourcePos("cfg.yaml", 3, 5))
    assert info.value.diagnostics[0].pos == SourcePos("cfg.yaml", 3, 10)


def test_parser_keeps_counter_and_names_across_calls():
    p = ClickParser("c.yaml")
    p.declare("src", "sink")
    first = p.parse("src -> Strip(14) -> chk :: CheckIPHeader -> sink")
    second = p.parse("chk[1] -> Discard; src -> Strip(1) -> sink")
    assert [d.name for d in first.declarations] == ["Strip@3", "chk"]
    assert [d.name for d in second.declarations] == ["Discard@5", "Strip@6"]
    assert links(second) == ["chk[1] -> [0]Discard@5", "src[0] -> [0]Strip@6", "Strip@6[0] -> [0]sink"]


def test_failed_parse_does_not_advance_the_counter():
    p = ClickParser()
    with pytest.raises(ConfigError):
        p.parse("Idle -> Discard -> ;")
    assert [d.name for d in p.parse("Idle -> Discard").declarations] == ["Idle@1", "Discard@2"]


def test_input_and_output_are_always_references():
    s = parse_click("input -> Null -> output")
    assert [d.name for d in s.declarations] == ["Null@1"]
    assert links(s) == ["input[0] -> [0]Null@1", "Null@1[0] -> [0]output"]


def test_byte_order_mark_is_ignored():
    s = parse_click("\ufeffa :: Idle;")
    assert at(s.declarations[0].pos) == (1, 1)


# ---- Click's own configuration ---------------------------------------------------------

def test_fake_iprouter_parses():
    path = os.path.join(DATA, "fake-iprouter.click")
    with open(path) as f:
        s = parse_click(f.read(), path)
    named = [d for d in s.declarations if not d.anonymous]
    anonymous = [d for d in s.declarations if d.anonymous]
    assert len(s.declarations) == 44 and len(named) == 20 and len(anonymous) == 24
    assert len(s.connections) == 57
    assert [d.name for d in anonymous[:6]] == ["Idle@3", "InfiniteSource@4", "Discard@6",
                                               "Discard@8", "CheckIPHeader@17", "Paint@18"]
    by_name = decls(s)
    assert by_name["c0"].pos == SourcePos(path, 30, 1)
    assert by_name["c0"].config.split(",")[0] == "12/0806 20/0001"
    assert by_name["rt"].config.count("\n") == 8
    assert by_name["ip"].class_name == "Strip" and at(by_name["ip"].pos) == (101, 1)
    assert at(by_name["CheckIPHeader@17"].pos) == (102, 9)
    assert by_name["InfiniteSource@4"].config.startswith("DATA \\<\n  // Ethernet header")
    assert links(s)[:3] == ["Idle@3[0] -> [0]c0", "InfiniteSource@4[0] -> [0]c1", "out0[0] -> [0]Discard@6"]
    assert "dt1[1] -> [0]ICMPError@33" in links(s)
    last = s.connections[-1]
    assert (last.src, last.dst, at(last.pos), at(last.dst_pos)) == ("Print@43", "Discard@44", (157, 10), (157, 23))


# ---- robustness --------------------------------------------------------------------------

def _nested(depth: int, form: int) -> str:
    if form == 0:
        return "elementclass C { " * depth + "x :: Idle" + " }" * depth
    if form == 1:
        return "a :: { " * depth + "input -> output" + " }" * depth
    return "x -> { " * depth + "input -> output" + " } -> y" * depth


@pytest.mark.parametrize("form", [0, 1, 2])
def test_deep_nesting_is_a_clean_error(form):
    parse_click(_nested(MAX_NESTING, form))
    for depth in (MAX_NESTING + 1, 50_000):
        d = fails(_nested(depth, form))[0]
        assert d.message == f"compound elements nested more than {MAX_NESTING} levels deep"


def test_megabyte_configuration_parses_in_seconds():
    lines = [f"e{i} :: Counter -> q{i} :: Queue(10) -> Discard; src{i % 7} :: Idle -> e{i};"
             for i in range(20_000)]
    text = "\n".join(lines)
    assert len(text) > 1_000_000
    t = time.perf_counter()
    s = parse_click(text)
    elapsed = time.perf_counter() - t
    assert len(s.declarations) == 80_000 and len(s.connections) == 60_000
    assert s.declarations[-1].pos == SourcePos("<config>", 20_000, 54)
    assert elapsed < 20, f"took {elapsed:.1f}s"


def test_hundred_thousand_elements_in_one_chain():
    text = "src :: Idle; src" + " -> Null" * 100_000 + ";"
    s = parse_click(text)
    assert len(s.declarations) == 100_001 and len(s.connections) == 100_000
    assert s.declarations[-1].name == "Null@100001"


def _parses_or_config_error(text: str) -> None:
    try:
        result = parse_click(text)
    except ConfigError as e:
        assert e.diagnostics
        for d in e.diagnostics:
            assert isinstance(d.pos, SourcePos) and d.pos.col >= 1 and d.message
    else:
        assert isinstance(result, Scope)


TOKENS = ["a", "b", "Idle", "Queue", " ", "\n", "\r", "\t", "->", "=>", "::", ",", ";", "[", "]",
          "0", "1", "(", ")", "{", "}", "|", "||", "...", "$x", "$", "//", "/*", "*/", "#",
          "# 3 \"f\"\n", "\"", "'", "\\<", ">", "\\", "elementclass", "define", "require",
          "provide", "input", "output", "@", "/", "-", "=", "\x00", "é", "\udcff", "\ufeff"]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=300).map(lambda b: b.decode("utf-8", "surrogateescape")))
def test_random_bytes_parse_or_raise_config_error(text):
    _parses_or_config_error(text)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(TOKENS), max_size=60).map("".join))
def test_random_token_soup_parses_or_raises_config_error(text):
    _parses_or_config_error(text)


with open(os.path.join(DATA, "fake-iprouter.click")) as _f:
    FAKE_IPROUTER = _f.read()


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(0, len(FAKE_IPROUTER)), st.sampled_from(["del", "ins", "set"]),
                          st.sampled_from(TOKENS)), min_size=1, max_size=6))
def test_mutated_fake_iprouter_parses_or_raises_config_error(edits):
    text = FAKE_IPROUTER
    for where, op, token in edits:
        where = min(where, len(text))
        if op == "del":
            text = text[:where] + text[where + 1:]
        elif op == "ins":
            text = text[:where] + token + text[where:]
        else:
            text = text[:where] + token + text[where + 1:]
    _parses_or_config_error(text)
