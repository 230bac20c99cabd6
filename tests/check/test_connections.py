from checking import check_click, only


def test_push_output_feeding_two_inputs():
    r = check_click("s :: InfiniteSource;\ns -> a :: Discard;\ns -> b :: Discard;\n")
    d = only(r.errors)
    assert d.message == ("push output 0 of s :: InfiniteSource is connected to 2 inputs: "
                         "a [0] at t.click:2:6, b [0] at t.click:3:6")
    assert "Tee" in d.hint
    assert (d.pos.line, d.pos.col) == (3, 1)


def test_pull_input_fed_by_two_outputs():
    r = check_click("s1 :: InfiniteSource -> q1 :: Queue;\ns2 :: InfiniteSource -> q2 :: Queue;\n"
                    "td :: ToDevice(eth0);\nq1 -> td;\nq2 -> td;\n")
    d = only(r.errors)
    assert d.message == ("pull input 0 of td :: ToDevice is fed by 2 outputs: "
                         "q1 [0] at t.click:4:1, q2 [0] at t.click:5:1")
    assert "RoundRobinSched" in d.hint
    assert (d.pos.line, d.pos.col) == (5, 7)


def test_push_input_may_take_many_outputs():
    r = check_click("s1 :: InfiniteSource -> d :: Discard;\ns2 :: InfiniteSource -> d;\n")
    assert r.ok, [str(x) for x in r.diagnostics]
