"""Repeat a measurement, keep every run, report the median and the spread (min, max)."""
from __future__ import annotations

import statistics
from dataclasses import asdict, dataclass, field


@dataclass
class Ctx:
    """What a benchmark may ask: how long to measure and how many times."""
    quick: bool = False
    seconds: float = 1.0        # per clickpy/fused repeat
    repeats: int = 5
    packets: int = 4096         # distinct frames per trace
    scapy_packets: int = 3000   # scapy's pipetool is slow: fewer packets
    python_packets: int = 20000


@dataclass
class Row:
    """One figure: a case (what), an implementation (who), runs of a value in `unit`."""
    case: str
    impl: str
    unit: str
    runs: list[float]
    extra: dict = field(default_factory=dict)

    @property
    def median(self) -> float:
        return statistics.median(self.runs)

    def as_dict(self) -> dict:
        d = asdict(self)
        d.update(median=self.median, min=min(self.runs), max=max(self.runs))
        return d


@dataclass
class Result:
    rows: list[Row] = field(default_factory=list)
    checks: list[str] = field(default_factory=list)   # agreement checks, as sentences
    notes: list[str] = field(default_factory=list)
    plot: str | None = None                            # "bars" or "lines:<x label>"
    problems: list[str] = field(default_factory=list)  # checks that failed

    def add(self, case: str, impl: str, unit: str, runs, **extra) -> Row:
        row = Row(case, impl, unit, [float(x) for x in runs], extra)
        self.rows.append(row)
        return row


def repeat(fn, n: int) -> list[float]:
    return [fn() for _ in range(n)]
