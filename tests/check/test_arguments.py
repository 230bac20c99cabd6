from checking import check_click, only


def test_integer_type_error_points_at_the_argument():
    r = check_click("s :: InfiniteSource -> q :: Queue(  abc) -> Discard;")
    d = only(r.errors)
    assert d.message == "q :: Queue: CAPACITY: 'abc' is not a packet count"
    assert (d.pos.line, d.pos.col) == (1, 37)
    assert d.hint.startswith("expected packet count")


def test_unknown_keyword_suggests_the_right_one():
    r = check_click("s :: InfiniteSource -> q :: Queue(CAPACTY 5) -> Discard;")
    d = only(r.errors)
    assert d.message == "q :: Queue: unknown keyword CAPACTY"
    assert d.hint == "did you mean CAPACITY?"
    assert (d.pos.line, d.pos.col) == (1, 35)


def test_too_many_arguments_shows_usage():
    r = check_click("s :: InfiniteSource -> q :: Queue(5, 6) -> Discard;")
    d = only(r.errors)
    assert d.message == "q :: Queue: too many arguments: Queue takes at most 1 positional argument"
    assert d.hint == "usage: Queue([CAPACITY])"
    assert (d.pos.line, d.pos.col) == (1, 38)


def test_ip_prefix_type_error_in_keyword_value():
    r = check_click("s :: InfiniteSource -> c :: CheckIPHeader(INTERFACES 10.0.0.1/24 10.0.0.300/24)"
                    " -> Discard;")
    d = only(r.errors)
    assert d.message.startswith("c :: CheckIPHeader: INTERFACES: '10.0.0.300/24' is not an IP prefix")
    assert (d.pos.line, d.pos.col) == (1, 54)


def test_integer_range_is_enforced():
    r = check_click("s :: InfiniteSource -> t :: Tee(0) -> Discard;")
    d = only(r.errors)
    assert d.message == "t :: Tee: N: 0 is out of range"
    assert d.hint == "expected integer in [1, ]"


def test_argument_positions_survive_variable_expansion():
    r = check_click("define($CAP abc)\ns :: InfiniteSource -> q :: Queue($CAP) -> Discard;")
    d = only(r.errors)
    assert d.message == "q :: Queue: CAPACITY: 'abc' is not a packet count"
    assert (d.pos.line, d.pos.col) == (2, 35)


def test_command_line_definition_overrides_define():
    r = check_click("define($CAP abc)\ns :: InfiniteSource -> q :: Queue($CAP) -> Discard;",
                    definitions={"CAP": "10"})
    assert r.ok, [str(d) for d in r.diagnostics]
    assert r.graph.nodes["q"]["values"]["CAPACITY"] == 10


def test_ethernet_address_type_error():
    r = check_click("s :: InfiniteSource -> e :: EtherEncap(0x0800, 00:11:22:33:44, 00:11:22:33:44:55)"
                    " -> Discard;")
    d = only(r.errors)
    assert "'00:11:22:33:44' is not an Ethernet address" in d.message
    assert d.hint == "expected Ethernet address, for example 00:11:22:33:44:55"
    assert (d.pos.line, d.pos.col) == (1, 48)


def test_bandwidth_type_error():
    r = check_click("s :: InfiniteSource -> q :: Queue -> b :: BandwidthRatedUnqueue(10Mbs)"
                    " -> Discard;")
    d = only(r.errors)
    assert d.message == "b :: BandwidthRatedUnqueue: RATE: '10Mbs' is not a bandwidth: unknown unit 'Mbs'"
    assert d.hint == "expected bandwidth, for example 10Mbps"
    assert (d.pos.line, d.pos.col) == (1, 65)


def test_time_type_error():
    r = check_click("s :: InfiniteSource -> q :: Queue -> u :: RatedUnqueue(100, BURST_DURATION 5 parsecs)"
                    " -> Discard;")
    d = only(r.errors)
    assert d.message == "u :: RatedUnqueue: BURST_DURATION: '5 parsecs' is not a time"
    assert d.hint == "expected time, for example 1.5s or 100ms"
    assert (d.pos.line, d.pos.col) == (1, 76)


def test_ip_address_type_error_and_missing_argument():
    r = check_click("s :: FromDevice(eth0) -> a :: ARPQuerier(10.0.0.256, 00:11:22:33:44:55) -> Discard;\n"
                    "Idle -> [1]a;\n")
    d = only(r.errors)
    assert d.message == "a :: ARPQuerier: IP: '10.0.0.256' is not an IP prefix"
    assert (d.pos.line, d.pos.col) == (1, 42)
    r = check_click("s :: InfiniteSource -> b :: BandwidthShaper -> Discard;")
    d = only(r.errors)
    assert d.message == "b :: BandwidthShaper: missing argument RATE (bandwidth)"
    assert (d.pos.line, d.pos.col) == (1, 24)


def test_route_port_must_exist():
    r = check_click("s :: FromDevice(eth0) -> CheckIPHeader(14) -> rt :: RadixIPLookup(10.0.0.0/8 1, "
                    "0.0.0.0/0 0) -> Discard;")
    d = only(r.errors)
    assert d.message.startswith("rt :: RadixIPLookup: route 10.0.0.0/8")
    assert "output 1, but only 1 output is connected" in d.message
