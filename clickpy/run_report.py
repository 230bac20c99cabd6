"""What `clickpy run` prints once a run ends, as Click's driver does.

Click's `-t` prints the run's CPU and elapsed time ("0.123u 0.004s
0:01.23"); its `-h` handlers follow, each value alone when there is one
(so that `x=$(clickpy run -q CONFIG -h e.h)` gets just the value), else
each under its name and followed by a blank line.  `-h` may name the
elements by a glob over their names or by their class, as in Click, and a
handler with no element (`-h list`, `-h flatconfig`) is the router's own.
"""
from __future__ import annotations

import fnmatch
import resource
import sys
import time

import networkx as nx

from clickpy.element import read_handler_names, registry
from clickpy.graph import config_order

EXIT_OK, EXIT_ERRORS = 0, 1

# The router's own read handlers (-h NAME, no element), as Click's driver has them.
ROOT_HANDLERS = ("version", "config", "flatconfig", "list", "classes", "handlers")


def print_handler(label: str, value: str, named: bool) -> None:
    if named:
        print(f"{label}:")
    print(value.rstrip("\n"))
    if named:
        print()


Spec = tuple[str, str, "str | None"]     # (element, handler, parameter)


def expand(specs: list[Spec], graph: nx.MultiDiGraph) -> tuple[list[Spec], bool]:
    """The handlers to print for -h specs, and whether to print them under their names.

    As Click's driver: a spec's element is an element's name; otherwise a glob
    (with * ? or [) over the names, or a class name, standing for every such
    element that has that read handler, in configuration order, and then every
    value is printed under its name.  ValueError when no element matches.
    """
    found, named = [], len(specs) > 1
    order = config_order(graph)
    for name, handler, param in specs:
        if name == "":
            if handler not in ROOT_HANDLERS:
                raise ValueError(f"no router handler {handler!r} (the router's own are "
                                 f"{', '.join(ROOT_HANDLERS)})")
            found.append((name, handler, param))
            continue
        if name in graph.nodes:
            found.append((name, handler, param))
            continue
        glob = any(c in name for c in "*?[")
        matched = [n for n in order if (fnmatch.fnmatchcase(n, name) if glob
                                        else graph.nodes[n]["class_name"] == name)]
        if not matched:
            raise ValueError(f"no element {'matching ' if glob else ''}{name!r} for handler "
                             f"{name}.{handler}")
        named = True
        found += [(n, handler, param) for n in matched
                  if handler in read_handler_names(graph.nodes[n]["element"],
                                                   graph.nodes[n].get("n_inputs", 0),
                                                   graph.nodes[n].get("n_outputs", 0),
                                                   graph.nodes[n].get("values"))]
    return found, named


def print_handlers(handlers: list[Spec], read, error, named: bool) -> int:
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
        print_handler(label(name, h, param), value, named)
    return status


def exit_status(spec: Spec, read, error) -> int:
    """Click's -x: the handler's value as the exit status -- an integer, or a boolean (true
    0, false 1); EXIT_ERRORS, with a message, when it is neither or cannot be read."""
    try:
        text = read(*spec).strip()
    except error as e:
        print(f"clickpy run: error: {e}", file=sys.stderr)
        return EXIT_ERRORS
    try:
        return int(text, 0) & 0xFF
    except ValueError:
        pass
    if text.lower() in ("true", "yes"):
        return 0
    if text.lower() in ("false", "no"):
        return 1
    print(f"clickpy run: error: exit handler {label(*spec)} should be an integer or a "
          f"boolean, not {text[:40]!r}", file=sys.stderr)
    return EXIT_ERRORS


def label(name: str, handler: str, param: str | None) -> str:
    return (f"{name}." if name else "") + handler + ("" if param is None else f" {param}")


def root_reader(read, graph: nx.MultiDiGraph, source: str):
    """read(element, handler, parameter), answering the router's own handlers (element "")
    from the checked graph and the configuration text as given."""
    from clickpy import __version__
    from clickpy.lang.click_writer import graph_to_click

    def root(name: str, handler: str, param: str | None) -> str:
        if name:
            return read(name, handler, param)
        if handler == "version":
            return __version__ + "\n"
        if handler == "config":
            return source
        if handler == "flatconfig":
            return graph_to_click(graph)
        if handler == "list":
            order = config_order(graph)
            return "".join(f"{line}\n" for line in [len(order)] + order)
        if handler == "classes":
            return "".join(f"{c}\n" for c in sorted(registry()))
        return "".join(f"{h}\tr\n" for h in ROOT_HANDLERS)
    return root


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
        minutes, centiseconds = divmod(round(elapsed * 100), 6000)
        return f"{user:.3f}u {system:.3f}s {minutes}:{centiseconds / 100:05.2f}"
