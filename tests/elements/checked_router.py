"""A Router for a configuration text that must pass every check first."""
from clickpy.check import check_graph
from clickpy.graph import build_graph
from clickpy.lang import parse_text
from clickpy.runtime.router import Router


def checked(text: str):
    """The checked graph of Click-language `text` (as file t.click); fails on any error."""
    result = check_graph(build_graph(parse_text(text, "t.click", yaml=False)))
    assert result.ok, [str(d) for d in result.errors]
    return result.graph


def router(text: str) -> Router:
    return Router(checked(text))
