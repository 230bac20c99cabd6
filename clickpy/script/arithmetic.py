"""Script's read handlers with parameters: arithmetic, comparisons, booleans, text.

As Click's user-level Script: integers stay 64-bit integers, any operand
that is not an integer makes the result a double (String(double): %.12g);
comparisons fall back to bytewise string order when an operand is not a
number.  Each function takes the handler's parameter text and returns the
value; ValueError carries Click's message.
"""
from __future__ import annotations

import math
import operator
import os
import random
import time

from clickpy.script.text import (parse_bool, parse_int, parse_number, pop_word, unparse_bool,
                                 unparse_number, unquote_text, words)


def _numbers(param: str) -> list[int | float]:
    out = []
    for w in words(param):
        v = parse_number(w)
        if v is None:
            raise ValueError("expected list of numbers")
        out.append(v)
    return out


def _fold(what: str, param: str) -> str:
    """add, sub, mul, div, idiv: left to right; div and idiv in doubles (idiv truncates)."""
    nums = _numbers(param)
    if not nums:
        return "0" if what in ("add", "sub") else "1"
    as_double = what in ("div", "idiv") or any(isinstance(v, float) for v in nums)
    acc = float(nums[0]) if as_double else nums[0]
    for v in nums[1:]:
        v = float(v) if as_double else v
        if what == "add":
            acc += v
        elif what == "sub":
            acc -= v
        elif what == "mul":
            acc *= v
        elif v == 0:
            acc = math.copysign(math.inf, acc) if acc else math.nan
        else:
            acc /= v
    if what == "idiv":
        if math.isnan(acc) or math.isinf(acc):
            raise ValueError("division by zero")
        return str(int(acc))
    return unparse_number(acc)


def _remainder(what: str, param: str) -> str:
    """mod and rem: `mod A B` takes the sign of B (a modulus), `rem A B` that of A."""
    nums = _numbers(param)
    if len(nums) != 2:
        raise ValueError("expected two numbers")
    a, b = nums
    if b == 0:
        raise ValueError("division by zero")
    if isinstance(a, int) and isinstance(b, int):
        r = abs(a) % abs(b) * (1 if a >= 0 else -1)
        return str(r + b if what == "mod" and r and (r < 0) != (b < 0) else r)
    r = math.fmod(a, b)
    return unparse_number(r + b if what == "mod" and r and (r < 0) != (b < 0) else r)


def _one(what: str, param: str) -> str:
    nums = _numbers(param)
    if len(nums) != 1:
        raise ValueError("expected one number")
    return unparse_number(-nums[0] if what == "neg" else abs(nums[0]))


def _extreme(what: str, param: str) -> str:
    nums = _numbers(param)
    if not nums:
        raise ValueError("expected list of numbers")
    return unparse_number(min(nums) if what == "min" else max(nums))


_COMPARE = {"eq": operator.eq, "ne": operator.ne, "lt": operator.lt, "gt": operator.gt,
            "le": operator.le, "ge": operator.ge}


def _compare(what: str, param: str) -> str:
    """Two numbers compared as numbers, or else as unquoted strings."""
    ws = words(param)
    if len(ws) != 2:
        raise ValueError("expected two numbers")
    a, b = (parse_number(w) for w in ws)
    if a is None or b is None:
        a, b = (unquote_text(w).encode("utf-8", "surrogateescape") for w in ws)
    return unparse_bool(_COMPARE[what](a, b))


def _bool(text: str) -> bool:
    b = parse_bool(text)
    if b is None:
        raise ValueError("syntax error")
    return b


def _logic(what: str, param: str) -> str:
    """not B; and, or, nand, nor B...: Booleans in Click's words."""
    if what == "not":
        return unparse_bool(not _bool(param))
    bs = [_bool(w) for w in words(param)]
    r = all(bs) if what in ("and", "nand") else any(bs)
    return unparse_bool(not r if what in ("nand", "nor") else r)


def _if(param: str) -> str:
    """if COND THEN [ELSE]."""
    cond, rest = pop_word(param)
    then, other = pop_word(rest)
    other, extra = pop_word(other)
    if not cond or extra:
        raise ValueError("expected COND THEN [ELSE]")
    return then if _bool(cond) else other


def _in(param: str) -> str:
    """in X A B...: true if X equals one of the others."""
    first, rest = pop_word(param)
    return unparse_bool(first in words(rest))


def _random_int(param: str) -> str:
    """random: an integer; random N: 0 to N-1; random A B: A to B."""
    ws = [parse_int(w) for w in words(param)]
    if any(v is None for v in ws) or len(ws) > 2 or (len(ws) == 1 and ws[0] <= 0) \
            or (len(ws) == 2 and ws[0] > ws[1]):
        raise ValueError("syntax error")
    if not ws:
        return str(random.getrandbits(31))
    if len(ws) == 1:
        return str(random.randrange(ws[0]))
    return str(random.randint(ws[0], ws[1]))


def _now(param: str) -> str:
    """The time as Click's Timestamp unparses it: seconds.microseconds."""
    us = time.time_ns() // 1000
    return f"{us // 1_000_000}.{us % 1_000_000:06d}"


def _sprintf(param: str) -> str:
    """sprintf FORMAT ARGS...: C's %d %i %u %o %x %X %s %% with flags, width, precision."""
    fmt_word, rest = pop_word(param)
    fmt = unquote_text(fmt_word)
    out, i = [], 0
    while True:
        j = fmt.find("%", i)
        if j < 0:
            break
        out.append(fmt[i:j])
        k = j + 1
        while k < len(fmt) and fmt[k] in "0#- +":
            k += 1
        spec = fmt[j:k]
        for part in ("width", "precision"):
            if part == "precision":
                if k >= len(fmt) or fmt[k] != ".":
                    break
                spec += "."
                k += 1
            if k < len(fmt) and fmt[k] == "*":
                word, rest = pop_word(rest)
                n = parse_int(word)
                if n is None or (part == "precision" and n < 0):
                    raise ValueError("syntax error")
                spec += str(n)
                k += 1
            else:
                while k < len(fmt) and fmt[k].isdigit():
                    spec += fmt[k]
                    k += 1
        while k < len(fmt) and fmt[k] in "hlLq":
            k += 1
        conv = fmt[k] if k < len(fmt) else ""
        if conv == "%":
            out.append("%")
        elif conv in ("d", "i", "u", "o", "x", "X"):
            word, rest = pop_word(rest)
            n = parse_int(word)
            if n is None:
                raise ValueError("syntax error")
            if conv in "uoxX" and n < 0:
                n &= (1 << 64) - 1
            out.append((spec + ("d" if conv in "iu" else conv)) % n)
        elif conv == "s":
            word, rest = pop_word(rest)
            out.append((spec + "s") % unquote_text(word))
        else:
            raise ValueError("syntax error")
        i = k + 1
    if rest.strip():
        raise ValueError("syntax error")
    out.append(fmt[i:])
    return "".join(out)


def _cat(param: str) -> str:
    """cat FILE: the file's contents."""
    name = unquote_text(param)
    try:
        with open(name, "rb") as f:
            return f.read().decode("utf-8", "surrogateescape")
    except OSError as e:
        raise ValueError(f"{name}: {os.strerror(e.errno) if e.errno else e}") from None


HANDLERS = {
    **{w: (lambda p, w=w: _fold(w, p)) for w in ("add", "sub", "mul", "div", "idiv")},
    **{w: (lambda p, w=w: _remainder(w, p)) for w in ("mod", "rem")},
    **{w: (lambda p, w=w: _one(w, p)) for w in ("neg", "abs")},
    **{w: (lambda p, w=w: _extreme(w, p)) for w in ("min", "max")},
    **{w: (lambda p, w=w: _compare(w, p)) for w in _COMPARE},
    **{w: (lambda p, w=w: _logic(w, p)) for w in ("not", "and", "or", "nand", "nor")},
    "if": _if, "in": _in, "random": _random_int, "now": _now, "sprintf": _sprintf, "cat": _cat,
    "first": lambda p: pop_word(p)[0],
    "length": lambda p: str(len(unquote_text(p).encode("utf-8", "surrogateescape"))),
    "unquote": unquote_text,
}


def call(name: str, param: str) -> str:
    """The value of handler `name` read with `param`; KeyError if there is none."""
    return HANDLERS[name](param or "")
