"""python3 -m perf: run every benchmark this machine can run; JSON, markdown report, plots.

  python3 -m perf              the full suite (see perf/README.md for how long it takes)
  python3 -m perf --quick      the short version CI runs (under two minutes with warm caches)
  python3 -m perf --only NAME  one benchmark or group (repeatable); --list shows the names
"""
from __future__ import annotations

import argparse
import logging
import sys

from perf.run import run_suite


def build_parser(prog: str = "python3 -m perf") -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog=prog, description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="short runs, smaller sweeps")
    ap.add_argument("--only", action="append", metavar="NAME",
                    help="run only this benchmark or group (repeatable)")
    ap.add_argument("--list", action="store_true", help="list the benchmarks and exit")
    ap.add_argument("--out-dir", metavar="DIR",
                    help="where results.json, report.md and the plots go (default: perf/)")
    ap.add_argument("--seconds", type=float, help="seconds per timed repeat")
    ap.add_argument("--repeats", type=int, help="repeats per figure")
    return ap


def main(argv=None, prog: str = "python3 -m perf") -> int:
    args = build_parser(prog).parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(name)s: %(message)s")
    logging.getLogger("perf").setLevel(logging.INFO)
    return run_suite(args, " ".join([prog] + list(sys.argv[1:] if argv is None else argv)))


if __name__ == "__main__":
    sys.exit(main())
