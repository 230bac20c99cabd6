"""The YAML front end: a middlebox written in YAML, read into the syntax tree.

YAML is the friendlier way to write a clickpy configuration; it says exactly
what a Click-language file says and produces the same `clickpy.lang.ast.Scope`,
so everything after the front end cannot tell the two apart.  The format:

    # yaml-language-server: $schema=../clickpy/lang/clickpy.schema.json
    # a comment header describing the middlebox
    require: [library common.yaml]   # Click's require(...): `library FILE`,
                                     # `package NAME`, or a bare package name
    include: [common.yaml, extra.click]   # same as require(library FILE)
    define:                          # Click's define($NAME value)
      DEV: eth0                      # the key may be written with or without '$'
    elementclass:                    # Click's elementclass
      Router1:
        params: [$addr, KEY $eth]    # formals: positional first, then keywords
        elements: {...}              # same shape as at top level
        connections: [...]
        # also define: and elementclass: (nested)
      Alias: Router1                 # elementclass Alias Router1;
      Other: {synonym: Queue}        # the same, spelled out
    elements:
      src:
        class: FromDump
        args: "file.pcap, STOP true"          # a Click configuration string
      rt:
        class: RadixIPLookup
        args: ["10.0.0.0/8 1", "0.0.0.0/0 0"] # or one list item per argument
      arpq:
        class: ARPQuerier
        args: [10.0.0.1, "00:11:22:33:44:55"]
        keywords: {TIMEOUT: 10s, POLL_TIMEOUT: 5s}   # appended as "KEY value"
      q: Queue(200)                          # shorthand: a Click element expression
    connections:
      - "src -> Strip(14) -> chk :: CheckIPHeader -> rt"   # Click statements
      - "rt[1] -> [0]arpq"
      - |
        a -> b;
        b[1] -> c;
    x-anything: ...                  # top-level keys starting with x- are ignored:
                                     # a place for anchors (&name) to reuse with *name

Sections are read in Click's order (require, include, define, elementclass,
elements, connections), whatever their order in the file.  Connection strings
are Click statements and may declare elements too; they must be quoted when
they contain ': ' (as in `a :: Class`) or start with `[`.  Scalars keep the
text the user wrote (`0x10` stays `0x10`); YAML booleans become Click's
`true`/`false` and null becomes an empty argument.  List arguments must each
stay one argument (no top-level comma, no unclosed quote or bracket).
Anchors, aliases and merge keys (`<<: *base`) work as in any YAML file.

Every node keeps its exact source position, line and column, also inside
quoted and block scalars, so later checks point at the user's text.  Every
problem is a ConfigError with a position and, where possible, a hint:
malformed YAML, unknown keys, wrong shapes, duplicate keys (which YAML
itself would silently drop), documents too large, too deep, or whose aliases
expand too far, and bytes that are not UTF-8.
"""
from __future__ import annotations

import bisect
import dataclasses
import logging
import re
from typing import Any, Callable

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from clickpy.args import ArgError, split_config, split_words, strip_comments, unquote
from clickpy.diagnostics import ConfigError, Diagnostic, SourcePos, did_you_mean
from clickpy.lang.ast import (Declaration, Define, ElementClass, Formal, Require,
                              Scope)
from clickpy.lang.click_lexer import CONFIG, EOF, IDENT, KEYWORDS, Lexer
from clickpy.lang.click_parser import ClickParser

log = logging.getLogger(__name__)

MAX_CHARS = 2 * 1024 * 1024      # larger tables belong in a Click-language file
MAX_NODES = 200_000              # YAML nodes read, counting every alias expansion
MAX_DEPTH = 100                  # nesting of YAML collections
MAX_CLASS_DEPTH = 32             # elementclass inside elementclass

TOP_KEYS = ("require", "include", "define", "elementclass", "elements", "connections")
ELEMENT_KEYS = ("class", "args", "keywords")
CLASS_KEYS = ("params", "define", "elementclass", "elements", "connections", "synonym")

_CHECK = "yaml"
_TAG = "tag:yaml.org,2002:"
_MERGE = _TAG + "merge"
_BREAKS = "\r\n\x85\u2028\u2029"
_BLANKS = " \t" + _BREAKS + "\ufeff"
_LINE_BREAK = re.compile(r"\r\n|[\r\n\x85\u2028\u2029]")
# Click identifiers, as click_lexer reads them: letters, digits, _ and @,
# with single slashes between them.
_IDENT = re.compile(r"[A-Za-z0-9_@]+(?:/[A-Za-z0-9_@]+)*\Z")
_VARIABLE = re.compile(r"\$?([A-Za-z0-9_]+)\Z")
_FORMAL = re.compile(r"(?:([A-Z_][A-Z0-9_]*)\s+)?(\$[A-Za-z0-9_]+)\Z")
_KEYWORD = re.compile(r"[A-Z_][A-Z0-9_]*\Z")
_ALL_DIGITS = re.compile(r"(?:^|/)[0-9]+(?:/|$)")
_REQUIRE_KINDS = ("package", "library", "compact_config")
_BOOL = {**{w: "true" for w in ("yes", "true", "on")}, **{w: "false" for w in ("no", "false", "off")}}

_NAME_HINT = "Click names are letters, digits, _ and @, with single / between parts"


# --------------------------------------------------------------------------
# Guards

class _Fatal(Exception):
    """Stops reading at once (the document cannot be read further)."""

    def __init__(self, diagnostic: Diagnostic):
        super().__init__(diagnostic.message)
        self.diagnostic = diagnostic


class _Skip(Exception):
    """Abandons the current item; its error is already recorded."""


class _GuardedLoader(yaml.SafeLoader):
    """SafeLoader that refuses documents nested too deep or with too many nodes.

    pyyaml composes recursively, so a deep document would otherwise end in a
    RecursionError; and a huge one would hold every node in memory.
    """

    def __init__(self, stream: str):
        super().__init__(stream)
        self.depth = 0
        self.nodes = 0

    def compose_node(self, parent: Node | None, index: Any) -> Node:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise _LimitError("nodes", self.peek_event().start_mark)
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                raise _LimitError("depth", self.peek_event().start_mark)
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


class _LimitError(Exception):
    def __init__(self, what: str, mark: Any):
        super().__init__(what)
        self.what = what
        self.mark = mark


# --------------------------------------------------------------------------
# Positions

class _Source:
    """The file's text, turning character indices into file:line:col.

    Lines are counted the way pyyaml counts them (CR LF, CR, LF, NEL, LS, PS),
    so positions agree with pyyaml's own marks.
    """

    def __init__(self, text: str, file: str):
        self.text = text
        self.file = file
        self.line_starts = [0] + [m.end() for m in _LINE_BREAK.finditer(text)]

    def pos(self, index: int) -> SourcePos:
        line = bisect.bisect_right(self.line_starts, index) - 1
        col = index - self.line_starts[line] + 1
        if line == 0 and index > 0 and self.text.startswith("\ufeff"):
            col -= 1  # editors do not show a byte-order mark
        return SourcePos(self.file, line + 1, col)


def _skip_properties(text: str, j: int, end: int) -> int:
    """Index past a node's anchor and tag (`&a !!str`), where its content starts."""
    while j < end:
        c = text[j]
        if c in "&!":
            while j < end and text[j] not in _BLANKS:
                j += 1
        elif c in " \t":
            j += 1
        elif c == "#" or c in _BREAKS:
            # properties of a block node may be followed by a comment and a newline
            if c == "#":
                while j < end and text[j] not in _BREAKS:
                    j += 1
            j += 2 if text.startswith("\r\n", j) else 1
        else:
            break
    return j


_ESCAPE_LENGTHS = {"x": 4, "u": 6, "U": 10}


def _align(value: str, text: str, node: ScalarNode) -> list[int] | None:
    """Source index of every character of a scalar's value (and one past the end).

    Walks the source of the scalar and the value together: value characters
    appear in the source in order, separated only by what YAML removes
    (quotes, indentation, folded line breaks, escapes).  None if the two
    cannot be matched, which should not happen.
    """
    j, end = node.start_mark.index, node.end_mark.index
    j = _skip_properties(text, j, end)
    style = node.style
    if style in ("'", '"'):
        if j >= end or text[j] != style:
            return None
        j += 1
    elif style in ("|", ">"):
        while j < end and text[j] not in _BREAKS:
            j += 1
        j += 2 if text.startswith("\r\n", j) else 1
    out: list[int] = []
    for c in value:
        while True:
            if j >= end:
                if c in _BLANKS:  # chomped or normalised line breaks at the very end
                    out.append(end)
                    break
                return None
            s = text[j]
            if style == '"' and s == "\\":
                nxt = text[j + 1] if j + 1 < end else ""
                if nxt and nxt in _BREAKS:  # escaped line break: joins lines
                    j += 3 if text.startswith("\r\n", j + 1) else 2
                    while j < end and text[j] in " \t":
                        j += 1
                    continue
                out.append(j)
                j += _ESCAPE_LENGTHS.get(nxt, 2)
                break
            if style == "'" and s == "'":
                if c != "'":
                    return None
                out.append(j)
                j += 2
                break
            if s == c:
                out.append(j)
                j += 1
                break
            if c in " \n" and s in _BREAKS:  # a line break YAML folded into a space
                out.append(j)
                j += 2 if text.startswith("\r\n", j) else 1
                break
            if s in _BLANKS:
                j += 1
                continue
            return None
    out.append(min(j, end))
    return out


class _ScalarMap:
    """Where each character of one scalar's value is in the file."""

    def __init__(self, source: _Source, node: ScalarNode):
        self.source = source
        self.value = _click_text(node.value)
        self.indices = _align(node.value, source.text, node)
        if self.indices is None:
            log.debug("could not align scalar %r at %s; positions approximate",
                      self.value[:40], source.pos(node.start_mark.index))
            start = _skip_properties(source.text, node.start_mark.index, node.end_mark.index)
            if node.style in ("'", '"'):
                start += 1
            self.approx = source.pos(start)

    def pos(self, offset: int = 0) -> SourcePos:
        offset = max(0, min(offset, len(self.value)))
        if self.indices is None:
            return self.approx.advanced(self.value[:offset])
        return self.source.pos(self.indices[offset])

    def first_char(self, start: int = 0) -> int:
        """Offset of the first non-blank character at or after `start`."""
        k = start
        while k < len(self.value) and self.value[k].isspace():
            k += 1
        return k

    def unmap(self, p: SourcePos, base: SourcePos, base_offset: int) -> SourcePos:
        """The true position of a place that was computed as `base.advanced(...)`.

        Parsers working on value[base_offset:] compute positions as if that
        text sat in the file from `base` on, one line after another.  That is
        right for one-line plain scalars only; this maps such a position back
        through the value to where the character really is.
        """
        if p.file != base.file or p.line < base.line or (p.line == base.line and p.col < base.col):
            return p
        k = base_offset
        for _ in range(p.line - base.line):
            nl = self.value.find("\n", k)
            if nl < 0:
                return p
            k = nl + 1
        k += (p.col - base.col) if p.line == base.line else (p.col - 1)
        return self.pos(k)


def _remap(obj: Any, fix: Callable[[SourcePos], SourcePos], seen: set[int] | None = None) -> Any:
    """Apply `fix` to every SourcePos inside a syntax tree, in place."""
    seen = set() if seen is None else seen
    if isinstance(obj, SourcePos):
        return fix(obj)
    if id(obj) in seen:
        return obj
    if isinstance(obj, list):
        seen.add(id(obj))
        obj[:] = [_remap(x, fix, seen) for x in obj]
    elif isinstance(obj, dict):
        seen.add(id(obj))
        for k in list(obj):
            obj[k] = _remap(obj[k], fix, seen)
    elif isinstance(obj, tuple):
        return tuple(_remap(x, fix, seen) for x in obj)
    elif dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        seen.add(id(obj))
        fields = {f.name: _remap(getattr(obj, f.name), fix, seen)
                  for f in dataclasses.fields(obj) if f.init}
        if obj.__dataclass_params__.frozen:  # type: ignore[attr-defined]
            return dataclasses.replace(obj, **fields)
        for name, value in fields.items():
            setattr(obj, name, value)
    return obj


# --------------------------------------------------------------------------
# Reading nodes

def _unquoted(word: str) -> str | None:
    """A requirement's value without its quotes; None if they are malformed."""
    if word[:1] not in ("'", '"') and "\\<" not in word:
        return word
    try:
        return unquote(word).decode("utf-8", "surrogateescape")
    except (ArgError, UnicodeError):
        return None


def _self_contained(text: str) -> bool:
    """True when no quote, bracket or comment in `text` runs past its end.

    Such text would swallow whatever argument is written after it.
    """
    pieces = split_config(text + ", \0")
    return bool(pieces) and pieces[-1].text == "\0"


def _kind(node: Node) -> str:
    """What a node is, in words, for messages."""
    if isinstance(node, MappingNode):
        return "a mapping"
    if isinstance(node, SequenceNode):
        return "a list"
    tag = node.tag
    if tag == _TAG + "null":
        return "empty"
    if tag == _TAG + "bool":
        return "a boolean"
    if tag in (_TAG + "int", _TAG + "float"):
        return "a number"
    return "a string"


def _click_text(value: str) -> str:
    """A scalar's value with every line ending a LF.

    YAML turns line breaks into LF, except a CR written as the escape "\\r".
    The Click lexer counts a lone CR as a line break and SourcePos.advanced
    does not; making it LF keeps every offset and makes both count lines
    alike, so the positions they compute can be mapped back to the file.
    """
    return value.replace("\r", "\n")


def _is_text(node: Node) -> bool:
    """A scalar YAML did not read as null, a boolean or a number."""
    return isinstance(node, ScalarNode) and _kind(node) == "a string"


def _is_null(node: Node) -> bool:
    return isinstance(node, ScalarNode) and node.tag == _TAG + "null"


def _scalar_text(node: ScalarNode) -> str:
    """A scalar as Click text: as written, except booleans and null."""
    if node.tag == _TAG + "null":
        return ""
    if node.tag == _TAG + "bool":
        return _BOOL.get(node.value.lower(), node.value)
    return _click_text(node.value)


_SYNTAX_HINTS = (
    ("mapping values are not allowed", "a value containing ': ' must be quoted, "
                                       "for example \"a -> b\" or 'KEY value'"),
    ("cannot start any token", "quote values that start with @, `, % or a tab; "
                               "YAML indents with spaces, never tabs"),
    ("found undefined alias", "define the anchor (&name) before using it (*name)"),
    ("found duplicate anchor", "give each anchor (&name) its own name"),
    ("expected a single document", "a configuration is one YAML document; remove the extra '---'"),
    ("found unknown escape character", "in double quotes, write a backslash as \\\\ "
                                       "or use single quotes"),
    ("while scanning a quoted scalar", "close the quote"),
    ("expected <block end>", "check the indentation; quote values that start with [ or {"),
)


def _syntax_hint(message: str) -> str | None:
    for needle, hint in _SYNTAX_HINTS:
        if needle in message:
            return hint
    return None


# --------------------------------------------------------------------------
# The loader

class _YamlLoader:
    """Reads one YAML configuration into a Scope, collecting every error it can."""

    def __init__(self, text: str, file: str):
        self.source = _Source(text, file)
        self.file = file
        self.errors: list[Diagnostic] = []
        self.visited = 0
        self._maps: dict[int, _ScalarMap] = {}

    # ---- errors ---------------------------------------------------------
    def fail(self, message: str, where: Node | SourcePos, hint: str | None = None) -> _Skip:
        """Record an error; the caller raises the returned _Skip to abandon the item."""
        pos = where if isinstance(where, SourcePos) else self.pos(where)
        self.errors.append(Diagnostic(message, pos, hint, check=_CHECK))
        return _Skip()

    def fatal(self, message: str, pos: SourcePos, hint: str | None = None) -> _Fatal:
        return _Fatal(Diagnostic(message, pos, hint, check=_CHECK))

    # ---- positions ------------------------------------------------------
    def scalar_map(self, node: ScalarNode) -> _ScalarMap:
        m = self._maps.get(id(node))
        if m is None:
            m = self._maps[id(node)] = _ScalarMap(self.source, node)
        return m

    def pos(self, node: Node, offset: int = 0) -> SourcePos:
        """Where a node starts: a scalar's first character, a collection's first token."""
        if isinstance(node, ScalarNode):
            return self.scalar_map(node).pos(offset)
        start = _skip_properties(self.source.text, node.start_mark.index, node.end_mark.index)
        return self.source.pos(start)

    # ---- visiting nodes ---------------------------------------------------
    def visit(self, node: Node) -> Node:
        """Count a node read; aliases make one node count each time it is reached."""
        self.visited += 1
        if self.visited > MAX_NODES:
            raise self.fatal(f"configuration expands to more than {MAX_NODES} YAML nodes",
                             self.pos(node), "aliases (*name) repeat what their anchor "
                             "(&name) holds; nesting aliases of aliases multiplies it")
        return node

    def mapping(self, node: Node, what: str, hint: str | None = None, depth: int = 0,
                shape: str = "a mapping") -> list[tuple[str, ScalarNode, Node]]:
        """A mapping's (key, key node, value node) items, merge keys applied.

        Refuses keys that are not scalars and keys given twice: YAML would
        silently keep only the last one.
        """
        self.visit(node)
        if not isinstance(node, MappingNode):
            raise self.fail(f"{what} must be {shape}, not {_kind(node)}", node, hint)
        if depth > MAX_DEPTH:
            raise self.fatal(f"merge keys (<<) nested more than {MAX_DEPTH} deep", self.pos(node))
        explicit: list[tuple[str, ScalarNode, Node]] = []
        merged: list[tuple[str, ScalarNode, Node]] = []
        first: dict[str, ScalarNode] = {}
        for key, value in node.value:
            self.visit(key)
            if key.tag == _MERGE:
                sources = value.value if isinstance(value, SequenceNode) else [value]
                self.visit(value)
                for src in sources:
                    for item in self.mapping(src, "a merge (<<) value", depth=depth + 1):
                        if not any(item[0] == m[0] for m in merged):
                            merged.append(item)
                continue
            if not isinstance(key, ScalarNode):
                raise self.fail(f"a key in {what} is {_kind(key)}; keys must be names", key,
                                "write the key as a plain name")
            name = key.value
            if name in first:
                there = self.pos(first[name])
                raise self.fail(f"duplicate key '{name}' in {what}", key,
                                f"the first '{name}' is at line {there.line}, column {there.col}; "
                                "YAML would silently keep only the last one")
            first[name] = key
            explicit.append((name, key, value))
        return [m for m in merged if m[0] not in first] + explicit

    def sequence(self, node: Node, what: str, hint: str | None = None) -> list[Node]:
        self.visit(node)
        if not isinstance(node, SequenceNode):
            raise self.fail(f"{what} must be a list, not {_kind(node)}", node, hint)
        return [self.visit(item) for item in node.value]

    def string_items(self, node: Node, what: str) -> list[ScalarNode]:
        """A list of scalars, or one scalar standing for a one-item list."""
        if isinstance(node, ScalarNode):
            self.visit(node)
            return [] if _is_null(node) else [node]
        if not isinstance(node, SequenceNode):
            raise self.fail(f"{what} must be a list of strings, not {_kind(node)}", node)
        items = []
        for i, item in enumerate(self.sequence(node, what), 1):
            if not isinstance(item, ScalarNode):
                self.fail(f"item {i} of {what} must be a string, not {_kind(item)}", item,
                          "quote it if YAML read it as a list or mapping")
                continue
            if not _is_null(item):
                items.append(item)
        return items

    # ---- the document -----------------------------------------------------
    def load(self) -> Scope:
        text = self.source.text
        if len(text) > MAX_CHARS:
            raise ConfigError(Diagnostic(
                f"configuration too large for the YAML front end ({len(text)} characters; "
                f"the limit is {MAX_CHARS})", SourcePos(self.file, 1, 1),
                "put large tables (routes, rules) in a Click-language file and include it",
                check=_CHECK))
        self.check_encoding()
        root = self.compose()
        scope = Scope(file=self.file)
        if root is not None and not _is_null(root):
            try:
                self.scope(root, scope, top=True, depth=0)
            except _Fatal as e:
                raise ConfigError(self.errors + [e.diagnostic]) from None
            except _Skip:
                pass
        if self.errors:
            raise ConfigError(self.errors)
        return scope

    def check_encoding(self) -> None:
        """Text decoded with surrogateescape carries undecodable bytes as surrogates."""
        m = re.search("[\ud800-\udfff]", self.source.text)
        if not m:
            return
        code = ord(m.group())
        what = f"byte 0x{code - 0xDC00:02X}" if 0xDC80 <= code <= 0xDCFF else f"character U+{code:04X}"
        raise ConfigError(Diagnostic(f"the file is not valid UTF-8 ({what})",
                                     self.source.pos(m.start()),
                                     "save the file as UTF-8", check=_CHECK))

    def compose(self) -> Node | None:
        loader = None
        try:
            loader = _GuardedLoader(self.source.text)
            return loader.get_single_node()
        except _LimitError as e:
            pos = self.source.pos(e.mark.index)
            if e.what == "depth":
                raise ConfigError(Diagnostic(f"YAML nested more than {MAX_DEPTH} levels deep", pos,
                                             "a configuration needs only a few levels",
                                             check=_CHECK)) from None
            raise ConfigError(Diagnostic(f"configuration has more than {MAX_NODES} YAML nodes", pos,
                                         "put large tables (routes, rules) in a Click-language file",
                                         check=_CHECK)) from None
        except yaml.reader.ReaderError as e:
            raise ConfigError(Diagnostic(
                f"character U+{e.character:04X} is not allowed in YAML" if isinstance(e.character, int)
                else f"YAML cannot read this file: {e.reason}",
                self.source.pos(e.position), "remove control characters; save the file as UTF-8",
                check=_CHECK)) from None
        except yaml.MarkedYAMLError as e:
            mark = e.problem_mark or e.context_mark
            pos = self.source.pos(mark.index) if mark is not None else SourcePos(self.file, 1, 1)
            message = "YAML syntax error: " + (e.problem or e.context or "unreadable")
            if e.context and e.problem and e.context.startswith("expected"):
                message = f"YAML syntax error: {e.context}, {e.problem}"
            elif e.context and e.problem and e.context_mark is not None:
                where = self.source.pos(e.context_mark.index)
                message += f" ({e.context} at line {where.line}, column {where.col})"
            raise ConfigError(Diagnostic(message, pos, _syntax_hint(str(e)), check=_CHECK)) from None
        except yaml.YAMLError as e:
            raise ConfigError(Diagnostic(f"YAML syntax error: {e}", SourcePos(self.file, 1, 1),
                                         check=_CHECK)) from None
        except RecursionError:
            raise ConfigError(Diagnostic("YAML nested too deeply", SourcePos(self.file, 1, 1),
                                         check=_CHECK)) from None
        finally:
            if loader is not None:
                loader.dispose()

    # ---- scopes ------------------------------------------------------------
    def scope(self, node: Node, scope: Scope, top: bool, depth: int) -> None:
        """Fill `scope` from the top-level mapping or an elementclass body."""
        allowed = TOP_KEYS if top else CLASS_KEYS
        what = "the configuration" if top else "an elementclass body"
        shape = "a mapping of sections" if top else "a mapping"
        hint = ("the sections are " + ", ".join(TOP_KEYS)) if top else None
        sections: dict[str, Node] = {}
        for key, key_node, value in self.mapping(node, what, hint, shape=shape):
            if top and key.startswith("x-"):
                continue  # the user's own: a place for anchors
            if key not in allowed:
                self.fail(f"unknown {'top-level key' if top else 'key in elementclass'} '{key}'",
                          key_node, did_you_mean(key, allowed) or f"the keys are {', '.join(allowed)}"
                          + (" (and x-... for your own anchors)" if top else ""))
                continue
            if not _is_null(value):
                sections[key] = value
        # One Click parser per scope: it numbers anonymous elements as Click
        # would in this scope, and knows the names declared under elements:.
        parser = ClickParser(self.file)
        readers: tuple[tuple[str, Callable[[Node], None]], ...] = (
            ("require", lambda n: self.requires(n, scope)),
            ("include", lambda n: self.includes(n, scope)),
            ("define", lambda n: self.defines(n, scope)),
            ("elementclass", lambda n: self.classes(n, scope, depth)),
            ("elements", lambda n: self.elements(n, scope, parser)),
            ("connections", lambda n: self.connections(n, scope, parser)),
        )
        # Sections are read in Click's order, whatever their order in the file.
        for key, read in readers:
            if key in sections:
                try:
                    read(sections[key])
                except _Skip:
                    pass

    def requires(self, node: Node, scope: Scope) -> None:
        """`require: [library FILE, package NAME, NAME]`, read as Click's require() reads them."""
        for item in self.string_items(node, "require"):
            m = self.scalar_map(item)
            base = m.pos(0)
            for arg in split_config(_scalar_text(item), base):
                words = split_words(arg.text)
                where = m.unmap(arg.pos, base, 0)
                if not words:
                    continue
                kind = words[0]
                if kind not in _REQUIRE_KINDS and len(words) == 1:
                    kind, words = "package", ["package", kind]
                value = _unquoted(words[1]) if len(words) == 2 else None
                if kind == "compact_config" and len(words) == 1:
                    value = ""
                if kind not in _REQUIRE_KINDS or value is None:
                    self.fail(f"bad requirement '{arg.text}'", where,
                              "write `library FILE`, `package NAME` or a package name; "
                              "quote file names that contain spaces")
                    continue
                scope.requires.append(Require(kind, value, where))

    def includes(self, node: Node, scope: Scope) -> None:
        for item in self.string_items(node, "include"):
            path = _scalar_text(item)
            if not path.strip():
                self.fail("empty file name in include", item)
                continue
            scope.requires.append(Require("library", path, self.pos(item)))

    def defines(self, node: Node, scope: Scope) -> None:
        for key, key_node, value in self.mapping(node, "define", "write it as NAME: value pairs",
                                                 shape="a mapping of variable name to value"):
            m = _VARIABLE.match(key)
            if not m:
                self.fail(f"'{key}' is not a variable name", key_node,
                          "variable names use letters, digits and _, optionally after a $")
                continue
            self.visit(value)
            if not isinstance(value, ScalarNode):
                self.fail(f"the value of ${m.group(1)} must be a single value, not {_kind(value)}",
                          value, "quote it to make it one string")
                continue
            var = "$" + m.group(1)
            first = next((d for d in scope.defines if d.name == var), None)
            if first is not None:
                self.fail(f"variable '{var}' multiply defined", key_node,
                          f"the first one is at {first.pos}")
                continue
            scope.defines.append(Define(var, _scalar_text(value).strip(), self.pos(key_node)))

    # ---- element classes --------------------------------------------------
    def classes(self, node: Node, scope: Scope, depth: int) -> None:
        for name, key_node, value in self.mapping(node, "elementclass",
                                                  "write it as ClassName: {params, elements, "
                                                  "connections} pairs",
                                                  shape="a mapping of class name to class"):
            try:
                scope.classes.append(self.element_class(name, key_node, value, depth))
            except _Skip:
                pass

    def element_class(self, name: str, key_node: ScalarNode, node: Node, depth: int) -> ElementClass:
        pos = self.pos(key_node)
        if not _IDENT.match(name) or name in KEYWORDS:
            raise self.fail(f"'{name}' is not a valid class name", key_node, _NAME_HINT)
        if depth >= MAX_CLASS_DEPTH:
            raise self.fatal(f"elementclass nested more than {MAX_CLASS_DEPTH} deep", pos)
        self.visit(node)
        if _is_text(node):
            return self.synonym(name, pos, node)          # `Alias: Queue`
        if not isinstance(node, MappingNode):
            raise self.fail(f"elementclass {name} must be a mapping (params, elements, connections) "
                            f"or the name of another class, not {_kind(node)}", node)
        items = self.mapping(node, f"elementclass {name}")
        keys = {k: (kn, v) for k, kn, v in items}
        if "synonym" in keys:                             # `Alias: {synonym: Queue}`
            others = [k for k in keys if k != "synonym"]
            if others:
                raise self.fail(f"elementclass {name}: synonym cannot be combined with {others[0]}",
                                keys[others[0]][0], "a synonym only names another class")
            return self.synonym(name, pos, self.visit(keys["synonym"][1]))
        formals: list[Formal] = []
        if "params" in keys:
            formals = self.formals(keys["params"][1], name)
        body = Scope(file=self.file)
        self.scope(node, body, top=False, depth=depth + 1)
        return ElementClass(name, formals, body, pos)

    def synonym(self, name: str, pos: SourcePos, node: Node) -> ElementClass:
        """`elementclass Alias Queue;`: another name for a class."""
        target = _scalar_text(node) if isinstance(node, ScalarNode) else ""
        if not _IDENT.match(target):
            raise self.fail(f"the synonym of {name} must be a class name, not "
                            + (f"'{target}'" if target else _kind(node)), node, _NAME_HINT)
        return ElementClass(name, [], None, pos, synonym=target, synonym_pos=self.pos(node))

    def formals(self, node: Node, class_name: str) -> list[Formal]:
        """`params: [$a, KEY $b]` (or the Click form "$a, KEY $b")."""
        texts: list[tuple[str, SourcePos]] = []
        for item in self.string_items(node, f"params of {class_name}"):
            m = self.scalar_map(item)
            base = m.pos(0)
            for arg in split_config(_scalar_text(item), base):
                texts.append((arg.text, m.unmap(arg.pos, base, 0)))
        formals: list[Formal] = []
        seen_keyword = False
        for text, where in texts:
            m = _FORMAL.match(text)
            if not m:
                self.fail(f"'{text}' is not a parameter", where,
                          "write $name, or KEYWORD $name for a keyword parameter")
                continue
            keyword, var = m.group(1), m.group(2)
            if any(f.name == var for f in formals):
                self.fail(f"parameter '{var}' multiply defined", where)
                continue
            if keyword and any(f.keyword == keyword for f in formals):
                self.fail(f"repeated keyword parameter '{keyword}' in compound element", where)
                continue
            if keyword is None and seen_keyword:
                self.fail("compound element parameters out of order", where,
                          "the correct order is positional parameters, then keywords")
                continue
            seen_keyword = seen_keyword or keyword is not None
            formals.append(Formal(var, keyword, where))
        return formals

    # ---- elements ------------------------------------------------------------
    def elements(self, node: Node, scope: Scope, parser: ClickParser) -> None:
        items = self.mapping(node, "elements", "for example `q: Queue(200)`",
                             shape="a mapping of element name to element")
        # Connection strings refer to these names, even to elements with errors.
        parser.declare(*(name for name, _, _ in items))
        for name, key_node, value in items:
            try:
                scope.declarations.append(self.element(name, key_node, value))
            except _Skip:
                pass

    def element(self, name: str, key_node: ScalarNode, node: Node) -> Declaration:
        pos = self.pos(key_node)
        if not _IDENT.match(name) or name in KEYWORDS:
            raise self.fail(f"'{name}' is not a valid element name", key_node, _NAME_HINT)
        if _ALL_DIGITS.search(name):
            raise self.fail(f"element name '{name}' has all-digit component", key_node,
                            "each '/'-separated part of a name needs a letter, '_' or '@'")
        self.visit(node)
        if _is_text(node):
            return self.element_expression(name, pos, node)
        if _is_null(node):
            raise self.fail(f"element '{name}' has no class", key_node,
                            f"write `{name}: Class(config)` or give it `class:`")
        if not isinstance(node, MappingNode):
            raise self.fail(f"element '{name}' must be a mapping (class, args, keywords) or a Click "
                            f"expression such as Queue(200), not {_kind(node)}", node)
        fields: dict[str, tuple[ScalarNode, Node]] = {}
        for key, kn, value in self.mapping(node, f"element '{name}'"):
            if key not in ELEMENT_KEYS:
                self.fail(f"unknown key '{key}' in element '{name}'", kn,
                          did_you_mean(key, ELEMENT_KEYS) or "an element has class, args and keywords")
                continue
            fields[key] = (kn, value)
        if "class" not in fields:
            raise self.fail(f"element '{name}' has no class", key_node,
                            "add `class: ClassName`")
        class_node = self.visit(fields["class"][1])
        if not isinstance(class_node, ScalarNode) or _is_null(class_node):
            raise self.fail(f"the class of element '{name}' must be a class name, "
                            f"not {_kind(class_node)}", class_node, "write `class: ClassName`")
        class_name = _scalar_text(class_node)
        if not _IDENT.match(class_name):
            hint = _NAME_HINT
            if "(" in class_name:
                hint = "put the configuration under args:, as in `class: Queue` and `args: 200`"
            raise self.fail(f"'{class_name}' is not a valid class name", class_node, hint)
        config, config_pos, arg_positions = None, None, None
        if "args" in fields:
            config, config_pos, arg_positions = self.args(fields["args"][1], name)
        if "keywords" in fields:
            extra, extra_pos = self.keywords(fields["keywords"][1], name)
            base = strip_comments(config).rstrip() if config else ""
            if extra and not base.strip():
                config, config_pos, arg_positions = ", ".join(extra), extra_pos[0], extra_pos
            elif extra:
                if not _self_contained(base):
                    raise self.fail(f"args of element '{name}' end inside a quote or bracket, "
                                    "so the keywords after them would be lost", fields["args"][1],
                                    "close the quote or bracket")
                positions = arg_positions or [a.pos for a in split_config(config, config_pos)]
                config = base + (" " if base.endswith(",") else ", ") + ", ".join(extra)
                arg_positions = positions + extra_pos
        return Declaration(name, class_name, config, pos, config_pos, arg_positions=arg_positions)

    def element_expression(self, name: str, pos: SourcePos, node: ScalarNode) -> Declaration:
        """`q: Queue(200)`: the shorthand, read by Click's own lexer."""
        m = self.scalar_map(node)
        start = m.pos(0)
        lexer = Lexer(m.value, start)
        try:
            tokens = [lexer.next()]
            while tokens[-1].kind != EOF and len(tokens) < 3:
                tokens.append(lexer.next())
        except ConfigError as e:
            self.errors.extend(_remap(d, lambda p: m.unmap(p, start, 0)) for d in e.diagnostics)
            raise _Skip() from None
        kinds = [t.kind for t in tokens]
        if kinds == [IDENT, EOF]:
            return Declaration(name, tokens[0].text, None, pos)
        if kinds != [IDENT, CONFIG, EOF]:
            raise self.fail(f"'{node.value.strip()}' is not a Click element expression", node,
                            "write Class or Class(configuration), or use class: and args:")
        config = tokens[1].text
        config_pos, arg_positions = self.config_positions(node, tokens[1].config_offset, config)
        return Declaration(name, tokens[0].text, config, pos, config_pos,
                           arg_positions=arg_positions)

    def config_positions(self, node: ScalarNode, start: int,
                         config: str) -> tuple[SourcePos, list[SourcePos] | None]:
        """config_pos, and arg_positions when splitting from config_pos would be wrong."""
        m = self.scalar_map(node)
        config_pos = m.pos(start)
        naive = [a.pos for a in split_config(config, config_pos)]
        exact = [m.unmap(p, config_pos, start) for p in naive]
        return config_pos, (None if exact == naive else exact)

    def args(self, node: Node, name: str) -> tuple[str | None, SourcePos | None, list[SourcePos] | None]:
        """`args:` as a Click configuration string or as a list, one item per argument."""
        self.visit(node)
        if isinstance(node, ScalarNode):
            if _is_null(node):
                return None, None, None
            config = _scalar_text(node)
            config_pos, positions = self.config_positions(node, 0, config)
            return config, config_pos, positions
        if not isinstance(node, SequenceNode):
            raise self.fail(f"args of element '{name}' must be a string or a list of arguments, "
                            f"not {_kind(node)}", node,
                            "put KEYWORD: value pairs under keywords:")
        texts, positions = [], []
        for i, item in enumerate(self.sequence(node, f"args of element '{name}'"), 1):
            if not isinstance(item, ScalarNode):
                hint = "each argument is one value; quote it to make it one string"
                if isinstance(item, MappingNode) and len(item.value) == 1 \
                        and isinstance(item.value[0][0], ScalarNode):
                    k = item.value[0][0].value
                    hint = (f"YAML read '{k}: ...' as a mapping: quote the argument "
                            f"(\"{k} value\") or move it under keywords:")
                raise self.fail(f"argument {i} of element '{name}' must be a single value, "
                                f"not {_kind(item)}", item, hint)
            text = _scalar_text(item)
            self.one_argument(text, item, f"argument {i} of element '{name}'")
            texts.append(text)
            positions.append(self.pos(item, self.scalar_map(item).first_char()))
        while texts and not texts[-1].strip():  # Click drops a trailing empty argument
            texts.pop()
            positions.pop()
        if not texts:
            return "", self.pos(node), []
        return ", ".join(texts), positions[0], positions

    def one_argument(self, text: str, node: Node, what: str) -> None:
        """Refuse an argument that would not stay one argument once joined with the others."""
        pieces = split_config(text)
        if len(pieces) > 1:
            raise self.fail(f"{what} contains a comma, so it would be read as {len(pieces)} "
                            "arguments", node,
                            "make each argument its own list item, or put the comma in quotes")
        if not _self_contained(text) or (pieces and pieces[0].text != text.strip()):
            raise self.fail(f"{what} has an unclosed quote or bracket, or a comment", node,
                            "close the quote or bracket; comments do not belong in an argument")

    def keywords(self, node: Node, name: str) -> tuple[list[str], list[SourcePos]]:
        """`keywords: {KEY: value}`, as Click `KEY value` arguments."""
        self.visit(node)
        if _is_null(node):
            return [], []
        texts, positions = [], []
        for key, kn, value in self.mapping(node, f"keywords of element '{name}'",
                                           "for example `keywords: {TIMEOUT: 10s}`",
                                           shape="a mapping of KEYWORD to value"):
            if not _KEYWORD.match(key):
                self.fail(f"'{key}' is not a Click keyword", kn,
                          f"keywords are upper case, like {key.upper()}"
                          if _KEYWORD.match(key.upper()) else
                          "keywords are upper-case words like TIMEOUT")
                continue
            self.visit(value)
            if not isinstance(value, ScalarNode):
                self.fail(f"keyword {key} of element '{name}' must be a single value, "
                          f"not {_kind(value)}", value, "quote it to make it one string")
                continue
            text = _scalar_text(value)
            try:
                self.one_argument(text, value, f"keyword {key} of element '{name}'")
            except _Skip:
                continue
            texts.append(f"{key} {text}" if text else key)
            positions.append(self.pos(kn))
        return texts, positions

    # ---- connections ------------------------------------------------------------
    def connections(self, node: Node, scope: Scope, parser: ClickParser) -> None:
        self.visit(node)
        if isinstance(node, ScalarNode):
            items = [node]
        elif isinstance(node, SequenceNode):
            items = self.sequence(node, "connections")
        else:
            raise self.fail(f"connections must be a list of Click connection strings, "
                            f"not {_kind(node)}", node,
                            "write each connection as a string: - \"a -> b\"")
        for i, item in enumerate(items, 1):
            if _is_null(item):
                continue
            if not _is_text(item):
                self.fail(f"connection {i} must be a string of Click statements, not {_kind(item)}",
                          item, "quote the whole string: YAML reads ': ' (as in 'a :: Class') as a "
                          "mapping, and [...] as a list")
                continue
            self.click_statements(item, scope, parser)

    def click_statements(self, node: ScalarNode, scope: Scope, parser: ClickParser) -> None:
        """Parse a string of Click statements and merge them into `scope`."""
        m = self.scalar_map(node)
        start = m.pos(0)
        fix = lambda p: m.unmap(p, start, 0)  # noqa: E731
        try:
            parsed = parser.parse(m.value, start=start)
        except ConfigError as e:
            self.errors.extend(_remap(d, fix) for d in e.diagnostics)
            return
        _remap(parsed, fix)
        scope.declarations.extend(parsed.declarations)
        scope.connections.extend(parsed.connections)
        scope.classes.extend(parsed.classes)
        scope.defines.extend(parsed.defines)
        scope.requires.extend(parsed.requires)


def parse_yaml(text: str, file: str = "<config>") -> Scope:
    """Read a YAML configuration into a Scope; raises ConfigError on any problem."""
    return _YamlLoader(text, file).load()
