from checking import check_click, only

from clickpy.check.processing import paths


def test_push_output_into_pull_input_names_both_and_suggests_a_queue():
    r = check_click("s :: FromDevice(eth0);\ntd :: ToDevice(eth0);\ns -> td;\n")
    d = only(r.errors)
    assert d.check == "processing"
    assert d.message.startswith("push output meets pull input: s :: FromDevice output 0")
    assert "td :: ToDevice input 0" in d.message
    assert d.hint == "put a Queue between them: s [0] -> Queue -> [0] td"
    assert (d.pos.line, d.pos.col) == (3, 1)


def test_pull_output_into_push_input_suggests_unqueue():
    r = check_click("s :: InfiniteSource -> q :: Queue;\nq -> t :: Tee -> Discard;\n")
    d = only(r.errors)
    assert d.message.startswith("pull output meets push input: q :: Queue output 0")
    assert d.hint == "put an Unqueue between them: q [0] -> Unqueue -> [0] t"


def test_agnostic_element_used_both_ways():
    r = check_click("s :: FromDevice(eth0) -> c :: Counter -> td :: ToDevice(eth0);")
    d = only(r.errors)
    assert d.message.startswith("agnostic element c :: Counter is used both ways")
    assert "because of s :: FromDevice" in d.message
    assert "because of td :: ToDevice" in d.message
    assert (d.pos.line, d.pos.col) == (1, 26)


def test_agnostic_resolution_through_a_chain():
    r = check_click("s :: InfiniteSource -> q :: Queue -> c :: Counter -> st :: Strip(14)"
                    " -> td :: ToDevice(eth0);")
    assert r.ok, [str(d) for d in r.diagnostics]
    g = r.graph
    assert g.nodes["c"]["in_processing"] == ["pull"] and g.nodes["c"]["out_processing"] == ["pull"]
    assert g.nodes["st"]["out_processing"] == ["pull"]
    assert g.nodes["s"]["out_processing"] == ["push"]
    push, pull = paths(g)
    assert push == ["s"] and pull == ["td"]


def test_unresolved_agnostic_defaults_to_push():
    r = check_click("s :: InfiniteSource -> c :: Counter -> Discard;")
    assert r.ok
    assert r.graph.nodes["c"]["out_processing"] == ["push"]


def test_infinite_source_is_agnostic_and_can_be_pulled():
    r = check_click("s :: InfiniteSource -> c :: Counter -> td :: ToDevice(eth0);")
    assert r.ok, [str(d) for d in r.diagnostics]
    assert r.graph.nodes["s"]["out_processing"] == ["pull"]
