"""`clickpy bench`: the benchmark suite of the source tree's perf/ (same as `python3 -m perf`).

perf/ ships with the source tree, not with the installed package (it needs
configs/ and the baselines), so the command finds it next to this package.
"""
from __future__ import annotations

import argparse
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _perf(module: str):
    """perf.<module> from the source tree, or None when this clickpy has none."""
    if not os.path.isfile(os.path.join(ROOT, "perf", "__main__.py")):
        return None
    if ROOT not in sys.path:
        sys.path.insert(0, ROOT)
    import importlib
    return importlib.import_module(f"perf.{module}")


def cmd_bench(args: argparse.Namespace) -> int:
    """Run the benchmark suite: figures next to pure Python, scapy and a fused numba loop."""
    main = _perf("__main__")
    if main is None:
        print(f"clickpy bench: error: no perf/ suite next to {ROOT} (it ships with the "
              "source tree: run from a clickpy checkout)", file=sys.stderr)
        return 1
    argv = [a for a in sys.argv[sys.argv.index("bench") + 1:]] if "bench" in sys.argv else []
    return main.run(args, "clickpy bench", argv)


def add_parser(sub) -> None:
    p = sub.add_parser("bench", help="run the benchmark suite (perf/) and write its report",
                       description=cmd_bench.__doc__)
    options = _perf("options")
    if options is not None:
        options.add_arguments(p)
    p.set_defaults(func=cmd_bench)
