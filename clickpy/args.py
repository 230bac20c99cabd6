"""Element arguments, parsed the way Click parses them.

A configuration string is split at top-level commas (Click's cp_argvec);
positional arguments come first, then keyword arguments written
`KEYWORD value` (Click's Args).  Each argument has a type that knows Click's
textual forms: integers in C notation, booleans, times with units, bandwidths,
IP addresses and prefixes, Ethernet addresses, quoted strings with `\\<hex>`.

Parsing never raises to the caller: problems come back as ArgIssue values that
carry the position of the offending argument, so `clickpy check` can point at it.
"""
from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Sequence

from clickpy.diagnostics import SourcePos, did_you_mean


# --------------------------------------------------------------------------
# Splitting a configuration string

@dataclass(frozen=True)
class ConfigArg:
    """One comma-separated argument and where it starts in the source."""

    text: str
    pos: SourcePos


_CLOSE = {"(": ")", "[": "]", "{": "}"}


def _skip_quoted(text: str, i: int) -> int:
    """Index just past the quoted string or `\\<hex>` run starting at text[i]."""
    quote = text[i]
    if quote == "\\":  # \<...>
        end = text.find(">", i + 2)
        return len(text) if end < 0 else end + 1
    j = i + 1
    while j < len(text):
        if quote == '"' and text[j] == "\\":
            j += 2
            continue
        if text[j] == quote:
            return j + 1
        j += 1
    return len(text)


def strip_comments(text: str) -> str:
    """Replace // and /* */ comments outside quotes with spaces (keeps offsets)."""
    out = list(text)
    i = 0
    while i < len(text):
        c = text[i]
        if c in "\"'" or text.startswith("\\<", i):
            i = _skip_quoted(text, i)
        elif text.startswith("//", i):
            end = text.find("\n", i)
            end = len(text) if end < 0 else end
            for k in range(i, end):
                out[k] = " "
            i = end
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            end = len(text) if end < 0 else end + 2
            for k in range(i, end):
                if out[k] != "\n":
                    out[k] = " "
            i = end
        else:
            i += 1
    return "".join(out)


def split_config(text: str | None, pos: SourcePos | None = None,
                 positions: Sequence[SourcePos] | None = None) -> list[ConfigArg]:
    """Split a configuration string at top-level commas, like Click's cp_argvec.

    Commas inside quotes, `\\<hex>` runs and brackets do not split.  Arguments
    are stripped of comments and surrounding space; an empty string has no
    arguments, and a trailing empty argument (`a, b,`) is dropped.
    """
    if text is None:
        return []
    base = pos or SourcePos("<config>", 1, 1)
    clean = strip_comments(text)
    pieces: list[tuple[int, int]] = []
    depth: list[str] = []
    start = 0
    i = 0
    while i < len(clean):
        c = clean[i]
        if c in "\"'" or clean.startswith("\\<", i):
            i = _skip_quoted(clean, i)
            continue
        if c in _CLOSE:
            depth.append(_CLOSE[c])
        elif depth and c == depth[-1]:
            depth.pop()
        elif c == "," and not depth:
            pieces.append((start, i))
            start = i + 1
        i += 1
    pieces.append((start, len(clean)))
    args: list[ConfigArg] = []
    for n, (a, b) in enumerate(pieces):
        raw = clean[a:b]
        stripped = raw.strip()
        lead = len(raw) - len(raw.lstrip())
        if positions is not None and n < len(positions):
            where = positions[n]
        else:
            where = base.advanced(text[:a + lead])
        args.append(ConfigArg(stripped, where))
    if len(args) == 1 and not args[0].text:
        return []
    if args and not args[-1].text:
        args.pop()
    return args


def split_words(text: str) -> list[str]:
    """Split on whitespace, keeping quoted strings whole (Click's cp_spacevec)."""
    words: list[str] = []
    i = 0
    while i < len(text):
        if text[i].isspace():
            i += 1
            continue
        j = i
        while j < len(text) and not text[j].isspace():
            if text[j] in "\"'" or text.startswith("\\<", j):
                j = _skip_quoted(text, j)
            else:
                j += 1
        words.append(text[i:j])
        i = j
    return words


# --------------------------------------------------------------------------
# Types

class ArgError(Exception):
    """A value that does not parse; `hint` says what would."""

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint


@dataclass
class ParseContext:
    """What argument parsing may consult beyond the text itself.

    `addresses` holds AddressInfo names (name -> list of address strings);
    `element_names` the elements of the configuration, for references;
    `patterns` the IPRewriterPatterns names (name -> one (element, position,
    pattern or None) per definition), which rewriter input specs may use.
    """

    addresses: dict[str, list[str]] = field(default_factory=dict)
    element_names: set[str] = field(default_factory=set)
    patterns: dict[str, list[tuple[str, Any, Any]]] = field(default_factory=dict)

    def named(self, word: str, kind: Callable[[str], Any]) -> Any:
        """Resolve an AddressInfo name to the first of its addresses `kind` accepts."""
        name, _, suffix = word.partition(":")
        for text in self.addresses.get(name, ()):
            try:
                value = kind(text)
            except (ValueError, ArgError):
                continue
            return value
        raise ArgError(f"no address of this kind named {word!r}")


class ArgType:
    """A Click argument type: a name for messages and a parser."""

    name = "value"
    example = ""

    def parse(self, text: str, ctx: ParseContext) -> Any:  # pragma: no cover
        raise NotImplementedError

    def fail(self, text: str, why: str = "") -> ArgError:
        hint = f"expected {self.name}" + (f", for example {self.example}" if self.example else "")
        return ArgError(f"{text!r} is not {_article(self.name)}{(': ' + why) if why else ''}", hint)


def _article(name: str) -> str:
    return ("an " if name[:1].lower() in "aeiou" else "a ") + name


class Raw(ArgType):
    """Any text, unparsed (element-specific syntax checked by the element)."""

    name = "argument"

    def parse(self, text, ctx):
        return text


_INT = re.compile(r"^[+-]?(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)$")


class Integer(ArgType):
    """Click's IntArg: C notation (decimal, 0x hex, leading-0 octal), with a range."""

    def __init__(self, low: int | None = None, high: int | None = None, name: str | None = None):
        self.low, self.high = low, high
        if name:
            self.name = name
        elif low == 0 and high is None:
            self.name = "unsigned integer"
        else:
            self.name = "integer"
        self.example = str(low if low is not None else 0)

    def parse(self, text, ctx):
        t = text.strip()
        if not _INT.match(t):
            raise self.fail(text)
        value = int(t, 0) if not re.match(r"^[+-]?0[0-7]+$", t) else int(t, 8)
        if (self.low is not None and value < self.low) or (self.high is not None and value > self.high):
            lo = "" if self.low is None else str(self.low)
            hi = "" if self.high is None else str(self.high)
            raise ArgError(f"{value} is out of range", f"expected {self.name} in [{lo}, {hi}]")
        return value


class Real(ArgType):
    """Click's DoubleArg."""

    name = "real number"
    example = "0.5"

    def __init__(self, low: float | None = None, high: float | None = None):
        self.low, self.high = low, high

    def parse(self, text, ctx):
        try:
            value = float(text)
        except ValueError:
            raise self.fail(text) from None
        if value != value or value in (float("inf"), float("-inf")):
            raise self.fail(text)
        if (self.low is not None and value < self.low) or (self.high is not None and value > self.high):
            raise ArgError(f"{text} is out of range",
                           f"expected a number in [{self.low if self.low is not None else ''}, "
                           f"{self.high if self.high is not None else ''}]")
        return value


class Bool(ArgType):
    """Click's BoolArg: true/false, yes/no, 1/0 (and on/off); empty means true."""

    name = "boolean"
    example = "true"
    _WORDS = {"true": True, "yes": True, "1": True, "on": True, "": True,
              "false": False, "no": False, "0": False, "off": False}

    def parse(self, text, ctx):
        try:
            return self._WORDS[text.strip().lower()]
        except KeyError:
            raise self.fail(text) from None


_NUMBER_UNIT = re.compile(r"^([0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?)\s*([A-Za-z]*)$")


class Seconds(ArgType):
    """Click's SecondsArg: a number of seconds with an optional unit (ms, us, min...)."""

    name = "time"
    example = "1.5s or 100ms"
    UNITS = {"": 1.0, "s": 1.0, "sec": 1.0, "secs": 1.0, "ms": 1e-3, "msec": 1e-3,
             "us": 1e-6, "usec": 1e-6, "ns": 1e-9, "nsec": 1e-9, "m": 60.0, "min": 60.0,
             "h": 3600.0, "hr": 3600.0, "d": 86400.0, "day": 86400.0}

    def parse(self, text, ctx):
        m = _NUMBER_UNIT.match(text.strip())
        if not m or m.group(2).lower() not in self.UNITS:
            raise self.fail(text)
        return float(m.group(1)) * self.UNITS[m.group(2).lower()]


class Bandwidth(ArgType):
    """Click's BandwidthArg, in bytes per second: `10Mbps` (bits) or `1MBps` (bytes).

    A bare number is bytes per second, as in Click.
    """

    name = "bandwidth"
    example = "10Mbps"
    _PREFIX = {"": 1, "k": 1e3, "K": 1e3, "m": 1e6, "M": 1e6, "g": 1e9, "G": 1e9}

    def parse(self, text, ctx):
        m = _NUMBER_UNIT.match(text.strip())
        if not m:
            raise self.fail(text)
        number, unit = float(m.group(1)), m.group(2)
        if unit == "":
            return number
        um = re.match(r"^([kKmMgG]?)(bps|Bps|baud)$", unit)
        if not um:
            raise self.fail(text, f"unknown unit {unit!r}")
        scale = self._PREFIX[um.group(1)]
        return number * scale / (1 if um.group(2) == "Bps" else 8)


class IPAddress(ArgType):
    """A dotted-quad IPv4 address, or an AddressInfo name."""

    name = "IP address"
    example = "10.0.0.1"

    def parse(self, text, ctx):
        t = text.strip()
        try:
            return ipaddress.IPv4Address(t)
        except ValueError:
            pass
        if re.match(r"^[A-Za-z_][\w.\-]*(:ip)?$", t) and t.split(":")[0] in ctx.addresses:
            return ctx.named(t.split(":")[0], ipaddress.IPv4Address)
        raise self.fail(text)


class IPPrefix(ArgType):
    """`ADDR/LEN` or `ADDR/MASK`; a bare address means /32 (Click's IPPrefixArg).

    The value keeps the address as written (host bits included) with its mask.
    """

    name = "IP prefix"
    example = "10.0.0.0/8"

    def __init__(self, allow_bare: bool = True):
        self.allow_bare = allow_bare

    def parse(self, text, ctx):
        t = text.strip()
        addr, slash, mask = t.partition("/")
        if not slash:
            if not self.allow_bare:
                raise self.fail(text, "no /length")
            if t.split(":")[0] in ctx.addresses:
                return ctx.named(t.split(":")[0], lambda s: ipaddress.IPv4Interface(s))
            return ipaddress.IPv4Interface(IPAddress().parse(t, ctx))
        try:
            a = ipaddress.IPv4Address(addr)
        except ValueError:
            raise self.fail(text, f"{addr!r} is not an IP address") from None
        if mask.isdigit():
            if int(mask) > 32:
                raise self.fail(text, "prefix length above 32")
            return ipaddress.IPv4Interface(f"{a}/{int(mask)}")
        try:
            m = ipaddress.IPv4Address(mask)
        except ValueError:
            raise self.fail(text, f"{mask!r} is neither a length nor a netmask") from None
        bits = f"{int(m):032b}"
        if "01" in bits:
            raise self.fail(text, f"{mask} is not a contiguous netmask")
        return ipaddress.IPv4Interface(f"{a}/{bits.count('1')}")


_ETHER = re.compile(r"^([0-9a-fA-F]{1,2})([:-])([0-9a-fA-F]{1,2})\2([0-9a-fA-F]{1,2})\2"
                    r"([0-9a-fA-F]{1,2})\2([0-9a-fA-F]{1,2})\2([0-9a-fA-F]{1,2})$")


class EtherAddress(ArgType):
    """`00:11:22:33:44:55` (1 or 2 hex digits per byte, `:` or `-`), or an AddressInfo name."""

    name = "Ethernet address"
    example = "00:11:22:33:44:55"

    def parse(self, text, ctx):
        t = text.strip()
        m = _ETHER.match(t)
        if m:
            return bytes(int(m.group(i), 16) for i in (1, 3, 4, 5, 6, 7))
        if t.split(":")[0] in ctx.addresses:
            return ctx.named(t.split(":")[0], lambda s: EtherAddress().parse(s, ParseContext()))
        raise self.fail(text)


class String(ArgType):
    """Click's StringArg: a quoted string or a single unquoted word; value is str."""

    name = "string"
    example = '"text"'

    def parse(self, text, ctx):
        t = text.strip()
        if not t:
            return ""
        if len(split_words(t)) != 1:
            raise self.fail(text, "several words; quote it")
        return unquote(t).decode("latin-1")


class Word(ArgType):
    """A single word (Click's WordArg)."""

    name = "word"
    example = "eth0"

    def parse(self, text, ctx):
        t = text.strip()
        if not t or len(split_words(t)) != 1:
            raise self.fail(text)
        return unquote(t).decode("latin-1")


class Data(ArgType):
    """Packet data: Click strings, with `\\<hex>` runs and escapes; value is bytes."""

    name = "data string"
    example = '"\\<0800>"'

    def parse(self, text, ctx):
        return b"".join(unquote(w) for w in split_words(text.strip())) if text.strip() else b""


class Choice(ArgType):
    """One of a fixed set of words (case-insensitive), as several Click elements take."""

    def __init__(self, *words: str, name: str = "keyword"):
        self.words = [w.lower() for w in words]
        self.name = name
        self.example = words[0] if words else ""

    def parse(self, text, ctx):
        t = text.strip().lower()
        if t in self.words:
            return t
        hint = did_you_mean(t, self.words) or f"expected one of: {', '.join(self.words)}"
        raise ArgError(f"{text.strip()!r} is not a valid {self.name}", hint)


class ElementRef(ArgType):
    """The name of another element of the configuration (checked against the graph)."""

    name = "element name"
    example = "q"

    def parse(self, text, ctx):
        t = text.strip()
        if ctx.element_names and t not in ctx.element_names:
            raise ArgError(f"no element named {t!r}", did_you_mean(t, ctx.element_names))
        return t


class SpaceList(ArgType):
    """Several values of one type separated by spaces (Click's cp_spacevec)."""

    def __init__(self, item: ArgType):
        self.item = item
        self.name = f"space-separated {item.name} list"
        self.example = item.example

    def parse(self, text, ctx):
        return [self.item.parse(w, ctx) for w in split_words(text)]


class Either(ArgType):
    """The first of several types that accepts the text (e.g. address or prefix)."""

    def __init__(self, *types: ArgType, name: str | None = None):
        self.types = types
        self.name = name or " or ".join(t.name for t in types)
        self.example = types[0].example

    def parse(self, text, ctx):
        for t in self.types:
            try:
                return t.parse(text, ctx)
            except ArgError:
                continue
        raise self.fail(text)


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "a": "\a", "b": "\b", "f": "\f",
            "v": "\v", "\\": "\\", '"': '"', "'": "'", "0": "\0"}


def unquote(text: str) -> bytes:
    """Click's cp_unquote: "..." with C escapes, '...' literal, `\\<hex>` anywhere."""
    out = bytearray()
    i = 0
    quote = None
    while i < len(text):
        c = text[i]
        if text.startswith("\\<", i) and quote != "'":
            end = text.find(">", i + 2)
            if end < 0:
                raise ArgError("unterminated \\<...> hex string", "close it with '>'")
            digits = re.sub(r"\s+|//[^\n]*|/\*.*?\*/", "", text[i + 2:end], flags=re.S)
            if len(digits) % 2 or not re.fullmatch(r"[0-9a-fA-F]*", digits):
                raise ArgError(f"bad hex string \\<{text[i + 2:end]}>",
                               "use pairs of hex digits, e.g. \\<0800 4500>")
            out += bytes.fromhex(digits)
            i = end + 1
        elif quote is None and c in "\"'":
            quote = c
            i += 1
        elif quote is not None and c == quote:
            quote = None
            i += 1
        elif quote == '"' and c == "\\" and i + 1 < len(text):
            nxt = text[i + 1]
            if nxt == "x":
                m = re.match(r"[0-9a-fA-F]{1,2}", text[i + 2:])
                if not m:
                    raise ArgError("bad \\x escape", "write \\x followed by hex digits")
                out.append(int(m.group(0), 16))
                i += 2 + len(m.group(0))
            elif nxt in "01234567":
                m = re.match(r"[0-7]{1,3}", text[i + 1:])
                out.append(int(m.group(0), 8) & 0xFF)
                i += 1 + len(m.group(0))
            else:
                out += _ESCAPES.get(nxt, nxt).encode("latin-1", "replace")
                i += 2
        else:
            out += c.encode("utf-8", "surrogateescape")
            i += 1
    if quote is not None:
        raise ArgError("unterminated quoted string", f"close it with {quote}")
    return bytes(out)


# --------------------------------------------------------------------------
# Declared arguments and the Click Args algorithm

@dataclass(frozen=True)
class Arg:
    """One declared argument of an element, by its Click keyword.

    positional: may be given by position (in declaration order) as well as
    by keyword.  repeat: takes every remaining positional argument (routes,
    rules, patterns) and yields a list.
    """

    keyword: str
    type: ArgType = field(default_factory=Raw)
    required: bool = False
    positional: bool = False
    default: Any = None
    repeat: bool = False
    doc: str = ""


@dataclass(frozen=True)
class ArgIssue:
    """A problem with one argument, with its position when known."""

    message: str
    pos: SourcePos | None = None
    hint: str | None = None
    severity: str = "error"


_KEYWORD = re.compile(r"^([A-Z_][A-Z0-9_]*)(?:\s+(.*))?$", re.S)


def signature(class_name: str, args: Sequence[Arg]) -> str:
    """A Click-style synopsis, e.g. `ARPQuerier(IP, ETH [, KEYWORDS])`."""
    parts = []
    for a in args:
        if a.positional:
            name = a.keyword + (" ..." if a.repeat else "")
            parts.append(name if a.required else f"[{name}]")
    keywords = [a.keyword for a in args if not a.positional]
    if keywords:
        parts.append("[" + ", ".join(f"{k} value" for k in keywords) + "]")
    return f"{class_name}({', '.join(parts)})"


def parse_args(class_name: str, declared: Sequence[Arg], items: Sequence[ConfigArg],
               ctx: ParseContext, where: SourcePos) -> tuple[dict[str, Any], list[ArgIssue]]:
    """Match items to declared arguments and parse them, as Click's Args does.

    Returns every argument's value (defaults filled in) and the problems found.
    """
    issues: list[ArgIssue] = []
    by_keyword = {a.keyword: a for a in declared}
    positional = [a for a in declared if a.positional]
    sig = signature(class_name, declared)

    given: dict[str, Any] = {}
    raw: dict[str, list[ConfigArg]] = {}
    slot = 0
    seen_keyword = False
    for item in items:
        m = _KEYWORD.match(item.text)
        kw = m.group(1) if m else None
        in_repeat = slot < len(positional) and positional[slot].repeat
        if kw in by_keyword and not (in_repeat and by_keyword[kw].positional):
            value = (m.group(2) or "").strip()
            offset = item.text.find(value, len(kw)) if value else len(item.text)
            vpos = item.pos.advanced(item.text[:offset])
            if kw in raw and not by_keyword[kw].repeat:
                issues.append(ArgIssue(f"keyword {kw} given more than once", item.pos,
                                       "keep one of them"))
                continue
            raw.setdefault(kw, []).append(ConfigArg(value, vpos))
            seen_keyword = True
            continue
        misspelt = (kw is not None and len(kw) > 1 and m.group(2) is not None and kw not in by_keyword
                    and did_you_mean(kw, by_keyword) is not None)
        if slot < len(positional) and (not seen_keyword or positional[slot].repeat) and not misspelt:
            arg = positional[slot]
            raw.setdefault(arg.keyword, []).append(item)
            if not arg.repeat:
                slot += 1
            continue
        if kw and kw.isupper() and len(kw) > 1:
            known = [a.keyword for a in declared]
            hint = did_you_mean(kw, known)
            if not hint:
                hint = (f"{class_name} takes the keywords {', '.join(known)}" if known
                        else f"{class_name} takes no keywords")
            issues.append(ArgIssue(f"unknown keyword {kw}", item.pos, hint))
        elif seen_keyword:
            issues.append(ArgIssue(f"positional argument {item.text!r} after keyword arguments",
                                   item.pos, f"write positional arguments first: {sig}"))
        else:
            expected = len(positional)
            issues.append(ArgIssue(
                f"too many arguments: {class_name} takes "
                f"{'no' if expected == 0 else 'at most ' + str(expected)} positional "
                f"argument{'s' if expected != 1 else ''}", item.pos, f"usage: {sig}"))
    for arg in declared:
        items_for = raw.get(arg.keyword)
        if not items_for:
            if arg.required:
                issues.append(ArgIssue(f"missing argument {arg.keyword} ({arg.type.name})",
                                       where, f"usage: {sig}"))
            given[arg.keyword] = [] if arg.repeat and arg.default is None else arg.default
            continue
        values = []
        for it in items_for:
            try:
                values.append(arg.type.parse(it.text, ctx))
            except ArgError as e:
                offset = getattr(e, "offset", None)
                where = it.pos if offset is None else it.pos.advanced(it.text[:offset])
                issues.append(ArgIssue(f"{arg.keyword}: {e.message}", where, e.hint))
        given[arg.keyword] = values if arg.repeat else (values[0] if values else arg.default)
    return given, issues


def describe(args: Iterable[Arg]) -> list[str]:
    """One line per argument, for `clickpy elements -v` and the docs."""
    lines = []
    for a in args:
        kind = "positional" if a.positional else "keyword"
        if a.repeat:
            need = "repeated" + (", at least one" if a.required else "")
        else:
            need = "required" if a.required else f"default {a.default!r}"
        lines.append(f"{a.keyword:<12} {a.type.name} ({kind}, {need}){' - ' + a.doc if a.doc else ''}")
    return lines
