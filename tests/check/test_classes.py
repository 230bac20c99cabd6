from checking import check_click, only


def test_unknown_class_is_named_with_position_and_suggestion():
    r = check_click("s :: InfiniteSource;\ns -> c :: Cuonter -> Discard;\n")
    d = only(r.errors)
    assert d.message == "unknown element class 'Cuonter'"
    assert (d.pos.line, d.pos.col) == (2, 6)
    assert d.hint == "did you mean Counter?"
    assert d.check == "classes"


def test_unknown_class_without_close_match_points_to_the_list():
    r = check_click("x :: Zzqqy;")
    d = only(r.errors)
    assert d.message == "unknown element class 'Zzqqy'"
    assert "clickpy elements" in d.hint


def test_undeclared_bare_name_in_connection_suggests_declaring_it():
    r = check_click("s :: InfiniteSource;\ns -> mycounter;\n")
    d = only(r.errors, "classes")
    assert d.message == "unknown element class 'mycounter'"
    assert "mycounter :: Class" in d.hint
    assert (d.pos.line, d.pos.col) == (2, 6)
