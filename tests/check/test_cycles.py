from checking import check_click, only


def test_push_loop_with_no_exit_is_an_error():
    r = check_click("s :: InfiniteSource -> c :: Counter -> n :: Strip(0) -> c;")
    d = only(r.errors)
    assert d.message == "push cycle with no way out: c -> n -> c" or \
        d.message == "push cycle with no way out: n -> c -> n"
    assert d.check == "cycles"


def test_loop_with_an_exit_is_allowed():
    r = check_click("s :: InfiniteSource -> c :: CheckIPHeader -> n :: Strip(0) -> c;\n"
                    "c[1] -> Discard;\n")
    assert not [d for d in r.errors if d.check == "cycles"]


def test_queue_breaks_a_loop():
    r = check_click("s :: InfiniteSource -> c :: Counter -> q :: Queue -> u :: Unqueue -> c;")
    assert r.ok, [str(d) for d in r.diagnostics]
