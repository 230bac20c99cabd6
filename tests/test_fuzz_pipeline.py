"""Random and mutated configurations: only clean errors, never a traceback or a hang."""
import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clickpy.check import check_graph
from clickpy.diagnostics import ConfigError
from clickpy.graph import build_graph
from clickpy.lang import parse_text

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
with open(os.path.join(ROOT, "configs", "router.click")) as f:
    ROUTER = f.read()

CLASSES = ["InfiniteSource", "Queue", "Counter", "Discard", "Tee", "ToDevice(eth0)", "Strip(14)",
           "CheckIPHeader", "DecIPTTL", "Classifier(12/0800, -)", "Unqueue", "Idle", "Paint(1)",
           "Queue(x)", "Tee(0)", "Cuonter", "RadixIPLookup(0/0 0)", "IPFilter(allow all)"]
TOKENS = ["->", "::", "[", "]", "(", ")", ";", ",", "{", "}", "|", "$x", "input", "output",
          "elementclass", "define", "require", "//", "/*", "*/", "\"", "'", "\n", " ", "a", "b",
          "0", "1", "\\<", ">", "@", "/"]


def pipeline(text: str, yaml: bool = False) -> None:
    try:
        graph = build_graph(parse_text(text, "f.yaml" if yaml else "f.click", yaml=yaml))
        check_graph(graph)
    except ConfigError as e:
        for d in e.diagnostics:
            assert d.pos.file.startswith("f."), d
            assert d.message


@st.composite
def graphs(draw):
    n = draw(st.integers(1, 8))
    lines = [f"e{i} :: {draw(st.sampled_from(CLASSES))};" for i in range(n)]
    for _ in range(draw(st.integers(0, 12))):
        a, b = draw(st.integers(0, n - 1)), draw(st.integers(0, n - 1))
        pa, pb = draw(st.integers(0, 3)), draw(st.integers(0, 3))
        lines.append(f"e{a}[{pa}] -> [{pb}]e{b};")
    return "\n".join(lines)


settings.register_profile("pipeline", deadline=None, max_examples=150,
                          suppress_health_check=[HealthCheck.too_slow])


@settings(settings.get_profile("pipeline"))
@given(graphs())
def test_random_graphs_only_give_clean_diagnostics(text):
    pipeline(text)


@settings(settings.get_profile("pipeline"))
@given(st.lists(st.sampled_from(TOKENS), max_size=60).map("".join))
def test_token_soup(text):
    pipeline(text)


@settings(settings.get_profile("pipeline"))
@given(st.data())
def test_mutated_router(data):
    text = ROUTER
    for _ in range(data.draw(st.integers(1, 4))):
        i = data.draw(st.integers(0, len(text)))
        j = data.draw(st.integers(i, min(len(text), i + 20)))
        text = text[:i] + data.draw(st.sampled_from(TOKENS + [""])) + text[j:]
    pipeline(text)


def test_deeply_nested_compounds_are_refused_cleanly():
    depth = 500
    text = "".join(f"elementclass C{i} {{ input -> C{i - 1} -> output }}\n" for i in range(1, depth))
    text = "elementclass C0 { input -> Counter -> output }\n" + text
    text += f"s :: InfiniteSource -> C{depth - 1} -> Discard;\n"
    pipeline(text)


def test_long_chain_checks_in_reasonable_time():
    n = 20000
    text = "s :: InfiniteSource" + "".join(" -> Counter" for _ in range(n)) + " -> Discard;"
    graph = build_graph(parse_text(text, "long.click", yaml=False))
    result = check_graph(graph)
    assert result.ok and graph.number_of_nodes() == n + 2
