"""`clickpy fuzz CONFIG`: a fuzzing campaign against a configuration, bounds checked.

Without NUMBA_BOUNDSCHECK=1 in its environment the command runs itself again
in a child process with bounds checking on and compile caches of its own
(clickpy.testing.fuzzing.boundscheck_env), so that numba compiles checked code;
a child killed by a signal is reported as a crash.  Exit status 0 when the
configuration survived, 1 when it failed (or cannot be loaded), 2 on usage
errors.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys

from clickpy.diagnostics import ConfigError


def add_parser(sub) -> None:
    p = sub.add_parser("fuzz", help="send random and mutated packets through a configuration",
                       description=__doc__.split("\n\n")[0])
    p.add_argument("config", metavar="CONFIG",
                   help="a .click or .yaml file, or a shipped middlebox's name (router, nat, ...)")
    p.add_argument("definitions", nargs="*", metavar="NAME=value",
                   help="set a configuration variable")
    p.add_argument("-n", "--packets", type=int, default=100_000, metavar="N",
                   help="frames to send (default 100000), spread over the input devices")
    p.add_argument("--seed", type=int, default=0, metavar="S", help="random seed (default 0)")
    p.add_argument("--yaml", action="store_true", help="a shipped name means its YAML form")
    p.add_argument("--no-boundscheck", action="store_true",
                   help="run in this process without numba's bounds checking (faster)")
    p.add_argument("--save", metavar="DIR", help="write the failing batch's frames here as pcaps")
    p.add_argument("--json", action="store_true", help=argparse.SUPPRESS)
    p.set_defaults(func=cmd_fuzz)


def cmd_fuzz(args: argparse.Namespace) -> int:
    """Send random and mutated packets through a configuration; fail on crashes,
    out-of-bounds accesses and an unbalanced packet account."""
    from clickpy.cli import UsageError, _print_diagnostics
    from clickpy.testing.fuzzing import boundscheck_env, fuzz_here, report_json
    if args.packets < 1:
        raise UsageError("-n takes a positive number of packets")
    definitions = {}
    for item in args.definitions:
        name, eq, value = item.partition("=")
        if not eq or not name:
            raise UsageError(f"unexpected argument {item!r}; definitions are written NAME=value")
        definitions[name.lstrip("$")] = value
    if not args.no_boundscheck and os.environ.get("NUMBA_BOUNDSCHECK") != "1":
        argv = [sys.executable, "-m", "clickpy", "fuzz", args.config, "-n", str(args.packets),
                "--seed", str(args.seed)] + (["--yaml"] if args.yaml else []) \
            + (["--save", args.save] if args.save else []) \
            + (["--json"] if args.json else []) + args.definitions
        print("clickpy fuzz: running with NUMBA_BOUNDSCHECK=1 (the first run compiles every "
              "kernel again, with bounds checks)", file=sys.stderr)
        env = boundscheck_env()
        here = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        env["PYTHONPATH"] = os.pathsep.join([here, env.get("PYTHONPATH", "")])
        proc = subprocess.run(argv, env=env)
        if proc.returncode < 0:
            print(f"clickpy fuzz: {args.config}: CRASHED (killed by signal {-proc.returncode})",
                  file=sys.stderr)
            return 1
        return proc.returncode
    try:
        report = fuzz_here(args.config, args.packets, args.seed, yaml=args.yaml,
                           save_dir=args.save, **definitions)
    except FileNotFoundError as e:
        raise UsageError(str(e)) from None
    except ConfigError as e:
        _print_diagnostics(e.diagnostics)
        return 1
    print("\n".join(report.lines()))
    if args.json:
        print(report_json(report))
    return 0 if report.ok else 1
