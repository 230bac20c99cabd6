"""Click's text rules for scripts: words, quotes, `$` substitutions, numbers and booleans.

Scripts see values as Click does, so these follow lib/confparse.cc and
lib/variableenv.cc: cp_pop_spacevec (pop_word), cp_unquote (unquote_text),
cp_expand with its expander callback (expand), cp_expand_in_quotes
(quote_in), cp_bool, cp_integer and cp_double, and String(double).
"""
from __future__ import annotations

import re
from typing import Callable

from clickpy.args import ArgError, unquote

_INT = re.compile(r"[+-]?(0[xX][0-9a-fA-F]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)\Z")
_DOUBLE = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?\Z")
_TRUE = frozenset({"true", "yes", "1", "on", "t", "y"})
_FALSE = frozenset({"false", "no", "0", "off", "f", "n"})
_NAME_CHAR = re.compile(r"[A-Za-z0-9_]")
INT64_MIN, INT64_MAX = -(1 << 63), (1 << 63) - 1


def _skip_quote(text: str, i: int) -> int:
    """Index past the quoted string starting at text[i] (to the end if unterminated)."""
    q = text[i]
    j = i + 1
    while j < len(text):
        if q == '"' and text[j] == "\\":
            j += 2
            continue
        if text[j] == q:
            return j + 1
        j += 1
    return len(text)


def pop_word(text: str) -> tuple[str, str]:
    """(first space-separated word, the rest with its leading space removed): quoted
    strings stay whole and keep their quotes, as Click's cp_pop_spacevec."""
    text = text.lstrip()
    i = 0
    while i < len(text) and not text[i].isspace():
        i = _skip_quote(text, i) if text[i] in "\"'" else i + 1
    return text[:i], text[i:].lstrip()


def words(text: str) -> list[str]:
    """Every word of text, as pop_word takes them."""
    out = []
    word, text = pop_word(text)
    while word:
        out.append(word)
        word, text = pop_word(text)
    return out


def unquote_text(text: str) -> str:
    """One layer of quoting removed (cp_unquote): "..." with C escapes, '...' as is."""
    text = text.strip()
    try:
        return unquote(text).decode("utf-8", "surrogateescape")
    except ArgError:       # an unterminated quote: Click keeps what it has
        return text.replace('"', "").replace("'", "")


def quote_in(value: str) -> str:
    """value as it may stand inside double quotes (cp_expand_in_quotes with '"')."""
    out = []
    for c in value:
        if c in '\\"$':
            out.append("\\" + c)
        elif c == "\n":
            out.append("\\n")
        elif c == "\t":
            out.append("\\t")
        elif c == "\r":
            out.append("\\r")
        elif not c.isprintable():
            out.append(f"\\{ord(c) & 0xFF:03o}")
        else:
            out.append(c)
    return "".join(out)


# expander(name, kind, quote) -> the text to put in, or None to leave the reference as is.
# kind is "a" ($x, $?, $#), "{" (${x}) or "(" ($(handler args)); quote is "" or '"'.
Expander = Callable[[str, str, str], "str | None"]


def _paren_end(text: str, i: int) -> tuple[int, bool]:
    """Index past the ')' closing the '$(' whose body starts at i (-1 if none), and
    whether the body holds a '$' to expand first."""
    level, quote, dollar = 1, "", False
    while i < len(text):
        c = text[i]
        if c in "()" and not quote:
            level += 1 if c == "(" else -1
            if level == 0:
                return i + 1, dollar
        elif c in "\"'":
            quote = c if not quote else ("" if quote == c else quote)
        elif c == "\\" and quote != "'":
            i += 1
        elif c == "$" and quote != "'":
            dollar = True
        i += 1
    return -1, dollar


def expand(text: str, expander: Expander, expand_quote: bool = False) -> str:
    """Substitute $x, ${x}, $?, $#, $1 and $(handler args) (cp_expand): not inside single
    quotes; inside double quotes, values are escaped to stay there; with expand_quote,
    values outside quotes are put in double quotes (what print does before unquoting)."""
    if "$" not in text:
        return text
    out: list[str] = []
    quote = ""
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "\\" and quote == '"':
            out.append(text[i:i + 2])
            i += 2
            continue
        if c in "\"'":
            quote = c if not quote else ("" if quote == c else quote)
        if c != "$" or i + 1 >= n or quote == "'":
            out.append(c)
            i += 1
            continue
        nxt = text[i + 1]
        if nxt == "{":
            end = text.find("}", i + 2)
            if end < 0:
                out.append(text[i:])
                break
            name, kind, after = text[i + 2:end], "{", end + 1
        elif nxt == "(":
            end, dollar = _paren_end(text, i + 2)
            if end < 0:
                out.append(text[i:])
                break
            name, kind, after = text[i + 2:end - 1], "(", end
            if dollar:
                name = expand(name, expander)
        elif _NAME_CHAR.match(nxt):
            j = i + 1
            while j < n and _NAME_CHAR.match(text[j]):
                j += 1
            name, kind, after = text[i + 1:j], "a", j
        elif nxt in "?#":
            name, kind, after = nxt, "a", i + 2
        else:
            out.append(c)
            i += 1
            continue
        if expand_quote and not quote:
            value = expander(name, kind, '"')
            value = None if value is None else f'"{value}"'
        else:
            value = expander(name, kind, quote)
        out.append(text[i:after] if value is None else value)
        i = after
    return "".join(out)


def parse_bool(text: str) -> bool | None:
    """cp_bool: true/false, yes/no, 1/0, on/off (t/f, y/n); None if neither."""
    t = text.strip().lower()
    return True if t in _TRUE else False if t in _FALSE else None


def unparse_bool(b: bool) -> str:
    return "true" if b else "false"


def parse_int(text: str) -> int | None:
    """cp_integer: decimal, 0x hex, 0b binary or leading-0 octal, in 64 bits; else None."""
    t = text.strip()
    if not _INT.match(t):
        return None
    sign = -1 if t.startswith("-") else 1
    body = t.lstrip("+-")
    if body[:2] in ("0x", "0X", "0b", "0B"):
        v = int(body, 0)
    elif len(body) > 1 and body[0] == "0":
        v = int(body, 8)
    else:
        v = int(body)
    v *= sign
    return v if INT64_MIN <= v <= INT64_MAX else None


def parse_double(text: str) -> float | None:
    """cp_double: a decimal number with optional fraction and exponent; else None."""
    t = text.strip()
    return float(t) if _DOUBLE.match(t) else None


def parse_number(text: str) -> int | float | None:
    """An integer if text is one, else a double, else None (the user-level arithmetic)."""
    v = parse_int(text)
    return v if v is not None else parse_double(text)


def unparse_number(x: int | float) -> str:
    """String(x): integers exactly, doubles as C's %.12g."""
    if isinstance(x, float):
        return "%.12g" % x
    return str(x)
