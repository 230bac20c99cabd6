"""clickpy.fixedpoint: Click's fixed-point reals, parsed and printed as Click does."""
from fractions import Fraction

from clickpy.fixedpoint import to_fixed, unparse_real2


def test_unparse_real2_matches_click():
    assert unparse_real2(1 << 28, 28) == "1"
    assert unparse_real2(1 << 27, 28) == "0.5"
    assert unparse_real2(round(0.1 * (1 << 28)), 28) == "0.1"
    assert unparse_real2(1, 28) == "0.000000004"
    assert unparse_real2(3 << 27, 28) == "1.5"
    assert unparse_real2(1311, 16) == "0.02"          # RED's MAX_P 0.02
    assert unparse_real2(5 << 10, 10) == "5"         # an EWMA with 10 bits of fraction


def test_fixed_point_text_round_trips():
    for text in ("0.1", "0.3", "0.001", "0.999", "0.5", "0.123456"):
        assert to_fixed(unparse_real2(to_fixed(text, 28), 28), 28) == to_fixed(text, 28)
    assert unparse_real2(to_fixed("0.1", 28), 28) == "0.1"
    assert to_fixed(0.02, 16) == to_fixed("0.02", 16) == to_fixed(Fraction(2, 100), 16) == 1311
    assert to_fixed("1", 16) == 1 << 16
