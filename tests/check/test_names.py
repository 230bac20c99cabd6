from checking import check_click


def test_duplicate_declaration():
    r = check_click("a :: Counter;\nb :: Counter;\na :: Counter;\n")
    d = [x for x in r.errors if x.check == "names"][0]
    assert d.message == "element 'a' declared twice"
    assert (d.pos.line, d.pos.col) == (3, 1)
    assert "t.click:1:1" in d.hint


def test_undefined_variable():
    r = check_click("s :: InfiniteSource -> q :: Queue($CAPP) -> Discard;\ndefine($CAP 5)\n")
    d = [x for x in r.errors if x.check == "variables"][0]
    assert d.message == "undefined variable $CAPP"
    assert d.hint == "did you mean $CAP?"
    assert (d.pos.line, d.pos.col) == (1, 35)
