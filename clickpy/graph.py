"""From syntax tree to element graph: flatten compounds, expand variables.

The result is a networkx MultiDiGraph, the one representation every later
stage reads:
- node id: the element's flattened name (`outer/inner` inside compounds,
  `Class@N` when anonymous); attributes `class_name`, `config` (variables
  expanded), `pos`, `config_pos`, `arg_positions`, `anonymous`, `element`
  (the Element subclass, or None when the class is unknown);
- edge key `(src_port, dst_port)`; attributes `src_port`, `dst_port`, `pos`
  (the source endpoint as written) and `dst_pos`;
- graph attributes `file` and `diagnostics` (problems found while flattening:
  duplicate names, compound argument mistakes, missing compound ports).

Compound elements are expanded the way Click does it: each compound port
becomes a temporary tunnel node, and tunnels are spliced out at the end so
that every edge joins two real elements.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import networkx as nx

from clickpy.args import split_config, strip_comments
from clickpy.diagnostics import Diagnostic, SourcePos, did_you_mean
from clickpy.element import lookup
from clickpy.lang.ast import Declaration, ElementClass, Scope

MAX_COMPOUND_DEPTH = 64
_VARIABLE = re.compile(r"\$\{([A-Za-z_0-9]+)\}|\$([A-Za-z_][A-Za-z_0-9]*)")


@dataclass(frozen=True)
class _Tunnel:
    """A compound's input or output port, alive only during flattening."""

    compound: str
    side: str   # "input" or "output"
    port: int


@dataclass
class _Frame:
    """What one scope being flattened can see."""

    prefix: str                          # "" at top level, "c/" inside compound c
    classes: dict[str, ElementClass]
    variables: dict[str, str]
    compound: str | None = None          # flattened name of the compound being expanded
    stack: tuple[str, ...] = ()          # compound classes being expanded (recursion guard)
    locals: dict[str, object] = field(default_factory=dict)  # name -> node id or compound name


class _Builder:
    def __init__(self, file: str):
        self.g = nx.MultiDiGraph(file=file, diagnostics=[])
        self.compound_ports: dict[str, dict[str, set[int]]] = {}

    def diag(self, message: str, pos: SourcePos, hint: str | None = None,
             check: str = "names", severity: str = "error") -> None:
        self.g.graph["diagnostics"].append(Diagnostic(message, pos, hint, severity, check))

    # ---- variables -------------------------------------------------------
    def expand(self, text: str | None, variables: dict[str, str], pos: SourcePos | None,
               keep_unknown: bool = False) -> str | None:
        """Click's $VAR / ${VAR} expansion (not inside single quotes); keep_unknown leaves
        undefined ones as written, as Click's lexer does, for an element's own ($x in a
        Script)."""
        if text is None or "$" not in text:
            return text
        out, i = [], 0
        quote = False
        while i < len(text):
            c = text[i]
            if c == "'":
                quote = not quote
            if c == "$" and not quote:
                m = _VARIABLE.match(text, i)
                if m:
                    name = "$" + (m.group(1) or m.group(2))
                    if name in variables:
                        out.append(variables[name])
                    elif keep_unknown:
                        out.append(m.group(0))
                    else:
                        where = (pos or SourcePos(self.g.graph["file"], 0, 0)).advanced(text[:i])
                        known = list(variables)
                        self.diag(f"undefined variable {name}", where,
                                  did_you_mean(name, known) or
                                  f"define it with define({name} value) or on the command line "
                                  f"as {name[1:]}=value", check="variables")
                        out.append(m.group(0))
                    i = m.end()
                    continue
            out.append(c)
            i += 1
        return "".join(out)

    # ---- scopes ------------------------------------------------------------
    def scope(self, scope: Scope, frame: _Frame) -> None:
        for cls in scope.classes:
            if cls.name:
                frame.classes[cls.name] = cls
        for d in scope.defines:
            if d.name not in frame.variables:  # command-line definitions win, as in Click
                frame.variables[d.name] = self.expand(d.value, frame.variables, d.pos) or ""
        first_seen: dict[str, SourcePos] = {}
        for decl in scope.declarations:
            if decl.name in first_seen:
                self.diag(f"element '{decl.name}' declared twice", decl.pos,
                          f"the first declaration is at {first_seen[decl.name]}; rename one of them")
                continue
            if frame.compound is not None and decl.name in ("input", "output"):
                self.diag(f"'{decl.name}' is reserved inside an elementclass", decl.pos,
                          "pick another name")
                continue
            first_seen[decl.name] = decl.pos
            self.declaration(decl, frame)
        for conn in scope.connections:
            src = self.endpoint(conn.src, "output", conn.src_port, conn.pos, frame)
            dst = self.endpoint(conn.dst, "input", conn.dst_port, conn.dst_pos, frame)
            if src is None or dst is None:
                continue
            (u, up), (v, vp) = src, dst
            self.g.add_edge(u, v, key=(up, vp), src_port=up, dst_port=vp, pos=conn.pos,
                            dst_pos=conn.dst_pos)

    def resolve_class(self, name: str, frame: _Frame, pos: SourcePos) -> ElementClass | None:
        """The compound class a name denotes (following synonyms), or None if primitive."""
        seen = set()
        cls = frame.classes.get(name)
        while cls is not None and cls.synonym is not None:
            if cls.synonym in seen:
                self.diag(f"elementclass {name} is defined in terms of itself", pos, check="classes")
                return None
            seen.add(cls.synonym)
            target = frame.classes.get(cls.synonym)
            if target is None:
                return ElementClass(cls.synonym, [], None, cls.pos)  # synonym of a primitive
            cls = target
        return cls

    def declaration(self, decl: Declaration, frame: _Frame) -> None:
        node = frame.prefix + decl.name
        cls = decl.body if decl.body is not None else self.resolve_class(decl.class_name, frame, decl.pos)
        class_name = decl.class_name
        if cls is not None and cls.body is None:  # synonym of a primitive class
            class_name, cls = cls.name or class_name, None
        if cls is None:
            element = lookup(class_name)
            own = element is not None and element.keeps_variables
            items = split_config(decl.config, decl.config_pos, decl.arg_positions)
            config = self.expand(decl.config, frame.variables, decl.config_pos, own)
            positions = []
            for it in items:
                n = len(split_config(self.expand(it.text, frame.variables, it.pos, own)))
                positions.extend([it.pos] * max(n, 1))
            if len(positions) != len(split_config(config)):
                positions = [decl.config_pos or decl.pos] * len(split_config(config))
            self.g.add_node(node, class_name=class_name, config=config, pos=decl.pos,
                            config_pos=decl.config_pos, arg_positions=positions,
                            anonymous=decl.anonymous, element=element)
            frame.locals[decl.name] = node
            return
        self.compound(decl, cls, frame)

    def compound(self, decl: Declaration, cls: ElementClass, frame: _Frame) -> None:
        name = frame.prefix + decl.name
        label = cls.name or "<anonymous compound>"
        if cls.name and cls.name in frame.stack:
            self.diag(f"elementclass {cls.name} contains itself", decl.pos,
                      "a compound element cannot use its own class, directly or indirectly",
                      check="classes")
            return
        if len(frame.stack) >= MAX_COMPOUND_DEPTH:
            self.diag(f"compound elements nested more than {MAX_COMPOUND_DEPTH} deep", decl.pos,
                      check="classes")
            return
        variables = dict(frame.variables)
        self.bind_formals(decl, cls, frame, variables)
        frame.locals[decl.name] = _Tunnel(name, "compound", 0)
        self.compound_ports[name] = {"input": set(), "output": set()}
        inner = _Frame(prefix=name + "/", classes=dict(frame.classes), variables=variables,
                       compound=name, stack=frame.stack + ((cls.name,) if cls.name else (label,)))
        self.scope(cls.body or Scope(), inner)

    def bind_formals(self, decl: Declaration, cls: ElementClass, frame: _Frame,
                     variables: dict[str, str]) -> None:
        config = self.expand(decl.config, frame.variables, decl.config_pos)
        items = split_config(config, decl.config_pos or decl.pos)
        positional = [f for f in cls.formals if f.keyword is None]
        keywords = {f.keyword: f for f in cls.formals if f.keyword is not None}
        n = 0
        for it in items:
            word, _, rest = it.text.partition(" ")
            if word in keywords and word.isupper():
                variables[keywords[word].name] = rest.strip()
                continue
            if n < len(positional):
                variables[positional[n].name] = it.text
                n += 1
            else:
                self.diag(f"too many arguments to {cls.name}: it takes {len(positional)} "
                          f"positional argument{'s' if len(positional) != 1 else ''}", it.pos,
                          f"elementclass {cls.name} is declared at {cls.pos}", check="arguments")
        for f in positional[n:]:
            self.diag(f"missing argument {f.name} of {cls.name}", decl.config_pos or decl.pos,
                      f"elementclass {cls.name} is declared at {cls.pos}", check="arguments")
        for f in keywords.values():
            variables.setdefault(f.name, "")

    def endpoint(self, name: str, side: str, port: int, pos: SourcePos,
                 frame: _Frame) -> tuple[object, int] | None:
        """The graph node and port a connection end refers to."""
        if name in ("input", "output") and frame.compound is not None:
            # Inside a compound, `input` is a source and `output` a sink.
            expected = "output" if name == "input" else "input"
            if side != expected:
                self.diag(f"'{name}' used as a connection {'destination' if name == 'input' else 'source'}",
                          pos, "inside an elementclass, packets come from input and go to output")
                return None
            self.compound_ports[frame.compound][name].add(port)
            return _Tunnel(frame.compound, name, port), 0
        target = frame.locals.get(name)
        if target is None:
            known = list(frame.locals)
            self.diag(f"no element named '{name}'", pos,
                      did_you_mean(name, known) or f"declare it first: {name} :: Class", check="names")
            return None
        if isinstance(target, _Tunnel):  # a compound element of this scope
            return _Tunnel(target.compound, side, port), 0
        return target, port

    # ---- splicing compounds out --------------------------------------------
    def splice_tunnels(self) -> None:
        """Replace each tunnel by edges from everything entering it to everything leaving it."""
        g = self.g
        reported: set[_Tunnel] = set()
        while True:
            tunnels = [n for n in g.nodes if isinstance(n, _Tunnel)]
            if not tunnels:
                return
            for t in tunnels:
                if t not in g:
                    continue
                ins = list(g.in_edges(t, keys=True, data=True))
                outs = list(g.out_edges(t, keys=True, data=True))
                declared = self.compound_ports.get(t.compound, {}).get(t.side, set())
                if t.port not in declared and (ins or outs) and t not in reported:
                    reported.add(t)
                    data = (ins or outs)[0][3]
                    where = data["dst_pos"] if ins else data["pos"]
                    self.diag(f"compound element '{t.compound}' has no {t.side} {t.port}", where,
                              f"its {t.side}s are {', '.join(map(str, sorted(declared))) or 'none'}; "
                              f"an elementclass gets {t.side} N by connecting {t.side}[N] inside",
                              check="ports")
                g.remove_node(t)
                for u, _, _, a in ins:
                    for _, v, _, b in outs:
                        if u == t or v == t:
                            continue
                        g.add_edge(u, v, key=(a["src_port"], b["dst_port"]), src_port=a["src_port"],
                                   dst_port=b["dst_port"], pos=a["pos"], dst_pos=b["dst_pos"])


def build_graph(scope: Scope, definitions: dict[str, str] | None = None) -> nx.MultiDiGraph:
    """Flatten a configuration's syntax tree into the element graph.

    `definitions` are command-line `NAME=value` settings; they override the
    configuration's own `define`s, as in Click.
    """
    b = _Builder(scope.file)
    variables = {("$" + k.lstrip("$")): v for k, v in (definitions or {}).items()}
    b.scope(scope, _Frame(prefix="", classes={}, variables=variables))
    b.splice_tunnels()
    return b.g


def config_order(graph: nx.MultiDiGraph) -> list[str]:
    """The elements in the order the configuration declares them (Click's element order),
    then those the driver added (`clickpy run -p`: node attribute driver)."""
    return sorted(graph.nodes, key=lambda n: (graph.nodes[n].get("driver", False),
                                              graph.nodes[n]["pos"], n))


def node_label(graph: nx.MultiDiGraph, node: str) -> str:
    """`name :: Class`, the way Click names an element in messages."""
    return f"{node} :: {graph.nodes[node]['class_name']}"


def same_graph(a: nx.MultiDiGraph, b: nx.MultiDiGraph) -> bool:
    """True when two configurations flatten to the same graph.

    Named elements must match by name; anonymous elements (Class@N) may be
    numbered differently, so the comparison is an isomorphism test.
    """
    def node_match(x, y):
        if x["class_name"] != y["class_name"] or _norm(x["config"]) != _norm(y["config"]):
            return False
        if x["anonymous"] or y["anonymous"]:
            return x["anonymous"] == y["anonymous"]
        return x["name"] == y["name"]

    def edge_match(x, y):
        return x["ports"] == y["ports"]

    ga, gb = _named(a), _named(b)
    if ga.number_of_nodes() != gb.number_of_nodes() or ga.number_of_edges() != gb.number_of_edges():
        return False
    return nx.is_isomorphic(ga, gb, node_match=node_match, edge_match=edge_match)


def _norm(config: str | None) -> tuple[str, ...] | None:
    return None if config is None else tuple(a.text for a in split_config(strip_comments(config)))


def _named(g: nx.MultiDiGraph) -> nx.DiGraph:
    """A DiGraph whose edges carry their port pairs, for isomorphism tests."""
    d = nx.DiGraph()
    for n, data in g.nodes(data=True):
        # `Class@N` is Click's generated name: anonymous, however it was written.
        generated = re.fullmatch(re.escape(data["class_name"]) + r"@\d+", n.rsplit("/", 1)[-1])
        d.add_node(n, name=n, class_name=data["class_name"], config=data["config"],
                   anonymous=data["anonymous"] or generated is not None)
    for u, v, k in g.edges(keys=True):
        if d.has_edge(u, v):
            d[u][v]["ports"].append(k)
        else:
            d.add_edge(u, v, ports=[k])
    for u, v, data in d.edges(data=True):
        data["ports"] = sorted(data["ports"])
    return d
