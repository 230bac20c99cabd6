"""`clickpy run --workers N`: the command side of clickpy.runtime.workers.

Prints what `clickpy run` prints for one process -- live counters, the -t
time, the -h handlers, the packet account -- for the whole run, plus how
many packets each worker took in.
"""
from __future__ import annotations

import sys
import time

from clickpy import run_report
from clickpy.runtime import workers

EXIT_OK, EXIT_ERRORS = 0, 1


def run_command(args, graph, handlers: list[tuple[str, str, str | None]], named: bool,
                exit_handler: tuple[str, str, str | None] | None, root_read, progress,
                config_text: str | None = None) -> int:
    """Run the checked graph on args.workers processes; the exit status.  named: print the
    handlers under their names (run_report.expand); exit_handler: -x's, or None;
    root_read: reads the router's own handlers (element ""), which no worker holds;
    config_text: the configuration as given (ControlSocket's `config`)."""
    if args.inputs or args.outputs:
        print("clickpy run: error: --workers cannot bind devices to pcap files (--in/--out): "
              "every worker would read or write each file whole", file=sys.stderr)
        return EXIT_ERRORS
    timer = run_report.RunTimer() if args.time else None
    started = time.monotonic()
    try:
        result = workers.run(graph, args.workers, batch=args.batch, duration=args.duration,
                             handlers=[s for s in handlers + [exit_handler] if s and s[0]],
                             progress=progress, config_text=config_text,
                             affinity=args.affinity)
    except workers.WorkersError as e:
        print(f"clickpy run: error: {e}", file=sys.stderr)
        return EXIT_ERRORS
    elapsed = time.monotonic() - started
    acct = result.account
    if progress is not None:
        progress(workers._View(result.accounts), final=True)
    status = EXIT_OK
    for problem in result.failed:
        print(f"clickpy run: error: {problem}", file=sys.stderr)
        status = EXIT_ERRORS
    if timer is not None:
        print(timer.line())

    def read(name, h, param):
        """The workers' values of one handler, combined (workers.handler_text)."""
        if not name:
            return root_read(name, h, param)
        values = result.handlers[(name, h, param)]
        if not values:                      # every worker failed (reported above)
            raise workers.HandlerError(f"{run_report.label(name, h, param)}: no worker "
                                       "reported a value")
        for v in values:
            if isinstance(v, workers.HandlerError):
                raise v
        return workers.handler_text(f"{name}.{h}", values)

    status = run_report.print_handlers(handlers, read, workers.HandlerError, named) or status
    if exit_handler is not None:
        status = run_report.exit_status(exit_handler, read, workers.HandlerError)
    if not args.quiet:
        print(f"ran {elapsed:.2f} s on {args.workers} workers; packets in per worker: "
              + ", ".join(f"worker {i} {a.entered}" for i, a in enumerate(result.accounts)),
              file=sys.stderr)
        print("\n".join(acct.lines()))
    if not acct.balanced or not all(a.balanced for a in result.accounts):
        status = EXIT_ERRORS
    return status
