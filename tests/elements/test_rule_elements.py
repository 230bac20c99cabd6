"""Classifier, IPClassifier and IPFilter: declarations, argument parsing, output counts."""
from __future__ import annotations

import pytest
from scapy.all import IP, TCP, UDP, Ether

from clickpy.args import ParseContext, parse_args, split_config
from clickpy.diagnostics import SourcePos
from clickpy.element import IP_HEADER, PUSH, registry
from clickpy.rules import RuleError, classifier_pattern, ipfilter_expr
from clickpy.rules.ipfilter_expr import TRUE, FilterRule
from checking import check_click

POS = SourcePos("t.click", 4, 12)
E = registry()


def parse(name, text, ctx=None):
    cls = E[name]
    return parse_args(cls.class_name, cls.args, split_config(text, POS), ctx or ParseContext(), POS)


def ok(name, text, ctx=None):
    values, issues = parse(name, text, ctx)
    assert issues == []
    return values


def issue(name, text, ctx=None):
    _, issues = parse(name, text, ctx)
    assert len(issues) == 1, issues
    return issues[0]


# ---- declarations -----------------------------------------------------------

@pytest.mark.parametrize("name, family", [("Classifier", "standard"), ("IPClassifier", "ip"),
                                          ("IPFilter", "ip")])
def test_declarations_match_click(name, family):
    cls = E[name]
    assert cls.family() == family
    assert cls.port_count == "1/-"
    assert cls.processing_code().input(0) == PUSH
    assert cls.processing_code().output(5) == PUSH
    assert [h.name for h in cls.handlers] == ["program"]
    assert cls.summary()


def test_ip_elements_need_the_ip_header_annotation_and_classifier_does_not():
    assert E["IPFilter"].requires == {IP_HEADER: None}
    assert E["IPClassifier"].requires == {IP_HEADER: None}
    assert E["Classifier"].requires == {}


# ---- Classifier ------------------------------------------------------------

def test_classifier_patterns_parse_one_per_output():
    values = ok("Classifier", "12/0806 20/0001, 12/0806 20/0002, 12/0800, -")
    patterns = values["PATTERN"]
    assert patterns == [classifier_pattern.parse_pattern(t) for t in
                        ("12/0806 20/0001", "12/0806 20/0002", "12/0800", "-")]
    assert E["Classifier"].port_counts_for(values) == (None, 4)
    arp_reply = bytes(Ether() / b"\x00\x01\x08\x00\x06\x04\x00\x02")
    arp_reply = arp_reply[:12] + b"\x08\x06" + arp_reply[14:]
    assert classifier_pattern.first_match(patterns, arp_reply) == 1


def test_classifier_without_patterns_has_no_outputs():
    assert E["Classifier"].port_counts_for(ok("Classifier", "")) == (None, 0)


def test_classifier_error_names_the_argument_and_its_position():
    bad = issue("Classifier", "12/0806, 12/080")
    assert bad.message == "PATTERN: value '080' has an odd number of hex digits"
    assert bad.pos == SourcePos("t.click", 4, 24)
    assert "?" in bad.hint


def test_classifier_error_carries_the_offset_within_the_argument():
    cls = E["Classifier"]
    item = split_config("12/0806, 12/0800 30/x", POS)[1]
    with pytest.raises(RuleError) as info:
        cls.args[0].type.parse(item.text, ParseContext())
    e = info.value
    assert e.message == "unexpected 'x' in clause '30/x'"
    assert item.text[e.offset:e.offset + e.length] == "x"
    assert item.pos.advanced(item.text[:e.offset]) == SourcePos("t.click", 4, 32)


# ---- IPClassifier -----------------------------------------------------------

def test_ipclassifier_patterns():
    values = ok("IPClassifier", "dst tcp port 8000 or 8080, dst tcp port > 1023, tcp, -")
    patterns = values["PATTERN"]
    assert len(patterns) == 4 and patterns[3] == TRUE
    assert E["IPClassifier"].port_counts_for(values) == (None, 4)
    assert ipfilter_expr.first_match(patterns, bytes(IP() / TCP(dport=8080))) == 0
    assert ipfilter_expr.first_match(patterns, bytes(IP() / UDP(dport=8080))) == 3


def test_ipclassifier_uses_address_info_names():
    ctx = ParseContext(addresses={"inside": ["10.0.0.0/8"]})
    values = ok("IPClassifier", "src inside, -", ctx)
    assert ipfilter_expr.matches(values["PATTERN"][0], bytes(IP(src="10.9.9.9") / TCP()))


def test_ipclassifier_pattern_starting_with_a_capitalized_name_is_not_a_keyword():
    ctx = ParseContext(addresses={"INSIDE": ["10.0.0.0/8"]})
    values = ok("IPClassifier", "INSIDE and tcp, -", ctx)
    assert len(values["PATTERN"]) == 2


def test_ipclassifier_error():
    bad = issue("IPClassifier", "tcp,\n   prot udp")
    assert bad.message == "PATTERN: unknown primitive 'prot'"
    assert bad.hint == "did you mean proto?"
    assert bad.pos == SourcePos("t.click", 5, 4)


# ---- IPFilter ---------------------------------------------------------------

FIREWALL = """// Spoof-1:
              deny src 10.0.0.0/8,
              allow tcp && dst port 22,
              2 udp && dst port 53,
              deny all"""


def test_ipfilter_rules_and_output_count():
    values = ok("IPFilter", FIREWALL)
    rules = values["FILTER"]
    assert [(r.action, r.port) for r in rules] == [("deny", None), ("allow", 0), ("2", 2),
                                                   ("deny", None)]
    assert rules[3] == FilterRule("deny", None, TRUE)
    assert E["IPFilter"].port_counts_for(values) == (None, 3)
    dns = bytes(IP(src="8.8.8.8") / UDP(dport=53))
    spoofed = bytes(IP(src="10.1.1.1") / UDP(dport=53))
    assert ipfilter_expr.filter_output(rules, dns) == 2
    assert ipfilter_expr.filter_output(rules, spoofed) is None


def test_ipfilter_with_only_drops_leaves_outputs_to_the_connections():
    assert E["IPFilter"].port_counts_for(ok("IPFilter", "drop udp, deny all")) == (None, None)
    assert E["IPFilter"].port_counts_for(ok("IPFilter", "allow all")) == (None, 1)


def test_ipfilter_error_positions():
    bad = issue("IPFilter", FIREWALL.replace("allow tcp", "alow tcp"))
    assert bad.message == "FILTER: unknown action 'alow'"
    assert bad.hint == "did you mean allow?"
    assert bad.pos == SourcePos("t.click", 6, 15)


# ---- in a configuration -------------------------------------------------------

def test_firewall_configuration_checks_clean():
    result = check_click("""
        FromDevice(eth0) -> c :: Classifier(12/0800, -);
        c[0] -> CheckIPHeader(14)
             -> f :: IPFilter(allow tcp && dst port 22, 1 udp, deny all);
        f[0] -> Queue -> ToDevice(eth1);
        f[1] -> Discard;
        c[1] -> Discard;
    """)
    assert result.errors == [], [d.format() for d in result.errors]


def test_classifier_output_count_follows_its_patterns():
    result = check_click("""
        FromDevice(eth0) -> c :: Classifier(12/0806, 12/0800, -);
        c[0] -> Discard;
        c[1] -> Discard;
    """)
    assert any(d.message.endswith("Classifier output 2 is not connected") for d in result.errors), \
        [d.format() for d in result.errors]


def test_ipfilter_without_ip_header_annotation_is_reported():
    result = check_click("""
        FromDevice(eth0) -> IPFilter(allow tcp) -> Discard;
    """)
    assert any("IP header annotation" in d.message for d in result.errors), \
        [d.format() for d in result.errors]


def test_bad_pattern_in_a_configuration_points_at_its_argument():
    result = check_click("FromDevice(eth0) -> IPClassifier(tcp, udpp) -> Discard;\n")
    bad = [d for d in result.errors if "udpp" in d.message]
    assert len(bad) == 1, [d.format() for d in result.errors]
    assert bad[0].pos == SourcePos("t.click", 1, 39)
    assert bad[0].hint == "did you mean udp?"
