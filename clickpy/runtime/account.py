"""The packet account: where every packet that entered went.

Compiled code counts into one int64 array A, a row per element: column 0
counts packets a source emitted or a sink forwarded, column 1 packets sent
to an output nothing is connected to, and column 2 + r drops for the
element's drop_reasons[r].  At the end, packets that entered (from sources,
or created by elements: copies, ICMP errors, ARP queries) must equal those
forwarded, dropped, and still held (in queues, tables, buffers).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numba import njit

from clickpy.packet import release

COUNT, UNCONNECTED, FIRST_REASON = 0, 1, 2


@njit(cache=True, _nrt=False)
def dropped(P, A, element: int, column: int, s: int) -> None:
    """Count a drop against an element and give the slot back."""
    A[element, column] += 1
    release(P, s)


def columns(max_reasons: int) -> int:
    return FIRST_REASON + max(max_reasons, 1)


@dataclass
class Account:
    """A balanced (or not) statement of what happened to packets."""

    from_sources: dict[str, int] = field(default_factory=dict)
    created: int = 0
    forwarded: dict[str, int] = field(default_factory=dict)
    drops: dict[tuple[str, str], int] = field(default_factory=dict)
    held: int = 0
    not_created: int = 0   # copies/new packets that found the pool empty

    @property
    def entered(self) -> int:
        return sum(self.from_sources.values()) + self.created

    @property
    def left(self) -> int:
        return sum(self.forwarded.values()) + sum(self.drops.values()) + self.held

    @property
    def balanced(self) -> bool:
        return self.entered == self.left

    def lines(self) -> list[str]:
        out = [f"packets in: {self.entered}"]
        for name, n in self.from_sources.items():
            out.append(f"  {n:>12}  from {name}")
        if self.created:
            out.append(f"  {self.created:>12}  created by elements (copies, replies, errors)")
        out.append(f"packets out: {self.left}")
        for name, n in self.forwarded.items():
            out.append(f"  {n:>12}  forwarded by {name}")
        for (name, reason), n in sorted(self.drops.items(), key=lambda kv: -kv[1]):
            out.append(f"  {n:>12}  dropped at {name}: {reason}")
        if self.held:
            out.append(f"  {self.held:>12}  still held (queues, tables, buffers)")
        if self.not_created:
            out.append(f"  ({self.not_created} copies or new packets not made: packet pool empty)")
        out.append("account balances" if self.balanced else
                   f"ACCOUNT DOES NOT BALANCE: {self.entered} in, {self.left} out")
        return out


def account(names: list[str], classes: list, A: np.ndarray, created: int, held: int,
            not_created: int) -> Account:
    acc = Account(created=created, held=held, not_created=not_created)
    for i, (name, cls) in enumerate(zip(names, classes)):
        row = A[i]
        if cls.run_task is not None and row[COUNT]:
            acc.from_sources[name] = int(row[COUNT])
        elif cls.sink == "forwarded" and row[COUNT]:
            acc.forwarded[name] = int(row[COUNT])
        if row[UNCONNECTED]:
            acc.drops[(name, "output not connected")] = int(row[UNCONNECTED])
        for r, reason in enumerate(cls.drop_reasons):
            if row[FIRST_REASON + r]:
                acc.drops[(name, reason)] = int(row[FIRST_REASON + r])
    return acc


def combine(accounts) -> Account:
    """The account of several routers run as one (`clickpy run --workers`): their sum.
    It balances when each of them does."""
    total = Account()
    for a in accounts:
        for mine, theirs in ((total.from_sources, a.from_sources),
                             (total.forwarded, a.forwarded), (total.drops, a.drops)):
            for k, n in theirs.items():
                mine[k] = mine.get(k, 0) + n
        total.created += a.created
        total.held += a.held
        total.not_created += a.not_created
    return total
