"""python3 -m perf: run every benchmark this machine can run; JSON, markdown report, plots.

  python3 -m perf              the full suite (see perf/README.md for how long it takes)
  python3 -m perf --quick      the short version CI runs (under two minutes with warm caches)
  python3 -m perf --only NAME  one benchmark or group (repeatable); --list shows the names
"""
from __future__ import annotations

import argparse
import logging
import sys

from perf.options import add_arguments
from perf.run import run_suite


def build_parser(prog: str = "python3 -m perf") -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog=prog, description=__doc__.splitlines()[0])
    add_arguments(ap)
    return ap


def main(argv=None, prog: str = "python3 -m perf") -> int:
    args = build_parser(prog).parse_args(argv)
    return run(args, prog, sys.argv[1:] if argv is None else argv)


def run(args, prog: str, argv) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(name)s: %(message)s")
    logging.getLogger("perf").setLevel(logging.INFO)
    return run_suite(args, " ".join([prog] + list(argv)))


if __name__ == "__main__":
    sys.exit(main())
