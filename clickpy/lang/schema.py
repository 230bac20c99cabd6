"""JSON Schema of the YAML configuration format, generated from the element registry.

Editors that speak the yaml-language-server protocol validate and complete a
clickpy YAML file when its first line is

    # yaml-language-server: $schema=<path to>/clickpy.schema.json

The schema describes the format clickpy.lang.yaml_loader reads (its module
docstring is the reference) and lists every element class with its summary,
so completion shows what each class does; per class, it knows the keyword
arguments.  It is written in JSON Schema draft-07, the dialect
yaml-language-server supports best.

The committed clickpy.schema.json is this module's output; a test fails
when it is stale.  Regenerate it with

    python -m clickpy.lang.schema > clickpy/lang/clickpy.schema.json
"""
from __future__ import annotations

import json
import os
import sys
from typing import Any

from clickpy.args import Arg, signature
from clickpy.element import Element, registry

SCHEMA_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "clickpy.schema.json")
REGENERATE = "python -m clickpy.lang.schema > clickpy/lang/clickpy.schema.json"

# The same lexical rules as the YAML loader and Click's lexer.
IDENTIFIER = r"^[A-Za-z0-9_@]+(?:/[A-Za-z0-9_@]+)*$"
VARIABLE = r"^\$?[A-Za-z0-9_]+$"
KEYWORD = r"^[A-Z_][A-Z0-9_]*$"
FORMAL = r"^(?:[A-Z_][A-Z0-9_]*\s+)?\$[A-Za-z0-9_]+$"
EXPRESSION = r"^\s*[A-Za-z0-9_@]+(?:/[A-Za-z0-9_@]+)*\s*(?:\([\s\S]*\)\s*)?$"

_SCALAR = {"type": ["string", "number", "boolean", "null"]}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/definitions/{name}"}


def _nullable(schema: dict[str, Any], description: str) -> dict[str, Any]:
    """An optional section: the schema, or nothing at all (`elements:` left empty)."""
    return {"description": description, "anyOf": [schema, {"type": "null"}]}


def _strings(description: str) -> dict[str, Any]:
    return {"description": description,
            "anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}},
                      {"type": "null"}]}


def _class_doc(cls: type[Element]) -> dict[str, str]:
    summary = cls.summary()
    usage = signature(cls.class_name, cls.args)
    markdown = f"{summary}\n\n`{usage}`  \nports `{cls.port_count}`, processing `{cls.processing}`"
    return {"const": cls.class_name, "description": summary or usage,
            "markdownDescription": markdown}


def _keyword_doc(arg: Arg) -> dict[str, Any]:
    how = "positional or keyword" if arg.positional else "keyword"
    need = "required" if arg.required else f"default {arg.default!r}"
    text = f"{arg.type.name} ({how}, {need})" + (f": {arg.doc}" if arg.doc else "")
    return {**_SCALAR, "description": text}


def _class_rule(cls: type[Element]) -> dict[str, Any]:
    """For elements of this class: its keyword names, and its usage on `args`."""
    keywords = {a.keyword: _keyword_doc(a) for a in cls.args}
    return {
        "if": {"properties": {"class": {"const": cls.class_name}}, "required": ["class"]},
        "then": {"properties": {
            "args": {"description": signature(cls.class_name, cls.args)},
            "keywords": {"properties": keywords, "additionalProperties": False},
        }},
    }


def build_schema() -> dict[str, Any]:
    """The JSON Schema (draft-07) of clickpy's YAML configurations."""
    classes = [registry()[name] for name in sorted(registry())]
    definitions: dict[str, Any] = {
        "scalar": {**_SCALAR, "description": "one value; numbers and booleans are read as "
                                             "Click text (true/false, numbers as written)"},
        "identifier": {"type": "string", "pattern": IDENTIFIER,
                       "description": "a Click name: letters, digits, _ and @, "
                                      "with single / between them"},
        "className": {
            "description": "the element's class: a built-in element or an elementclass",
            "anyOf": [*(_class_doc(c) for c in classes),
                      {"type": "string", "pattern": IDENTIFIER,
                       "description": "an elementclass of this configuration or an included one"}],
        },
        "args": {
            "description": "the configuration: one Click configuration string, "
                           "or a list with one item per argument",
            "anyOf": [{"type": "array", "items": _ref("scalar")}, _ref("scalar")],
        },
        "keywords": _nullable({
            "type": "object", "propertyNames": {"pattern": KEYWORD},
            "additionalProperties": _ref("scalar"),
        }, "keyword arguments, KEYWORD: value; appended to args as `KEYWORD value`"),
        "element": {
            "anyOf": [
                {"type": "string", "pattern": EXPRESSION,
                 "description": "a Click element expression: Class or Class(configuration)"},
                {"type": "object", "required": ["class"],
                 "properties": {"class": _ref("className"), "args": _ref("args"),
                                "keywords": _ref("keywords")},
                 "additionalProperties": False,
                 "allOf": [_class_rule(c) for c in classes]},
            ],
        },
        "elements": {
            "type": "object", "propertyNames": {"pattern": IDENTIFIER},
            "additionalProperties": _ref("element"),
        },
        "connections": {
            "anyOf": [{"type": "string"},
                      {"type": "array", "items": {"type": ["string", "null"]}}],
        },
        "define": {
            "type": "object", "propertyNames": {"pattern": VARIABLE},
            "additionalProperties": _ref("scalar"),
        },
        "params": {
            "description": "formal parameters: $name, or KEYWORD $name; positional ones first",
            "anyOf": [{"type": "array", "items": {"type": "string", "pattern": FORMAL}},
                      {"type": "string"}, {"type": "null"}],
        },
        "elementclass": {
            "anyOf": [
                {"type": "string", "pattern": IDENTIFIER,
                 "description": "another name for this class (elementclass A B;)"},
                {"type": "object", "required": ["synonym"],
                 "properties": {"synonym": {"type": "string", "pattern": IDENTIFIER}},
                 "additionalProperties": False},
                {"type": "object",
                 "properties": {
                     "params": _ref("params"),
                     "define": _nullable(_ref("define"), "variables of the compound"),
                     "elementclass": _nullable(_ref("elementclasses"), "nested element classes"),
                     "elements": _nullable(_ref("elements"), "the compound's elements"),
                     "connections": _nullable(_ref("connections"),
                                              "Click statements; input and output are the "
                                              "compound's ports"),
                 },
                 "additionalProperties": False},
            ],
        },
        "elementclasses": {
            "type": "object", "propertyNames": {"pattern": IDENTIFIER},
            "additionalProperties": _ref("elementclass"),
        },
    }
    return {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "$comment": f"Generated by clickpy.lang.schema; do not edit. Regenerate: {REGENERATE}",
        "title": "clickpy configuration",
        "description": "A Click middlebox in YAML: elements, and connections between them "
                       "written in Click's own syntax",
        "type": "object",
        "properties": {
            "require": _strings("requirements, as Click's require(): "
                                "`library FILE`, `package NAME` or a package name"),
            "include": _strings("files to include (YAML or Click), as require(library FILE)"),
            "define": _nullable(_ref("define"), "variables, as Click's define($NAME value); "
                                                "the $ is optional"),
            "elementclass": _nullable(_ref("elementclasses"), "compound element classes"),
            "elements": _nullable(_ref("elements"), "element name -> element"),
            "connections": _nullable(_ref("connections"),
                                     "Click statements: `a -> b`, `a[1] -> [0]b`, inline "
                                     "declarations `x :: Class(config)`"),
        },
        "patternProperties": {"^x-": {"description": "ignored: a place for YAML anchors"}},
        "additionalProperties": False,
        "definitions": definitions,
    }


def render_schema() -> str:
    """The schema as the committed file holds it."""
    return json.dumps(build_schema(), indent=2, ensure_ascii=False) + "\n"


def main() -> int:
    sys.stdout.write(render_schema())
    return 0


if __name__ == "__main__":
    sys.exit(main())
