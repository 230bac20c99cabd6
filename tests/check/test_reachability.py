from checking import check_click

from clickpy.diagnostics import WARNING


def test_element_fed_only_by_idle_is_unreachable():
    r = check_click("Idle -> c :: Counter -> d :: Discard;")
    assert r.ok
    names = sorted(w.message for w in r.warnings)
    assert names == ["no packet can reach c :: Counter", "no packet can reach d :: Discard"]
    assert all(w.severity == WARNING for w in r.warnings)


def test_reachable_elements_get_no_warning():
    r = check_click("s :: InfiniteSource -> c :: Counter -> Discard;")
    assert r.diagnostics == []
