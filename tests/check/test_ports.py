from checking import check_click, only


def test_output_index_out_of_range():
    r = check_click("s :: InfiniteSource;\ns -> Discard;\ns[1] -> Discard;\n")
    d = only(r.errors)
    assert d.message == "s :: InfiniteSource has no output 1"
    assert (d.pos.line, d.pos.col) == (3, 1)


def test_input_index_out_of_range():
    r = check_click("s :: InfiniteSource;\nd :: Discard;\ns -> [2]d;\n")
    d = [x for x in r.errors if "has no input" in x.message][0]
    assert d.message == "d :: Discard has no input 2"
    assert (d.pos.line, d.pos.col) == (3, 9)


def test_missing_output_connection():
    r = check_click("s :: InfiniteSource -> c :: Counter;")
    d = only(r.errors)
    assert d.message == "c :: Counter needs 1 output, but 0 outputs connected"
    assert d.hint == "connect its output 0, e.g. c[0] -> Discard"
    assert (d.pos.line, d.pos.col) == (1, 24)


def test_gap_in_used_outputs():
    r = check_click("s :: InfiniteSource -> c :: CheckIPHeader;\nc[1] -> Discard;\n")
    d = only(r.errors)
    assert d.message == "c :: CheckIPHeader output 0 is not connected"
    assert d.hint == "send it somewhere, e.g. c[0] -> Discard"


def test_configuration_decides_output_count():
    r = check_click("s :: InfiniteSource -> t :: Tee(3);\nt[1] -> Discard;\nt[0] -> Discard;\n")
    d = only(r.errors)
    assert d.message == "t :: Tee output 2 is not connected"


def test_configuration_forbids_extra_outputs():
    r = check_click("s :: InfiniteSource -> t :: Tee(1);\nt[1] -> Discard;\nt[0] -> Discard;\n")
    d = only(r.errors)
    assert d.message == "t :: Tee has no output 1"
    assert d.hint == "its configuration gives it 1 output"
    assert (d.pos.line, d.pos.col) == (2, 1)
