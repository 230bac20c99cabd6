"""Script: a small scripting language that controls a router (Click's Script element)."""
import numpy as np

from clickpy.args import Arg, ArgError, ArgIssue, Raw
from clickpy.element import Element, Handler
from clickpy.rings import open_rings
from clickpy.script import arithmetic, program
from clickpy.script.runner import ACTIVE, DRIVER, OWN_READ, PASSIVE, SIGNAL, ScriptRun
from clickpy.script.signals import parse_signal
from clickpy.script.text import pop_word, words

_NUMBER_HANDLERS = ("add", "sub", "mul", "div", "idiv", "mod", "rem", "neg", "abs", "min", "max")


class Instruction(Raw):
    """One Script instruction: checked alone here (labels are checked in check_config)."""

    name = "instruction"

    def parse(self, text, ctx):
        problem = program.instruction_error(text)
        if problem:
            raise ArgError(problem, "instructions: " + ", ".join(sorted(program.NAMES)))
        return text


class Script(Element):
    """Scripts a router: sets variables, calls handlers, waits, stops the driver.

    Each argument is an instruction, as in Click: set/setq, init/initq,
    export/exportq VAR [VALUE] (init, plus a read handler VAR giving the
    variable's value), print/printn/printq/printnq [>FILE | >>FILE] (text, or a read
    handler's value when the argument starts with a letter, '@' or '_'),
    read/readq (to standard error as "name:\\nvalue"), write/writeq
    (status in $?), pause [COUNT], wait [TIME], wait_time, wait_step,
    wait_stop, label, goto LABEL [COND] (also exit, end, begin, loop, error
    and stop), loop, end, exit, stop, return/returnq [VALUE],
    error/errorq [MSG].  Text is substituted first:
    $x, ${x}, $?, $args, $1..$9, $#, and $(HANDLER ARGS) for a read
    handler's value (this script's own handlers need no element name:
    $(add $x 1)); the q forms then remove a layer of quotes.  A script that
    makes 1000 jumps without blocking is disabled ("too many jumps").

    TYPE ACTIVE (default) runs once the router starts; PASSIVE runs from the
    `run` handler, which returns what `return` gives ($args, $1.., $# are
    its parameters); DRIVER manages the driver's stop requests (see
    DriverManager); SIGNAL SIGNO... runs the script when one of the signals
    comes (INT, HUP, TERM, USR1, USR2, ... or numbers), soon after, between
    bursts; the signal is caught again once the script completes at an
    `end` (until then it does what it did before: Ctrl-C ends the run).

    Scripts run between bursts of the data path, so `wait 1s` ends within
    about 20 ms when packets flow, and on time when the router is idle.
    Under --workers the configuration is refused (each worker would run the
    script).
    """

    port_count = "0/0"
    processing = "a/a"
    info_only = True
    source = False
    keeps_variables = True
    default_type = ACTIVE
    args = (
        Arg("INSTRUCTIONS", Instruction(), positional=True, repeat=True,
            doc="instructions, one per argument"),
        Arg("TYPE", Raw(), doc="ACTIVE, PASSIVE, DRIVER, or SIGNAL and signals"),
    )
    handlers = (
        Handler("step", read=False, write=True,
                doc="advance past the current pause or wait (N: that many)"),
        Handler("goto", read=False, write=True, doc="jump to a label and run"),
        Handler("run", read=True, write=True,
                doc="run the script from the start; a read returns `return`'s value"),
        *(Handler(h, doc="read with parameters: arithmetic on a list of numbers")
          for h in _NUMBER_HANDLERS),
        *(Handler(h, doc="read with parameters: compares two values") for h in
          ("eq", "ne", "lt", "gt", "le", "ge")),
        *(Handler(h, doc="read with parameters: Booleans") for h in
          ("not", "and", "or", "nand", "nor")),
        Handler("if", doc="read with parameters: if COND THEN [ELSE]"),
        Handler("in", doc="read with parameters: in X A B...: X is one of the others"),
        Handler("sprintf", doc="read with parameters: sprintf FORMAT ARGS..."),
        Handler("first", doc="read with parameters: the first word"),
        Handler("length", doc="read with parameters: the unquoted text's length"),
        Handler("unquote", doc="read with parameters: the text with a layer of quotes removed"),
        Handler("random", doc="read with parameters: random [N | A B]"),
        Handler("now", doc="the current time, seconds.microseconds"),
        Handler("cat", doc="read with parameters: a file's contents (not for ControlSocket)",
                private=True),
        Handler("catq", doc="read with parameters: a file's contents, in double quotes (not "
                "for ControlSocket)", private=True),
        Handler("kill", doc="read with parameters: kill SIGNO PID...: signal processes (not "
                "for ControlSocket)", private=True),
        *(Handler(h, doc="read with parameters: the integer in the other byte order")
          for h in ("htons", "htonl", "ntohs", "ntohl")),
        Handler("get", doc="read with parameters: get VAR: a script variable's value"),
        Handler("set", read=False, write=True, doc="set VAR VALUE: set a script variable"),
        Handler("shift", read=True, write=True,
                doc="shift [VAR]: the first word taken off a variable (args by default)"),
        Handler("readable", doc="read with parameters: whether every handler named is readable"),
        Handler("writable", doc="read with parameters: whether every handler named is writable"),
    )

    @classmethod
    def script_type(cls, values) -> tuple[str, list[int], str | None]:
        """(type, signals, problem): TYPE, as Click's Script::configure reads it."""
        text = values.get("TYPE")
        if text is None:
            return cls.default_type, [], None
        word, rest = pop_word(text)
        if word in (ACTIVE, PASSIVE, DRIVER) and not rest:
            return word, [], None
        if word == SIGNAL:
            signos = [parse_signal(w) for w in words(rest)]
            if not signos or None in signos:
                return word, [], "bad signal number"
            return word, signos, None
        return word, [], "bad TYPE; expected 'ACTIVE', 'PASSIVE', 'DRIVER' or 'SIGNAL'"

    @classmethod
    def check_config(cls, values, ctx):
        kind, _, problem = cls.script_type(values)
        if problem:
            return [ArgIssue(problem, None, "TYPE ACTIVE (the default), PASSIVE, DRIVER, or "
                             "SIGNAL and signal names (INT, HUP, TERM, USR1...) or numbers")]
        prog = program.parse(values.get("INSTRUCTIONS") or [], kind == DRIVER)
        return [ArgIssue(e, None, "a goto's label must be defined by a label instruction, or "
                         "be exit, end, begin or error") for e in prog.errors]

    @classmethod
    def drives(cls, values):
        return cls.script_type(values)[0] == DRIVER

    @classmethod
    def state(cls, values, n_inputs, n_outputs):
        """The script, parsed, waiting for its router (host_start): kept beside a
        one-word array, as elements keep host objects (clickpy.rings.open_rings)."""
        kind, signos, problem = cls.script_type(values)
        if problem:
            raise ValueError(problem)
        prog = program.parse(values.get("INSTRUCTIONS") or [], kind == DRIVER)
        if prog.errors:
            raise ValueError(prog.errors[0])
        c = np.zeros(1, dtype=np.int64)
        open_rings.remember(c, ScriptRun(prog, kind, cls.class_name, signos), ScriptRun.close)
        return (c,)

    @classmethod
    def _run(cls, st) -> ScriptRun:
        run = open_rings.get(st[0])
        if run is None:
            raise ValueError("the script has ended")
        return run

    @classmethod
    def host_start(cls, values, st, router):
        name = next(n for n, s in zip(router.names, router.S) if s is st)
        run = cls._run(st)
        run.label = f"{name} :: {cls.class_name}"
        run.bind(router, name)

    @classmethod
    def host_serve(cls, values, st, router):
        run = open_rings.get(st[0])
        if run is not None:
            run.serve()

    @classmethod
    def wait_fds(cls, values, st):
        run = open_rings.get(st[0])
        return () if run is None else run.wait_fds()

    @classmethod
    def wake_after(cls, values, st):
        run = open_rings.get(st[0])
        return None if run is None else run.wake_after()

    @classmethod
    def driver_steps(cls, values, st, n):
        run = open_rings.get(st[0])
        return True if run is None else run.driver_steps(n)

    @classmethod
    def host_close(cls, values, st, pool):
        """The run is over: no more timers or signals, but handlers still answer
        (-h s.run, as Click's driver reads them before the router goes)."""
        run = open_rings.get(st[0])
        if run is not None:
            run.finish()

    @classmethod
    def config_handlers(cls, values):
        """A read handler per `export VAR` or `exportq VAR`: VAR's value, as Click's."""
        prog = program.parse(values.get("INSTRUCTIONS") or [],
                             cls.script_type(values)[0] == DRIVER)
        return tuple(Handler(var, doc="an exported script variable") for var in prog.exports)

    @classmethod
    def read_handler(cls, name, values, st):
        handler, _, param = name.partition(" ")
        run = cls._run(st)
        if not param and handler in run.prog.exports:
            return run.vars[handler]
        if handler not in OWN_READ and handler not in arithmetic.HANDLERS:
            raise KeyError(name)
        return run.read(handler, param)

    @classmethod
    def write_handler(cls, name, text, values, st):
        if name not in ("step", "goto", "run", "set", "shift"):
            raise KeyError(name)
        cls._run(st).write(name, text)
