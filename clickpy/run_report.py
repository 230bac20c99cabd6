"""What `clickpy run` prints once a run ends, as Click's driver does.

Click's `-t` prints the run's CPU and elapsed time ("0.123u 0.004s
0:01.23"); its `-h` handlers follow, each value alone when there is one
(so that `x=$(clickpy run -q CONFIG -h e.h)` gets just the value), else
each under its name and followed by a blank line.
"""
from __future__ import annotations

import resource
import sys
import time

EXIT_OK, EXIT_ERRORS = 0, 1


def print_handler(label: str, value: str, named: bool) -> None:
    if named:
        print(f"{label}:")
    print(value.rstrip("\n"))
    if named:
        print()


def print_handlers(handlers: list[tuple[str, str, str | None]], read, error) -> int:
    """Print each (element, handler, parameter)'s value read(element, handler, parameter);
    EXIT_ERRORS if a read raised `error` (reported on standard error), else EXIT_OK."""
    status = EXIT_OK
    for name, h, param in handlers:
        try:
            value = read(name, h, param)
        except error as e:
            print(f"clickpy run: error: {e}", file=sys.stderr)
            status = EXIT_ERRORS
            continue
        print_handler(label(name, h, param), value, named=len(handlers) > 1)
    return status


def label(name: str, handler: str, param: str | None) -> str:
    return f"{name}.{handler}" + ("" if param is None else f" {param}")


class RunTimer:
    """Click's -t: CPU seconds of this process and of its children that have ended (the
    compile processes, the workers), and the time elapsed, from creation to line()."""

    def __init__(self) -> None:
        self.start = self._now()

    @staticmethod
    def _now() -> tuple[float, float, float]:
        me, children = (resource.getrusage(who)
                        for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
        return (me.ru_utime + children.ru_utime, me.ru_stime + children.ru_stime,
                time.monotonic())

    def line(self) -> str:
        user, system, elapsed = (b - a for a, b in zip(self.start, self._now()))
        minutes, seconds = divmod(elapsed, 60)
        return f"{user:.3f}u {system:.3f}s {int(minutes)}:{seconds:05.2f}"
