"""Check Click-language text in one call: the helper the check and graph tests share."""
from __future__ import annotations

from clickpy.check import CheckResult, check_graph
from clickpy.graph import build_graph
from clickpy.lang import parse_text


def check_click(text: str, file: str = "t.click", definitions: dict | None = None) -> CheckResult:
    """Parse Click-language text, flatten and check it."""
    return check_graph(build_graph(parse_text(text, file, yaml=False), definitions))


def only(diags, check: str | None = None):
    """The single diagnostic (of one check, if named); fails listing all otherwise."""
    found = [d for d in diags if check is None or d.check == check]
    assert len(found) == 1, "\n".join(d.format() for d in diags)
    return found[0]

