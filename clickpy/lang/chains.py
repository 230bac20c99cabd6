"""Regroup pairwise connections into chains (`a -> b -> c`) for writing.

The syntax tree and the graph hold one connection per edge.  Writing one
statement per edge is correct but hard to read, and it cannot express an
anonymous element at all: an anonymous element has no name to refer to, so
it must appear exactly once in the text, together with all its connections.

- An anonymous element with at most one connection on each side is written
  in place ("inline"): its in- and out-connection are forced together
  around it (`-> Strip(14) ->`).
- One with several connections on a side is a "fan": Click 2's lists carry
  them in the same statement, `a, b -> Counter [0, 1] => [0] c, [0] d`.
  Every element listed in a fan must have a name, or be an anonymous element
  whose only connection is that one (it is written inside the list).
- What neither form can write (an anonymous element connected to itself,
  two fans listing each other) is declared by its `Class@N` name instead.

Otherwise a connection is continued by the one written after it in the same
source chain (the destination of one and the source of the next sit at the
same position) or, where positions are unknown, by the next connection in
the list when it leaves from the same element; on request (flattened graphs, whose source chains are
gone) also as Click's own unparser does: an input 0 continues through
output 0.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Iterable, Iterator, Sequence

from clickpy.diagnostics import SourcePos


@dataclass(frozen=True)
class Edge:
    """One connection `src [src_port] -> [dst_port] dst`, with where it was written."""

    src: str
    src_port: int
    dst: str
    dst_port: int
    pos: SourcePos | None = None
    dst_pos: SourcePos | None = None


@dataclass(frozen=True)
class Hop:
    """One step of a chain: `[src_port] -> [dst_port] element`."""

    src_port: int
    dst_port: int
    element: str


@dataclass
class Chain:
    """`fan_in => start [p] -> [q] e1 ... => fan_out`, as written in one statement.

    `fan_in` are edges into `start` (their sources listed before it),
    `fan_out` edges out of the last element (their destinations listed after it).
    """

    start: str
    hops: list[Hop]
    edges: list[int]                                  # every edge index the statement writes
    fan_in: list[Edge] = field(default_factory=list)
    fan_out: list[Edge] = field(default_factory=list)

    def elements(self) -> Iterator[str]:
        """The element at each place of the statement, left to right."""
        for e in self.fan_in:
            yield e.src
        yield self.start
        for hop in self.hops:
            yield hop.element
        for e in self.fan_out:
            yield e.dst

    @property
    def last(self) -> str:
        return self.hops[-1].element if self.hops else self.start

    @property
    def first_edge(self) -> int:
        return min(self.edges)


@dataclass
class ChainPlan:
    """Statements covering every edge exactly once, in source order."""

    chains: list[Chain]
    inline: set[str] = field(default_factory=set)              # anonymous, in a chain or a list
    fans: set[str] = field(default_factory=set)                # anonymous, with lists around it
    declared_anonymous: set[str] = field(default_factory=set)  # anonymous, needs `Class@N :: Class`

    @property
    def in_place(self) -> set[str]:
        """Anonymous elements written once, as `Class(config)`, where they are connected."""
        return self.inline | self.fans


def plan_chains(edges: Sequence[Edge], anonymous: Iterable[str] = (),
                merge_port0: bool = False) -> ChainPlan:
    """Group `edges` into chain statements, anonymous elements written in place.

    Every edge is written by exactly one statement; each element of the
    plan's `in_place` set appears exactly once in all statements together;
    every other element may appear several times and so must be written by
    name (for anonymous ones, `declared_anonymous`, their `Class@N` name).
    """
    anonymous = set(anonymous)
    ins: dict[str, list[int]] = defaultdict(list)
    outs: dict[str, list[int]] = defaultdict(list)
    for i, e in enumerate(edges):
        outs[e.src].append(i)
        ins[e.dst].append(i)

    def self_loop(a: str) -> bool:
        return any(edges[i].dst == a for i in outs[a])

    inline = {a for a in anonymous if len(ins[a]) <= 1 and len(outs[a]) <= 1 and not self_loop(a)}
    fans = {a for a in anonymous if a not in inline and not self_loop(a)}
    declared = anonymous - inline - fans

    def fan_lists(a: str) -> list[int]:
        return (ins[a] if len(ins[a]) > 1 else []) + (outs[a] if len(outs[a]) > 1 else [])

    def leaf(n: str) -> bool:      # an inline element with one connection in all
        return n in inline and len(ins[n]) + len(outs[n]) == 1

    def writable(a: str) -> bool:
        for i in fan_lists(a):
            other = edges[i].src if edges[i].dst == a else edges[i].dst
            if other in anonymous and other not in declared and not leaf(other):
                return False
        return True

    # A fan that lists an element it cannot write gets a name; that may in
    # turn make other fans writable, so drop one at a time, in source order.
    while True:
        stuck = sorted((a for a in fans if not writable(a)), key=lambda a: min(ins[a] + outs[a]))
        if not stuck:
            break
        fans.discard(stuck[0])
        declared.add(stuck[0])

    owned: set[int] = set()        # edges written in some fan's list
    for a in fans:
        owned.update(fan_lists(a))

    nxt: dict[int, int] = {}
    prv: dict[int, int] = {}

    def link(c: int, d: int) -> None:
        nxt[c] = d
        prv[d] = c

    # 1. An inline element's two connections sit on either side of it.
    for a in inline:
        if ins[a] and outs[a]:
            link(ins[a][0], outs[a][0])

    def free_successors(c: int) -> list[int]:
        x = edges[c].dst
        if c in nxt or c in owned or x in inline or x in fans:
            return []
        return [d for d in outs[x] if d != c and d not in prv and d not in owned]

    # 2. Connections written one after the other in the source stay together:
    #    same place, or (positions unknown) next in the list;
    for c in range(len(edges)):
        here = edges[c].dst_pos
        if here is not None:
            for d in free_successors(c):
                if edges[d].pos == here:
                    link(c, d)
                    break
    for c in range(len(edges) - 1):
        if (edges[c].dst_pos is None or edges[c + 1].pos is None) and c + 1 in free_successors(c):
            link(c, c + 1)
    # 3. on request, input 0 continues through output 0, as in Click's unparser.
    for c in range(len(edges) if merge_port0 else 0):
        if edges[c].dst_port == 0:
            candidates = [d for d in free_successors(c) if edges[d].src_port == 0]
            if candidates:
                link(c, min(candidates, key=lambda d: (edges[d].dst_port != 0, d)))

    seen: set[int] = set()
    chains: list[Chain] = []

    def fan(a: str, side: dict[str, list[int]]) -> list[int]:
        return list(side[a]) if a in fans and len(side[a]) > 1 else []

    def statement(start: str, order: list[int]) -> Chain:
        hops = [Hop(edges[i].src_port, edges[i].dst_port, edges[i].dst) for i in order]
        last = hops[-1].element if hops else start
        fan_in, fan_out = fan(start, ins), fan(last, outs)
        return Chain(start, hops, order + fan_in + fan_out,
                     [edges[i] for i in fan_in], [edges[i] for i in fan_out])

    def walk(c: int) -> None:
        order = []
        while c is not None and c not in seen:
            seen.add(c)
            order.append(c)
            c = nxt.get(c)
        chains.append(statement(edges[order[0]].src, order))

    for c in range(len(edges)):
        if c not in prv and c not in owned:
            walk(c)
    for c in range(len(edges)):
        if c in seen or c in owned:
            continue
        cycle = [c]
        d = nxt[c]
        while d != c:
            cycle.append(d)
            d = nxt[d]
        # A chain that closes a cycle names its first element twice, so it
        # must start at an element that has a name.
        starts = [i for i in sorted(cycle) if edges[i].src not in inline]
        if starts:
            start = starts[0]
        else:
            start = min(cycle)
            inline.discard(edges[start].src)
            declared.add(edges[start].src)
        del nxt[prv.pop(start)]
        walk(start)

    # Fans no chain reaches: nothing continues them on either side.
    for a in sorted(fans, key=lambda a: min(ins[a] + outs[a])):
        if len(outs[a]) != 1 and len(ins[a]) != 1:
            chains.append(statement(a, []))

    chains.sort(key=lambda ch: ch.first_edge)
    return ChainPlan(chains, inline, fans, declared)
