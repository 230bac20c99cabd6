"""Write a configuration's syntax tree in clickpy's YAML format.

The YAML format (read by clickpy.lang.yaml_loader) is:

    define: {DEV: eth0}
    require: ["library common.yaml"]
    elementclass:
      Router1:
        params: [$addr, "KEY $eth"]
        elements: {...}
        connections: [...]
      Alias: Queue                 # `elementclass Alias Queue;`
    elements:
      rt: {class: RadixIPLookup, args: ["10.0.0.0/8 1", "0.0.0.0/0 0"]}
    connections:
      - "src -> Strip(14) -> chk -> rt"

Named elements go under `elements:`; anonymous ones stay inline in the
connection strings, except those Click could not write inline (several
connections on one side), which are declared under their `Class@N` names.
`args` holds each argument's text as clickpy.args.split_config splits it,
and is omitted when the element has no configuration at all.  Compound
elements declared inline (`c :: { ... }`) become an elementclass of their
own, since a YAML element's class is a name.

Every scalar must read back as the same string, whatever YAML reader the
user has: anything that is not a plain identifier-like word (addresses,
numbers, `yes`, `on`, `00:11`, text with spaces) is written quoted.
"""
from __future__ import annotations

import os
import re
from typing import Any

import yaml

from clickpy.args import split_config
from clickpy.diagnostics import error
from clickpy.lang.ast import Declaration, ElementClass, Scope
from clickpy.lang.chains import plan_chains
from clickpy.lang.click_writer import (MODELINE, chain_text, check_class_name_clash,
                                       check_identifier, comment_block, config_text, scope_edges)

SCHEMA_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "clickpy.schema.json")
FLOW_WIDTH = 96   # an element entry longer than this is written in block style

# Words some YAML reader (1.1 or 1.2) takes as something other than a string.
_NOT_STRINGS = frozenset("y n yes no on off true false null".split())
_PLAIN = re.compile(r"[A-Za-z_$][A-Za-z0-9_$@/.\-]*")
_RESOLVER = yaml.resolver.Resolver()


# ---------------------------------------------------------------------------
# Dumping with explicit quoting

class _Flow(dict):
    """A mapping written on one line: `{class: Queue, args: ["200"]}`."""


class _FlowList(list):
    """A sequence written on one line: `["a", "b"]`."""


class _Dumper(yaml.SafeDumper):
    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        return super().increase_indent(flow, False)   # `  - item`, not `- item`


def _plain_ok(text: str) -> bool:
    return (bool(_PLAIN.fullmatch(text)) and text.lower() not in _NOT_STRINGS
            and _RESOLVER.resolve(yaml.ScalarNode, text, (True, False)) == "tag:yaml.org,2002:str")


def _represent_str(dumper: yaml.SafeDumper, text: str) -> yaml.ScalarNode:
    if _plain_ok(text):
        style = None
    elif ("\\" in text or '"' in text) and "\n" not in text:
        style = "'"
    else:
        style = '"'
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style=style)


_Dumper.add_representer(str, _represent_str)
_Dumper.add_representer(_Flow, lambda d, m: d.represent_mapping("tag:yaml.org,2002:map", m,
                                                                 flow_style=True))
_Dumper.add_representer(_FlowList, lambda d, s: d.represent_sequence("tag:yaml.org,2002:seq", s,
                                                                      flow_style=True))


def _dump(data: Any) -> str:
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True,
                     default_flow_style=False, width=1 << 20, indent=2)


def _fits(data: Any) -> bool:
    return len(_dump(data).rstrip("\n")) <= FLOW_WIDTH


def _compact(value: dict | list) -> dict | list:
    """The flow form of `value` when it fits on a line, else the block form."""
    flow = _Flow(value) if isinstance(value, dict) else _FlowList(value)
    return flow if _fits(flow) else value


# ---------------------------------------------------------------------------
# Scopes

def _args(d: Declaration) -> list[str] | None:
    if d.config is None:
        return None
    return [a.text for a in split_config(d.config, d.config_pos or d.pos)]


def _all_names(scope: Scope, names: set[str]) -> set[str]:
    """Every element and class name used anywhere in the tree (for fresh names)."""
    for d in scope.declarations:
        names.add(d.name)
        names.add(d.class_name)
        if d.body is not None and d.body.body is not None:
            _all_names(d.body.body, names)
    for c in scope.classes:
        if c.name:
            names.add(c.name)
        if c.body is not None:
            _all_names(c.body, names)
    return names


class _YamlScope:
    """Builds the YAML mapping for one scope (the file, or a compound body)."""

    def __init__(self, scope: Scope, taken: set[str]):
        self.scope = scope
        self.taken = taken
        self.hoisted: dict[str, ElementClass] = {}     # fresh class name -> inline compound
        self.class_of: dict[int, str] = {}              # id(declaration) -> its class name here

    def fresh_class(self, d: Declaration) -> str:
        base = "Compound" if d.anonymous else f"{d.name.replace('/', '_').replace('@', '_')}_class"
        name, n = base, 1
        while name in self.taken:
            n += 1
            name = f"{base}{n}"
        self.taken.add(name)
        assert d.body is not None
        self.hoisted[name] = d.body
        return name

    def class_name(self, d: Declaration) -> str:
        if d.body is None:
            check_identifier(d.class_name, d.pos, "element class")
            return d.class_name
        if id(d) not in self.class_of:
            self.class_of[id(d)] = self.fresh_class(d)
        return self.class_of[id(d)]

    def inline(self, d: Declaration) -> str:
        return self.class_name(d) + config_text(d.config, d.config_pos or d.pos)

    def build(self, params: list[str] | None = None) -> dict[str, Any]:
        scope = self.scope
        decl: dict[str, Declaration] = {}
        for d in scope.declarations:
            if d.name in decl:
                raise error(f"element {d.name!r} declared twice", d.pos,
                            f"the first declaration is at {decl[d.name].pos}; "
                            "YAML keeps only one of them, so rename one")
            decl[d.name] = d
        edges = scope_edges(scope)
        plan = plan_chains(edges, {d.name for d in scope.declarations if d.anonymous})
        check_class_name_clash(((d.name, d.class_name, d.pos) for d in scope.declarations
                                if d.body is None), plan.in_place)

        elements: dict[str, Any] = {}
        for d in scope.declarations:
            if d.anonymous and d.name not in plan.declared_anonymous:
                continue
            check_identifier(d.name, d.pos)
            entry: dict[str, Any] = {"class": self.class_name(d)}
            args = _args(d)
            if args is not None:
                entry["args"] = _compact(args)
            elements[d.name] = _compact(entry)

        def endpoint(name: str) -> str:
            d = decl.get(name)
            return self.inline(d) if d is not None and name in plan.in_place else name

        connections = [chain_text(ch, endpoint, one_line=True) for ch in plan.chains]
        connected = {e.src for e in edges} | {e.dst for e in edges}
        for d in scope.declarations:    # an anonymous element alone in its statement
            if d.name in plan.in_place and d.name not in connected:
                connections.append(self.inline(d))

        doc: dict[str, Any] = {}
        if params is not None:
            doc["params"] = _compact(params)
        if scope.defines:
            doc["define"] = _compact({d.name.lstrip("$"): d.value for d in scope.defines})
        if scope.requires:
            doc["require"] = _compact([f"{r.kind} {r.value}".strip() for r in scope.requires])
        classes: dict[str, Any] = {}
        for c in scope.classes:
            check_identifier(c.name or "", c.pos, "elementclass name")
            classes[c.name] = self.elementclass(c)
        for name, body in self.hoisted.items():    # inline compounds met above
            classes[name] = self.elementclass(body)
        if classes:
            doc["elementclass"] = classes
        if elements:
            doc["elements"] = elements
        if connections:
            doc["connections"] = connections
        return doc

    def elementclass(self, c: ElementClass) -> Any:
        if c.synonym is not None:
            check_identifier(c.synonym, c.synonym_pos or c.pos, "element class")
            return c.synonym
        params = [f"{f.keyword} {f.name}" if f.keyword else f.name for f in c.formals]
        return _YamlScope(c.body or Scope(), self.taken).build(params if c.formals else None)


def scope_to_yaml(scope: Scope, header: str | None = None, *, schema: str | None = None) -> str:
    """The configuration in clickpy's YAML format.

    `header`, plain text, becomes the leading `#` comment block; `schema`, a
    path to clickpy.schema.json relative to the output file, adds the
    yaml-language-server modeline that lets editors validate and complete.
    """
    doc = _YamlScope(scope, _all_names(scope, set())).build()
    lines: list[str] = []
    if schema:
        lines.append(f"# {MODELINE} $schema={schema}")
    if header:
        lines += comment_block(header, "#")
    text = _dump(doc) if doc else "{}\n"
    return "\n".join(lines) + "\n\n" + text if lines else text


def schema_reference(output_path: str) -> str:
    """The schema's path relative to where a YAML file is written, for the modeline."""
    start = os.path.dirname(os.path.abspath(output_path))
    return os.path.relpath(SCHEMA_FILE, start).replace(os.sep, "/")
