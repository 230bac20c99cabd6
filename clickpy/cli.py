"""The `clickpy` command: one entry point, one subcommand per job.

Exit status follows the usual convention: 0 success, 1 the configuration
has errors, 2 the command line itself is wrong.  Click's habits carry over:
`-e 'config text'` instead of a file, and `NAME=value` definitions after the
file that override the configuration's `define`s.
"""
from __future__ import annotations

import argparse
import logging
import os
import re
import sys
import time
from typing import Sequence

import networkx as nx

from clickpy import __version__
from clickpy.diagnostics import ConfigError, Diagnostic

log = logging.getLogger("clickpy")
_DEFINITION = re.compile(r"^\$?([A-Za-z_][A-Za-z_0-9]*)=(.*)$", re.S)

EXIT_OK, EXIT_ERRORS, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """A command-line mistake: reported with the usage line, exit status 2."""


# ---------------------------------------------------------------------------
# Shared helpers

def _add_config_args(p: argparse.ArgumentParser, file_required: bool = True) -> None:
    p.add_argument("file", nargs="?", metavar="FILE",
                   help="configuration: Click language (.click) or YAML (.yaml, .yml)")
    p.add_argument("definitions", nargs="*", metavar="NAME=value",
                   help="set a configuration variable, overriding define($NAME ...)")
    p.add_argument("-e", "--expression", metavar="TEXT",
                   help="use TEXT (Click language) as the configuration instead of FILE")


def _definitions(args: argparse.Namespace) -> dict[str, str]:
    defs: dict[str, str] = {}
    items = list(args.definitions)
    # With -e, argparse puts the first NAME=value into `file`.
    if args.expression is not None and args.file is not None:
        items.insert(0, args.file)
        args.file = None
    for item in items:
        m = _DEFINITION.match(item)
        if not m:
            raise UsageError(f"unexpected argument {item!r}; definitions are written NAME=value")
        defs[m.group(1)] = m.group(2)
    return defs


def load_graph(args: argparse.Namespace) -> nx.MultiDiGraph:
    """The flattened graph of the configuration named on the command line."""
    from clickpy.graph import build_graph
    from clickpy.lang import load_file, load_text
    defs = _definitions(args)
    if args.expression is not None:
        scope = load_text(args.expression, "<expr>", yaml=False)
    elif args.file is None:
        raise UsageError("no configuration given: name a FILE or use -e 'TEXT'")
    elif not os.path.isfile(args.file):
        raise UsageError(f"cannot read {args.file!r}: "
                         f"{'is a directory' if os.path.isdir(args.file) else 'no such file'}")
    else:
        scope = load_file(args.file)
    return build_graph(scope, defs)


def load_scope(args: argparse.Namespace):
    from clickpy.lang import load_file, load_text
    if args.expression is not None:
        return load_text(args.expression, "<expr>", yaml=False)
    if args.file is None:
        raise UsageError("no configuration given: name a FILE or use -e 'TEXT'")
    if not os.path.isfile(args.file):
        raise UsageError(f"cannot read {args.file!r}: no such file")
    return load_file(args.file)


def _print_diagnostics(diags: Sequence[Diagnostic]) -> None:
    for d in diags:
        print(d.format(), file=sys.stderr)


def _checked(args: argparse.Namespace, quiet: bool = False):
    """Load and check; on errors print them and return None."""
    from clickpy.check import check_graph
    result = check_graph(load_graph(args))
    if result.errors or not quiet:
        _print_diagnostics(result.diagnostics)
    if result.errors:
        n = len(result.errors)
        print(f"{_config_name(args)}: {n} error{'s' if n != 1 else ''}", file=sys.stderr)
        return None
    return result


def _config_name(args: argparse.Namespace) -> str:
    return "<expr>" if args.expression is not None else args.file


# ---------------------------------------------------------------------------
# Subcommands

def cmd_check(args: argparse.Namespace) -> int:
    """Check a configuration and summarize it."""
    from clickpy.check.processing import paths
    result = _checked(args, quiet=args.quiet)
    if result is None:
        return EXIT_ERRORS
    if args.quiet:
        return EXIT_OK
    g = result.graph
    push, pull = paths(g)
    nw = len(result.warnings)
    print(f"{_config_name(args)}: ok: {g.number_of_nodes()} elements, "
          f"{g.number_of_edges()} connections"
          + (f", {nw} warning{'s' if nw != 1 else ''}" if nw else ""))
    print(f"  push paths: {len(push)}" + (f" (from {', '.join(push)})" if push else ""))
    print(f"  pull paths: {len(pull)}" + (f" (into {', '.join(pull)})" if pull else ""))
    return EXIT_OK


def cmd_flatten(args: argparse.Namespace) -> int:
    """Print the flattened configuration in Click syntax."""
    from clickpy.lang.click_writer import graph_to_click
    result = _checked(args, quiet=True)
    if result is None:
        return EXIT_ERRORS
    text = graph_to_click(result.graph)
    if args.output:
        _write(args.output, text)
    else:
        sys.stdout.write(text)
    return EXIT_OK


def cmd_graph(args: argparse.Namespace) -> int:
    """Draw the graph to an SVG, PNG or DOT file."""
    from clickpy.render import RenderError, render
    if not args.output.lower().endswith((".svg", ".png", ".pdf", ".dot", ".gv")):
        raise UsageError(f"cannot tell the format of {args.output!r}: use .svg, .png, .pdf or .dot")
    result = _checked(args, quiet=True)
    if result is None:
        return EXIT_ERRORS
    try:
        render(result.graph, args.output, engine=args.engine)
    except RenderError as e:
        print(f"clickpy graph: error: {e}", file=sys.stderr)
        if getattr(e, "hint", None):
            print(f"  hint: {e.hint}", file=sys.stderr)
        return EXIT_ERRORS
    if not args.quiet:
        print(f"wrote {args.output}")
    return EXIT_OK


def cmd_convert(args: argparse.Namespace) -> int:
    """Convert between Click language and YAML, keeping compounds and defines."""
    from clickpy.check import check_graph
    from clickpy.graph import build_graph, same_graph
    from clickpy.lang import is_yaml, parse_text, read_text
    from clickpy.lang.click_writer import scope_to_click
    from clickpy.lang.yaml_writer import schema_reference, scope_to_yaml
    if _definitions(args):
        raise UsageError("convert takes no NAME=value definitions (they would be lost)")
    # Convert the file as written: its inclusions stay inclusions.
    if args.expression is not None:
        scope = parse_text(args.expression, "<expr>", yaml=False)
    elif args.file is None:
        raise UsageError("no configuration given: name a FILE or use -e 'TEXT'")
    elif not os.path.isfile(args.file):
        raise UsageError(f"cannot read {args.file!r}: no such file")
    else:
        scope = parse_text(read_text(args.file), args.file)
    to_yaml = is_yaml(args.output)
    source_name = _config_name(args)
    if to_yaml:
        text = scope_to_yaml(scope, header=_header(args), schema=schema_reference(args.output))
    else:
        text = scope_to_click(scope, header=_header(args) if is_yaml(source_name) else None)
    # The conversion must preserve the graph; prove it before writing.
    before = build_graph(scope)
    after = build_graph(parse_text(text, args.output, yaml=to_yaml))
    if not same_graph(before, after):
        print(f"clickpy convert: error: converting {source_name} would change its graph; "
              f"nothing written (please report this)", file=sys.stderr)
        return EXIT_ERRORS
    problems = check_graph(build_graph(load_scope(args))).errors
    _write(args.output, text)
    if not args.quiet:
        print(f"wrote {args.output}" + (f" ({len(problems)} errors carried over; run clickpy check)"
                                        if problems else ""))
    return EXIT_OK


def _header(args: argparse.Namespace) -> str | None:
    """The leading comment block of a Click file, to carry into YAML."""
    if args.expression is not None or args.file is None:
        return None
    lines = []
    with open(args.file, encoding="utf-8", errors="replace") as f:
        for line in f:
            s = line.strip()
            if s.startswith("//"):
                lines.append(s[3:].rstrip() if s[2:3] == " " else s[2:].rstrip())
            elif s.startswith("#") and not s.startswith("# yaml-language-server"):
                lines.append(s[2:].rstrip() if s[1:2] == " " else s[1:].rstrip())
            elif s.startswith("# yaml-language-server"):
                continue
            elif s == "" and lines:
                lines.append("")
            elif s:
                break
    while lines and not lines[-1]:
        lines.pop()
    return "\n".join(lines) or None


def cmd_run(args: argparse.Namespace) -> int:
    """Compile a configuration and run it, printing live counters and the packet account."""
    from clickpy.runtime import stop_signals
    previous = stop_signals.catch()   # Ctrl-C and SIGTERM end the run, as in Click's driver
    try:
        return _run(args)
    finally:
        stop_signals.restore(previous)


def _run(args: argparse.Namespace) -> int:
    from clickpy import run_report
    from clickpy.check import check_graph
    from clickpy.compile.plan import PlanError
    from clickpy.runtime.bind import bind
    from clickpy.runtime.driver_sockets import add_control_sockets
    from clickpy.runtime.router import HandlerError, Router
    if args.workers < 1:
        raise UsageError(f"--workers takes a number of processes (1 or more), not {args.workers}")
    if args.batch < 1:
        raise UsageError(f"--batch takes a number of packets (1 or more), not {args.batch}")
    handlers = [_handler_name(h) for h in args.handler]
    inputs = dict(_binding(b, "--in") for b in args.inputs)
    outputs = dict(_binding(b, "--out") for b in args.outputs)
    demo = args.file is None and args.expression is None
    if demo:
        args.file, inputs, outputs = _demo(args, inputs, outputs)
    result = _checked(args, quiet=True)
    if result is None:
        return EXIT_ERRORS
    if inputs or outputs:
        result = check_graph(bind(result.graph, inputs, outputs))
        if result.errors:
            _print_diagnostics(result.errors)
            return EXIT_ERRORS
    if args.ports or args.unix_sockets:
        for port in args.ports:
            _control_port(port)
        result = check_graph(add_control_sockets(result.graph, args.ports, args.unix_sockets))
        if result.errors:
            _print_diagnostics(result.errors)
            return EXIT_ERRORS
    exit_handler = _handler_name(args.exit_handler) if args.exit_handler else None
    try:
        handlers, named = run_report.expand(handlers, result.graph)
        if exit_handler is not None:
            found, _ = run_report.expand([exit_handler], result.graph)
            if len(found) != 1:
                raise ValueError(f"-x {args.exit_handler} names {len(found)} handlers, not one")
            exit_handler = found[0]
    except ValueError as e:
        raise UsageError(str(e)) from None
    source = args.expression if args.expression is not None else _read_text(args.file)
    if args.workers > 1 and not args.quit:
        from clickpy.workers_cli import run_command
        flat_status = _write_flat(args.output, result.graph)
        try:
            return run_command(args, result.graph, handlers, named, exit_handler,
                               run_report.root_reader(None, result.graph, source),
                               None if args.quiet else _progress_printer(),
                               source) or flat_status
        except PlanError as e:
            _print_diagnostics(e.diagnostics)
            return EXIT_ERRORS
    try:
        router = Router(result.graph, batch=args.batch, config_text=source)
    except PlanError as e:
        _print_diagnostics(e.diagnostics)
        return EXIT_ERRORS
    flat_status = _write_flat(args.output, result.graph)
    read = run_report.root_reader(router.read, result.graph, source)
    if args.quit:        # Click's -q: the elements are configured (files, rings, tables)
        try:
            status = run_report.print_handlers(handlers, read, HandlerError, named)
            if exit_handler is not None:
                status = run_report.exit_status(exit_handler, read, HandlerError)
            return status or flat_status
        finally:
            router.close()
    if args.affinity:
        from clickpy.runtime import affinity
        router.compile()      # on every CPU; the run on one
        affinity.pin(0)
    progress = None if args.quiet else _progress_printer()
    timer = run_report.RunTimer() if args.time else None
    started = time.monotonic()
    try:
        # Bound to files, the run ends when the files are read and nothing moves.
        router.run(duration=args.duration, progress=progress,
                   idle_rounds=200 if inputs else None)
    except KeyboardInterrupt:
        print(file=sys.stderr)
    elapsed = time.monotonic() - started
    if progress is not None:
        progress(router, final=True)
    if timer is not None:
        print(timer.line())
    status = run_report.print_handlers(handlers, read, HandlerError, named)
    acct = router.account()
    if not args.quiet:
        print(f"ran {elapsed:.2f} s (compiling or loading the compiled code: "
              f"{router.compile_seconds:.2f} s)", file=sys.stderr)
        print("\n".join(acct.lines()))
    if exit_handler is not None:
        status = run_report.exit_status(exit_handler, read, HandlerError)
    if not acct.balanced:
        status = EXIT_ERRORS
    return status or flat_status


def _write_flat(path: str | None, graph: nx.MultiDiGraph) -> int:
    """Click's -o: the flat configuration to `path` ('-': standard output).  A file that
    cannot be written is reported and the run goes on, exiting 1, as with Click."""
    if path is None:
        return EXIT_OK
    from clickpy.lang.click_writer import graph_to_click
    text = graph_to_click(graph)
    if path == "-":
        sys.stdout.write(text)
        return EXIT_OK
    try:
        _write(path, text)
    except UsageError as e:
        print(f"clickpy run: error: {e}", file=sys.stderr)
        return EXIT_ERRORS
    return EXIT_OK


def _control_port(text: str) -> None:
    """-p PORT: a TCP port, a service name, or N+ (the first free port from N)."""
    from clickpy.args import ArgError
    from elements.standard.controlsocket import parse_port
    try:
        parse_port(text)
    except ArgError as e:
        raise UsageError(f"-p {text}: {e} (a TCP port: a number from 0 to 65535, a service "
                         "name, or N+ for the first free port from N)") from None


def _binding(text: str, flag: str) -> tuple[str, str]:
    dev, eq, path = text.partition("=")
    if not eq or not dev or not path:
        raise UsageError(f"{flag} takes DEVICE=FILE.pcap, not {text!r}")
    return dev, path


def _demo(args: argparse.Namespace, inputs: dict, outputs: dict):
    """The built-in default: the shipped router on built-in traffic, outputs in a folder."""
    import tempfile

    from clickpy.pcap import write_pcap
    from clickpy.traffic import router_demo
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    config = os.path.join(here, "configs", "router.click")
    if not os.path.isfile(config):
        raise UsageError("no configuration given and the shipped configs/ folder is not "
                         "installed: name a FILE")
    folder = args.out_dir or tempfile.mkdtemp(prefix="clickpy-demo-")
    os.makedirs(folder, exist_ok=True)
    for dev, frames in router_demo(args.demo_packets).items():
        path = os.path.join(folder, f"{dev}-in.pcap")
        write_pcap(path, frames)
        inputs.setdefault(dev, path)
        outputs.setdefault(dev, os.path.join(folder, f"{dev}-out.pcap"))
    outputs.setdefault("host", os.path.join(folder, "host-out.pcap"))
    if not args.quiet:
        print(f"no configuration given: running {os.path.relpath(config)} on built-in traffic "
              f"({args.demo_packets} packets); pcaps in {folder}", file=sys.stderr)
    return config, inputs, outputs


def _handler_name(text: str) -> tuple[str, str, str | None]:
    """ELEMENT.HANDLER, or ELEMENT.HANDLER PARAM for a read handler that takes a parameter;
    HANDLER alone is the router's own (element "")."""
    spec, _, param = text.strip().partition(" ")
    name, dot, handler = spec.rpartition(".")
    if (dot and not name) or not handler:
        raise UsageError(f"handler {text!r} should be written ELEMENT.HANDLER [PARAM]")
    return name, handler, param.strip() or None


def _progress_printer():
    """Live counters on standard error: packets in and out, and the rate."""
    state = {"t": time.monotonic(), "n": 0}

    started = state["t"]

    def show(router, final: bool = False) -> None:
        acct = router.account()
        now = time.monotonic()
        since = started if final else state["t"]  # the last line shows the whole run's rate
        rate = (acct.entered - (0 if final else state["n"])) / max(now - since, 1e-9)
        state["t"], state["n"] = now, acct.entered
        dropped = sum(acct.drops.values())
        line = (f"\r  in {acct.entered:>12,}  forwarded {sum(acct.forwarded.values()):>12,}  "
                f"dropped {dropped:>10,}  held {acct.held:>7,}  {rate / 1e6:8.2f} Mpps")
        print(line, end="\n" if final else "", file=sys.stderr, flush=True)
    return show


def cmd_elements(args: argparse.Namespace) -> int:
    """List element classes, or describe one."""
    from clickpy.args import describe, signature
    from clickpy.diagnostics import did_you_mean
    from clickpy.element import registry
    reg = registry()
    if args.name:
        cls = reg.get(args.name)
        if cls is None:
            hint = did_you_mean(args.name, reg)
            raise UsageError(f"no element class {args.name!r}" + (f"; {hint}" if hint else ""))
        print(signature(cls.class_name, cls.args))
        print(f"  family {cls.family()}, ports {cls.port_count}, processing {cls.processing}"
              + (f", flow {cls.flow_code}" if cls.flow_code != "x/x" else ""))
        print()
        print("  " + "\n  ".join((cls.__doc__ or "").strip().splitlines()))
        if cls.args:
            print("\n  Arguments:")
            for line in describe(cls.args):
                print("    " + line)
        if cls.handlers:
            print("\n  Handlers:")
            for h in cls.handlers:
                mode = ("r" if h.read else "") + ("w" if h.write else "")
                print(f"    {h.name:<18} {mode:<3} {h.doc}")
        if cls.requires:
            print("\n  Needs: " + ", ".join(cls.requires))
        return EXIT_OK
    rows = sorted(reg.values(), key=lambda c: (c.family(), c.class_name))
    if args.family:
        rows = [c for c in rows if c.family() == args.family]
        if not rows:
            families = sorted({c.family() for c in reg.values()})
            raise UsageError(f"no family {args.family!r}; families: {', '.join(families)}")
    for c in rows:
        runs = "run" if c.runnable() else "-"
        print(f"{c.class_name:<22} {c.family():<9} {c.port_count:<7} {c.processing:<6} {runs:<4}"
              f"{c.summary()}")
    return EXIT_OK


def _read_text(path: str) -> str:
    with open(path, encoding="utf-8", errors="replace") as f:
        return f.read()


def _write(path: str, text: str) -> None:
    try:
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
    except OSError as e:
        raise UsageError(f"cannot write {path!r}: {e.strerror}") from None


# ---------------------------------------------------------------------------

def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="clickpy",
        description="Programmable middleboxes as graphs of Click elements: check, draw, "
                    "flatten and convert configurations.")
    parser.add_argument("--version", action="version", version=f"clickpy {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log what clickpy does")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("check", help="check a configuration and summarize it",
                       description=cmd_check.__doc__)
    _add_config_args(p)
    p.add_argument("-q", "--quiet", action="store_true", help="print only errors")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("graph", help="draw the element graph (SVG, PNG or DOT)",
                       description=cmd_graph.__doc__)
    _add_config_args(p)
    p.add_argument("-o", "--output", required=True, metavar="OUT", help="x.svg, x.png or x.dot")
    p.add_argument("--engine", choices=("auto", "dot", "matplotlib"), default="auto",
                   help="layout engine (default: graphviz dot if installed, else matplotlib)")
    p.add_argument("-q", "--quiet", action="store_true")
    p.set_defaults(func=cmd_graph)

    p = sub.add_parser("flatten", help="print the flattened configuration in Click syntax",
                       description=cmd_flatten.__doc__)
    _add_config_args(p)
    p.add_argument("-o", "--output", metavar="OUT", help="write to OUT instead of standard output")
    p.set_defaults(func=cmd_flatten)

    p = sub.add_parser("convert", help="convert Click language <-> YAML",
                       description=cmd_convert.__doc__)
    _add_config_args(p)
    p.add_argument("-o", "--output", required=True, metavar="OUT",
                   help="output file; .yaml/.yml writes YAML, anything else Click language")
    p.add_argument("-q", "--quiet", action="store_true")
    p.set_defaults(func=cmd_convert)

    p = sub.add_parser("run", help="compile and run a configuration",
                       description=cmd_run.__doc__, add_help=False)
    _add_config_args(p)
    p.add_argument("-h", "--handler", action="append", default=[], metavar="ELEMENT.HANDLER",
                   help="print this read handler after the run (repeatable), as Click's -h; "
                        "ELEMENT may be a glob over element names or a class name, and "
                        "HANDLER alone is the router's own (-h list, -h flatconfig); "
                        "'ELEMENT.HANDLER PARAM' for one that takes a parameter "
                        "(-h 'rt.lookup 10.0.0.1')")
    p.add_argument("-q", "--quit", action="store_true",
                   help="do not run: configure the elements, print the -h handlers and exit, "
                        "as Click's -q")
    p.add_argument("-o", "--output", metavar="FILE",
                   help="write the flat configuration (Click language) to FILE ('-': standard "
                        "output) before running, as Click's -o")
    p.add_argument("-x", "--exit-handler", metavar="ELEMENT.HANDLER",
                   help="exit with this read handler's value after the run (an integer, or "
                        "true 0 / false 1), as Click's -x")
    p.add_argument("-t", "--time", action="store_true",
                   help="print how long the run took, as Click's -t: user and system CPU "
                        "seconds (compile processes and workers included), then m:ss.cc elapsed")
    p.add_argument("-p", "--port", dest="ports", action="append", default=[], metavar="PORT",
                   help="answer handler requests on TCP port PORT while running (Click's "
                        "ControlSocket protocol: READ c.count, WRITE c.reset), as Click's -p")
    p.add_argument("-u", "--unix-socket", dest="unix_sockets", action="append", default=[],
                   metavar="FILE", help="the same on the UNIX-domain socket FILE, as Click's -u")
    p.add_argument("--quiet", action="store_true",
                   help="no live counters and no packet account")
    p.add_argument("--duration", type=float, metavar="SECONDS",
                   help="stop after this long (default: when an element stops the run, or Ctrl-C)")
    p.add_argument("--batch", type=int, default=64, metavar="N",
                   help="packets per task per round (default 64; larger is faster, but a burst "
                        "larger than a Queue's capacity overflows it)")
    p.add_argument("--workers", type=int, default=1, metavar="N",
                   help="run on N processes, each FromDevice's input spread over them by "
                        "flow (PACKET_FANOUT), or with METHOD AFXDP by receive queue (the "
                        "interface needs N queues); default 1")
    p.add_argument("-a", "--affinity", action="store_true",
                   help="pin each worker to a CPU once compiled, as Click's -a: worker w on "
                        "the w-th CPU this process may use (CPU w when all are allowed)")
    p.add_argument("--in", dest="inputs", action="append", default=[], metavar="DEV=FILE",
                   help="read device DEV's packets from a pcap file instead (repeatable)")
    p.add_argument("--out", dest="outputs", action="append", default=[], metavar="DEV=FILE",
                   help="write device DEV's packets (or 'host' for ToHost) to a pcap file")
    p.add_argument("--out-dir", metavar="DIR",
                   help="with no FILE (the built-in demo): where to put the demo's pcaps")
    p.add_argument("--demo-packets", type=int, default=20000, metavar="N",
                   help="with no FILE: how many packets of built-in traffic (default 20000)")
    p.add_argument("--help", action="help", help="show this help message and exit")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("elements", help="list element classes, or describe one",
                       description=cmd_elements.__doc__)
    p.add_argument("name", nargs="?", metavar="CLASS", help="describe this class")
    p.add_argument("--family", help="only this family (standard, ip, ethernet, ...)")
    p.set_defaults(func=cmd_elements)

    from clickpy.lab_cli import add_parser as add_lab
    add_lab(sub)
    from clickpy.testing.fuzz_command import add_parser as add_fuzz
    add_fuzz(sub)
    from clickpy.bench import add_parser as add_bench_parser
    add_bench_parser(sub)
    from clickpy.unikernel.commands import add_commands
    add_commands(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="clickpy: %(message)s")
    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        return args.func(args)
    except UsageError as e:
        sub = parser._subparsers._group_actions[0].choices[args.command]  # noqa: SLF001
        sub.print_usage(sys.stderr)
        print(f"clickpy {args.command}: error: {e}", file=sys.stderr)
        return EXIT_USAGE
    except ConfigError as e:
        _print_diagnostics(e.diagnostics)
        return EXIT_ERRORS
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `clickpy elements | head`
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_ERRORS


if __name__ == "__main__":
    sys.exit(main())
