"""The configuration syntax tree shared by both front ends.

The Click-language parser and the YAML loader both produce a `Scope`; the
graph builder (clickpy.graph) flattens it.  Every node keeps the source
position it came from so that later checks can point at the user's text.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from clickpy.diagnostics import SourcePos


@dataclass
class Declaration:
    """`name :: Class(config)`; anonymous elements get Click's `Class@N` names."""

    name: str
    class_name: str
    config: str | None          # raw configuration text between the parentheses
    pos: SourcePos              # where the element's name (or class, if anonymous) is
    config_pos: SourcePos | None = None   # first character of `config`
    anonymous: bool = False
    body: "ElementClass | None" = None    # inline compound: `a :: { input -> output }`
    # Front ends that know where each argument is (YAML lists) set this; else the
    # positions are computed from config_pos while splitting the config string.
    arg_positions: list[SourcePos] | None = None


@dataclass
class Connection:
    """`src [src_port] -> [dst_port] dst`."""

    src: str
    src_port: int
    dst: str
    dst_port: int
    pos: SourcePos              # the source endpoint
    dst_pos: SourcePos          # the destination endpoint


@dataclass
class Formal:
    """A compound element's formal parameter: `$a` or keyword `KEY $a`."""

    name: str                   # with the leading '$'
    keyword: str | None
    pos: SourcePos


@dataclass
class Define:
    """`define($NAME value)`: a variable visible in the rest of the scope."""

    name: str                   # with the leading '$'
    value: str
    pos: SourcePos


@dataclass
class Require:
    """`require(kind value)`; `library FILE` includes another configuration."""

    kind: str
    value: str
    pos: SourcePos


@dataclass
class Scope:
    """The body of a file or of a compound element class."""

    declarations: list[Declaration] = field(default_factory=list)
    connections: list[Connection] = field(default_factory=list)
    classes: list["ElementClass"] = field(default_factory=list)
    defines: list[Define] = field(default_factory=list)
    requires: list[Require] = field(default_factory=list)
    file: str = "<config>"


@dataclass
class ElementClass:
    """`elementclass Name { formals | body }` or `elementclass Name Other;`."""

    name: str | None
    formals: list[Formal]
    body: Scope | None
    pos: SourcePos
    synonym: str | None = None  # `elementclass A B;` makes A another name for B
    synonym_pos: SourcePos | None = None
