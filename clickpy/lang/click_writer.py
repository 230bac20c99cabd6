"""Write Click-language text from a syntax tree or from a flattened graph.

`scope_to_click` is the back half of `clickpy convert`: it keeps the
configuration's structure (require, define, elementclass) and writes the
connections as chains, anonymous elements inline (`-> Strip(14) ->`) and
named ones declared where they are first mentioned.  `graph_to_click` is what
`clickpy flatten` prints: like click-flatten, one declaration per element,
then the connections.  Configuration strings are written back verbatim;
anything Click could not read back (an identifier with a dash, a
configuration with an unbalanced parenthesis) is a ConfigError at the
element's position, never a silently wrong file.
"""
from __future__ import annotations

import re
from typing import Callable, Iterable

import networkx as nx

from clickpy.args import split_config
from clickpy.diagnostics import SourcePos, error
from clickpy.lang.ast import Declaration, Define, ElementClass, Scope
from clickpy.lang.chains import Chain, Edge, plan_chains

INDENT = "  "
LINE_WIDTH = 78
KEYWORDS = frozenset({"elementclass", "require", "provide", "define"})
_IDENTIFIER = re.compile(r"[A-Za-z0-9_@]+(?:/[A-Za-z0-9_@]+)*")


# ---------------------------------------------------------------------------
# Lexical pieces

def check_identifier(name: str, pos: SourcePos | None, what: str = "element name") -> None:
    """Raise a ConfigError unless Click's lexer reads `name` as one identifier."""
    where = pos or SourcePos("<config>", 0, 0)
    if not _IDENTIFIER.fullmatch(name or ""):
        raise error(f"{what} {name!r} cannot be written in Click syntax", where,
                    "Click identifiers are letters, digits, '_', '@' and inner '/'; rename it")
    if name in KEYWORDS:
        raise error(f"{what} {name!r} is a Click keyword", where, "rename it")
    if what == "element name" and any(part.isdigit() for part in name.split("/")):
        raise error(f"element name {name!r} has an all-digit component", where,
                    "Click reads all-digit words as port numbers; rename it")


CONTINUATION = " " * 8      # indentation of a long configuration's later arguments
_OPEN, _CLOSE = "([{", ")]}"


def _scan_config(text: str) -> tuple[str | None, bool, list[int]]:
    """Lex a configuration string as Click does.

    Returns (problem, ends_in_line_comment, argument-separating commas).
    """
    parens, nesting, commas = 0, 0, []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c in "\"'":
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if (c == '"' and text[j] == "\\") else 1
            if j >= n:
                return f"unterminated {c} quote", False, commas
            i = j + 1
        elif text.startswith("\\<", i):
            j = text.find(">", i + 2)
            if j < 0:
                return "unterminated \\< data", False, commas
            i = j + 1
        elif text.startswith("//", i):
            j = text.find("\n", i)
            if j < 0:
                return ("unbalanced '('" if parens else None), True, commas
            i = j + 1
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            if j < 0:
                return "unterminated /* comment", False, commas
            i = j + 2
        else:
            if c == "(":
                parens += 1
            elif c == ")":
                parens -= 1
                if parens < 0:
                    return "unbalanced ')'", False, commas
            if c in _OPEN:
                nesting += 1
            elif c in _CLOSE:
                nesting -= 1
            elif c == "," and nesting == 0:
                commas.append(i)
            i += 1
    return ("unbalanced '('" if parens else None), False, commas


def config_text(config: str | None, pos: SourcePos | None = None,
                wrap: str | None = None) -> str:
    """`(config)` verbatim, ready to follow a class name; '' for no configuration.

    With `wrap` (an indentation), a long one-line configuration puts each
    argument on its own line: only the spaces after its commas change.
    """
    if config is None:
        return ""
    problem, open_comment, commas = _scan_config(config)
    if problem:
        raise error(f"configuration {config!r} cannot be written between parentheses: {problem}",
                    pos or SourcePos("<config>", 0, 0),
                    "quote the argument that holds it, e.g. \"a)b\"")
    if wrap is not None and commas and "\n" not in config and len(wrap) + len(config) >= LINE_WIDTH:
        pieces = [config[a + 1:b] for a, b in zip([-1] + commas, commas + [len(config)])]
        config = ",\n".join([pieces[0]] + [wrap + p.lstrip(" \t") for p in pieces[1:]])
    return f"({config}\n)" if open_comment else f"({config})"


def port_suffix(port: int) -> str:
    return f" [{port}]" if port else ""


def port_prefix(port: int) -> str:
    return f"[{port}] " if port else ""


def chain_text(chain: Chain, endpoint: Callable[[str], str], indent: str = "",
               one_line: bool = False) -> str:
    """`a [1] -> [2] b -> c`, broken before each arrow when it gets long.

    `endpoint` turns an element name into its text at that place (a name, a
    `name :: Class(config)` declaration, or an inline `Class(config)`); it is
    called once per place, in order.
    """
    head = ""
    if chain.fan_in:
        dst_ports = [e.dst_port for e in chain.fan_in]
        if len(set(dst_ports)) == 1:      # many-to-one: `a [1], b -> [2] x`
            head = ", ".join(endpoint(e.src) + port_suffix(e.src_port) for e in chain.fan_in)
            head += " -> " + port_prefix(dst_ports[0])
        else:                             # many-to-many: `a [0], b [0] => [0, 1] x`
            head = ", ".join(f"{endpoint(e.src)} [{e.src_port}]" for e in chain.fan_in)
            head += f" => [{', '.join(map(str, dst_ports))}] "
    head += endpoint(chain.start)
    hops = [(port_suffix(h.src_port) + " ->", port_prefix(h.dst_port) + endpoint(h.element))
            for h in chain.hops]
    if chain.fan_out:
        src_ports = [e.src_port for e in chain.fan_out]
        if len(set(src_ports)) == 1:      # one-to-many: `x [1] -> a, [2] b`
            hops.append((port_suffix(src_ports[0]) + " ->", ", ".join(
                port_prefix(e.dst_port) + endpoint(e.dst) for e in chain.fan_out)))
        else:                             # `x [0, 1] => [0] a, [0] b`
            hops.append((f" [{', '.join(map(str, src_ports))}] =>", ", ".join(
                f"[{e.dst_port}] {endpoint(e.dst)}" for e in chain.fan_out)))
    flat = indent + head + "".join(f"{arrow} {rest}" for arrow, rest in hops)
    if one_line or max(map(len, flat.splitlines())) < LINE_WIDTH:
        return flat
    text = indent + head
    for arrow, rest in hops:
        ports, _, arrow = arrow.rpartition(" ")
        text += f"{ports}\n{indent}    {arrow} {rest}"
    return text


MODELINE = "yaml-language-server:"


def comment_block(text: str, marker: str) -> list[str]:
    """Each line of `text` as a comment line (`// line`, `# line`).

    A YAML file's editor modeline is not part of its description: dropped.
    """
    return [f"{marker} {line}".rstrip() for line in text.splitlines()
            if not line.strip().startswith(MODELINE)]


def check_class_name_clash(elements: Iterable[tuple[str, str, SourcePos | None]],
                           in_place: set[str]) -> None:
    """No element may be named like the class of an anonymous element written in place.

    `Name(config)` in a chain means the element Name when one is declared in
    the scope, so the anonymous element would be read back as that element.
    `elements` are (name, class name, position) triples.
    """
    elements = list(elements)
    classes = {cls for name, cls, _ in elements if name in in_place}
    for name, _, pos in elements:
        if name not in in_place and name in classes:
            raise error(f"element name {name!r} is also the name of an element class",
                        pos or SourcePos("<config>", 0, 0),
                        "Click would read the anonymous elements of that class as this "
                        "element; rename the element")


# ---------------------------------------------------------------------------
# Scopes

def _pos_key(pos: SourcePos | None, file: str) -> tuple[int, int, int]:
    """Source order within one file; positions from elsewhere sort last, stably."""
    if pos is None or pos.file != file:
        return (1, 0, 0)
    return (0, pos.line, pos.col)


def _before(a: SourcePos | None, b: SourcePos | None) -> bool:
    return (a is not None and b is not None and a.file == b.file
            and (a.line, a.col) < (b.line, b.col))


def scope_edges(scope: Scope) -> list[Edge]:
    return [Edge(c.src, c.src_port, c.dst, c.dst_port, c.pos, c.dst_pos)
            for c in scope.connections]


class _ScopeWriter:
    """Writes one scope (a file, or the body of a compound) at one indentation."""

    def __init__(self, scope: Scope, indent: str):
        self.scope = scope
        self.indent = indent
        self.decl: dict[str, Declaration] = {}
        for d in scope.declarations:
            self.decl.setdefault(d.name, d)
        self.written: set[int] = set()      # id() of declarations already written

        # A declaration that precedes an elementclass of its class's name means
        # the earlier class (Click scopes classes lexically); it is written
        # before that elementclass so the meaning is kept.
        self.shadowed = [d for d in scope.declarations if d.body is None and any(
            c.name == d.class_name and _before(d.pos, c.pos) for c in scope.classes)]
        anonymous = {d.name for d in scope.declarations if d.anonymous}
        anonymous -= {d.name for d in self.shadowed}
        self.edges = scope_edges(scope)
        self.plan = plan_chains(self.edges, anonymous)
        self.in_place = self.plan.in_place
        self._check_names()

    def _check_names(self) -> None:
        for d in self.scope.declarations:
            if d.name not in self.in_place:
                check_identifier(d.name, d.pos)
        check_class_name_clash(((d.name, d.class_name, d.pos) for d in self.scope.declarations
                                if d.body is None), self.in_place)

    # ---- pieces ---------------------------------------------------------
    def class_ref(self, d: Declaration, indent: str) -> str:
        """`Class(config)` or `{ ... }(config)` for a declaration."""
        if d.body is not None:
            return compound_text(d.body, indent) + config_text(d.config, d.config_pos or d.pos,
                                                               indent + CONTINUATION)
        check_identifier(d.class_name, d.pos, "element class")
        return d.class_name + config_text(d.config, d.config_pos or d.pos, indent + CONTINUATION)

    def declaration(self, d: Declaration) -> str:
        self.written.add(id(d))
        if d.name in self.in_place:
            return self.class_ref(d, self.indent)
        return f"{d.name} :: {self.class_ref(d, self.indent)}"

    def endpoint(self, name: str) -> str:
        d = self.decl.get(name)
        if d is None or (id(d) in self.written and name not in self.in_place):
            return name
        return self.declaration(d)

    def span(self, item: Declaration | Chain) -> tuple[int, int] | None:
        """First and last line a statement took in the source, if it came from this file."""
        file = self.scope.file
        if isinstance(item, Declaration):
            decls, points = [item], [item.pos]
        else:
            decls = [self.decl[n] for n in item.elements() if n in self.decl]
            points = [p for i in item.edges for p in (self.edges[i].pos, self.edges[i].dst_pos)]
        lines = [p.line for p in points if p is not None and p.file == file]
        if not lines:
            return None
        end = max(lines)
        for d in decls:
            if d.config and d.config_pos is not None and d.config_pos.file == file:
                end = max(end, d.config_pos.line + d.config.count("\n"))
        return min(lines), end

    # ---- the whole scope ---------------------------------------------------
    def lines(self) -> list[str]:
        ind = self.indent
        out: list[str] = []
        for r in self.scope.requires:
            out.append(f"{ind}require({(r.kind + ' ' + r.value).strip()});")
        if self.scope.defines:
            out.append(f"{ind}define(" + ", ".join(define_text(d) for d in self.scope.defines)
                       + ");")
        if out:
            out.append("")
        for cls in self.scope.classes:
            early = [d for d in self.shadowed if d.class_name == cls.name
                     and _before(d.pos, cls.pos) and id(d) not in self.written]
            for d in early:
                out.append(f"{ind}{self.declaration(d)};")
            out.append(elementclass_text(cls, ind))
            out.append("")

        file = self.scope.file
        items: list[tuple[tuple[int, int, int], int, object]] = []
        connected = {e.src for e in self.edges} | {e.dst for e in self.edges}
        for n, d in enumerate(self.scope.declarations):
            if id(d) not in self.written and (d.name not in connected or self.decl[d.name] is not d):
                items.append((_pos_key(d.pos, file), n, d))
        for n, ch in enumerate(self.plan.chains, len(self.scope.declarations)):
            items.append((_pos_key(self.edges[ch.first_edge].pos, file), n, ch))
        items.sort(key=lambda item: (item[0], item[1]))
        last_line = None
        for _, _, item in items:
            if isinstance(item, Declaration) and id(item) in self.written:
                continue
            span = self.span(item)
            # A gap in the source (blank lines, a comment) stays a blank line.
            if span and last_line is not None and span[0] > last_line + 1 and out and out[-1]:
                out.append("")
            if isinstance(item, Declaration):
                out.append(f"{ind}{self.declaration(item)};")
            else:
                out.append(chain_text(item, self.endpoint, ind) + ";")
            if span:
                last_line = span[1]
        while out and out[-1] == "":
            out.pop()
        return out


def define_text(d: Define) -> str:
    """`$NAME value` for define(...); a value Click would split at a comma is an error."""
    if len(split_config(d.value)) > 1:
        raise error(f"the value of {d.name} ({d.value!r}) holds a comma, so define() would "
                    "split it", d.pos, "quote the value, or define one variable per argument")
    return f"{d.name} {d.value}".rstrip()


def formals_text(cls: ElementClass) -> str:
    return ", ".join(f"{f.keyword} {f.name}" if f.keyword else f.name for f in cls.formals)


def compound_text(cls: ElementClass, indent: str) -> str:
    """`{ formals | body }`, the body on its own lines one level deeper."""
    inner = indent + INDENT
    body = _ScopeWriter(cls.body or Scope(file=_file_of(cls)), inner).lines()
    head = [f"{inner}{formals_text(cls)} |"] if cls.formals else []
    if not head and not body:
        return "{}"
    return "{\n" + "\n".join(head + body) + f"\n{indent}}}"


def elementclass_text(cls: ElementClass, indent: str = "") -> str:
    check_identifier(cls.name or "", cls.pos, "elementclass name")
    if cls.synonym is not None:
        check_identifier(cls.synonym, cls.synonym_pos or cls.pos, "element class")
        return f"{indent}elementclass {cls.name} {cls.synonym};"
    return f"{indent}elementclass {cls.name} {compound_text(cls, indent)}"


def _file_of(cls: ElementClass) -> str:
    return cls.body.file if cls.body is not None else cls.pos.file


def scope_to_click(scope: Scope, header: str | None = None) -> str:
    """The configuration as Click-language text, structure kept.

    `header`, plain text, becomes a `//` comment block at the top (the
    leading comments of the file this configuration came from).
    """
    out = comment_block(header, "//") + [""] if header else []
    out += _ScopeWriter(scope, "").lines()
    return "\n".join(out).strip("\n") + "\n"


# ---------------------------------------------------------------------------
# Flattened graphs

def _graph_pos_key(pos: SourcePos | None) -> tuple:
    return (0, pos.file, pos.line, pos.col) if pos is not None else (1, "", 0, 0)


def graph_edges(graph: nx.MultiDiGraph) -> list[Edge]:
    """The graph's connections as Edges, in source order."""
    edges = [Edge(u, d["src_port"], v, d["dst_port"], d.get("pos"), d.get("dst_pos"))
             for u, v, d in graph.edges(data=True)]
    edges.sort(key=lambda e: (_graph_pos_key(e.pos), str(e.src), e.src_port, str(e.dst),
                              e.dst_port))
    return edges


def graph_nodes(graph: nx.MultiDiGraph) -> list[str]:
    """The graph's elements in source order."""
    return sorted(graph.nodes, key=lambda n: (_graph_pos_key(graph.nodes[n].get("pos")), str(n)))


def graph_to_click(graph: nx.MultiDiGraph) -> str:
    """The flattened configuration: elements declared by name, then the chains.

    Anonymous elements stay anonymous, written in place in the chains (or
    alone, `Idle;`, when unconnected), so that reading the text back gives
    the same graph; the rest are declared in source order, as click-flatten
    does.
    """
    nodes = graph_nodes(graph)
    edges = graph_edges(graph)
    plan = plan_chains(edges, {n for n in nodes if graph.nodes[n].get("anonymous")},
                       merge_port0=True)
    check_class_name_clash(((n, graph.nodes[n]["class_name"], graph.nodes[n].get("pos"))
                            for n in nodes), plan.in_place)
    connected = {e.src for e in edges} | {e.dst for e in edges}

    def element(n: str) -> str:
        data = graph.nodes[n]
        pos = data.get("pos")
        check_identifier(data["class_name"], pos, "element class")
        return data["class_name"] + config_text(data.get("config"), data.get("config_pos") or pos,
                                                CONTINUATION)

    out: list[str] = []
    for n in nodes:
        if n not in plan.in_place:
            check_identifier(n, graph.nodes[n].get("pos"))
            out.append(f"{n} :: {element(n)};")
        elif n not in connected:
            out.append(f"{element(n)};")
    if plan.chains and out:
        out.append("")
    for chain in plan.chains:
        out.append(chain_text(chain, lambda n: element(n) if n in plan.in_place else n) + ";")
    return "\n".join(out) + "\n" if out else ""
