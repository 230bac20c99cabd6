"""Click's fixed-point reals: FixedPointArg's rounding, and cp_unparse_real2's printing.

Click keeps probabilities and averages as integers with some bits of fraction
(RandomSample's 28, RED's MAX_P 16, an EWMA's 10) and prints them back as the
shortest decimal that reads back as the same integer.  Elements do the same,
so that their handlers print what Click's print.
"""
from __future__ import annotations

from fractions import Fraction

M32 = 0xFFFFFFFF


def to_fixed(x, frac_bits: int) -> int:
    """x (a decimal string, a float as written, or a Fraction) with frac_bits bits of
    fraction, rounded to nearest as FixedPointArg rounds."""
    if isinstance(x, str):
        x = Fraction(x.strip())
    elif isinstance(x, float):
        x = Fraction(repr(x))
    return int(Fraction(x) * (1 << frac_bits) + Fraction(1, 2))


def unparse_real2(real: int, frac_bits: int) -> str:
    """Click's cp_unparse_real2 (TeX's print_scaled), with its unsigned 32-bit arithmetic."""
    out = str(real >> frac_bits)
    one = 1 << frac_bits
    real &= one - 1
    if not real:
        return out
    out += "."
    real = (10 * real + 5) & M32
    allowable = 10
    rounder = 5
    while rounder < (one >> 1):
        rounder = (rounder * 10) & M32
    while True:
        if allowable > one:
            real = (real + (one >> 1) - rounder) & M32
        out += chr(ord("0") + (real >> frac_bits))
        real = (10 * (real & (one - 1))) & M32
        allowable = (allowable * 10) & M32
        if not real > allowable:
            return out
