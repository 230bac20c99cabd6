"""Click-language front end: configuration text to a clickpy.lang.ast.Scope.

The grammar is Click's (lib/lexer.cc), re-expressed as recursive descent:

    a :: Class(config);               declaration (also inside chains)
    a, b, c :: Class(config);         one Declaration per name, sharing class and config
    a [1] -> [0] b -> Class(x) -> c;  chains of connections; ports default to 0
    a, b -> c;   a[0, 1] => [0, 1] b;  element and port lists, Click 2's `=>`
    elementclass Name { $a, KEY $b | body }   compound classes (and `elementclass A B;`)
    a :: { input -> X -> output };    inline compound, and anonymous `-> { ... } ->`
    define($X value, $Y value);  require(package p, library f.click, p2);

Decisions worth knowing:

- Element or class?  Click decides with its table of element classes.  A
  front end must not depend on which elements happen to be installed, so a
  bare name (no `::`, no parentheses) refers to an element when that name is
  declared anywhere in the same scope, before or after the use (resolved when
  the scope ends), or was declared at top level by an earlier `parse()` on
  the same parser, or was given to `declare()` (the YAML front end declares
  its `elements:` this way).  Otherwise it is an anonymous element of that
  class.  (Click itself would call `a -> b; b :: X;` an undeclared element
  `b`; here it connects to the `b` declared later.)  `Name(config)` makes an
  anonymous element, or is an error when Name is an element of the scope.
  `input` and `output` are always references.
- Anonymous elements are named like Click: `Class@N`, N being one more than
  the number of elements the scope had so far (declarations count too), then
  bumped past any name already taken.  At top level the count carries over
  from one `parse()` call to the next on the same parser.
- An inline or anonymous compound is a Declaration with `class_name` ""
  (Click's anonymous compound classes have the empty name) and `body` set to
  an ElementClass whose `name` is None; an anonymous one is named `@N`.
- Inside a compound body a chain may start with `->` or `[N] ->` (meaning
  `input [N] ->`) and end with `->` or `-> [N]` (meaning `-> [N] output`),
  as in Click.
- Not supported, each with a clear error: compound overloading
  (`{ ... } || { ... }`), class extension (`...`), element groups
  (`( a -> b )` in a chain) and `provide(...)`.
- Duplicate declarations are kept (the graph builder reports them).

Every problem raises ConfigError; recoverable ones are collected and reported
together when parsing ends, syntax errors stop at once.
"""
from __future__ import annotations

import gc
import re
from dataclasses import dataclass, field

from clickpy.args import ArgError, split_config, split_words, unquote
from clickpy.diagnostics import ConfigError, Diagnostic, SourcePos
from clickpy.lang.ast import (Connection, Declaration, Define, ElementClass, Formal,
                              Require, Scope)
from clickpy.lang.click_lexer import CONFIG, EOF, IDENT, KEYWORDS, OTHER, VARIABLE, Lexer, Token

MAX_NESTING = 100          # compound elements inside compound elements
MAX_PORT = 2**31 - 1        # Click's port numbers are C ints
PSEUDO_ELEMENTS = ("input", "output")
ARROWS = ("->", "=>")

_VARIABLE_NAME = re.compile(r"\$[A-Za-z0-9_]+")
_ALL_DIGITS = re.compile(r"(?:^|/)[0-9]+(?:/|$)")
_REQUIRE_KINDS = ("package", "library", "compact_config")

# What an element mention in the text turned out to be.
DECL = "declaration"        # name :: Class
BARE = "bare"               # a name alone: reference or anonymous element, decided later
ANON = "anonymous"          # Class(config)
COMPOUND = "compound"       # { ... } used as an element
PSEUDO = "pseudo"           # implicit input/output inside a compound


class _Mention:
    """One element mention; `resolved` is its element name once the scope ends."""

    __slots__ = ("kind", "name", "class_name", "config", "offset", "config_offset", "body",
                 "resolved", "pos")

    def __init__(self, kind: str, name: str, class_name: str, offset: int,
                 config: str | None = None, config_offset: int = -1,
                 body: ElementClass | None = None):
        self.kind = kind
        self.name = name
        self.class_name = class_name
        self.offset = offset
        self.config = config
        self.config_offset = config_offset
        self.body = body
        self.resolved = name
        self.pos: SourcePos | None = None

    def label(self) -> str:
        if self.kind == COMPOUND:
            return "the anonymous compound element"
        if self.kind == ANON:
            return f"'{self.class_name}(...)'"
        return f"element '{self.name}'"


@dataclass
class _Endpoint:
    """An element in a connection with the ports written around it.

    A port list ending in -1 is expandable (`[]`, `[2,]`), as in Click.
    """

    mention: _Mention
    inputs: list[int] = field(default_factory=list)
    outputs: list[int] = field(default_factory=list)
    inputs_offset: int = -1
    outputs_offset: int = -1
    implicit: bool = False


@dataclass
class _ScopeBuilder:
    """What one scope (file or compound body) collects while it is parsed."""

    nested: bool
    mentions: list[_Mention] = field(default_factory=list)
    links: list[tuple[_Mention, int, _Mention, int]] = field(default_factory=list)
    declared: set[str] = field(default_factory=set)
    classes: list[ElementClass] = field(default_factory=list)
    defines: list[Define] = field(default_factory=list)
    requires: list[Require] = field(default_factory=list)
    variables: dict[str, SourcePos] = field(default_factory=dict)


class ClickParser:
    """Parses Click configurations; one instance per file keeps anonymous names unique.

    The top-level element count (for `Class@N`) and the names declared at top
    level carry over from one `parse()` call to the next, so that a file
    given in several pieces (YAML connection strings) gets the names one
    Click file would.
    """

    def __init__(self, file: str = "<config>"):
        self.file = file
        self._count = 0                 # top-level elements so far
        self._names: set[str] = set()   # top-level element names so far

    def declare(self, *names: str) -> None:
        """Top-level elements declared elsewhere (YAML `elements:`): bare uses refer to them."""
        for name in names:
            if name not in self._names:
                self._names.add(name)
                self._count += 1

    def parse(self, text: str, start: SourcePos | None = None) -> Scope:
        """The syntax tree of `text`; `start` is where text[0] is in the real file."""
        start = start or SourcePos(self.file, 1, 1)
        run = _Run(text, start, self.file)
        builder = _ScopeBuilder(nested=False)
        # Parsing makes many small objects and no reference cycles: the cyclic
        # garbage collector would only slow a large configuration down.
        collecting = gc.isenabled()
        gc.disable()
        try:
            run.statements(builder, None)
            scope, count, names = run.finish(builder, self._names, self._count)
        except RecursionError:
            raise ConfigError(Diagnostic(
                "configuration nested too deeply to parse", start,
                f"keep elementclass nesting under {MAX_NESTING} levels", check="syntax")) from None
        finally:
            if collecting:
                gc.enable()
        run.raise_errors()
        self._count = count
        self._names |= names
        return scope


def parse_click(text: str, file: str = "<config>") -> Scope:
    """Parse one Click configuration file's text."""
    return ClickParser(file).parse(text)


class _Run:
    """One parse() call: the lexer, the grammar, and the errors found so far."""

    def __init__(self, text: str, start: SourcePos, file: str):
        self.lx = Lexer(text, start)
        self.file = file
        self.errors: list[Diagnostic] = []
        self.depth = 0

    # ---- errors ---------------------------------------------------------------
    def diagnostic(self, message: str, offset: int, hint: str | None) -> Diagnostic:
        return Diagnostic(message, self.lx.pos(offset), hint, check="syntax")

    def fail(self, message: str, offset: int, hint: str | None = None) -> ConfigError:
        """An error the parse cannot continue after; raise the result."""
        return ConfigError(self.errors + [self.diagnostic(message, offset, hint)])

    def report(self, message: str, offset: int, hint: str | None = None) -> None:
        """An error parsing can continue after; reported when the parse ends."""
        self.errors.append(self.diagnostic(message, offset, hint))

    def raise_errors(self) -> None:
        if self.errors:
            raise ConfigError(self.errors)

    def unexpected(self, t: Token) -> ConfigError:
        hints = {
            ")": ("unmatched ')'", "a '(' belongs right after an element class: Class(config)"),
            "]": ("unmatched ']'", "ports are written [N] next to an element: a[1] -> [0]b"),
            "|": ("unexpected '|'", "'|' only ends an elementclass parameter list: { $a | ... }"),
            "...": ("extending element classes with '...' is not supported", None),
            "provide": ("provide(...) is not supported", "clickpy has no packages to provide"),
        }
        if t.kind in hints:
            message, hint = hints[t.kind]
            return self.fail(message, t.offset, hint)
        if t.kind == VARIABLE:
            return self.fail(f"unexpected variable '{t.text}'", t.offset,
                             "variables are used inside configuration strings, e.g. Queue($size)")
        if t.text == "#":
            return self.fail("unexpected '#'", t.offset,
                             "'#' starts a line directive only in the first column; "
                             "write comments with // or /* */")
        if t.text in ("-", "=", ">", ":"):
            return self.fail(f"syntax error near '{t.text}'", t.offset,
                             "connections are written 'a -> b', declarations 'a :: Class'")
        if t.kind == OTHER and not t.text.isascii():
            return self.fail(f"unexpected character {t.text!r}", t.offset,
                             "names use ASCII letters, digits, '_', '@' and '/'")
        return self.fail(f"syntax error near {t.describe()}", t.offset)

    # ---- statements -------------------------------------------------------------
    def statements(self, b: _ScopeBuilder, opener: tuple[Token, str] | None) -> None:
        """Statements up to the end of input, or to the '}' closing `opener`."""
        lx = self.lx
        while True:
            t = lx.peek()
            k = t.kind
            if k == ";":
                lx.next()
            elif k in (IDENT, "[", "{", CONFIG) or k in ARROWS:
                self.connection(b)
            elif k == "elementclass":
                self.elementclass(b)
            elif k == "define":
                self.define(b)
            elif k == "require":
                self.require(b)
            elif k == "}":
                if opener is None:
                    raise self.fail("unmatched '}'", t.offset, "no '{' is open here")
                lx.next()
                return
            elif k == EOF:
                if opener is not None:
                    brace, what = opener
                    raise self.fail(f"{what} body not closed (missing '}}')", brace.offset,
                                    "the '{' here is still open at the end of the input")
                return
            elif k == "||" and opener is not None:
                raise self.fail("compound element overloading ('||') is not supported", t.offset,
                                "give each variant its own elementclass name")
            else:
                raise self.unexpected(t)

    def elementclass(self, b: _ScopeBuilder) -> None:
        lx = self.lx
        lx.next()
        t = lx.peek()
        if t.kind != IDENT:
            raise self.fail("expected an element class name after 'elementclass'", t.offset,
                            f"write 'elementclass Name {{ ... }}'; found {t.describe()}")
        lx.next()
        n = lx.peek()
        if n.kind == "{":
            lx.next()
            b.classes.append(self.compound_body(n, t.text, t.offset, "elementclass"))
        elif n.kind == IDENT:
            lx.next()
            b.classes.append(ElementClass(t.text, [], None, lx.pos(t.offset), synonym=n.text,
                                          synonym_pos=lx.pos(n.offset)))
        else:
            raise self.fail(f"expected '{{' or a class name after 'elementclass {t.text}'",
                            n.offset, f"write 'elementclass {t.text} {{ ... }}' or "
                            f"'elementclass {t.text} OtherClass'; found {n.describe()}")

    def compound_body(self, brace: Token, name: str | None, name_offset: int,
                      what: str) -> ElementClass:
        """`{ formals | statements }` after the '{' already read."""
        if self.depth >= MAX_NESTING:
            raise self.fail(f"compound elements nested more than {MAX_NESTING} levels deep",
                            brace.offset, "flatten some of the inner elementclasses")
        self.depth += 1
        inner = _ScopeBuilder(nested=True)
        formals = self.formals(inner)
        self.statements(inner, (brace, what))
        self.depth -= 1
        body, _, _ = self.finish(inner, set(), 0)
        return ElementClass(name, formals, body, self.lx.pos(name_offset))

    def formals(self, b: _ScopeBuilder) -> list[Formal]:
        """`$a, $b, KEYWORD $c |` at the start of a compound body, if present."""
        lx = self.lx
        formals: list[Formal] = []
        keywords: set[str] = set()
        order_reported = False
        while True:
            t = lx.peek()
            if t.kind == IDENT and lx.peek(1).kind == VARIABLE:
                lx.next()
                keyword, var = t.text, lx.next()
            elif t.kind == VARIABLE:
                keyword, var = None, lx.next()
            elif t.kind == "|":
                lx.next()
                return formals
            else:
                if formals:
                    raise self.fail("expected a parameter variable", t.offset,
                                    "parameters are written '$name' or 'KEYWORD $name'; "
                                    f"found {t.describe()}")
                return formals
            if var.text == "$":
                raise self.fail("expected a variable name after '$'", var.offset,
                                "parameters are written '$name'")
            if var.text in b.variables:
                self.report(f"parameter '{var.text}' multiply defined", var.offset,
                            f"the first one is at {b.variables[var.text]}")
            b.variables.setdefault(var.text, lx.pos(var.offset))
            if keyword is not None:
                if keyword in keywords:
                    self.report(f"repeated keyword parameter '{keyword}' in compound element",
                                t.offset, "each keyword may appear once")
                keywords.add(keyword)
            if formals and not order_reported and (
                    (keyword is None and formals[-1].keyword is not None)
                    or formals[-1].keyword == "__REST__"):
                self.report("compound element parameters out of order", t.offset,
                            "the correct order is '[positional], [keywords], [__REST__]'")
                order_reported = True
            formals.append(Formal(var.text, keyword, lx.pos(t.offset)))
            sep = lx.next()
            if sep.kind == "|":
                return formals
            if sep.kind != ",":
                raise self.fail("expected ',' or '|' after a compound element parameter",
                                sep.offset, f"found {sep.describe()}; end the parameter list "
                                "with '|': { $a, $b | input -> ... }")

    def config_after(self, keyword: Token) -> Token:
        t = self.lx.peek()
        if t.kind != CONFIG:
            raise self.fail(f"expected '(' after '{keyword.text}'", t.offset,
                            f"write {keyword.text}(...); found {t.describe()}")
        return self.lx.next()

    def define(self, b: _ScopeBuilder) -> None:
        """`define($NAME value, ...)`: values are kept raw, surrounding space removed."""
        lx = self.lx
        c = self.config_after(lx.next())
        for arg in split_config(c.text, lx.pos(c.config_offset)):
            if not arg.text:
                continue
            var, value = _split_first_word(arg.text)
            if not _VARIABLE_NAME.fullmatch(var):
                self.errors.append(Diagnostic(
                    f"bad 'define' declaration: '{var}' is not a variable", arg.pos,
                    "write define($NAME value); names use letters, digits and '_'", check="syntax"))
                continue
            if var in b.variables:
                self.errors.append(Diagnostic(f"variable '{var}' multiply defined", arg.pos,
                                              f"the first one is at {b.variables[var]}",
                                              check="syntax"))
                continue
            b.variables[var] = arg.pos
            b.defines.append(Define(var, value, arg.pos))

    def require(self, b: _ScopeBuilder) -> None:
        """`require(package p, library file, p2)`; a bare word means a package, as in Click."""
        lx = self.lx
        c = self.config_after(lx.next())
        for arg in split_config(c.text, lx.pos(c.config_offset)):
            words = split_words(arg.text)
            if not words:
                continue
            kind = words[0]
            if kind not in _REQUIRE_KINDS and len(words) == 1:
                kind, words = "package", ["package", kind]
            value = _unquoted(words[1]) if len(words) == 2 else None
            if kind == "compact_config" and len(words) == 1:
                value = ""
            if kind not in _REQUIRE_KINDS or value is None:
                self.errors.append(Diagnostic(
                    f"bad requirement '{arg.text}'", arg.pos,
                    "write require(package NAME) or require(library FILE)", check="syntax"))
                continue
            if kind == "library" and b.nested:
                self.errors.append(Diagnostic(
                    "require(library ...) must be used at file scope", arg.pos,
                    "move it out of the elementclass", check="syntax"))
                continue
            b.requires.append(Require(kind, value, arg.pos))

    # ---- connections -----------------------------------------------------------
    def connection(self, b: _ScopeBuilder) -> None:
        """A chain `list -> list -> ...`, each list `element, element, ...`."""
        lx = self.lx
        previous: list[_Endpoint] | None = None
        connector: Token | None = None
        while True:
            items = self.element_list(b, previous is None, connector)
            if previous is None:
                self.check_useless_ports(items, inputs=True)
            else:
                self.connect(b, previous, items, connector)
            t = lx.peek()
            if t.kind in ARROWS:
                if b.nested and previous is not None and any(e.implicit for e in items):
                    self.report("implicit ports used in the middle of a chain", t.offset,
                                "write 'input' or 'output' explicitly")
                connector, previous = lx.next(), items
                continue
            if t.kind == ";":
                lx.next()
            elif t.kind in (")", "]"):
                raise self.unexpected(t)
            elif t.kind in (",", "::"):
                raise self.fail(f"syntax error near '{t.text}'", t.offset,
                                "a declaration 'name :: Class' or a list 'a, b' cannot "
                                "follow a port or a connection's last element")
            elif not (t.kind in (IDENT, "{", "}", "[", "||", EOF) or t.kind in KEYWORDS):
                hint = f"found {t.describe()}"
                if t.text == "/":
                    hint += ("; '/' may appear in a name only between two name characters, "
                             "as in c/inner")
                raise self.fail(f"expected '->' or ';' after {items[-1].mention.label()}",
                                t.offset, hint)
            self.check_useless_ports(items, inputs=False)
            return

    def element_list(self, b: _ScopeBuilder, first: bool,
                     connector: Token | None) -> list[_Endpoint]:
        lx = self.lx
        items: list[_Endpoint] = []
        while True:
            item = self.element(b, first, len(items), connector)
            if item is None:
                break
            items.append(item)
            if lx.peek().kind != ",":
                break
            lx.next()
        if len(items) > 1 and first and lx.peek().kind not in ARROWS:
            _spread_declaration(b, items)
        return items

    def element(self, b: _ScopeBuilder, first: bool, index: int,
                connector: Token | None) -> _Endpoint | None:
        """`[ports] name [:: Class] [(config)] [ports]`, or `{...}`, or an implicit port."""
        lx = self.lx
        inputs, inputs_offset = self.ports()
        t = lx.peek()
        if t.kind == IDENT:
            lx.next()
            mention = self.named_element(b, t)
        elif t.kind == "{":
            lx.next()
            body = self.compound_body(t, None, t.offset, "compound element")
            mention = _Mention(COMPOUND, "", "", t.offset, body=body)
            c = lx.peek()
            if c.kind == CONFIG:
                lx.next()
                mention.config, mention.config_offset = c.text, c.config_offset
            if lx.peek().kind == "::":
                raise self.fail("an anonymous compound element cannot be declared with '::'",
                                lx.peek().offset, "write 'name :: { ... }' instead")
            b.mentions.append(mention)
        elif t.kind == CONFIG:
            raise self.fail("element groups '( ... )' are not supported", t.offset,
                            "connect the elements one by one, or make an elementclass")
        else:
            return self.implicit_or_nothing(b, first, index, connector, t, inputs, inputs_offset)
        outputs, outputs_offset = self.ports()
        return _Endpoint(mention, inputs, outputs, inputs_offset, outputs_offset)

    def named_element(self, b: _ScopeBuilder, t: Token) -> _Mention:
        lx = self.lx
        name = t.text
        body = None
        if lx.peek().kind == "::":
            lx.next()
            c = lx.peek()
            if c.kind == IDENT:
                lx.next()
                class_name = c.text
            elif c.kind == "{":
                lx.next()
                class_name = ""
                body = self.compound_body(c, None, c.offset, "compound element")
            else:
                raise self.fail(f"missing element class after '{name} ::'", c.offset,
                                f"write '{name} :: Class' or '{name} :: Class(config)'; "
                                f"found {c.describe()}")
            kind = DECL
            b.declared.add(name)
        else:
            kind, class_name = BARE, name
        mention = _Mention(kind, name, class_name, t.offset, body=body)
        c = lx.peek()
        if c.kind == CONFIG:
            lx.next()
            mention.config, mention.config_offset = c.text, c.config_offset
            if kind == BARE:
                mention.kind = ANON
        b.mentions.append(mention)
        return mention

    def implicit_or_nothing(self, b: _ScopeBuilder, first: bool, index: int,
                            connector: Token | None, t: Token, inputs: list[int],
                            inputs_offset: int) -> _Endpoint | None:
        """Inside a compound, `-> x` means `input -> x` and `x ->` at the end `x -> output`."""
        implicit = False
        if b.nested:
            if t.kind in ARROWS:
                implicit = first and (bool(inputs) or index == 0)
            elif t.kind == ",":
                implicit = bool(inputs)
            elif t.kind != "::":
                implicit = not first and (bool(inputs) or index == 0)
        if implicit:
            name = "input" if first else "output"
            offset = inputs_offset if inputs else (t.offset if first else connector.offset)
            mention = _Mention(PSEUDO, name, name, offset)
            b.mentions.append(mention)
            if first:  # ports written before the arrow are input's outputs
                return _Endpoint(mention, [], inputs, -1, inputs_offset, implicit=True)
            return _Endpoint(mention, inputs, [], inputs_offset, -1, implicit=True)
        if inputs:
            raise self.fail("port is not attached to any element", inputs_offset,
                            f"found {t.describe()} after the port; write 'a [N] -> [M] b'")
        if index > 0:
            return None  # a trailing comma, which Click accepts
        if first:
            raise self.fail(f"connection has no source element before {t.describe()}", t.offset,
                            "a chain starts with an element: 'src -> dst'; only inside an "
                            "elementclass does '-> x' mean 'input -> x'")
        raise self.fail(f"expected an element after '{connector.text}'", t.offset,
                        f"found {t.describe()}")

    def ports(self) -> tuple[list[int], int]:
        """`[N]`, `[N, M, ...]` or the expandable `[]`, `[N,]`; ([], -1) when absent."""
        lx = self.lx
        if lx.peek().kind != "[":
            return [], -1
        bracket = lx.next()
        ports: list[int] = []
        while True:
            t = lx.next()
            if t.kind == IDENT:
                ports.append(self.port_number(t))
            elif t.kind == "]":
                ports.extend([0, -1] if not ports else [-1])
                return ports, bracket.offset
            else:
                raise self.fail("expected a port number", t.offset,
                                f"ports are written [N] with N >= 0; found {t.describe()}")
            t = lx.next()
            if t.kind == "]":
                return ports, bracket.offset
            if t.kind != ",":
                raise self.fail("expected ',' or ']' in port list", t.offset,
                                f"found {t.describe()}")

    def port_number(self, t: Token) -> int:
        if not t.text.isdigit():
            raise self.fail("port number must be a non-negative integer", t.offset,
                            f"'{t.text}' is not a number; write e.g. [0] or [1]")
        if len(t.text) > 10 or int(t.text) > MAX_PORT:
            raise self.fail("port number too large", t.offset, f"ports go up to {MAX_PORT}")
        return int(t.text)

    def check_useless_ports(self, items: list[_Endpoint], inputs: bool) -> None:
        for e in items:
            if inputs and e.inputs:
                self.report("input ports ignored at start of chain", e.inputs_offset,
                            "nothing connects to this port; write 'x -> [N] y' for input N of y")
                return
            if not inputs and e.outputs:
                self.report("output ports ignored at end of chain", e.outputs_offset,
                            "nothing is connected from this port; "
                            "write 'x [N] -> y' for output N of x")
                return

    def connect(self, b: _ScopeBuilder, sources: list[_Endpoint], targets: list[_Endpoint],
                connector: Token) -> None:
        """Click's rules for joining an output list to an input list.

        One-to-one, one-to-many and many-to-one work with `->`; many-to-many
        needs `=>`, which also treats a missing port list as expandable.
        """
        if len(sources) == 1 and len(targets) == 1:
            outs, ins = sources[0].outputs, targets[0].inputs
            if len(outs) <= 1 and len(ins) <= 1:  # the common case: a [N] -> [M] b
                b.links.append((sources[0].mention, outs[0] if outs else 0,
                                targets[0].mention, ins[0] if ins else 0))
                return
        sides = (targets, sources)                       # index 0: inputs, 1: outputs
        ports = (lambda e: e.inputs, lambda e: e.outputs)
        minimum, expandable = [0, 0], [0, 0]
        for k in (0, 1):
            for e in sides[k]:
                p = ports[k](e)
                if len(p) <= 1:
                    minimum[k] += 1
                elif p[-1] == -1:
                    minimum[k] += len(p) - 1
                    expandable[k] += 1
                else:
                    minimum[k] += len(p)
        if expandable[0] + expandable[1] > 1:
            self.report("at most one expandable port allowed per connection", connector.offset,
                        "only one side may use '[]' or '[N,]'")
            expandable[int(minimum[0] < minimum[1])] = 0
        if connector.kind == "=>":
            for k in (0, 1):
                if minimum[k] == 1 and minimum[1 - k] > 1 and not ports[k](sides[k][0]):
                    expandable[k] = 1
        step = [minimum[k] > 1 or expandable[k] > 0 for k in (0, 1)]
        extra = [minimum[1 - k] - minimum[k] if expandable[k] else 0 for k in (0, 1)]
        if step[0] and step[1]:
            if connector.kind != "=>":
                self.report("many-to-many connections require '=>'", connector.offset,
                            "write 'a, b => c, d' to connect several outputs to several inputs")
            elif not expandable[0] and not expandable[1] and minimum[0] != minimum[1]:
                self.report(f"connection mismatch: {minimum[1]} outputs connected to "
                            f"{minimum[0]} inputs", connector.offset)
            elif not expandable[0] and minimum[0] < minimum[1]:
                self.report(f"connection mismatch: {minimum[1]} or more outputs connected to "
                            f"{minimum[0]} inputs", connector.offset)
            elif not expandable[1] and minimum[1] < minimum[0]:
                self.report(f"connection mismatch: {minimum[1]} outputs connected to "
                            f"{minimum[0]} or more inputs", connector.offset)
        elif not step[0] and not step[1]:
            step[0] = True
        index, ppos, port = [0, 0], [0, 0], [-1, -1]
        while index[0] < len(targets) and index[1] < len(sources):
            for k in (0, 1):
                if port[k] < 0:
                    p = ports[k](sides[k][index[k]])
                    port[k] = p[0] if p else 0
            b.links.append((sources[index[1]].mention, port[1], targets[index[0]].mention, port[0]))
            for k in (0, 1):
                if not step[k]:
                    continue
                p = ports[k](sides[k][index[k]])
                ppos[k] += 1
                if ppos[k] < len(p) and p[ppos[k]] >= 0:
                    port[k] = p[ppos[k]]
                elif p and p[-1] == -1 and extra[k] > 0:
                    port[k] = p[-2] + ppos[k] - (len(p) - 2)
                    extra[k] -= 1
                elif not p and minimum[k] == 1 and extra[k] > 0:
                    port[k] = ppos[k]
                    extra[k] -= 1
                else:
                    port[k], ppos[k] = -1, 0
                    index[k] += 1

    # ---- the end of a scope ------------------------------------------------------
    def finish(self, b: _ScopeBuilder, known: set[str],
               count: int) -> tuple[Scope, int, set[str]]:
        """Resolve names, number anonymous elements, build the Scope.

        `known` are element names that exist before this text (it is only
        read); returns the scope, the new element count and the names this
        scope added.
        """
        pos = self.lx.pos
        declared = b.declared
        if b.nested:
            declared = declared | set(PSEUDO_ELEMENTS)
        created: set[str] = set()      # names this scope added to `known`
        declarations: list[Declaration] = []
        for m in b.mentions:
            m.pos = pos(m.offset)
            name = m.name
            if m.kind == PSEUDO or (m.kind == BARE and (name in declared or name in known
                                                       or name in PSEUDO_ELEMENTS)):
                continue
            config_pos = pos(m.config_offset) if m.config is not None else None
            if m.kind == DECL:
                if _ALL_DIGITS.search(name):
                    self.errors.append(Diagnostic(
                        f"element name '{name}' has all-digit component", m.pos,
                        "each '/'-separated part of a name needs a letter, '_' or '@'",
                        check="syntax"))
                if name not in known and name not in created:
                    created.add(name)
                    count += 1
                declarations.append(Declaration(name, m.class_name, m.config, m.pos, config_pos,
                                                body=m.body))
                continue
            if m.kind == ANON and (name in declared or name in known):
                self.errors.append(Diagnostic(
                    f"configuration string given to element reference '{name}'", config_pos,
                    f"'{name}' is declared as an element in this scope; write "
                    f"'{name}' alone to use it, or rename the element to use class {name}",
                    check="syntax"))
                continue
            count += 1
            n = count
            name = f"{m.class_name}@{n}"
            while name in declared or name in known or name in created:
                n += 1
                name = f"{m.class_name}@{n}"
            created.add(name)
            m.resolved = name
            declarations.append(Declaration(name, m.class_name, m.config, m.pos, config_pos,
                                            anonymous=True, body=m.body))
        connections = [Connection(s.resolved, sp, d.resolved, dp, s.pos, d.pos)
                       for s, sp, d, dp in b.links]
        scope = Scope(declarations, connections, b.classes, b.defines, b.requires, self.file)
        return scope, count, created


def _spread_declaration(b: _ScopeBuilder, items: list[_Endpoint]) -> None:
    """`a, b, c :: Class(config)` declares all three, as in Click."""
    *bare, last = [e.mention for e in items]
    if last.kind != DECL or any(m.kind != BARE for m in bare):
        return
    if any(e.inputs or e.outputs or e.implicit for e in items):
        return
    for m in bare:
        m.kind, m.class_name, m.body = DECL, last.class_name, last.body
        m.config, m.config_offset = last.config, last.config_offset
        b.declared.add(m.name)


def _split_first_word(text: str) -> tuple[str, str]:
    """The first word (quotes kept whole) and the rest, stripped."""
    words = split_words(text)
    if not words:
        return "", ""
    first = words[0]
    at = text.find(first)
    return first, text[at + len(first):].strip()


def _unquoted(word: str) -> str | None:
    """A requirement's value: quotes removed as Click's StringArg does; None if malformed."""
    if word[:1] not in ("'", '"') and "\\<" not in word:
        return word
    inner = word[1:-1]
    if len(word) >= 2 and word[0] == word[-1] and "\\" not in inner and word[0] not in inner:
        return inner  # a plain quoted string: nothing to decode
    try:
        return unquote(word).decode("utf-8", "surrogateescape")
    except (ArgError, UnicodeError):
        return None


__all__ = ["ClickParser", "parse_click", "MAX_NESTING"]
