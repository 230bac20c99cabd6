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
import sys
import time

from clickpy.script.text import (parse_bool, parse_double, parse_int, parse_number, pop_word,
                                 quote_in, unparse_bool, unparse_number, unquote_text, words)

RAND_MAX = (1 << 31) - 1
UINT32_MAX = (1 << 32) - 1


def _numbers(param: str) -> list[int | float]:
    out = []
    for w in words(param):
        v = parse_number(w)
        if v is None:
            raise ValueError("expected list of numbers")
        out.append(v)
    return out


def _fold(what: str, param: str) -> str:
    """add, sub, min, max, mul, div, idiv: left to right; div and idiv in doubles (idiv
    truncates).  No numbers: 0 for add and sub, else 1 (Click's starting value)."""
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
        elif what == "min":
            acc = min(acc, v)
        elif what == "max":
            acc = max(acc, v)
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
    """mod and rem of two integers: C's remainder (the sign of the first); rem also takes
    doubles (fmod), mod only integers."""
    ws = words(param)
    if len(ws) != 2:
        raise ValueError("expected two numbers")
    a, b = (parse_int(w) for w in ws)
    if a is None or b is None:
        da, db = (parse_double(w) for w in ws)
        if what == "mod" or da is None or db is None:
            raise ValueError("expected two numbers")
        if db == 0:
            raise ValueError("division by zero")
        return unparse_number(math.fmod(da, db))
    if b == 0:
        raise ValueError("division by zero")
    r = abs(a) % abs(b)
    return str(-r if a < 0 else r)


def _one(what: str, param: str) -> str:
    """neg and abs of one number."""
    v = parse_number(param)
    if v is None:
        raise ValueError("expected one number")
    return unparse_number(-v if what == "neg" else abs(v))


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
    """not B; and, or, nand, nor B... (stopping at the first word that decides)."""
    if what == "not":
        return unparse_bool(not _bool(param))
    zero = what in ("and", "nand")
    value, rest = zero, param
    while value == zero and rest.strip():
        word, rest = pop_word(rest)
        value = (value and _bool(word)) if zero else (value or _bool(word))
    return unparse_bool(not value if what in ("nand", "nor") else value)


def _if(param: str) -> str:
    """if COND THEN [ELSE]: THEN if COND is true, else ELSE (or nothing)."""
    cond, rest = pop_word(param)
    then, rest = pop_word(rest)
    other, _ = pop_word(rest)
    return then if _bool(cond) else other


def _in(param: str) -> str:
    """in X A B...: true if X equals one of the others (unquoted)."""
    first, rest = pop_word(param)
    first = unquote_text(first)
    return unparse_bool(bool(first) and any(unquote_text(w) == first for w in words(rest)))


def _random_int(param: str) -> str:
    """random: 0 to RAND_MAX; random N: 0 to N-1; random N1 N2: N1 to N2 (unsigned)."""
    ws = [parse_int(w) for w in words(param)]
    if not ws:
        return str(random.randrange(RAND_MAX + 1))
    if len(ws) > 2 or any(v is None or not 0 <= v <= UINT32_MAX for v in ws):
        raise ValueError("syntax error")
    if (len(ws) == 2 and ws[1] < ws[0]) or (len(ws) == 1 and ws[0] == 0):
        raise ValueError("bad N")
    return str(random.randint(ws[0], ws[1]) if len(ws) == 2 else random.randrange(ws[0]))


def _byte_order(what: str, param: str) -> str:
    """htons, ntohs (16 bits) and htonl, ntohl (32 bits) of an integer, on this host."""
    x = parse_int(param)
    if x is None:
        raise ValueError("syntax error")
    size = 2 if what.endswith("s") else 4
    x &= (1 << (8 * size)) - 1
    return str(int.from_bytes(x.to_bytes(size, sys.byteorder), "big"))


def _kill(param: str) -> str:
    """kill SIGNO PID...: send the signal to each process."""
    from clickpy.script.signals import NAMES
    word, rest = pop_word(param)
    signo = NAMES.get(word, parse_int(word) if word else None)
    if signo is None or not 0 <= signo <= 32:
        raise ValueError("bad SIGNO")
    for w in words(rest):
        pid = parse_int(w)
        if pid is None:
            raise ValueError("bad PID")
        try:
            os.kill(pid, signo)
        except OSError as e:
            raise ValueError(f"kill({pid}, {signo}): {e.strerror}") from None
    return ""


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


def _cat(param: str, quoted: bool = False) -> str:
    """cat FILE: the file's contents; catq FILE: them in double quotes."""
    name = unquote_text(param)
    if not name:
        raise ValueError("bad FILE")
    try:
        with open(name, "rb") as f:
            text = f.read().decode("utf-8", "surrogateescape")
    except OSError as e:
        raise ValueError(f"{name}: {os.strerror(e.errno) if e.errno else e}") from None
    return f'"{quote_in(text)}"' if quoted else text


HANDLERS = {
    **{w: (lambda p, w=w: _fold(w, p))
       for w in ("add", "sub", "min", "max", "mul", "div", "idiv")},
    **{w: (lambda p, w=w: _remainder(w, p)) for w in ("mod", "rem")},
    **{w: (lambda p, w=w: _one(w, p)) for w in ("neg", "abs")},
    **{w: (lambda p, w=w: _byte_order(w, p)) for w in ("htons", "htonl", "ntohs", "ntohl")},
    **{w: (lambda p, w=w: _compare(w, p)) for w in _COMPARE},
    **{w: (lambda p, w=w: _logic(w, p)) for w in ("not", "and", "or", "nand", "nor")},
    "if": _if, "in": _in, "random": _random_int, "now": _now, "sprintf": _sprintf, "cat": _cat,
    "catq": lambda p: _cat(p, True), "kill": _kill,
    "first": lambda p: pop_word(p)[0],
    "length": lambda p: str(len(p.encode("utf-8", "surrogateescape"))),
    "unquote": unquote_text,
}


def call(name: str, param: str) -> str:
    """The value of handler `name` read with `param`; KeyError if there is none."""
    return HANDLERS[name](param or "")
