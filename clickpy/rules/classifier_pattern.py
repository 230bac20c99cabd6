"""Classifier's pattern language: space-separated `[!]OFFSET/VALUE[%MASK]` clauses.

A pattern matches a packet when every clause does; a clause matches when the
packet's bytes at OFFSET, ANDed with MASK, equal VALUE.  OFFSET is decimal,
VALUE and MASK are hex with an even number of digits, and `?` is a nibble
that is not compared.  `!` negates a clause.  The pattern `-` (and, as in
Click, an empty pattern) matches every packet.

Short packets follow Click: a clause that needs a byte past the end of the
packet does not match (so its negation does).  Only bytes whose mask is not
zero are needed.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

from clickpy.rules import RuleError

MAX_OFFSET = 0xFFFF  # Click keeps offsets in 16 bits; no packet is longer

_HEX = "0123456789abcdefABCDEF"


@dataclass(frozen=True)
class Clause:
    """`[!]OFFSET/VALUE%MASK`: value and mask bytes, value already ANDed with mask."""

    offset: int
    value: bytes
    mask: bytes
    negated: bool = False
    at: int = field(default=0, compare=False)  # character offset in the argument

    def unparse(self) -> str:
        plain = all(n in (0, 0xF) for b in self.mask for n in (b >> 4, b & 0xF))
        digits = []
        for v, m in zip(self.value, self.mask):
            for shift in (4, 0):
                mn, vn = (m >> shift) & 0xF, (v >> shift) & 0xF
                digits.append("?" if plain and mn == 0 else f"{vn:x}")
        text = f"{'!' if self.negated else ''}{self.offset}/{''.join(digits)}"
        if not plain:
            text += "%" + self.mask.hex()
        return text


@dataclass(frozen=True)
class Pattern:
    """One Classifier argument: all clauses must match; no clauses matches everything."""

    clauses: tuple[Clause, ...] = ()

    @property
    def matches_everything(self) -> bool:
        return not self.clauses

    def unparse(self) -> str:
        return " ".join(c.unparse() for c in self.clauses) or "-"


def _nibble(c: str) -> tuple[int, int]:
    """(value, mask) of one hex digit or `?`."""
    if c == "?":
        return 0, 0
    return int(c, 16), 0xF


def _scan_hex(text: str, i: int) -> int:
    while i < len(text) and (text[i] in _HEX or text[i] == "?"):
        i += 1
    return i


def parse_pattern(text: str) -> Pattern:
    """Parse one Classifier argument; raises RuleError pointing at the bad clause."""
    if text.strip() == "-":
        return Pattern()
    clauses: list[Clause] = []
    i, n = 0, len(text)
    while True:
        while i < n and text[i].isspace():
            i += 1
        if i >= n:
            break
        start = i
        negated = False
        if text[i] == "!":
            negated = True
            i += 1
            while i < n and text[i].isspace():
                i += 1
        if i >= n or not text[i].isdigit():
            bad = text[i:].split(None, 1)[0] if i < n else ""
            if bad == "-":
                raise RuleError("'-' must be the whole pattern", "write '-' alone to match every packet",
                                i, 1)
            what = f"found {bad!r}" if bad else "found the end of the pattern"
            raise RuleError(f"expected a clause OFFSET/VALUE, {what}",
                            "clauses look like 12/0800 or 12/0800%ffff, separated by spaces",
                            i, len(bad))
        j = i
        while j < n and text[j].isdigit():
            j += 1
        offset = int(text[i:j])
        if offset > MAX_OFFSET:
            raise RuleError(f"offset {offset} is too large", f"offsets go up to {MAX_OFFSET}", i, j - i)
        if j >= n or text[j] != "/":
            raise RuleError(f"expected '/' after offset {offset}",
                            "clauses look like 12/0800: decimal offset, '/', hex value",
                            j, 1 if j < n else 0)
        vstart = j + 1
        vend = _scan_hex(text, vstart)
        mstart = mend = -1
        k = vend
        if k < n and text[k] == "%":
            mstart = k + 1
            mend = _scan_hex(text, mstart)
            k = mend
        if k < n and not text[k].isspace() and text[k] != "!":  # Click allows 12/08!14/00
            bad = text[k:].split(None, 1)[0]
            raise RuleError(f"unexpected {bad!r} in clause {text[start:k + 1]!r}",
                            "values and masks are hex digits or '?'; separate clauses with spaces",
                            k, len(bad))
        nvalue = vend - vstart
        if nvalue < 2:
            raise RuleError(f"value of clause {text[start:k]!r} has fewer than 2 hex digits",
                            "give whole bytes, e.g. 12/08 or 12/0800", vstart, nvalue)
        if nvalue % 2:
            raise RuleError(f"value {text[vstart:vend]!r} has an odd number of hex digits",
                            "each byte takes two hex digits; use ? for a nibble you don't care about",
                            vstart, nvalue)
        if mstart >= 0 and mend - mstart != nvalue:
            which = "many" if mend - mstart > nvalue else "few"
            raise RuleError(f"mask {text[mstart:mend]!r} has too {which} hex digits",
                            f"the mask needs as many digits as the value ({nvalue})",
                            mstart, mend - mstart)
        value = bytearray()
        mask = bytearray()
        for p in range(0, nvalue, 2):
            hv, hm = _nibble(text[vstart + p])
            lv, lm = _nibble(text[vstart + p + 1])
            m = (hm << 4) | lm
            if mstart >= 0:
                mhv, mhm = _nibble(text[mstart + p])
                mlv, mlm = _nibble(text[mstart + p + 1])
                m &= ((mhv & mhm) << 4) | (mlv & mlm)
            v = ((hv << 4) | lv) & m
            value.append(v)
            mask.append(m)
        if offset + len(value) - 1 > MAX_OFFSET:
            raise RuleError(f"clause {text[start:k]!r} reaches past byte {MAX_OFFSET}",
                            "shorten the value or lower the offset", start, k - start)
        clauses.append(Clause(offset, bytes(value), bytes(mask), negated, start))
        i = k
    return Pattern(tuple(clauses))


# --------------------------------------------------------------------------
# Reference interpreter

def clause_matches(clause: Clause, packet: bytes) -> bool:
    """Whether the clause (ignoring its `!`) holds; False if it needs absent bytes."""
    for k, (v, m) in enumerate(zip(clause.value, clause.mask)):
        if m == 0:
            continue
        pos = clause.offset + k
        if pos >= len(packet) or (packet[pos] & m) != v:
            return False
    return True


def matches(pattern: Pattern, packet: bytes) -> bool:
    """Whether a Classifier pattern matches the packet's bytes."""
    return all(clause_matches(c, packet) != c.negated for c in pattern.clauses)


def first_match(patterns: Sequence[Pattern], packet: bytes) -> int | None:
    """The output a Classifier sends the packet to, or None if it drops it."""
    for i, p in enumerate(patterns):
        if matches(p, packet):
            return i
    return None
