from checking import check_click, only


def test_missing_ip_header_annotation_names_a_path():
    r = check_click("src :: FromDevice(eth0)\n  -> Strip(14)\n  -> dt :: DecIPTTL\n  -> Discard;\n"
                    "dt[1] -> Discard;\n")
    d = only(r.errors)
    assert d.check == "preconditions"
    assert d.message.startswith("dt :: DecIPTTL needs the IP header annotation on input 0, "
                                "but packets can arrive without it: src -> Strip@")
    assert d.message.endswith(" -> dt")
    assert d.hint == "put CheckIPHeader or MarkIPHeader upstream, e.g. Strip(14) -> CheckIPHeader -> dt"
    assert (d.pos.line, d.pos.col) == (3, 6)


def test_annotation_set_upstream_satisfies_it():
    r = check_click("src :: FromDevice(eth0) -> Strip(14) -> CheckIPHeader -> dt :: DecIPTTL"
                    " -> Discard;\ndt[1] -> Discard;\n")
    assert r.ok, [str(d) for d in r.diagnostics]


def test_one_unchecked_branch_is_enough_to_fail():
    text = ("src :: FromDevice(eth0) -> c :: Classifier(12/0800, -);\n"
            "c[0] -> Strip(14) -> CheckIPHeader -> dt :: DecIPTTL -> Discard;\n"
            "c[1] -> Strip(14) -> dt;\n"
            "dt[1] -> Discard;\n")
    d = only(check_click(text).errors)
    assert "c [1] -> Strip@" in d.message


def test_routing_table_needs_destination_annotation():
    text = ("src :: FromDevice(eth0) -> Strip(14) -> MarkIPHeader -> rt :: RadixIPLookup(0.0.0.0/0 0)"
            " -> Discard;\n")
    d = only(check_click(text).errors)
    assert d.message.startswith("rt :: RadixIPLookup needs the destination IP annotation on input 0")
    assert "GetIPAddress(16)" in d.hint
