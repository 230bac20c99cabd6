"""Rule sets compiled into decision programs: Classifier, IPFilter, IPClassifier.

At configure time the parsed rules (clickpy.rules.classifier_pattern and
clickpy.rules.ipfilter_expr) become one decision program, in the style of
Click's Classification::Wordwise programs and click-fastclassifier: a DAG of
word tests.  Instruction i of the program is one row of an int64 array:

    BASE OFF NEED MASK VALUE OP YES NO ABSENT

It loads the big-endian 32-bit word at BASE + OFF (BASE: the start of the
bytes classified, or the transport header at IP header length * 4 from it),
ANDs it with MASK and compares it with VALUE (OP EQ: ==, OP GT: unsigned >),
then goes to YES or NO.  NEED is how many bytes from BASE the test reads
(only bytes under the mask count); a packet shorter than that goes to ABSENT
instead, and the word is never read.  A target >= 0 is the next instruction
(always a later one, so a program always terminates); a target < 0 is a
verdict: NOMATCH, DROP (an IPFilter drop rule) or output(port).

Each rule is first turned into a boolean formula over *atoms* ("these bytes
are present and the word test holds", or "... present and does not hold"),
with the reference interpreters' semantics: an atom whose bytes are absent
is false, and `not` of it is true.  The formulas are compiled to the DAG by
continuation passing (each subformula once, so the program is linear in the
rules' size), then optimized as Click's optimizer does: identical tests are
shared, tests whose outcome is known on every path reaching them are jumped
over (protocol tests repeated by `tcp port 80 or tcp port 443`), and chains
of tests on the same word are merged into one test.

run_program() is the small numba interpreter the element kernels call;
straight_line() writes the same program as code the compiler specializes
per element (Element.kernel_source).
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Iterable, Sequence

import numpy as np
from numba import njit

from clickpy.rules import classifier_pattern as cp
from clickpy.rules import ipfilter_expr as ie

# Instruction columns.
BASE, OFF, NEED, MASK, VALUE, OP, YES, NO, ABSENT = range(9)
NCOLS = 9
EQ, GT = 0, 1
FROM_START, FROM_TRANSPORT = 0, 1

# Verdicts (targets < 0).
NOMATCH = -1        # no rule matched
DROP = -2           # an IPFilter rule said drop / deny
_FIRST_OUTPUT = -3


def output(port: int) -> int:
    """The verdict that sends a packet to output `port`."""
    return _FIRST_OUTPUT - port


def verdict_port(t: int) -> int | None:
    """The output port of verdict t, None for NOMATCH and DROP."""
    return _FIRST_OUTPUT - t if t <= _FIRST_OUTPUT else None


# --------------------------------------------------------------------------
# Word tests and formulas

@dataclass(frozen=True)
class Test:
    """(word at base+off) & mask  OP  value; `need`: bytes from base that must exist."""

    base: int
    off: int
    mask: int
    value: int
    op: int = EQ

    @functools.cached_property
    def need(self) -> int:
        last = -1
        for k in range(4):
            if (self.mask >> (24 - 8 * k)) & 0xFF:
                last = k
        return self.off + last + 1 if last >= 0 else 0


# Formulas are tuples: ("atom", Test, negcmp) | ("const", bool) | ("not", f)
# | ("and", fs) | ("or", fs) | ("ite", c, a, b).  An atom is true when the
# test's bytes are present and the comparison holds (negcmp: does not hold).
TRUE = ("const", True)
FALSE = ("const", False)


def _and(items: Iterable) -> tuple:
    items = tuple(i for i in items if i != TRUE)
    if any(i == FALSE for i in items):
        return FALSE
    return items[0] if len(items) == 1 else (("and", items) if items else TRUE)


def _or(items: Iterable) -> tuple:
    items = tuple(i for i in items if i != FALSE)
    if any(i == TRUE for i in items):
        return TRUE
    return items[0] if len(items) == 1 else (("or", items) if items else FALSE)


def _merge_eq_atoms(atoms: Sequence[tuple]) -> list[tuple]:
    """Positive EQ atoms on the same word, ANDed together, as one atom (FALSE if they conflict)."""
    out: list[tuple] = []
    by_word: dict[tuple[int, int], int] = {}
    for a in atoms:
        if a[0] != "atom" or a[2] or a[1].op != EQ:
            out.append(a)
            continue
        t = a[1]
        k = (t.base, t.off)
        if k not in by_word:
            by_word[k] = len(out)
            out.append(a)
            continue
        u = out[by_word[k]][1]
        both = t.mask & u.mask
        if (t.value & both) != (u.value & both):
            return [FALSE]
        out[by_word[k]] = ("atom", Test(t.base, t.off, t.mask | u.mask, t.value | u.value), False)
    return out


# ---- Classifier ----------------------------------------------------------

def classifier_formula(pattern: cp.Pattern) -> tuple:
    """A Classifier pattern: every clause holds; a clause needs all its masked bytes."""
    positive: list[tuple] = []       # word tests of plain clauses, merged per word
    clauses: list[tuple] = []        # negated clauses
    for c in pattern.clauses:
        words: dict[int, list[int]] = {}
        for k, (v, m) in enumerate(zip(c.value, c.mask)):
            if m == 0:
                continue
            pos = c.offset + k
            w = pos & ~3
            shift = 24 - 8 * (pos - w)
            mv = words.setdefault(w, [0, 0])
            mv[0] |= m << shift
            mv[1] |= (v & m) << shift
        atoms = [("atom", Test(FROM_START, w, m, v), False) for w, (m, v) in sorted(words.items())]
        if c.negated:
            clause = _and(atoms)
            clauses.append(FALSE if clause == TRUE else ("not", clause))
        else:
            positive.extend(atoms)
    return _and(_merge_eq_atoms(positive) + clauses)


# ---- IPFilter / IPClassifier ----------------------------------------------

def _field_test(f: ie.Field, mask: int, value: int, relation: str) -> Test:
    first = f.bit_offset // 8
    w = first & ~3
    shift = 32 - (f.bit_offset - 8 * w) - f.bit_width
    assert shift >= 0, f"field {f} does not fit in one word"
    wmask = (mask & f.full_mask) << shift
    base = FROM_START if f.layer == "ip" else FROM_TRANSPORT
    if relation == "==":
        return Test(base, w, wmask, value << shift, EQ)
    # (field & mask) > value  <=>  (word & wmask) > (value << shift) | low bits
    return Test(base, w, wmask, (value << shift) | ((1 << shift) - 1), GT)


_PROTO_WORD = 8          # the IP protocol is byte 9: the word at 8, mask 0x00FF0000
_FRAG_WORD = 4           # fragment offset: the word at 4, mask 0x00001FFF


def _primitive_formula(p: ie.Primitive) -> tuple:
    parts = []
    if p.protocols:
        parts.append(_or(("atom", Test(FROM_START, _PROTO_WORD, 0x00FF0000, proto << 16), False)
                         for proto in p.protocols))
    if p.first_fragment:
        parts.append(("atom", Test(FROM_START, _FRAG_WORD, 0x00001FFF, 0), False))
    atoms = [("atom", _field_test(f, p.mask, p.value, p.relation), p.negated) for f in p.fields]
    # Reference semantics (ipfilter_expr._primitive_matches), with P = present, C = compare:
    # plain: any/all of (P and C); negated: the negation of any/all of (not P or C),
    # which is all/any of (P and not C).
    both = p.srcdst == ie.SRC_AND_DST
    if p.negated:
        parts.append(_or(atoms) if both else _and(atoms))
    else:
        parts.append(_and(atoms) if both else _or(atoms))
    return _and(parts)


def ip_formula(e: ie.Expr) -> tuple:
    """An IPFilter/IPClassifier pattern as a formula over word tests."""
    if isinstance(e, ie.Primitive):
        return _primitive_formula(e)
    if isinstance(e, ie.Const):
        return TRUE if e.value else FALSE
    if isinstance(e, ie.Not):
        inner = ip_formula(e.item)
        return FALSE if inner == TRUE else TRUE if inner == FALSE else ("not", inner)
    if isinstance(e, ie.And):
        return _and(ip_formula(i) for i in e.items)
    if isinstance(e, ie.Or):
        return _or(ip_formula(i) for i in e.items)
    if isinstance(e, ie.Ternary):
        return ("ite", ip_formula(e.test), ip_formula(e.then), ip_formula(e.otherwise))
    raise TypeError(f"not a pattern node: {e!r}")


# --------------------------------------------------------------------------
# Formulas to a DAG

class _Builder:
    """Nodes made continuation-first: a node's targets are always older nodes."""

    def __init__(self) -> None:
        self.nodes: list[list] = []          # [test, yes, no, absent]
        self.index: dict[tuple, int] = {}

    def node(self, test: Test, yes: int, no: int, absent: int) -> int:
        if yes == no == absent:
            return yes
        key = (test, yes, no, absent)
        found = self.index.get(key)
        if found is None:
            found = self.index[key] = len(self.nodes)
            self.nodes.append([test, yes, no, absent])
        return found

    def compile(self, f: tuple, t: int, e: int) -> int:
        """A node that goes to t when f holds and to e when it does not."""
        kind = f[0]
        if kind == "const":
            return t if f[1] else e
        if kind == "atom":
            test, negcmp = f[1], f[2]
            return self.node(test, e if negcmp else t, t if negcmp else e, e)
        if kind == "not":
            return self.compile(f[1], e, t)
        if kind == "and":
            cont = t
            for item in reversed(f[1]):
                cont = self.compile(item, cont, e)
            return cont
        if kind == "or":
            cont = e
            for item in reversed(f[1]):
                cont = self.compile(item, t, cont)
            return cont
        if kind == "ite":
            return self.compile(f[1], self.compile(f[2], t, e), self.compile(f[3], t, e))
        raise ValueError(f"bad formula {f!r}")


class Program:
    """A decision program: instructions in topological order and the entry target."""

    def __init__(self, insns: list[list], entry: int):
        self.insns = insns      # [Test, yes, no, absent], targets > own index
        self.entry = entry

    @classmethod
    def build(cls, rules: Sequence[tuple[tuple, int]], otherwise: int = NOMATCH,
              optimize: bool = True) -> "Program":
        """First-match program for (formula, verdict) rules."""
        b = _Builder()
        cont = otherwise
        for formula, verdict in reversed(rules):
            cont = b.compile(formula, verdict, cont)
        n = len(b.nodes)
        flip = lambda t: n - 1 - t if t >= 0 else t  # noqa: E731  - root first
        insns = [[test, flip(y), flip(no), flip(a)] for test, y, no, a in reversed(b.nodes)]
        prog = cls(insns, flip(cont))
        if optimize:
            prog._thread_known_outcomes()
            prog._combine_word_chains()
        prog._compact()
        return prog

    # ---- optimization ------------------------------------------------------
    # What is known on every path reaching a point: `("+", base)`: bytes up to
    # that many from base are present; `("-", base)`: fewer than that many;
    # `(base, off, mask, value, op)`: that test's outcome (True or False).  At
    # most MAX_FACTS test outcomes are kept (the latest): forgetting is sound.
    MAX_FACTS = 32

    @classmethod
    def _learn(cls, known: dict, test: Test, outcome: int) -> dict:
        facts = dict(known)
        if outcome == 2:                       # absent
            key = ("-", test.base)
            facts[key] = min(facts.get(key, 1 << 30), test.need)
            return facts
        key = ("+", test.base)
        facts[key] = max(facts.get(key, 0), test.need)
        word = (test.base, test.off, test.mask, test.value, test.op)
        facts.pop(word, None)
        facts[word] = outcome == 0
        words = [k for k in facts if len(k) == 5]
        for k in words[:-cls.MAX_FACTS]:
            del facts[k]
        return facts

    @staticmethod
    def _meet(a: dict, b: dict) -> dict:
        """What two sets of paths both know."""
        out = {}
        for k, v in a.items():
            if k not in b:
                continue
            w = b[k]
            if k[0] == "+":
                out[k] = min(v, w)
            elif k[0] == "-":
                out[k] = max(v, w)
            elif v == w:
                out[k] = v
        return out

    @staticmethod
    def _decide(test: Test, facts: dict) -> int | None:
        """0 (yes), 1 (no), 2 (absent) when `facts` settle the test, else None."""
        if facts.get(("-", test.base), 1 << 30) <= test.need:
            return 2
        if facts.get(("+", test.base), 0) < test.need:
            return None                        # the test might find its bytes absent
        for k, truth in facts.items():
            if len(k) != 5 or k[0] != test.base or k[1] != test.off:
                continue
            _, _, mask, value, op = k
            if op == EQ and truth and (test.mask & mask) == test.mask:
                known = value & test.mask
                return 0 if (known == test.value if test.op == EQ else known > test.value) else 1
            if op == EQ and not truth and test.op == EQ and mask == test.mask \
                    and value == test.value:
                return 1
            if op == GT and test.op == GT and mask == test.mask:
                if truth and test.value <= value:
                    return 0
                if not truth and test.value >= value:
                    return 1
        return None

    def _thread_known_outcomes(self) -> None:
        """Jump over tests that every path reaching them has already settled.

        A forward pass finds what is known on entering each test; then, from
        the last test back to the first, each branch is moved past the tests
        its path settles.  Going backwards, a branch lands on tests whose own
        branches are already moved, so chains of settled tests (every rule
        after an EtherType that none of them wants) are crossed in one step.
        """
        insns = self.insns
        known: list[dict | None] = [None] * len(insns)
        if self.entry >= 0:
            known[self.entry] = {}
        for i, ins in enumerate(insns):
            if known[i] is None:
                continue                       # unreachable
            for o in range(3):
                t = ins[1 + o]
                if t >= 0:
                    facts = self._learn(known[i], ins[0], o)
                    known[t] = facts if known[t] is None else self._meet(known[t], facts)
        for i in range(len(insns) - 1, -1, -1):
            ins = insns[i]
            if known[i] is None:
                continue
            if known[i].get(("+", ins[0].base), 0) >= ins[0].need:
                ins[3] = ins[2]                # its bytes are known to be there
            for o in range(3):
                t = ins[1 + o]
                if t < 0:
                    continue
                facts = self._learn(known[i], ins[0], o)
                while t >= 0:
                    d = self._decide(insns[t][0], facts)
                    if d is None:
                        break
                    facts = self._learn(facts, insns[t][0], d)
                    t = insns[t][1 + d]
                ins[1 + o] = t

    def _combine_word_chains(self) -> None:
        """A ==-test whose yes is another ==-test on the same word, failing alike: one test."""
        insns = self.insns
        for i in range(len(insns) - 1, -1, -1):
            while True:
                a = insns[i]
                ta, y = a[0], a[1]
                if ta.op != EQ or y < 0:
                    break
                b = insns[y]
                tb = b[0]
                if (tb.op != EQ or tb.base != ta.base or tb.off != ta.off or b[2] != a[2]
                        or b[3] != a[3] or not (a[3] == a[2] or tb.need <= ta.need)):
                    break
                both = ta.mask & tb.mask
                if (ta.value & both) != (tb.value & both):
                    break
                a[0] = Test(ta.base, ta.off, ta.mask | tb.mask, ta.value | tb.value, EQ)
                a[1] = b[1]

    def _compact(self) -> None:
        """Bypass tests with one destination, share identical tests, drop unreachable ones."""
        insns = self.insns
        n = len(insns)
        dest = list(range(n))
        canon: dict[tuple, int] = {}
        for i in range(n - 1, -1, -1):
            ins = insns[i]
            for o in (1, 2, 3):
                if ins[o] >= 0:
                    ins[o] = dest[ins[o]]
            if ins[1] == ins[2] == ins[3]:
                dest[i] = ins[1]
                continue
            key = (ins[0], ins[1], ins[2], ins[3])
            dest[i] = canon.setdefault(key, i)
        entry = dest[self.entry] if self.entry >= 0 else self.entry
        reach = [False] * n
        if entry >= 0:
            reach[entry] = True
        new_index = [-1] * n
        kept = []
        for i in range(n):
            if not reach[i]:
                continue
            new_index[i] = len(kept)
            kept.append(insns[i])
            for o in (1, 2, 3):
                if insns[i][o] >= 0:
                    reach[insns[i][o]] = True
        for ins in kept:
            for o in (1, 2, 3):
                if ins[o] >= 0:
                    ins[o] = new_index[ins[o]]
        self.insns = kept
        self.entry = new_index[entry] if entry >= 0 else entry

    # ---- output ------------------------------------------------------------
    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """(instructions (n, 9) int64, meta [entry]) for the kernel."""
        prog = np.zeros((len(self.insns), NCOLS), dtype=np.int64)
        for i, (t, y, no, a) in enumerate(self.insns):
            prog[i] = (t.base, t.off, t.need, t.mask, t.value, t.op, y, no, a)
            assert all(x < 0 or x > i for x in (y, no, a)), "program is not a forward DAG"
        return prog, np.array([self.entry], dtype=np.int64)

    def evaluate(self, packet: bytes, transport: bool = False) -> int:
        """The verdict for a packet, in plain Python (for tests and debugging)."""
        th = (packet[0] & 0xF) * 4 if transport and packet else 0
        t = self.entry
        while t >= 0:
            test, y, no, a = self.insns[t]
            b = th if test.base == FROM_TRANSPORT else 0
            if b + test.need > len(packet):
                t = a
                continue
            w = 0
            for k in range(4):
                if (test.mask >> (24 - 8 * k)) & 0xFF:
                    w |= packet[b + test.off + k] << (24 - 8 * k)
            w &= test.mask
            ok = w == test.value if test.op == EQ else w > test.value
            t = y if ok else no
        return t


def _target_text(t: int) -> str:
    if t >= 0:
        return f"step {t}"
    if t == NOMATCH:
        return "[X]"
    if t == DROP:
        return "[drop]"
    return f"[{verdict_port(t)}]"


def unparse(prog_array: np.ndarray, meta: np.ndarray) -> str:
    """The program in the spirit of Click's `program` handler.

    One line per step: `OFFSET/VALUE%MASK  yes->...  no->...`, OFFSET being
    from the start of the classified bytes (`T+` from the transport header),
    `>` in place of `/` for a greater-than test, and `short->...` where a
    packet too short for the test goes, when that is not `no`.  Verdicts are
    `[N]` (output N), `[X]` (no match: dropped) and `[drop]` (a drop rule).
    """
    lines = []
    for i, row in enumerate(prog_array):
        base, off, need, mask, value, op, y, no, a = (int(x) for x in row)
        where = f"T+{off}" if base == FROM_TRANSPORT else f"{off:3d}"
        rel = ">" if op == GT else "/"
        v = value & 0xFFFFFFFF if value >= 0 else value
        vtext = f"{v:08x}" if value >= 0 else "-1"
        text = (f"{i:2d} {where}{rel}{vtext}%{mask:08x}"
                f"  yes->{_target_text(y)}  no->{_target_text(no)}")
        if a != no:
            text += f"  short->{_target_text(a)}"
        lines.append(text)
    if not len(prog_array):
        lines.append(f"all->{_target_text(int(meta[0]))}")
    safe = max((int(r[NEED]) for r in prog_array if r[BASE] == FROM_START), default=0)
    lines.append(f"safe length {safe}")
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------
# Programs of the three elements

def classifier_program(patterns: Sequence[cp.Pattern]) -> Program:
    """Classifier: output i for the first pattern i that matches."""
    return Program.build([(classifier_formula(p), output(i)) for i, p in enumerate(patterns)])


def ipclassifier_program(patterns: Sequence[ie.Expr]) -> Program:
    """IPClassifier: output i for the first pattern i that matches."""
    return Program.build([(ip_formula(p), output(i)) for i, p in enumerate(patterns)])


def ipfilter_program(rules: Sequence[ie.FilterRule]) -> Program:
    """IPFilter: the first matching rule's output, or DROP for drop/deny rules."""
    return Program.build([(ip_formula(r.pattern), DROP if r.port is None else output(r.port))
                          for r in rules])


# --------------------------------------------------------------------------
# The same program as straight-line code, for the compiler

MAX_STRAIGHT_LINE = 256   # tests; longer programs keep the interpreter (compile time)


def _word(base: str, off: int, mask: int) -> str:
    """The big-endian word at base + off, reading only the bytes under the mask."""
    parts = []
    for k in range(4):
        if (mask >> (24 - 8 * k)) & 0xFF:
            parts.append(f"(np.int64(row[{base} + np.uint64({off + k})]) << {24 - 8 * k})")
    word = " | ".join(parts) or "0"
    return word if mask == 0xFFFFFFFF else f"(({word}) & {mask})"


def straight_line(prog: np.ndarray, entry: int, transport: bool,
                  ind: str = "    ") -> list[str] | None:
    """run_program() for one program as Python lines, or None when it is too long.

    The lines read `row` (the slot's bytes), `start` and `length` as
    run_program's arguments, and leave the verdict in `t`.  Targets only go
    forward, so one pass over the tests in order, each guarded by `t == i`,
    follows any path; with every offset, mask and value a constant, LLVM
    turns the guards into direct jumps.  On the IPv4 path's 10 rules (11
    tests taken) this costs ~5 ns a packet against ~40 for the interpreter.
    """
    if len(prog) > MAX_STRAIGHT_LINE:
        return None
    lines = [f"{ind}t = {int(entry)}", f"{ind}a = np.uint64(start)"]
    if transport and any(int(r[BASE]) == FROM_TRANSPORT for r in prog):
        lines += [f"{ind}th = (np.int64(row[a]) & 15) * 4 if length > 0 else 0",
                  f"{ind}b = np.uint64(start + th)"]
    for i, r in enumerate(prog):
        base, off, need, mask, value, op, yes, no, absent = (int(x) for x in r)
        where, have = ("b", f"th + {need}") if base == FROM_TRANSPORT else ("a", str(need))
        rel = "==" if op == EQ else ">"
        lines += [f"{ind}if t == {i}:",
                  f"{ind}    if {have} > length:",
                  f"{ind}        t = {absent}",
                  f"{ind}    elif {_word(where, off, mask)} {rel} {value}:",
                  f"{ind}        t = {yes}",
                  f"{ind}    else:",
                  f"{ind}        t = {no}"]
    return lines


def specialize(template: str, st: tuple, transport: bool) -> str | None:
    """An element's kernel_source: `template` (its kernel, with `{program}` where the
    program goes) around the straight-line program of state st, or None."""
    lines = straight_line(st[0], st[1][0], transport)
    return None if lines is None else template.format(program="\n".join(lines))


# --------------------------------------------------------------------------
# The interpreter the kernels call

@njit(cache=True, _nrt=False)
def run_program(data, s, start, length, prog, entry, transport):
    """Walk a program over the `length` bytes at data[s, start:]; the verdict (< 0).

    With `transport`, FROM_TRANSPORT tests read from (first byte & 15) * 4,
    the IP header length.  Only bytes under a test's mask are read, and only
    after checking that they are within `length`.
    """
    th = 0
    if transport and length > 0:
        th = (np.int64(data[s, start]) & 15) * 4
    t = entry
    while t >= 0:
        ins = prog[np.uint64(t)]      # unsigned index: no wraparound (clickpy.packet)
        b = th if ins[BASE] == FROM_TRANSPORT else 0
        if b + ins[NEED] > length:
            t = ins[ABSENT]
            continue
        at = np.uint64(start + b + ins[OFF])
        row = data[s]
        m = ins[MASK]
        w = np.int64(0)
        if m & 0xFF000000:
            w |= np.int64(row[at]) << 24
        if m & 0x00FF0000:
            w |= np.int64(row[at + np.uint64(1)]) << 16
        if m & 0x0000FF00:
            w |= np.int64(row[at + np.uint64(2)]) << 8
        if m & 0x000000FF:
            w |= np.int64(row[at + np.uint64(3)])
        w &= m
        if ins[OP] == EQ:
            ok = w == ins[VALUE]
        else:
            ok = w > ins[VALUE]
        t = ins[YES] if ok else ins[NO]
    return t
