"""IPRewriter input specifications and patterns, as Click's IPRewriterBase reads them.

Every configuration argument of IPRewriter (and IPAddrRewriter, TCPRewriter,
...) is one INPUTSPEC, one per input port:

  drop | discard                      discard packets
  pass [OUTPUT]  (passthrough, nochange)  emit unchanged on OUTPUT (default 0)
  keep FOUTPUT ROUTPUT                install mappings that change nothing
  pattern PATTERN FOUTPUT ROUTPUT     rewrite by PATTERN (also `xpattern`)
  ELEMENTNAME                         ask that IPMapper (RoundRobinIPMapper, ...)

A PATTERN (Click's IPRewriterPattern) is `SADDR SPORT DADDR DPORT`, or
`SADDR DADDR` (addresses only), or Click's three-word `SADDR DADDR SPORT`, or
one word naming an IPRewriterPatterns pattern.  A field `-` is left unchanged.
SADDR may be a range `A-B` or a prefix `ADDR/LEN` (whose .0 and broadcast
addresses are skipped); SPORT may be a range `L-H`.  A trailing `#` on a range
allocates sequentially, a trailing `?` randomly instead of preferring the
packet's own value.
"""
from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from typing import Any, Sequence, Union

from clickpy.args import Arg, ArgError, ArgIssue, ArgType, Integer, ParseContext, split_words
from clickpy.argtypes.ip_prefixes import parse_ip_address, parse_ip_prefix
from clickpy.diagnostics import did_you_mean

_PATTERN_HINT = ("a pattern is SADDR SPORT DADDR DPORT (or SADDR DADDR), '-' for unchanged, "
                 "e.g. pattern 1.0.0.1 1024-65535# - - 0 1")


@dataclass(frozen=True)
class AddressRange:
    """Source addresses to allocate from, first..last inclusive."""

    first: ipaddress.IPv4Address
    last: ipaddress.IPv4Address


@dataclass(frozen=True)
class PortRange:
    """Source ports to allocate from, first..last inclusive."""

    first: int
    last: int


@dataclass(frozen=True)
class Pattern:
    """How to rewrite a new flow; None fields are left unchanged ('-').

    `napt` is true for the forms with ports (Click rewrites ports only then);
    `sequential` and `same_first` reflect the `#` and `?` range suffixes.
    """

    saddr: ipaddress.IPv4Address | AddressRange | None
    sport: int | PortRange | None
    daddr: ipaddress.IPv4Address | None
    dport: int | None
    napt: bool
    sequential: bool = False
    same_first: bool = True


@dataclass(frozen=True)
class NamedPattern:
    """A pattern defined by an IPRewriterPatterns element."""

    name: str


@dataclass(frozen=True)
class DropSpec:
    """`drop`: discard packets without a mapping."""


@dataclass(frozen=True)
class PassSpec:
    """`pass OUTPUT`: emit packets without a mapping unchanged on `output`."""

    output: int = 0


@dataclass(frozen=True)
class KeepSpec:
    """`keep FOUTPUT ROUTPUT`: install identity mappings."""

    foutput: int
    routput: int


@dataclass(frozen=True)
class PatternSpec:
    """`pattern ... FOUTPUT ROUTPUT`: install mappings made by `pattern`."""

    pattern: Pattern | NamedPattern
    foutput: int
    routput: int


@dataclass(frozen=True)
class MapperSpec:
    """`ELEMENTNAME`: an IPMapper element (e.g. RoundRobinIPMapper) makes the mappings."""

    element: str


InputSpec = Union[DropSpec, PassSpec, KeepSpec, PatternSpec, MapperSpec]


@dataclass(frozen=True)
class StrayKeyword:
    """A `KEYWORD value` argument found among the input specs (see absorb_keywords)."""

    keyword: str
    text: str


def spec_outputs(spec: InputSpec) -> tuple[int, ...]:
    """Output ports an input spec sends packets to (a mapper's are unknown here)."""
    if isinstance(spec, PassSpec):
        return (spec.output,)
    if isinstance(spec, (KeepSpec, PatternSpec)):
        return (spec.foutput, spec.routput)
    return ()


# ---- patterns -----------------------------------------------------------------

def _suffix_flags(word: str) -> tuple[str, bool, bool]:
    """Strip a trailing '#' (sequential) or '?' (random); returns word, sequential, same_first."""
    if word.endswith("#"):
        return word[:-1], True, False
    if word.endswith("?"):
        return word[:-1], False, False
    return word, False, True


def _source_address(word: str, ctx) -> tuple[Any, bool, bool]:
    if word == "-":
        return None, False, True
    try:
        return parse_ip_address(word, ctx), False, True
    except ArgError:
        pass
    base, sequential, same_first = _suffix_flags(word)
    if "-" in base:
        low_text, _, high_text = base.partition("-")
        try:
            low, high = parse_ip_address(low_text, ctx), parse_ip_address(high_text, ctx)
        except ArgError:
            raise ArgError(f"bad source address {word!r}",
                           "SADDR is '-', an address, a range like 10.0.0.1-10.0.0.9 or a "
                           "prefix like 10.0.0.0/24") from None
        if high < low:
            raise ArgError(f"bad source address {word!r}: the range runs backwards",
                           f"write the lower address first: {high_text}-{low_text}")
        return AddressRange(low, high), sequential, same_first
    try:
        prefix = parse_ip_prefix(base, ctx)
    except ArgError:
        raise ArgError(f"bad source address {word!r}",
                       "SADDR is '-', an address, a range like 10.0.0.1-10.0.0.9 or a "
                       "prefix like 10.0.0.0/24") from None
    if int(prefix.ip) == 0 or prefix.network.prefixlen == 0:
        raise ArgError(f"bad source address {word!r}",
                       "an address prefix needs a nonzero address and mask, e.g. 10.0.0.0/24")
    length = prefix.network.prefixlen
    if length == 32:
        return prefix.ip, sequential, same_first
    net = prefix.network
    if length == 31:
        return AddressRange(net.network_address, net.broadcast_address), sequential, same_first
    return (AddressRange(net.network_address + 1, net.broadcast_address - 1),
            sequential, same_first)


def _plain_port(word: str) -> int | None:
    try:
        value = Integer().parse(word, None)
    except ArgError:
        return None
    return value if 0 < value < 65536 else None


def _source_port(word: str) -> tuple[Any, bool, bool]:
    if word == "-":
        return None, False, True
    plain = _plain_port(word)
    if plain is not None:
        return plain, False, True
    base, sequential, same_first = _suffix_flags(word)
    low_text, dash, high_text = base.partition("-")
    try:
        low, high = Integer().parse(low_text, None), Integer().parse(high_text, None)
    except ArgError:
        low = high = -1
    if not dash or low < 0 or high < low or high > 65535:
        raise ArgError(f"bad source port {word!r}",
                       "SPORT is '-', a port 1-65535 or a range like 1024-65535 "
                       "(append '#' to allocate sequentially)")
    return PortRange(low, high), sequential, same_first


def parse_pattern(words: Sequence[str], ctx) -> Pattern | NamedPattern:
    """Click's IPRewriterPattern::parse over 1 to 4 words."""
    if not 1 <= len(words) <= 4:
        raise ArgError(f"syntax error in pattern {' '.join(words)!r}", _PATTERN_HINT)
    if len(words) == 1:
        if not re.fullmatch(r"[A-Za-z_][\w.\-/@]*", words[0]):
            raise ArgError(f"no such pattern {words[0]!r}",
                           "one word names an IPRewriterPatterns pattern; " + _PATTERN_HINT)
        if ctx is not None and ctx.element_names and words[0] not in ctx.patterns:
            # A whole configuration is being checked: its IPRewriterPatterns are known.
            raise ArgError(f"no pattern named {words[0]!r}",
                           did_you_mean(words[0], ctx.patterns) or
                           f"define it with IPRewriterPatterns({words[0]} SADDR SPORT DADDR "
                           "DPORT) (names are global to the router), or write the pattern here")
        return NamedPattern(words[0])
    saddr, sequential, same_first = _source_address(words[0], ctx)
    sport = None
    if len(words) == 4:
        sport_word, daddr_word = words[1], words[2]
    elif len(words) == 3:   # Click's three-word order: SADDR DADDR SPORT
        sport_word, daddr_word = words[2], words[1]
    else:
        sport_word, daddr_word = None, words[1]
    if sport_word is not None:
        sport, port_sequential, port_same_first = _source_port(sport_word)
        sequential, same_first = sequential or port_sequential, same_first and port_same_first
    daddr = None
    if daddr_word != "-":
        try:
            daddr = parse_ip_address(daddr_word, ctx)
        except ArgError:
            raise ArgError(f"bad destination address {daddr_word!r}",
                           "DADDR is '-' or an IP address") from None
    dport = None
    if len(words) == 4 and words[3] != "-":
        dport = _plain_port(words[3])
        if dport is None:
            raise ArgError(f"bad destination port {words[3]!r}", "DPORT is '-' or a port 1-65535")
    return Pattern(saddr, sport, daddr, dport, napt=len(words) >= 3,
                   sequential=sequential, same_first=same_first)


def _output_ports(words: Sequence[str]) -> tuple[int, int]:
    ports = []
    for word, what in zip(words, ("forward", "reply")):
        try:
            value = Integer().parse(word, None)
        except ArgError:
            raise ArgError(f"bad {what} port {word!r}",
                           "FOUTPUT and ROUTPUT are output port numbers") from None
        if value < 0:
            raise ArgError(f"output port {value} out of range", "output ports are numbered from 0")
        ports.append(value)
    return ports[0], ports[1]


def parse_pattern_with_ports(text: str, ctx) -> PatternSpec:
    """`PATTERN FOUTPUT ROUTPUT` (RoundRobinIPMapper arguments, `pattern` specs)."""
    words = split_words(text.strip())
    if len(words) <= 2:
        raise ArgError(f"syntax error in pattern {text.strip()!r}: expected PATTERN FOUTPUT "
                       "ROUTPUT", _PATTERN_HINT)
    pattern = parse_pattern(words[:-2], ctx)
    foutput, routput = _output_ports(words[-2:])
    return PatternSpec(pattern, foutput, routput)


# ---- input specs --------------------------------------------------------------

_KEYWORD_ITEM = re.compile(r"^([A-Z_][A-Z0-9_]*)(?:\s+(.*))?$", re.S)
_SPEC_WORDS = ("drop", "discard", "pass", "passthrough", "nochange", "keep", "pattern", "xpattern")


def parse_input_spec(text: str, ctx: ParseContext, address_only: bool = False) -> InputSpec:
    """Click's IPRewriterBase::parse_input_spec; address_only for IPAddrRewriter patterns."""
    words = split_words(text.strip())
    if not words:
        raise ArgError("empty input spec", "use drop, pass OUTPUT, keep FOUTPUT ROUTPUT, "
                       "pattern ... FOUTPUT ROUTPUT or a mapper element's name")
    word, rest = words[0], words[1:]
    if word in ("pass", "passthrough", "nochange"):
        if not rest:
            return PassSpec(0)
        if len(rest) > 1 or _plain_int(rest[0]) is None:
            raise ArgError(f"syntax error in {text.strip()!r}", f"expected '{word} [OUTPUT]'")
        if _plain_int(rest[0]) < 0:
            raise ArgError(f"output port {rest[0]} out of range",
                           "output ports are numbered from 0")
        return PassSpec(_plain_int(rest[0]))
    if word in ("drop", "discard"):
        if rest:
            raise ArgError(f"syntax error in {text.strip()!r}", f"'{word}' takes nothing after it")
        return DropSpec()
    if word == "keep":
        if len(rest) != 2:
            raise ArgError(f"syntax error in {text.strip()!r}", "expected 'keep FOUTPUT ROUTPUT'")
        return KeepSpec(*_output_ports(rest))
    if word in ("pattern", "xpattern"):
        spec = parse_pattern_with_ports(" ".join(rest), ctx)
        if address_only:
            check_address_only(spec.pattern, text, ctx)
        return spec
    if rest:
        raise ArgError(f"unknown specification {text.strip()!r}",
                       did_you_mean(word, _SPEC_WORDS) or
                       "use drop, pass OUTPUT, keep FOUTPUT ROUTPUT, pattern ... FOUTPUT "
                       "ROUTPUT or a mapper element's name")
    if ctx.element_names and word not in ctx.element_names:
        hint = did_you_mean(word, list(_SPEC_WORDS) + sorted(ctx.element_names))
        raise ArgError(f"unknown specification {word!r}: no element of that name",
                       hint or "name an IPMapper element such as a RoundRobinIPMapper")
    return MapperSpec(word)


def _plain_int(word: str) -> int | None:
    try:
        return Integer().parse(word, None)
    except ArgError:
        return None


def check_address_only(pattern: Pattern | NamedPattern, text: str, ctx=None) -> None:
    """IPAddrRewriter's patterns change source addresses only (a named one's too, when
    ctx.patterns defines it)."""
    named = ""
    if isinstance(pattern, NamedPattern):
        found = [p for _, _, p in (ctx.patterns if ctx is not None else {}).get(pattern.name, ())
                 if p is not None]
        if not found:
            return                  # unknown here; the rewriter's state checks it again
        named, pattern = f" (pattern {pattern.name!r} is {pattern_text(found[0])})", found[0]
    if pattern.napt or pattern.daddr is not None:
        raise ArgError(f"{text.strip()!r}: IPAddrRewriter patterns only change the source "
                       f"address{named}", "write 'pattern SADDR - FOUTPUT ROUTPUT'; use "
                       "IPRewriter to rewrite ports or IPAddrPairRewriter for destinations")


def pattern_text(p: Pattern) -> str:
    """SADDR SPORT DADDR DPORT (or SADDR DADDR), roughly as written, for messages."""
    def show(v):
        if v is None:
            return "-"
        if isinstance(v, (AddressRange, PortRange)):
            return f"{v.first}-{v.last}"
        return str(v)
    fields = [p.saddr, p.sport, p.daddr, p.dport] if p.napt else [p.saddr, p.daddr]
    return " ".join(show(v) for v in fields)


def resolve_pattern(pattern: Pattern | NamedPattern, table: dict[str, Pattern] | None,
                    where: str) -> Pattern:
    """The Pattern a NamedPattern names in `table` (the router's IPRewriterPatterns,
    passed to rewriters as values["_patterns"]); a Pattern is returned as is."""
    if isinstance(pattern, Pattern):
        return pattern
    table = table or {}
    if pattern.name not in table:
        hint = did_you_mean(pattern.name, table)
        raise ValueError(f"{where}: no pattern named {pattern.name!r}: define it with "
                         f"IPRewriterPatterns({pattern.name} SADDR SPORT DADDR DPORT)"
                         + (f" ({hint})" if hint else ""))
    return table[pattern.name]


class InputSpecArg(ArgType):
    """One IPRewriter INPUTSPEC; the value is a DropSpec, PassSpec, KeepSpec,
    PatternSpec or MapperSpec.

    `keywords` are the element's keyword names: Click reads keywords anywhere
    in the argument list, so a `KEYWORD value` item is returned as a
    StrayKeyword for check_config to parse (see absorb_keywords).
    """

    name = "input spec"
    example = "pattern 1.0.0.1 1024-65535 - - 0 1"

    def __init__(self, keywords: Sequence[str] = (), address_only: bool = False):
        self.keywords = frozenset(keywords)
        self.address_only = address_only

    def parse(self, text, ctx):
        m = _KEYWORD_ITEM.match(text.strip())
        if m and m.group(1) in self.keywords:
            return StrayKeyword(m.group(1), (m.group(2) or "").strip())
        return parse_input_spec(text, ctx, self.address_only)


class PatternArg(ArgType):
    """`PATTERN FOUTPUT ROUTPUT` (RoundRobinIPMapper); the value is a PatternSpec."""

    name = "pattern"
    example = "1.0.0.1 1024-65535 - - 0 1"

    def parse(self, text, ctx):
        return parse_pattern_with_ports(text, ctx)


class PatternDefinitionArg(ArgType):
    """`NAME SADDR SPORT DADDR DPORT` (IPRewriterPatterns); the value is (name, Pattern)."""

    name = "named pattern"
    example = "to_world 1.0.0.1 1024-65535# - -"

    def parse(self, text, ctx):
        words = split_words(text.strip())
        if len(words) < 2:
            raise ArgError(f"syntax error in {text.strip()!r}: expected NAME SADDR SPORT "
                           "DADDR DPORT", "e.g. " + self.example)
        name = words[0]
        if not re.fullmatch(r"[A-Za-z_][\w.\-/@]*", name) or name in _SPEC_WORDS:
            raise ArgError(f"bad pattern name {name!r}",
                           "a name is a word like to_world_pat, not a spec keyword")
        if len(words) == 2:
            raise ArgError(f"pattern {name!r}: one word names another pattern",
                           "give the pattern itself, SADDR SPORT DADDR DPORT (or SADDR DADDR)")
        return name, parse_pattern(words[1:], ctx)


@dataclass(frozen=True)
class SharedCapacity:
    """MAPPING_CAPACITY naming another rewriter whose flow capacity is shared."""

    element: str


class MappingCapacity(ArgType):
    """A flow count, or the name of another rewriter to share capacity with."""

    name = "mapping capacity"
    example = "10000"

    def parse(self, text, ctx):
        t = text.strip()
        if t[:1].isdigit() or t[:1] in "+-":
            return Integer(name="mapping capacity").parse(t, ctx)
        if not re.fullmatch(r"[A-Za-z_][\w.\-/@]*", t):
            raise ArgError("bad MAPPING_CAPACITY",
                           "give a number of flows or another rewriter's name")
        if ctx.element_names and t not in ctx.element_names:
            raise ArgError(f"bad MAPPING_CAPACITY: no element named {t!r}",
                           did_you_mean(t, ctx.element_names) or
                           "give a number of flows or another rewriter's name")
        return SharedCapacity(t)


def absorb_keywords(values: dict[str, Any], spec_keyword: str, declared: Sequence[Arg],
                    ctx: ParseContext) -> list[ArgIssue]:
    """Move StrayKeywords out of values[spec_keyword] into their own keyword values.

    parse_args hands every argument to the repeated INPUTSPEC, but Click's
    Args reads keyword arguments anywhere; this restores Click's reading.
    """
    by_keyword = {a.keyword: a for a in declared}
    specs, issues, seen = [], [], set()
    for item in values.get(spec_keyword) or []:
        if not isinstance(item, StrayKeyword):
            specs.append(item)
            continue
        if item.keyword in seen:
            issues.append(ArgIssue(f"keyword {item.keyword} given more than once", None,
                                   "keep one of them"))
            continue
        seen.add(item.keyword)
        try:
            values[item.keyword] = by_keyword[item.keyword].type.parse(item.text, ctx)
        except ArgError as e:
            issues.append(ArgIssue(f"{item.keyword}: {e.message}", None, e.hint))
    values[spec_keyword] = specs
    return issues


def rewriter_port_counts(specs: Sequence[Any]) -> tuple[int | None, int | None]:
    """One input per spec; outputs up to the highest output a spec names.

    Unknown (None) when a spec names a mapper element, whose patterns choose
    outputs too, or when no spec names an output.
    """
    specs = [s for s in specs if not isinstance(s, StrayKeyword)]
    inputs = len(specs) or None
    if any(isinstance(s, MapperSpec) for s in specs):
        return inputs, None
    ports = [p for s in specs for p in spec_outputs(s)]
    return inputs, (max(ports) + 1 if ports else None)


def check_rewriter_specs(class_name: str, declared: Sequence[Arg], values: dict[str, Any],
                         ctx: ParseContext) -> list[ArgIssue]:
    """Fold keyword arguments out of the INPUTSPEC list and require one spec per input."""
    issues = absorb_keywords(values, "INPUTSPEC", declared, ctx)
    if not values["INPUTSPEC"]:
        issues.append(ArgIssue("need 1 or more arguments, one per input port", None,
                               f"give {class_name} an input spec such as "
                               "'pattern 1.0.0.1 1024-65535 - - 0 1', 'pass 0' or 'drop'"))
    return issues
