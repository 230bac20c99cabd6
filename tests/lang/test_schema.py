"""The JSON Schema of the YAML format: current, valid, and agreeing with the loader."""
from __future__ import annotations

import glob
import json
import os
import textwrap

import jsonschema
import pytest
import yaml

from clickpy.args import signature
from clickpy.diagnostics import ConfigError
from clickpy.element import registry
from clickpy.lang.schema import REGENERATE, SCHEMA_PATH, build_schema, render_schema
from clickpy.lang.yaml_loader import parse_yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CONFIGS = sorted(glob.glob(os.path.join(ROOT, "configs", "**", "*.yaml"), recursive=True)
                 + glob.glob(os.path.join(ROOT, "configs", "**", "*.yml"), recursive=True))


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft7Validator:
    schema = build_schema()
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema)


def problems(validator, text: str) -> list[str]:
    doc = yaml.safe_load(textwrap.dedent(text))
    return [e.message for e in validator.iter_errors(doc)]


def test_committed_schema_is_current():
    with open(SCHEMA_PATH, encoding="utf-8") as f:
        committed = f.read()
    assert json.loads(committed) == build_schema(), \
        f"clickpy/lang/clickpy.schema.json is stale; regenerate it with: {REGENERATE}"
    assert committed == render_schema(), f"formatting differs; regenerate it with: {REGENERATE}"


def test_schema_is_valid_draft_07():
    schema = build_schema()
    assert schema["$schema"] == "http://json-schema.org/draft-07/schema#"
    jsonschema.Draft7Validator.check_schema(schema)


def test_every_element_class_is_offered_with_its_summary():
    offered = {c["const"]: c["description"]
               for c in build_schema()["definitions"]["className"]["anyOf"] if "const" in c}
    classes = registry()
    assert set(offered) == set(classes)
    for name, cls in classes.items():
        assert offered[name] == (cls.summary() or signature(name, cls.args))
    assert offered["Queue"] and offered["Queue"] == classes["Queue"].summary()


def test_keywords_are_known_per_class():
    rules = build_schema()["definitions"]["element"]["anyOf"][1]["allOf"]
    queue = [r for r in rules if r["if"]["properties"]["class"]["const"] == "Queue"]
    assert len(queue) == 1
    assert list(queue[0]["then"]["properties"]["keywords"]["properties"]) == ["CAPACITY"]
    assert queue[0]["then"]["properties"]["args"]["description"] == "Queue([CAPACITY])"


@pytest.mark.parametrize("path", CONFIGS, ids=os.path.basename)
def test_shipped_yaml_configurations_validate_and_load(validator, path):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(yaml.safe_load(text))]
    assert errors == []
    parse_yaml(text, path)


VALID = {
    "brief example": """
        require: [library common.yaml]
        include: [more.yaml, other.click]
        define: {DEV: eth0, $N: 5, FLAG: true}
        elementclass:
          Router1:
            params: [$addr, KEY $eth]
            define: {X: 1}
            elements: {q: Queue($addr)}
            connections: ["input -> q -> output"]
          Alias: Router1
          Other: {synonym: Queue}
        elements:
          src: {class: FromDump, args: "file.pcap, STOP true"}
          rt: {class: RadixIPLookup, args: ["10.0.0.0/8 1", "0.0.0.0/0 0"]}
          q: Queue(200)
          c: {class: Counter, keywords: {COUNT_CALL: "5 x.reset"}}
          r: {class: Router1, args: [10.0.0.1, KEY eth0]}
          n: {class: Queue, args: 5, keywords: ~}
        connections:
          - "src -> Strip(14) -> rt"
          - |
            rt[1] -> q;
        x-anchors: {any: [thing]}
    """,
    "empty sections": """
        elements:
        connections:
    """,
    "one connection string": """
        connections: "a :: Idle -> Discard"
    """,
}

INVALID = {
    "unknown section": ("bogus: 1\n", "unknown top-level key 'bogus'"),
    "element without class": ("elements: {q: {args: 5}}\n", "element 'q' has no class"),
    "args mapping": ("elements: {q: {class: Queue, args: {A: 1}}}\n",
                     "args of element 'q' must be a string or a list of arguments, not a mapping"),
    "args item list": ("elements: {q: {class: Queue, args: [[1]]}}\n",
                       "argument 1 of element 'q' must be a single value, not a list"),
    "lower-case keyword": ("elements: {q: {class: Queue, keywords: {capacity: 5}}}\n",
                           "'capacity' is not a Click keyword"),
    "unknown element key": ("elements: {q: {class: Queue, arg: 5}}\n",
                            "unknown key 'arg' in element 'q'"),
    "bad element name": ("elements: {'a b': Queue}\n", "'a b' is not a valid element name"),
    "bad expression": ("elements: {q: Queue 5}\n", "'Queue 5' is not a Click element expression"),
    "elements list": ("elements: [q]\n",
                      "elements must be a mapping of element name to element, not a list"),
    "connections mapping": ("connections: {a: b}\n",
                            "connections must be a list of Click connection strings, not a mapping"),
    "connection list item": ("connections: [[a]]\n",
                             "connection 1 must be a string of Click statements, not a list"),
    "define list": ("define: [a]\n",
                    "define must be a mapping of variable name to value, not a list"),
    "bad variable": ("define: {'a-b': 1}\n", "'a-b' is not a variable name"),
    "bad parameter": ("elementclass: {A: {params: [x]}}\n", "'x' is not a parameter"),
    "synonym and body": ("elementclass: {A: {synonym: B, elements: {}}}\n",
                         "elementclass A: synonym cannot be combined with elements"),
    "unknown class key": ("elementclass: {A: {element: {}}}\n",
                          "unknown key in elementclass 'element'"),
    "top-level list": ("- a\n", "the configuration must be a mapping of sections, not a list"),
}


@pytest.mark.parametrize("text", VALID.values(), ids=VALID.keys())
def test_valid_documents_validate_and_load(validator, text):
    assert problems(validator, text) == []
    parse_yaml(textwrap.dedent(text), "v.yaml")


@pytest.mark.parametrize("text,message", INVALID.values(), ids=INVALID.keys())
def test_invalid_documents_fail_both_schema_and_loader(validator, text, message):
    assert problems(validator, text) != []
    with pytest.raises(ConfigError) as info:
        parse_yaml(text, "i.yaml")
    assert [d.message for d in info.value.diagnostics] == [message]


def test_unknown_keyword_of_a_known_class_fails_validation(validator):
    found = problems(validator, "elements: {q: {class: Queue, keywords: {CAPACTY: 5}}}\n")
    assert found != []
    assert problems(validator, "elements: {q: {class: Queue, keywords: {CAPACITY: 5}}}\n") == []
    # an elementclass of the configuration may take any keyword
    assert problems(validator, "elements: {q: {class: Mine, keywords: {ANY: 5}}}\n") == []
