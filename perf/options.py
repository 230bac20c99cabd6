"""The suite's command-line options, shared by `python3 -m perf` and `clickpy bench`."""
from __future__ import annotations

import argparse


def add_arguments(ap: argparse.ArgumentParser) -> None:
    ap.add_argument("--quick", action="store_true",
                    help="short runs and smaller sweeps (under two minutes with warm caches)")
    ap.add_argument("--only", action="append", metavar="NAME",
                    help="run only this benchmark or group, e.g. mbox, mbox.nat, scale "
                         "(repeatable; --list shows the names)")
    ap.add_argument("--list", action="store_true", help="list the benchmarks and exit")
    ap.add_argument("--out-dir", metavar="DIR",
                    help="where results.json, report.md and the plots go (default: perf/)")
    ap.add_argument("--update", action="store_true",
                    help="keep the other benchmarks of an existing results.json in the output "
                         "folder and replace only those run now")
    ap.add_argument("--seconds", type=float, help="seconds per timed repeat")
    ap.add_argument("--repeats", type=int, help="repeats per figure")
