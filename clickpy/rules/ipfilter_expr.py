"""The tcpdump-like pattern language of IPFilter and IPClassifier.

A pattern is built from primitives (`src host 10.0.0.1`, `tcp dst port www`,
`ip ttl > 64`, `tcp opt syn`, `icmp type echo`, `ip[9] == 6`, ...) joined by
`and`/`&&`, `or`/`||`, `not`/`!`, juxtaposition (= and), parentheses and the
ternary `a ? b : c`.  Qualifiers may be left out where Click allows it: `tcp`
is `ip proto tcp`, `www` is `port www`, `syn` is `tcp opt syn`, `10.0.0.0/8`
is `net 10.0.0.0/8`, and a bare value repeats the previous primitive's
qualifiers (`src port 80 or 81` is `src port 80 or src port 81`).

parse_pattern() gives an immutable tree of Const, Not, And, Or, Ternary and
Primitive; matches() interprets it on an IPv4 packet (bytes from the IP
header on), following Click's semantics:

- A primitive compares header fields, each ANDed with a mask, to a value
  with `==` or `>`, optionally negated: `!=` is negated `==`, `<=` negated
  `>`, and as in Click `x < N` is negated `x > N-1` and `x >= N` is
  `x > N-1`.  Host and port primitives compare a source
  and a destination field and combine them with `or` (the default
  `src or dst`) or `and` (`src and dst`) *before* the negation, so
  `port != 80` means neither port is 80, while `port > 1023` means either is.
- Transport primitives (port, tcp opt, tcp win, icmp type, transp[...]) also
  require their protocol and the first fragment (fragment offset 0).
- A primitive that needs a byte past the end of the packet (only bytes its
  mask covers count) is false, whatever its operator; `not` of it is true.
  With two fields and a negated operator an absent field counts as equal,
  as in Click: `src and dst port != 1` holds when the source port alone is
  present and differs.  The transport header starts at IP header length * 4.

Differences from Click, on purpose: `ether` primitives are rejected (packets
here start at the IP header), `port LOW-HIGH` is accepted as a shorthand for
`port >= LOW and port <= HIGH` (Click has no port ranges), and an
`ip[POS:LEN]` field past the end of the packet is false (Click may read
whatever follows the packet there).
"""
from __future__ import annotations

import ipaddress
import logging
import re
from dataclasses import dataclass, field
from typing import Iterator, Sequence

from clickpy.args import ArgError, ParseContext, unquote
from clickpy.diagnostics import did_you_mean
from clickpy.rules import RuleError

log = logging.getLogger(__name__)

MAX_DEPTH = 100  # nesting of parentheses, `not` and `?:`; deeper is an error, not a RecursionError

TCP, UDP, ICMP, DCCP = 6, 17, 1, 33
TCP_OR_UDP = 256   # Click's IP_PROTO_TCP_OR_UDP
TRANSP = 258       # Click's IP_PROTO_TRANSP: any transport protocol

IP_PROTOCOLS = {"dccp": DCCP, "gre": 47, "icmp": ICMP, "igmp": 2, "ipip": 4, "sctp": 132,
                "tcp": TCP, "tcpudp": TCP_OR_UDP, "transp": TRANSP, "udp": UDP}
PORT_NAMES = {"auth": 113, "bootpc": 68, "bootps": 67, "chargen": 19, "daytime": 13,
              "discard": 9, "dns": 53, "domain": 53, "echo": 7, "finger": 79, "ftp": 21,
              "ftp-data": 20, "https": 443, "imap3": 220, "imaps": 993, "irc": 194,
              "netbios-dgm": 138, "netbios-ns": 137, "netbios-ssn": 139, "nntp": 119,
              "ntp": 123, "pop3": 110, "pop3s": 995, "pptp": 1723, "rip": 520, "route": 520,
              "smtp": 25, "snmp": 161, "snmp-trap": 162, "ssh": 22, "sunrpc": 111,
              "telnet": 23, "tftp": 69, "www": 80}
TCP_FLAGS = {"fin": 0x01, "syn": 0x02, "rst": 0x04, "psh": 0x08, "ack": 0x10, "urg": 0x20}
ICMP_TYPES = {"echo-reply": 0, "unreachable": 3, "sourcequench": 4, "redirect": 5, "echo": 8,
              "routeradvert": 9, "routersolicit": 10, "timeexceeded": 11,
              "parameterproblem": 12, "timestamp": 13, "timestamp-reply": 14, "inforeq": 15,
              "inforeq-reply": 16, "maskreq": 17, "maskreq-reply": 18}

SRC, DST, SRC_OR_DST, SRC_AND_DST = "src", "dst", "src or dst", "src and dst"


# --------------------------------------------------------------------------
# Syntax tree

class Expr:
    """A node of a pattern's syntax tree."""

    def unparse(self) -> str:  # pragma: no cover - every subclass defines it
        raise NotImplementedError

    def __str__(self) -> str:
        return self.unparse()


@dataclass(frozen=True)
class Const(Expr):
    """`true` or `false` (and the patterns `-`, `any`, `all`)."""

    value: bool

    def unparse(self) -> str:
        return "true" if self.value else "false"


TRUE = Const(True)
FALSE = Const(False)


def _group(e: Expr) -> str:
    return f"({e.unparse()})" if isinstance(e, (And, Or, Ternary)) else e.unparse()


@dataclass(frozen=True)
class Not(Expr):
    item: Expr

    def unparse(self) -> str:
        return "not " + _group(self.item)


@dataclass(frozen=True)
class And(Expr):
    items: tuple[Expr, ...]

    def unparse(self) -> str:
        return " and ".join(_group(i) for i in self.items)


@dataclass(frozen=True)
class Or(Expr):
    items: tuple[Expr, ...]

    def unparse(self) -> str:
        return " or ".join(_group(i) for i in self.items)


@dataclass(frozen=True)
class Ternary(Expr):
    """`test ? then : otherwise`."""

    test: Expr
    then: Expr
    otherwise: Expr

    def unparse(self) -> str:
        return f"{_group(self.test)} ? {_group(self.then)} : {_group(self.otherwise)}"


@dataclass(frozen=True)
class Field:
    """Bits of a header: `layer` is "ip" (from the IP header) or "transp"
    (from the transport header, at IP header length * 4)."""

    layer: str
    bit_offset: int
    bit_width: int

    @property
    def full_mask(self) -> int:
        return (1 << self.bit_width) - 1


IP_SRC = Field("ip", 96, 32)
IP_DST = Field("ip", 128, 32)
IP_PROTO = Field("ip", 72, 8)
IP_FRAGMENT = Field("ip", 48, 16)      # flags and fragment offset
ECN = Field("ip", 14, 2)               # low two bits of TOS
SRC_PORT = Field("transp", 0, 16)
DST_PORT = Field("transp", 16, 16)
TCP_FLAGS_FIELD = Field("transp", 104, 8)

# type word -> (kind, field, transport protocol it implies)
NAMED_FIELDS: dict[str, tuple[str, Field, int | None]] = {
    "vers": ("ip vers", Field("ip", 0, 4), None),
    "hl": ("ip hl", Field("ip", 4, 4), None),
    "tos": ("ip tos", Field("ip", 8, 8), None),
    "dscp": ("ip dscp", Field("ip", 8, 6), None),
    "len": ("ip len", Field("ip", 16, 16), None),
    "id": ("ip id", Field("ip", 32, 16), None),
    "ttl": ("ip ttl", Field("ip", 64, 8), None),
    "win": ("tcp win", Field("transp", 112, 16), TCP),
    "type": ("icmp type", Field("transp", 0, 8), ICMP),
}
_FIELD_KINDS = {kind: (f, proto) for kind, f, proto in NAMED_FIELDS.values()}
_IP_FIELD_KINDS = {kind for kind, (f, proto) in _FIELD_KINDS.items() if proto is None}
TYPE_WORDS = {"host": "host", "net": "net", "port": "port", "proto": "proto", "opt": "tcp opt",
              "frag": "ip frag", "unfrag": "ip unfrag", "ect": "ip ect", "ce": "ip ce",
              **{w: k for w, (k, _, _) in NAMED_FIELDS.items()}}
SYNTAX_WORDS = {"src", "dst", "dest", "ip", "ether", "not"}
CONNECTIVES = {"and", "&&", "or", "||", "not", "!", "(", ")", "?", ":", "true", "false"}
_OPS = {"=": ("==", False, 0), "==": ("==", False, 0), "!=": ("==", True, 0),
        ">": (">", False, 0), "<=": (">", True, 0), "<": (">", True, -1), ">=": (">", False, -1)}


@dataclass(frozen=True)
class Primitive(Expr):
    """One test on header fields.

    Each field's value, ANDed with `mask`, is compared to `value` by
    `relation` ("==" or ">"); with several fields (src and dst) the results
    are combined by `srcdst` ("src and dst" is and, otherwise or) and then
    negated if `negated`.  `protocols` (when not empty) lists the IP
    protocols the packet must have, and `first_fragment` requires fragment
    offset 0; neither is affected by `negated`.  `kind` is Click's name for
    the directive ("host", "net", "port", "ip ttl", "ip[]", ...).
    """

    kind: str
    fields: tuple[Field, ...]
    value: int
    mask: int
    relation: str = "=="
    negated: bool = False
    srcdst: str | None = None
    protocols: tuple[int, ...] = ()
    first_fragment: bool = False
    at: int = field(default=0, compare=False)

    @property
    def operator(self) -> str:
        """The Click operator this primitive prints with."""
        if self.relation == "==":
            return "!=" if self.negated else "=="
        if self.value == -1:
            return "<" if self.negated else ">="
        return "<=" if self.negated else ">"

    def _relation_text(self) -> str:
        value = 0 if self.value == -1 else self.value
        return f"{self.operator} {value}" if self.operator != "==" else str(value)

    def _srcdst_text(self) -> str:
        # "src or dst" is the default; the type word that follows stops Click's
        # carrying of qualifiers from an earlier primitive, so it can be left out
        return "" if self.srcdst == SRC_OR_DST else f"{self.srcdst} "

    def _mask_text(self, full: int) -> str:
        return "" if self.mask == full else f" & {self.mask:#x}"

    def unparse(self) -> str:
        text = self._unparse()
        if self.protocols and self.kind in ("host", "net", "ip frag", "ip unfrag", "ip ce",
                                            "ip ect") or (self.protocols and self.kind in _IP_FIELD_KINDS):
            text = f"{_bracket_proto_name(self.protocols)} {text}"
        return text

    def _unparse(self) -> str:
        k = self.kind
        if k in ("host", "net"):
            addr = ipaddress.IPv4Address(self.value)
            op = "!= " if self.negated else ""
            if k == "host":
                mask = "" if self.mask == 0xFFFFFFFF else f" & {ipaddress.IPv4Address(self.mask)}"
                return f"{self._srcdst_text()}host{mask} {op}{addr}"
            net = _contiguous_length(self.mask)
            where = f"{addr}/{net}" if net is not None else f"{addr} mask {ipaddress.IPv4Address(self.mask)}"
            return f"{self._srcdst_text()}net {op}{where}"
        if k == "port":
            proto = {(TCP,): "tcp ", (UDP,): "udp ", (DCCP,): "dccp ", (TCP, UDP): ""}[self.protocols]
            return f"{self._srcdst_text()}{proto}port{self._mask_text(0xFFFF)} {self._relation_text()}"
        if k == "ip proto" and self.mask == 0xFF and self.relation == "==":
            names = [n for n, p in IP_PROTOCOLS.items() if p == self.value]
            value = names[0] if names else str(self.value)
            return f"ip proto {'!= ' if self.negated else ''}{value}"
        if k == "tcp opt":
            names = [n for n, b in TCP_FLAGS.items() if b == self.value]
            return f"tcp opt {names[0] if names else self.value}"
        if k in ("ip frag", "ip unfrag", "ip ce"):
            return k
        if k == "ip[]":
            f = self.fields[0]
            head = "ip" if f.layer == "ip" else _bracket_proto_name(self.protocols)
            size = "" if f.bit_width == 8 else f":{f.bit_width // 8}"
            return (f"{head}[{f.bit_offset // 8}{size}]"
                    f"{self._mask_text(f.full_mask)} {self._relation_text()}")
        # ip proto, ip ect and the named fields
        return f"{k}{self._mask_text(self.fields[0].full_mask)} {self._relation_text()}"


def _bracket_proto_name(protocols: tuple[int, ...]) -> str:
    if protocols == (TCP, UDP):
        return "tcpudp"
    if not protocols:
        return "transp"
    return next(n for n, p in IP_PROTOCOLS.items() if p == protocols[0])


def _contiguous_length(mask: int) -> int | None:
    bits = f"{mask:032b}"
    return None if "01" in bits else bits.count("1")


def walk(expr: Expr) -> Iterator[Expr]:
    """Every node of the tree, parents first."""
    stack = [expr]
    while stack:
        e = stack.pop()
        yield e
        if isinstance(e, Not):
            stack.append(e.item)
        elif isinstance(e, (And, Or)):
            stack.extend(reversed(e.items))
        elif isinstance(e, Ternary):
            stack.extend((e.otherwise, e.then, e.test))


# --------------------------------------------------------------------------
# Tokens

@dataclass(frozen=True)
class Token:
    text: str
    at: int | None


_WORD_CHARS = re.compile(r"[A-Za-z0-9\-./@_:]+")


def tokenize(text: str) -> list[Token]:
    """Split a pattern into words and operators the way Click's IPFilter does."""
    offsets_exact = True
    if any(c in text for c in "\"'\\"):
        try:
            unquoted = unquote(text).decode("latin-1")
        except ArgError as e:
            raise RuleError(e.message, e.hint) from None
        offsets_exact = unquoted == text
        text = unquoted
    tokens: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c.isspace():
            i += 1
            continue
        if c in "&|" and text.startswith(c * 2, i):
            size = 2
        elif c in "<>!=" and text.startswith("=", i + 1):
            size = 2
        elif c in "&|<>!=()[],;?":
            size = 1
        else:
            m = _WORD_CHARS.match(text, i)
            size = m.end() - i if m else 1
        tokens.append(Token(text[i:i + size], i if offsets_exact else None))
        i += size
    return tokens


# --------------------------------------------------------------------------
# Parsing

_INT = re.compile(r"^(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)$")
_RANGE = re.compile(r"^([0-9]+)-([0-9]+)$")


def _int(word: str) -> int | None:
    """Click's IntArg: decimal, 0x hex or leading-0 octal; None if not an integer."""
    if word.startswith("-") and word[1:2].isdigit():
        n = _int(word[1:])
        return None if n is None else -n
    if not _INT.match(word):
        return None
    return int(word, 16) if word[:2].lower() == "0x" else int(word, 8 if word.startswith("0") else 10)


@dataclass
class _Draft:
    """A primitive being assembled, as Click's IPFilter::Primitive before check()."""

    type: str | None = None          # a TYPE_WORDS kind, "ip[]" or None
    field: Field | None = None       # for "ip[]"
    srcdst: str | None = None
    proto: int | None = None
    data: str | None = None          # "int", "host", "net", "port", "proto", "tcp opt", "icmp type", "range"
    value: int = 0
    high: int = 0                    # for "range"
    data_mask: int | None = None     # netmask carried by a "net" value
    mask: int | None = None          # from "& MASK"
    mask_is_address: bool = False
    op: str = "=="
    op_text: str | None = None       # the operator as written, if any
    negated_op: bool = False
    adjust: int = 0                  # -1 for < and >=
    value_index: int = 0             # token where the value is (or would be)


@dataclass(frozen=True)
class _Previous:
    """What a following bare value inherits (Click's _prev_prim)."""

    type: str | None
    srcdst: str | None
    proto: int | None
    field: Field | None = None


class _Parser:
    """Recursive descent over Click's grammar, with a nesting limit.

        expr   ::= orexpr [ '?' expr ':' expr ]
        orexpr ::= term { ('or' | '||') term }
        term   ::= factor { ['and' | '&&'] factor }
        factor ::= ('not' | '!') factor | '(' expr ')' | test
        test   ::= 'true' | 'false' | qualifiers ['[' POS[:LEN] ']'] ['&' MASK] [OP] [VALUE]
    """

    def __init__(self, tokens: list[Token], ctx: ParseContext | None, text_length: int):
        self.tokens = tokens
        self.pos = 0
        self.ctx = ctx or ParseContext()
        self.depth = 0
        self.prev: _Previous | None = None
        self.end = text_length

    # ---- helpers ---------------------------------------------------------
    def peek(self, k: int = 0) -> str | None:
        i = self.pos + k
        return self.tokens[i].text if i < len(self.tokens) else None

    def at(self, k: int = 0) -> int | None:
        i = self.pos + k
        if i < len(self.tokens):
            return self.tokens[i].at
        return self.end if all(t.at is not None for t in self.tokens) else None

    def fail(self, message: str, hint: str | None = None, k: int = 0) -> RuleError:
        tok = self.peek(k)
        return RuleError(message, hint, self.at(k), len(tok) if tok else 0)

    def fail_at(self, message: str, hint: str | None, token_index: int) -> RuleError:
        return self.fail(message, hint, token_index - self.pos)

    def enter(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.fail(f"expression nested more than {MAX_DEPTH} levels deep",
                            "remove redundant parentheses or 'not's")

    # ---- grammar ---------------------------------------------------------
    def expr(self) -> Expr | None:
        test = self.orexpr()
        if test is not None and self.peek() == "?":
            self.pos += 1
            self.enter()
            then = self.expr()
            if then is None:
                raise self.fail("missing expression after '?'")
            if self.peek() != ":":
                raise self.fail("missing ':' in ternary expression",
                                "write TEST ? A : B, with spaces around ':'")
            self.pos += 1
            otherwise = self.expr()
            if otherwise is None:
                raise self.fail("missing expression after ':'")
            test = Ternary(test, then, otherwise)
            self.depth -= 1
        return test

    def orexpr(self) -> Expr | None:
        first = self.term()
        if first is None:
            return None
        items = [first]
        while self.peek() in ("or", "||"):
            word = self.peek()
            self.pos += 1
            t = self.term()
            if t is None:
                raise self.fail(f"missing expression after '{word}'")
            items.append(t)
        return items[0] if len(items) == 1 else Or(tuple(items))

    def term(self) -> Expr | None:
        first = self.factor()
        if first is None:
            return None
        items = [first]
        while True:
            word = self.peek()
            if word in ("and", "&&"):
                self.pos += 1
                f = self.factor()
                if f is None:
                    raise self.fail(f"missing expression after '{word}'")
            else:
                f = self.factor()
                if f is None:
                    break
            items.append(f)
        return items[0] if len(items) == 1 else And(tuple(items))

    def factor(self) -> Expr | None:
        word = self.peek()
        if word in ("not", "!"):
            self.enter()
            self.pos += 1
            inner = self.factor()
            if inner is None:
                raise self.fail(f"missing expression after '{word}'")
            self.depth -= 1
            return Not(inner)
        if word == "(":
            open_index = self.pos
            self.enter()
            self.pos += 1
            inner = self.expr()
            if inner is None:
                raise self.fail("missing expression after '('")
            if self.peek() != ")":
                if self.peek() is None:
                    raise self.fail_at("missing ')'", "this '(' is never closed", open_index)
                raise self.fail(f"expected ')' or an operator, found {self.peek()!r}",
                                "join primitives with and, or, not")
            self.pos += 1
            self.depth -= 1
            return inner
        return self.test()

    # ---- primitives ------------------------------------------------------
    def test(self) -> Expr | None:
        word = self.peek()
        if word is None or word in (")", "||", "or", "?", ":"):
            return None
        start = self.pos
        start_at = self.at() or 0
        if word in ("true", "false"):
            self.pos += 1
            return TRUE if word == "true" else FALSE
        d = _Draft()
        negated = False
        header_ip = False
        while self.peek() is not None:
            w = self.peek()
            if w in TYPE_WORDS:
                if d.type is not None:
                    raise self.fail(f"type specified twice: {d.type!r} and {w!r}",
                                    "a primitive has one type (host, net, port, proto, ...)")
                d.type = TYPE_WORDS[w]
                implied = NAMED_FIELDS[w][2] if w in NAMED_FIELDS else None
                if implied is not None:
                    self.set_proto(d, implied)
            elif w in IP_PROTOCOLS:
                self.set_proto(d, IP_PROTOCOLS[w])
            elif w in PORT_NAMES or w in TCP_FLAGS or w in ICMP_TYPES:
                break  # a value
            elif w == "src":
                if self.peek(2) in ("dst", "dest") and self.peek(1) in ("and", "&&", "or", "||"):
                    self.set_srcdst(d, SRC_AND_DST if self.peek(1) in ("and", "&&") else SRC_OR_DST)
                    self.pos += 2
                else:
                    self.set_srcdst(d, SRC)
            elif w in ("dst", "dest"):
                self.set_srcdst(d, DST)
            elif w == "ip":
                if header_ip:
                    break
                header_ip = True
            elif w == "ether":
                raise self.fail("'ether' primitives are not supported",
                                "IPFilter and IPClassifier see packets from the IP header on; "
                                "classify Ethernet fields with Classifier")
            elif w in ("not", "!"):
                negated = not negated
            else:
                break
            self.pos += 1
        if self.pos != start:
            self.prev = None
        if self.peek() == "[" and self.pos > start and d.type is None and self.peek(1) is not None:
            self.brackets(d)
        if self.peek() == "&" and self.peek(1) is not None:
            self.mask(d)
        op_index = None
        if self.peek() in _OPS and self.peek(1) is not None:
            d.op, d.negated_op, d.adjust = _OPS[self.peek()]
            d.op_text = self.peek()
            op_index = self.pos
            self.pos += 1
        elif self.peek() in _OPS:
            raise self.fail(f"missing value after {self.peek()!r}")
        value_index = d.value_index = self.pos
        if self.peek() is not None:
            self.value(d, op_index)
        if self.pos == start:
            raise self.unknown(word)
        prim = self.check(d, start, value_index, start_at)
        return Not(prim) if negated else prim

    def unknown(self, word: str, index: int | None = None) -> RuleError:
        k = 0 if index is None else index - self.pos
        if word in CONNECTIVES or word in ("&", "|", "[", "]", ",", ";", "=", "<", ">",
                                           "==", "!=", "<=", ">="):
            return self.fail(f"unexpected {word!r}", "expected a primitive such as 'tcp', "
                             "'src host 10.0.0.1' or 'dst port 80'", k)
        vocabulary = (list(TYPE_WORDS) + list(SYNTAX_WORDS) + list(IP_PROTOCOLS) + list(PORT_NAMES)
                      + list(TCP_FLAGS) + list(ICMP_TYPES) + ["true", "false", "and", "or"])
        hint = did_you_mean(word, vocabulary)
        if hint is None and word.lower() != word and word.lower() in vocabulary:
            hint = f"did you mean {word.lower()}? (names are lower case)"
        return self.fail(f"unknown primitive {word!r}",
                         hint or "primitives look like 'tcp', 'src host 10.0.0.1', 'dst port 80'", k)

    def set_proto(self, d: _Draft, proto: int) -> None:
        if d.proto is not None and d.proto != proto:
            raise self.fail("transport protocol specified twice",
                            f"this primitive already requires {_proto_name(d.proto)}")
        d.proto = proto

    def set_srcdst(self, d: _Draft, srcdst: str) -> None:
        if d.srcdst is not None:
            raise self.fail("'src' or 'dst' specified twice")
        d.srcdst = srcdst

    def brackets(self, d: _Draft) -> None:
        """`[POS]`, `[POS:LEN]` or `[POS,LAST]` after `ip`, `transp` or a protocol name."""
        open_index = self.pos
        self.pos += 1
        parts = []
        while self.peek() is not None and self.peek() != "]":
            parts.append(self.peek())
            self.pos += 1
        if self.peek() is None:
            raise self.fail_at("missing ']'", "write ip[POS] or ip[POS:LEN]", open_index)
        self.pos += 1
        spec = "".join(parts)
        length = 1
        m = re.fullmatch(r"([^:,]+)(?::([^:,]+)|,([^:,]+))?", spec)
        pos = _int(m.group(1)) if m else None
        if m and m.group(2) is not None:
            length = _int(m.group(2))
        elif m and m.group(3) is not None:
            last = _int(m.group(3))
            length = None if last is None or pos is None else last - pos + 1
        if pos is None or length is None or pos < 0:
            raise self.fail_at(f"bad field position [{spec}]",
                               "expected [POS] or [POS:LEN], e.g. ip[9] or tcp[13:1]", open_index)
        if not 1 <= length <= 4:
            raise self.fail_at(f"LEN in [{spec}] out of range", "LEN is between 1 and 4 bytes",
                               open_index)
        if pos // 4 != (pos + length - 1) // 4:
            raise self.fail_at(f"field [{pos}:{length}] does not fit in a single 4-byte word",
                               "Click reads fields from one aligned 32-bit word; split the test",
                               open_index)
        if pos > 0xFFFF:
            raise self.fail_at(f"position {pos} is too large", "IP packets are at most 65535 bytes",
                               open_index)
        layer = "ip" if d.proto is None else "transp"
        d.type = "ip[]"
        d.field = Field(layer, pos * 8, length * 8)

    def mask(self, d: _Draft) -> None:
        word = self.peek(1)
        value = _int(word)
        if value is not None and value >= 0:
            d.mask = value
        else:
            addr = self.address(word)
            if addr is None:
                raise self.fail(f"bad mask {word!r}", "write & followed by an integer or a netmask", 1)
            d.mask, d.mask_is_address = addr, True
        if d.mask == 0:
            raise self.fail("zero mask", "a mask of 0 would compare nothing", 1)
        self.pos += 2

    def address(self, word: str) -> int | None:
        try:
            return int(ipaddress.IPv4Address(word))
        except ValueError:
            pass
        named = self.named_address(word)
        if named is not None and named[1] == 0xFFFFFFFF:
            return named[0]
        return None

    def named_address(self, word: str) -> tuple[int, int] | None:
        """An AddressInfo name: (address, mask); mask < all-ones for a network."""
        name, _, suffix = word.partition(":")
        if suffix not in ("", "ip", "ipnet") or name not in self.ctx.addresses:
            return None
        for text in self.ctx.addresses[name]:
            try:
                net = ipaddress.IPv4Interface(text)
            except ValueError:
                continue
            if suffix == "ip":
                return int(net.ip), 0xFFFFFFFF
            if suffix == "ipnet" or "/" in text:
                return int(net.network.network_address), int(net.netmask)
            return int(net.ip), 0xFFFFFFFF
        return None

    def lookup(self, word: str, d: _Draft) -> tuple[str, int] | None:
        """A name from Click's databases, filtered by the primitive's type and protocol."""
        found = []
        if word in IP_PROTOCOLS:
            found.append(("proto", IP_PROTOCOLS[word], d.type in (None, "proto")))
        if word in PORT_NAMES:
            found.append(("port", PORT_NAMES[word],
                          d.type in (None, "port") and d.proto in (None, TCP, UDP, TCP_OR_UDP)))
        if word in TCP_FLAGS:
            found.append(("tcp opt", TCP_FLAGS[word],
                          d.type in (None, "tcp opt") and d.proto in (None, TCP, TCP_OR_UDP)))
        if word in ICMP_TYPES:
            found.append(("icmp type", ICMP_TYPES[word],
                          d.type in (None, "icmp type") and d.proto in (None, ICMP)))
        if not found:
            return None
        fitting = [(k, v) for k, v, ok in found if ok]
        if len(fitting) == 1:
            return fitting[0]
        tries = " or ".join(repr(f"{k} {word}") for k, _, _ in found)
        if fitting:
            raise self.fail(f"{word!r} is ambiguous", f"try {tries}")
        # right type, wrong protocol (`udp opt syn`): let the type's check say so
        return next(((k, v) for k, v, _ in found if k == d.type), None)

    def value(self, d: _Draft, op_index: int | None) -> None:
        word = self.peek()
        kind = self.lookup(word, d)
        if kind is not None:
            d.data, d.value = kind
        elif (n := _int(word)) is not None:
            d.data, d.value = "int", n
        elif (addr := self.data_address(word, d)) is not None:
            (d.value, d.data_mask), d.data = addr[:2], addr[2]
        elif _RANGE.match(word) and d.type in (None, "port"):
            lo, hi = (int(x) for x in _RANGE.match(word).groups())
            if lo > hi:
                raise self.fail(f"empty port range {word!r}", "write LOW-HIGH with LOW <= HIGH")
            d.data, d.value, d.high = "range", lo, hi
        else:
            if op_index is not None:
                raise self.fail(f"bad value {word!r} after {self.tokens[op_index].text!r}",
                                self.value_hint(word, d.type))
            return
        self.pos += 1
        if d.data in ("host", "net") and self.peek() == "mask" and self.peek(1) is not None:
            mask = self.address(self.peek(1))
            if mask is None:
                raise self.fail(f"bad netmask {self.peek(1)!r}", "write ADDR mask 255.255.255.0", 1)
            d.data, d.data_mask = "net", mask
            self.pos += 2

    def data_address(self, word: str, d: _Draft) -> tuple[int, int, str] | None:
        """An address or prefix value: (address, mask, "host" or "net")."""
        try:
            a = int(ipaddress.IPv4Address(word))
            return a, 0xFFFFFFFF, "net" if d.type == "net" else "host"
        except ValueError:
            pass
        named = self.named_address(word)
        if named is not None:
            if d.type == "host" and named[1] != 0xFFFFFFFF:
                return None
            kind = "net" if d.type == "net" or named[1] != 0xFFFFFFFF else "host"
            return named[0], named[1], kind
        addr, slash, length = word.partition("/")
        if not slash:
            return None
        try:
            a = int(ipaddress.IPv4Address(addr))
        except ValueError:
            return None
        if length.isdigit() and int(length) <= 32:
            mask = (0xFFFFFFFF << (32 - int(length))) & 0xFFFFFFFF
        else:
            try:
                mask = int(ipaddress.IPv4Address(length))
            except ValueError:
                return None
        return a, mask, "net"

    def value_hint(self, word: str, kind: str | None) -> str | None:
        names = {"port": PORT_NAMES, "tcp opt": TCP_FLAGS, "icmp type": ICMP_TYPES,
                 "proto": IP_PROTOCOLS}.get(kind or "", {})
        return did_you_mean(word, names) if names else None

    # ---- Click's Primitive::check ------------------------------------------
    def check(self, d: _Draft, start: int, value_index: int, start_at: int) -> Expr:
        """Resolve an omitted type from the value or the previous primitive, then build."""
        def err(message: str, hint: str | None = None, at_value: bool = False) -> RuleError:
            return self.fail_at(message, hint, value_index if at_value else start)

        qualified_srcdst = d.srcdst is not None
        prev = self.prev
        if d.type is None:
            data = d.data
            if data in ("int", "range"):
                if prev is None or not (prev.type in ("proto", "port", "ip[]")
                                        or prev.type in _FIELD_KINDS):
                    raise err("specify header field or 'port'",
                              "a bare number continues a previous 'port', 'proto' or field test; "
                              f"write e.g. 'dst port {self.tokens[value_index].text}'", at_value=True)
                d.type, d.field = prev.type, prev.field
                # Click carries the protocol of a port, and of ip[...] fields (which
                # encode it), but not of `tcp` to a following `ip proto` or `ip ttl`
                if d.proto is None and d.type in ("port", "ip[]"):
                    d.proto = prev.proto
                if d.type == "port" and d.srcdst is None:
                    d.srcdst = prev.srcdst
            elif data in ("host", "net", "tcp opt", "port"):
                d.type = data
                if prev is not None and d.srcdst is None:
                    d.srcdst = prev.srcdst
                if data == "port" and d.proto is None and prev is not None:
                    d.proto = prev.proto
            elif data in ("proto", "icmp type"):
                d.type = data
                if data == "icmp type":
                    if d.proto is not None and d.proto != ICMP:
                        raise err("transport protocol specified twice",
                                  f"ICMP types are only for icmp, not {_proto_name(d.proto)}",
                                  at_value=True)
                    d.proto = ICMP
            elif d.proto is not None:
                d.type = "proto"
            else:
                self.raise_if_unknown_word(value_index)
                raise err("partial directive", "say what to test, e.g. 'src host 10.0.0.1'")
        kind = d.type
        if kind == "ip[]":
            f = d.field
            head = "ip" if f.layer == "ip" else (_proto_name(d.proto) if d.proto != TRANSP else "transp")
            kind_name = f"{head}[{f.bit_offset // 8}:{f.bit_width // 8}]"
        else:
            kind_name = kind
        if kind in ("host", "net"):
            prim = self.check_address(d, err)
        elif kind == "proto":
            prim = self.check_proto(d, err)
        elif kind == "port":
            prim = self.check_port(d, err)
        elif kind == "tcp opt":
            prim = self.check_tcp_opt(d, err)
        elif kind in ("ip frag", "ip unfrag", "ip ce"):
            if d.data is not None or d.mask is not None or d.op_text is not None:
                raise err(f"'{kind}': value not supported", f"write just '{kind}'", at_value=True)
            protocols = _protocols(d.proto) if d.proto is not None else ()
            if kind == "ip ce":
                prim = Primitive("ip ce", (ECN,), 3, 3, protocols=protocols)
            else:
                prim = Primitive(kind, (IP_FRAGMENT,), 0, 0x3FFF, "==", kind == "ip frag",
                                 protocols=protocols)
        elif kind == "ip ect" and d.data is None and d.op_text is None and d.mask is None:
            protocols = _protocols(d.proto) if d.proto is not None else ()
            prim = Primitive("ip ect", (ECN,), 0, 3, "==", True, protocols=protocols)
        else:  # ip ect VALUE, named fields and ip[...]
            f = d.field if kind == "ip[]" else (ECN if kind == "ip ect" else _FIELD_KINDS[kind][0])
            if d.data != "int" and not (kind == "icmp type" and d.data == "icmp type"):
                raise self.bad_value(kind_name, d)
            prim = self.field_primitive(kind, f, d, err, kind_name)
        if kind not in ("host", "net", "port") and qualified_srcdst:
            log.warning("'%s': 'src' or 'dst' ignored", kind)
        self.prev = self.previous(d, prim)
        return _place(prim, start_at)

    def previous(self, d: _Draft, prim: Expr) -> _Previous:
        """What a following bare value inherits from this primitive (Click's _prev_prim)."""
        kind = d.type
        if kind == "proto":
            # Click remembers `tcp` as a transport protocol, so `tcp or www` means tcp port www
            proto = (prim.value if isinstance(prim, Primitive) and prim.relation == "=="
                     and not prim.negated and prim.mask == 0xFF else None)
            if isinstance(prim, Or):
                proto = TCP_OR_UDP
            return _Previous("proto", d.srcdst, proto)
        if kind in ("ip ect", "ip ce"):
            kind = "ip tos"
        elif kind == "net":
            kind = "host"
        srcdst = d.srcdst or (SRC_OR_DST if kind in ("host", "port") else None)
        return _Previous(kind, srcdst, d.proto, d.field)

    def raise_if_unknown_word(self, index: int) -> None:
        """After qualifiers, an unknown word is better reported as itself (`src hots X`)."""
        if index < len(self.tokens):
            word = self.tokens[index].text
            known = (word in TYPE_WORDS or word in SYNTAX_WORDS or word in IP_PROTOCOLS
                     or word in PORT_NAMES or word in TCP_FLAGS or word in ICMP_TYPES
                     or word in CONNECTIVES or not _WORD_CHARS.fullmatch(word)
                     or _int(word) is not None or word[0].isdigit())
            if not known:
                raise self.unknown(word, index)
            if word[0].isdigit() and _int(word) is None:
                raise self.fail(f"bad value {word!r}", "expected an IP address, a network "
                                "ADDR/LEN, a number or a port range LOW-HIGH", index - self.pos)

    def bad_value(self, kind: str, d: _Draft) -> RuleError:
        value_index = d.value_index
        token = self.tokens[value_index].text if value_index < len(self.tokens) else None
        if d.data is None and (token is None or token in CONNECTIVES):
            return self.fail_at(f"'{kind}': value missing", self.missing_hint(kind), value_index)
        if d.data is None:
            guess = self.value_hint(token, kind)
            return self.fail_at(f"'{kind}': bad value {token!r}", guess or self.missing_hint(kind),
                                value_index)
        return self.fail_at(f"'{kind}': bad value {token!r}", self.missing_hint(kind), value_index)

    def missing_hint(self, kind: str) -> str:
        examples = {"port": "'dst port 80' or 'src tcp port www'", "tcp opt": "'tcp opt syn'",
                    "icmp type": "'icmp type echo'",
                    "proto": "'ip proto tcp'", "host": "'src host 10.0.0.1'",
                    "net": "'dst net 10.0.0.0/8'"}
        if kind.endswith("]"):
            return f"write e.g. '{kind} == 0'"
        return f"write e.g. {examples.get(kind, repr(kind + ' 0'))}"

    def op_value(self, d: _Draft, full: int, kind: str, err) -> tuple[str, bool, int]:
        """Click's relation, normalized: (== or >, negated, value); `<`/`>=` use value - 1."""
        if d.value < 0:
            raise err(f"'{kind}': value {d.value} out of range", "values are not negative",
                      at_value=True)
        if d.op == "==" and d.value > full:
            raise err(f"'{kind}': value {d.value} out of range", f"the largest value is {full}",
                      at_value=True)
        value = d.value + d.adjust
        if d.op == ">" and not 0 <= value < full:
            always = (value < 0) != d.negated_op
            log.warning("relation '%s %s' on '%s' is always %s (range 0-%s)", d.op_text, d.value,
                        kind, "true" if always else "false", full)
        return d.op, d.negated_op, value

    def field_mask(self, d: _Draft, full: int, kind: str, err) -> int:
        if d.mask is None:
            return full
        if d.mask_is_address and kind not in ("host", "net"):
            raise err(f"'{kind}': bad mask", "masks of fields are integers")
        if d.mask & ~full:
            raise err(f"'{kind}': mask {d.mask:#x} out of range", f"bound {full:#x}")
        return d.mask

    def field_primitive(self, kind: str, f: Field, d: _Draft, err, name: str | None = None) -> Primitive:
        name = name or kind
        implied = _FIELD_KINDS[kind][1] if kind in _FIELD_KINDS else None
        if implied is not None and d.proto is not None and d.proto != implied:
            raise err(f"'{kind}': bad protocol {_proto_name(d.proto)}",
                      f"'{kind}' is only for {_proto_name(implied)}")
        proto = implied if implied is not None else d.proto
        mask = self.field_mask(d, f.full_mask, name, err)
        relation, negated, value = self.op_value(d, f.full_mask, name, err)
        protocols = _protocols(proto) if proto is not None else ()
        return Primitive(kind, (f,), value, mask, relation, negated, None, protocols,
                         f.layer == "transp")

    def check_address(self, d: _Draft, err) -> Expr:
        kind = d.type
        if d.data not in ("host", "net") or (kind == "host" and d.data == "net"):
            raise err(f"'{kind}': address missing",
                      "write e.g. 'host 10.0.0.1'" if kind == "host" else "write e.g. 'net 10.0.0.0/8'",
                      at_value=True)
        if d.op != "==":
            raise err(f"'{kind}': operator {d.op_text!r} not supported",
                      "only == and != compare addresses")
        if d.mask is not None and d.mask > 0xFFFFFFFF:
            raise err(f"'{kind}': mask {d.mask:#x} out of range", "bound 0xffffffff")
        mask = d.mask if d.mask is not None else (d.data_mask if d.data_mask is not None else 0xFFFFFFFF)
        srcdst = d.srcdst or SRC_OR_DST
        protocols = _protocols(d.proto) if d.proto is not None else ()
        return Primitive("net" if d.data == "net" else "host", _address_fields(srcdst),
                         d.value & mask, mask, "==", d.negated_op, srcdst, protocols)

    def check_proto(self, d: _Draft, err) -> Expr:
        if d.data in ("int", "proto"):
            if d.proto is not None and d.proto != d.value:
                raise err("'proto': protocol specified twice",
                          f"give the protocol once, e.g. 'ip proto {d.value}'", at_value=True)
            value = d.value
        elif d.data is None and d.proto is not None:
            value = d.proto
        else:
            raise self.bad_value("proto", d)
        if value == TRANSP:
            raise err("'transp' is not a protocol test",
                      "use transp[POS:LEN] to read the transport header")
        if value == TCP_OR_UDP:
            if d.op != "==" or d.mask is not None:
                raise err("'tcpudp': operator or mask not supported", "write 'tcp or udp'")
            either = Or((Primitive("ip proto", (IP_PROTO,), TCP, 0xFF),
                         Primitive("ip proto", (IP_PROTO,), UDP, 0xFF)))
            return Not(either) if d.negated_op else either
        d.value = value
        mask = self.field_mask(d, 0xFF, "ip proto", err)
        relation, negated, v = self.op_value(d, 0xFF, "ip proto", err)
        return Primitive("ip proto", (IP_PROTO,), v, mask, relation, negated)

    def check_port(self, d: _Draft, err) -> Expr:
        if d.data not in ("int", "port", "range"):
            raise self.bad_value("port", d)
        proto = TCP_OR_UDP if d.proto is None else d.proto
        if proto not in (TCP, UDP, TCP_OR_UDP, DCCP):
            raise err(f"'port': bad protocol {_proto_name(proto)}", "ports are for tcp, udp or dccp")
        d.proto = proto
        srcdst = d.srcdst or SRC_OR_DST
        protocols = _protocols(proto)
        mask = self.field_mask(d, 0xFFFF, "port", err)
        if d.data == "range":
            if d.op_text is not None:
                raise err("'port': a range takes no operator", "write 'port LOW-HIGH'")
            if d.high > 0xFFFF:
                raise err(f"'port': value {d.high} out of range", "the largest value is 65535",
                          at_value=True)
            per_field = []
            for f, sd in ((SRC_PORT, SRC), (DST_PORT, DST)):
                if srcdst in (sd, SRC_OR_DST, SRC_AND_DST):
                    per_field.append(And((
                        Primitive("port", (f,), d.value - 1, mask, ">", False, sd, protocols, True),
                        Primitive("port", (f,), d.high, mask, ">", True, sd, protocols, True))))
            if len(per_field) == 1:
                return per_field[0]
            return And(tuple(per_field)) if srcdst == SRC_AND_DST else Or(tuple(per_field))
        relation, negated, value = self.op_value(d, 0xFFFF, "port", err)
        return Primitive("port", _port_fields(srcdst), value, mask, relation, negated, srcdst,
                         protocols, True)

    def check_tcp_opt(self, d: _Draft, err) -> Expr:
        if d.data not in ("int", "tcp opt"):
            raise self.bad_value("tcp opt", d)
        if d.proto is not None and d.proto != TCP:
            raise err(f"'tcp opt': bad protocol {_proto_name(d.proto)}", "TCP flags are only in TCP")
        if d.op_text is not None or d.mask is not None:
            raise err("'tcp opt': operator or mask not supported",
                      "write 'tcp opt syn', or 'not tcp opt syn'; for other tests use tcp[13]")
        if not 0 <= d.value <= 0xFF:
            raise err(f"'tcp opt': value {d.value} out of range", "flags fit in one byte (0-255)",
                      at_value=True)
        d.proto = TCP
        return Primitive("tcp opt", (TCP_FLAGS_FIELD,), d.value, d.value, "==", False, None,
                         (TCP,), True)


def _with_at(p: Primitive, at: int) -> Primitive:
    """The primitive with its source offset, and with an == value ANDed with the mask as Click does."""
    value = p.value & p.mask if p.relation == "==" else p.value
    return Primitive(p.kind, p.fields, value, p.mask, p.relation, p.negated, p.srcdst,
                     p.protocols, p.first_fragment, at)


def _place(e: Expr, at: int) -> Expr:
    """Stamp the source offset on every primitive of a freshly built (small) subtree."""
    if isinstance(e, Primitive):
        return _with_at(e, at)
    if isinstance(e, Not):
        return Not(_place(e.item, at))
    if isinstance(e, (And, Or)):
        return type(e)(tuple(_place(i, at) for i in e.items))
    return e


def _protocols(proto: int) -> tuple[int, ...]:
    if proto == TCP_OR_UDP:
        return (TCP, UDP)
    if proto == TRANSP:
        return ()
    return (proto,)


def _proto_name(proto: int) -> str:
    names = {v: k for k, v in IP_PROTOCOLS.items()}
    return names.get(proto, f"ip proto {proto}")


def _address_fields(srcdst: str) -> tuple[Field, ...]:
    return {SRC: (IP_SRC,), DST: (IP_DST,)}.get(srcdst, (IP_SRC, IP_DST))


def _port_fields(srcdst: str) -> tuple[Field, ...]:
    return {SRC: (SRC_PORT,), DST: (DST_PORT,)}.get(srcdst, (SRC_PORT, DST_PORT))


def _parse(tokens: list[Token], ctx: ParseContext | None, length: int) -> Expr:
    """A whole pattern: one expression using every token."""
    parser = _Parser(tokens, ctx, length)
    expr = parser.expr()
    if expr is None:
        raise parser.fail(f"unexpected {parser.peek()!r}")
    if parser.peek() is not None:
        raise parser.fail(f"garbage after expression at {parser.peek()!r}",
                          "join primitives with and, or, not; close only parentheses you opened")
    return expr


_MATCH_ALL = ("-", "any", "all")


def parse_pattern(text: str, ctx: ParseContext | None = None) -> Expr:
    """Parse one IPClassifier argument; an empty pattern or `-`/`any`/`all` is TRUE."""
    tokens = tokenize(text)
    if not tokens or (len(tokens) == 1 and tokens[0].text in _MATCH_ALL):
        return TRUE
    return _parse(tokens, ctx, len(text))


DROP = None


@dataclass(frozen=True)
class FilterRule:
    """One IPFilter argument: where matching packets go (port None: dropped) and the pattern."""

    action: str        # "allow", "deny", "drop" or the port number as written
    port: int | None
    pattern: Expr

    def unparse(self) -> str:
        return f"{self.action} {self.pattern.unparse()}"


def parse_filter_rule(text: str, ctx: ParseContext | None = None) -> FilterRule:
    """Parse one IPFilter argument, `ACTION PATTERN`."""
    tokens = tokenize(text)
    if not tokens:
        raise RuleError("empty filter", "write ACTION PATTERN, e.g. 'allow tcp dst port 80'", 0, 0)
    action = tokens[0].text
    if action == "allow":
        port: int | None = 0
    elif action in ("deny", "drop"):
        port = DROP
    elif (n := _int(action)) is not None and not action.startswith("-"):
        port = n
    else:
        known = ["allow", "deny", "drop"]
        raise RuleError(f"unknown action {action!r}",
                        did_you_mean(action, known) or "an action is allow, deny, drop or an output number",
                        tokens[0].at, len(action))
    rest = tokens[1:]
    if not rest or (len(rest) == 1 and rest[0].text in _MATCH_ALL):
        return FilterRule(action, port, TRUE)
    return FilterRule(action, port, _parse(rest, ctx, len(text)))


# --------------------------------------------------------------------------
# Reference interpreter

def _field_value(f: Field, mask: int, packet: bytes, transport: int) -> int | None:
    """The field's value, or None if a byte it needs (under `mask`) is past the end."""
    base = 0 if f.layer == "ip" else transport
    first = f.bit_offset // 8
    last = (f.bit_offset + f.bit_width - 1) // 8
    nbytes = last - first + 1
    shift = nbytes * 8 - (f.bit_offset % 8) - f.bit_width
    wide_mask = (mask & f.full_mask) << shift
    for k in range(nbytes):
        if (wide_mask >> (8 * (nbytes - 1 - k))) & 0xFF and base + first + k >= len(packet):
            return None
    chunk = packet[base + first: base + last + 1].ljust(nbytes, b"\0")
    return (int.from_bytes(chunk, "big") >> shift) & f.full_mask


def _primitive_matches(p: Primitive, packet: bytes) -> bool:
    if p.protocols and (len(packet) < 10 or packet[9] not in p.protocols):
        return False
    if p.first_fragment and (len(packet) < 8 or (packet[6] << 8 | packet[7]) & 0x1FFF):
        return False
    transport = (packet[0] & 0xF) * 4 if packet else 0
    results = []
    for f in p.fields:
        v = _field_value(f, p.mask, packet, transport)
        if v is None:
            results.append(p.negated)  # absent: the primitive fails either way
            continue
        v &= p.mask
        results.append(v == p.value if p.relation == "==" else v > p.value)
    combined = all(results) if p.srcdst == SRC_AND_DST else any(results)
    return combined != p.negated


def matches(expr: Expr, packet: bytes) -> bool:
    """Whether the pattern matches an IPv4 packet (bytes from the IP header on)."""
    if isinstance(expr, Primitive):
        return _primitive_matches(expr, packet)
    if isinstance(expr, Const):
        return expr.value
    if isinstance(expr, Not):
        return not matches(expr.item, packet)
    if isinstance(expr, And):
        return all(matches(e, packet) for e in expr.items)
    if isinstance(expr, Or):
        return any(matches(e, packet) for e in expr.items)
    if isinstance(expr, Ternary):
        return matches(expr.then if matches(expr.test, packet) else expr.otherwise, packet)
    raise TypeError(f"not a pattern node: {expr!r}")


def first_match(patterns: Sequence[Expr], packet: bytes) -> int | None:
    """The output an IPClassifier sends the packet to, or None if it drops it."""
    for i, p in enumerate(patterns):
        if matches(p, packet):
            return i
    return None


def filter_output(rules: Sequence[FilterRule], packet: bytes) -> int | None:
    """The output an IPFilter sends the packet to, or None if it drops it."""
    for rule in rules:
        if matches(rule.pattern, packet):
            return rule.port
    return None

