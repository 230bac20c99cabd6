"""Classifier's pattern language: parsing, errors with positions, and the reference matcher."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scapy.all import ARP, IP, TCP, UDP, Ether

from clickpy.args import ArgError
from clickpy.rules import RuleError
from clickpy.rules.classifier_pattern import (Clause, Pattern, clause_matches, first_match,
                                              matches, parse_pattern)


def error(text: str) -> RuleError:
    with pytest.raises(RuleError) as info:
        parse_pattern(text)
    return info.value


# ---- parsing ---------------------------------------------------------------

def test_clauses_with_values_masks_and_negation():
    p = parse_pattern("12/0806 !20/0001 14/45%f0")
    assert p == Pattern((
        Clause(12, b"\x08\x06", b"\xff\xff"),
        Clause(20, b"\x00\x01", b"\xff\xff", negated=True),
        Clause(14, b"\x40", b"\xf0"),
    ))
    assert [c.at for c in p.clauses] == [0, 8, 17]


def test_question_marks_are_unmasked_nibbles_in_value_and_mask():
    assert parse_pattern("12/0?a?").clauses == (Clause(12, b"\x00\xa0", b"\xf0\xf0"),)
    # a '?' in the mask also clears the nibble; value bits outside the mask are dropped
    assert parse_pattern("0/ff%f?").clauses == (Clause(0, b"\xf0", b"\xf0"),)


def test_dash_and_empty_pattern_match_everything():
    assert parse_pattern("-") == Pattern()
    assert parse_pattern("") == Pattern()
    assert parse_pattern("-").matches_everything


def test_negation_may_be_followed_by_space_and_clauses_may_abut_a_negation():
    assert parse_pattern("! 12/0800") == parse_pattern("!12/0800")
    assert parse_pattern("12/08!14/00").clauses == (Clause(12, b"\x08", b"\xff"),
                                                    Clause(14, b"\x00", b"\xff", True))


@pytest.mark.parametrize("text", ["12/0806 20/0001", "!12/0800 14/4?", "0/ff%0f", "-",
                                  "12/0800%fff0 !23/06", "100/????"])
def test_unparse_round_trips(text):
    p = parse_pattern(text)
    assert parse_pattern(p.unparse()) == p


def test_unparse_uses_question_marks_where_it_can_and_masks_otherwise():
    assert parse_pattern("12/0?").unparse() == "12/0?"
    assert parse_pattern("12/ff%0f").unparse() == "12/?f"
    assert parse_pattern("12/ff%3f").unparse() == "12/3f%3f"
    assert parse_pattern("!1/00%88").unparse() == "!1/00%88"


# ---- errors: message, hint and the offending characters ---------------------------

@pytest.mark.parametrize("text, message, offset, length", [
    ("12/0800 x/01", "expected a clause OFFSET/VALUE, found 'x/01'", 8, 4),
    ("12 0800", "expected '/' after offset 12", 2, 1),
    ("12", "expected '/' after offset 12", 2, 0),
    ("12/0", "value of clause '12/0' has fewer than 2 hex digits", 3, 1),
    ("12/", "value of clause '12/' has fewer than 2 hex digits", 3, 0),
    ("12/080", "value '080' has an odd number of hex digits", 3, 3),
    ("12/0800%ff", "mask 'ff' has too few hex digits", 8, 2),
    ("12/08%ffff", "mask 'ffff' has too many hex digits", 6, 4),
    ("12/08zz", "unexpected 'zz' in clause '12/08z'", 5, 2),
    ("12/0800 -", "'-' must be the whole pattern", 8, 1),
    ("12/0800 !", "expected a clause OFFSET/VALUE, found the end of the pattern", 9, 0),
    ("70000/00", "offset 70000 is too large", 0, 5),
    ("65535/0000", "clause '65535/0000' reaches past byte 65535", 0, 10),
])
def test_errors_name_the_problem_and_point_at_it(text, message, offset, length):
    e = error(text)
    assert isinstance(e, ArgError)
    assert e.message == message
    assert (e.offset, e.length) == (offset, length)
    assert e.hint


def test_odd_digits_hint_mentions_question_marks():
    assert "?" in error("12/080").hint


# ---- the reference matcher -------------------------------------------------------

ARP_REQUEST = bytes(Ether(dst="ff:ff:ff:ff:ff:ff", src="00:11:22:33:44:55") / ARP(op=1))
ARP_REPLY = bytes(Ether(src="00:11:22:33:44:55") / ARP(op=2))
IP_TCP = bytes(Ether() / IP(src="10.0.0.1", dst="10.0.0.2") / TCP(dport=80))
IP_UDP = bytes(Ether() / IP() / UDP())

CLICK_EXAMPLE = [parse_pattern(t) for t in ("12/0806 20/0001", "12/0806 20/0002", "12/0800", "-")]


@pytest.mark.parametrize("packet, output", [
    (ARP_REQUEST, 0), (ARP_REPLY, 1), (IP_TCP, 2), (IP_UDP, 2), (b"\x00" * 60, 3), (b"", 3),
])
def test_click_documentation_example(packet, output):
    assert first_match(CLICK_EXAMPLE, packet) == output


def test_no_matching_pattern_drops():
    assert first_match([parse_pattern("12/0806")], IP_TCP) is None


def test_masks_and_wildcards_compare_only_their_bits():
    # IP version nibble 4 at byte 14 of an Ethernet frame, header length ignored
    assert matches(parse_pattern("14/4?"), IP_TCP)
    assert matches(parse_pattern("14/40%f0"), IP_TCP)
    assert not matches(parse_pattern("14/60%f0"), IP_TCP)
    # protocol byte 23 is TCP (6), destination port 80 at 36
    assert matches(parse_pattern("12/0800 23/06 36/0050"), IP_TCP)
    assert not matches(parse_pattern("12/0800 23/11"), IP_TCP)


def test_negated_clause():
    assert matches(parse_pattern("!12/0806"), IP_TCP)
    assert not matches(parse_pattern("!12/0800"), IP_TCP)
    assert matches(parse_pattern("12/0800 !23/11"), IP_TCP)


def test_clause_past_the_end_does_not_match_and_its_negation_does():
    short = IP_TCP[:14]
    assert not matches(parse_pattern("14/45"), short)
    assert matches(parse_pattern("!14/45"), short)
    # a clause straddling the end fails even if the bytes present agree
    assert not matches(parse_pattern("12/080045"), short)
    assert matches(parse_pattern("12/0800"), short)


def test_bytes_with_zero_mask_are_not_needed():
    packet = bytes([0x08, 0x00])
    assert matches(parse_pattern("0/08??"), packet)
    assert matches(parse_pattern("0/08??????"), packet)
    assert not matches(parse_pattern("0/08??00"), packet)
    assert clause_matches(Clause(5, b"\x00", b"\x00"), b"")


# ---- robustness ------------------------------------------------------------------

TOKENS = st.sampled_from(["12/0800", "!", "-", "/", "%", "ff", "?", " ", "0", "12", "x",
                          "%ff", "!14/0?", "\t", "65535/00", "99999", "/08%", "0/????"])


@settings(max_examples=400, deadline=None)
@given(st.lists(TOKENS, max_size=12).map("".join))
def test_random_token_soups_parse_or_raise_rule_error(text):
    try:
        p = parse_pattern(text)
    except RuleError as e:
        assert e.message
        assert e.offset is not None and 0 <= e.offset <= len(text)
        assert 0 <= e.offset + e.length <= len(text)
        return
    assert parse_pattern(p.unparse()) == p


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 40), st.binary(min_size=1, max_size=4),
                          st.binary(min_size=4, max_size=4), st.booleans()), max_size=4),
       st.binary(max_size=48))
def test_matcher_agrees_with_a_bytewise_definition(clauses, packet):
    text = " ".join(f"{'!' if neg else ''}{off}/{value.hex()}%{mask[:len(value)].hex()}"
                    for off, value, mask, neg in clauses)
    pattern = parse_pattern(text)

    def holds(off, value, mask):
        return all(m == 0 or (off + k < len(packet) and packet[off + k] & m == v & m)
                   for k, (v, m) in enumerate(zip(value, mask)))

    expected = all(holds(off, value, mask) != neg for off, value, mask, neg in clauses)
    assert matches(pattern, packet) == expected
