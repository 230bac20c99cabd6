"""A Script running against a Router: Click's Script::step, its handlers and its timer.

The Router drives it between bursts of the compiled data path: host_serve
runs the script when it starts and when its `wait` timer is due, handler
writes step it, and a DRIVER script is given the router's stop requests
(driver_steps).  Its `stop` asks the router to stop (Router.stop, Click's
please_stop_driver); a DRIVER script that reaches a stop on a step the
router gave it tells the router to end the run instead.
"""
from __future__ import annotations

import logging
import sys
import time

from clickpy.script import arithmetic
from clickpy.script import program as pg
from clickpy.script.signals import SignalWatch
from clickpy.script.text import (expand, parse_bool, parse_int, pop_word, quote_in,
                                 unparse_bool, unquote_text, words)

log = logging.getLogger(__name__)

MAX_JUMPS = 1000        # gotos without blocking before a script is taken for a loop
STEP_NORMAL, STEP_ROUTER, STEP_TIMER, STEP_JUMP = range(4)
ST_STEP, ST_RUN, ST_GOTO = range(3)
EINVAL = 22             # a write handler that fails returns -EINVAL, as Click's do
OWN_WRITE = {"step": ST_STEP, "goto": ST_GOTO, "run": ST_RUN}
OWN_READ = ("run", "readable", "writable", "get", "shift")   # besides the arithmetic ones
OWN_WRITE_VARS = ("set", "shift")
ACTIVE, PASSIVE, DRIVER, SIGNAL = "ACTIVE", "PASSIVE", "DRIVER", "SIGNAL"


class ScriptRun:
    """One Script element's running state (Click's Script object, less its parsing)."""

    def __init__(self, prog: pg.Program, kind: str, label: str = "Script",
                 signos: list[int] = ()) -> None:
        self.prog, self.kind, self.label = prog, kind, label
        self.watch = SignalWatch(list(signos)) if kind == SIGNAL else None
        self.vars = {name: "" for name in prog.variables}
        self.pos = 0
        self.step_count = 0
        self.write_status = 0
        self.run_args = ""
        self.timer_at: float | None = None       # time.monotonic() of the wait's end
        self.cur_steps: list[int] | None = None  # steps asked for while stepping
        self.router = None
        self.name = ""
        self.started = False
        self.restored = False                    # a router step ended blocked (runcount + 1)
        self.nerrors = 0
        self._handlers = None

    # ---- life --------------------------------------------------------------------
    def bind(self, router, name: str) -> None:
        """Click's initialize: run init instructions, arm the first instruction."""
        self.router, self.name = router, name
        for insn in self.prog.insns:
            if insn.op in (pg.INIT, pg.INITQ, pg.EXPORT, pg.EXPORTQ):
                value = expand(insn.text, self._expander)
                quoted = insn.op in (pg.INITQ, pg.EXPORTQ)
                self.vars[insn.var] = unquote_text(value) if quoted else value
        first = self.prog.insns[0]
        self.started = self.kind in (PASSIVE, SIGNAL) or first.op == pg.WAIT_STEP
        if self.kind not in (PASSIVE, SIGNAL) and first.op == pg.INITIAL:
            first.a = 1               # the step that starts the script is not a pause's
        if self.watch is not None and not self.watch.arm():
            self.error("SIGNAL scripts need a router built in the main thread; "
                       "this one's signals are not caught")

    def serve(self) -> None:
        """After a burst: start the script (an ACTIVE one on the timer, a DRIVER one on a
        stop request, as Click; one that starts with a wait, its timer), or run it when its
        wait is over."""
        if not self.started and self.router is not None:
            self.started = True
            first = self.prog.insns[0]
            if first.op == pg.WAIT_TIME:        # from the run's start, not the router's build
                self.timer_at = time.monotonic() + first.seconds
            elif self.kind == DRIVER:
                self.router.stop()
            else:
                self._run_timer()
        if self.timer_at is not None and time.monotonic() >= self.timer_at:
            self.timer_at = None
            self._run_timer()
        if self.watch is not None and self.watch.take():
            self.step_handler(ST_RUN, "")        # Click calls its run handler

    def wake_after(self) -> float | None:
        if not self.started:
            return 0.0
        return None if self.timer_at is None else max(0.0, self.timer_at - time.monotonic())

    def _run_timer(self) -> None:
        self._step(1, STEP_TIMER, 0)
        self.complete_step()

    def driver_steps(self, n: int) -> bool:
        """The router's n stop requests, one step each: True when the driver must stop
        (the script reached its end or a stop)."""
        for _ in range(n):
            self.restored = False
            self.step_handler(ST_STEP, "router")
            if not self.restored:
                return True
        return False

    # ---- stepping (Click's Script::step) ---------------------------------------------
    def _step(self, nsteps: int, step_type: int, njumps: int) -> int:
        insns = self.prog.insns
        nsteps += self.step_count
        while nsteps - self.step_count >= 0 and self.pos < len(insns) and njumps < MAX_JUMPS:
            ipos = self.pos
            self.pos += 1
            insn = insns[ipos]
            op = insn.op
            if op == pg.STOP:
                self.step_count += 1
                self.pos -= 1
                if step_type != STEP_ROUTER:
                    self.router.stop()
                return njumps + 1
            if op == pg.WAIT_STEP:
                while self.step_count < nsteps and insn.b < insn.a:
                    insn.b += 1
                    self.step_count += 1
                if self.step_count == nsteps and insn.b < insn.a:
                    self.pos -= 1
                    break
            elif op == pg.WAIT_TIME:
                if self.step_count == nsteps:
                    self.timer_at = time.monotonic() + insn.seconds
                    self.pos -= 1
                    break
                self.step_count += 1
                self.timer_at = None
            elif op == pg.INITIAL:
                if insn.a:
                    self.step_count += 1
                    insn.a = 0
            elif op in (pg.PRINT, pg.PRINTN, pg.PRINTQ, pg.PRINTNQ):
                self._print(insn)
            elif op in (pg.READ, pg.READQ):
                text = insn.text if op == pg.READ else unquote_text(insn.text)
                self._read_instruction(expand(text, self._expander))
            elif op in (pg.WRITE, pg.WRITEQ):
                text = insn.text if op == pg.WRITE else unquote_text(insn.text)
                status = self.call_write(expand(text, self._expander))
                if status is not None:
                    self.write_status = status
            elif op in (pg.SET, pg.SETQ, pg.RETURN, pg.RETURNQ):
                value = expand(insn.text, self._expander)
                if op in (pg.SETQ, pg.RETURNQ):
                    value = unquote_text(value)
                self.vars[insn.var] = value
                if op in (pg.RETURN, pg.RETURNQ) and self.pos == ipos + 1:
                    self.pos -= 1
                    break
            elif op == pg.GOTO:
                cond = expand(insn.text, self._expander)
                truth = parse_bool(cond) if cond.strip() else True
                if truth is None:
                    self.error(f"bad condition '{cond}'")
                elif truth:
                    if insn.a == pg.LABEL_STOP:        # goto stop: as the stop instruction
                        self.step_count += 1
                        self.pos -= 1
                        if step_type != STEP_ROUTER:
                            self.router.stop()
                        return njumps + 1
                    if insn.a < 0:
                        self.pos -= 1
                        return njumps + 1
                    for k in range(insn.a, ipos):
                        if insns[k].op == pg.WAIT_STEP:
                            insns[k].b = 0
                    self.pos = insn.a
            elif op in (pg.ERROR, pg.ERRORQ, pg.END, pg.EXIT):
                if op in (pg.ERROR, pg.ERRORQ):
                    msg = expand(insn.text, self._expander)
                    msg = unquote_text(msg) if op == pg.ERRORQ else msg
                    if msg:
                        self.error(msg)
                self.pos -= 1
                return njumps + 1
            if self.pos != ipos + 1:
                njumps += 1
        if njumps >= MAX_JUMPS:
            self.error("too many jumps, giving up")
            self.pos = len(insns)
            self.timer_at = None
        if step_type == STEP_ROUTER:
            self.restored = True
        return njumps + 1

    def complete_step(self) -> tuple[int, str]:
        """(status: -1 after an error, 1 at a stop, else 0; the value `return` gave)."""
        insns = self.prog.insns
        last = insns[self.pos].op if 0 <= self.pos < len(insns) else None
        if last == pg.GOTO:
            last = {pg.LABEL_EXIT: pg.EXIT, pg.LABEL_END: pg.END, pg.LABEL_ERROR: pg.ERROR,
                    pg.LABEL_STOP: pg.STOP}.get(insns[self.pos].a, last)
        if last == pg.END and self.watch is not None:
            self.watch.arm()                     # a signal script that ended waits again
        value = ""
        if last in (pg.RETURN, pg.RETURNQ):
            value = self.vars.get(pg.RETURN_VARIABLE, "")
        return (-1 if last in (pg.ERROR, pg.ERRORQ) else 1 if last == pg.STOP else 0), value

    def step_handler(self, what: int, data: str) -> tuple[int, str]:
        """The step, goto and run handlers (Click's step_handler)."""
        data_word = data.strip()
        insns = self.prog.insns
        if what == ST_GOTO:
            target = self.prog.find_label(data_word)
            if target >= len(insns) or target < 0:
                raise ValueError("jump to nonexistent label")
            for k in range(target, len(insns)):
                if insns[k].op == pg.WAIT_STEP:
                    insns[k].b = 0
            self.pos, nsteps, step_type = target, 0, STEP_JUMP
        elif what == ST_RUN:
            self.pos, self.run_args, nsteps, step_type = 0, data, 0, STEP_JUMP
        elif data_word == "router":
            nsteps, step_type = 1, STEP_ROUTER
        elif not data_word:
            nsteps, step_type = 1, STEP_NORMAL
        else:
            nsteps, step_type = parse_int(data_word), STEP_NORMAL
            if nsteps is None:
                raise ValueError("syntax error")
        if self.cur_steps is None:
            self.cur_steps = [nsteps]
            njumps = 0
            try:
                while self.cur_steps[0] >= 0:
                    nsteps, self.cur_steps[0] = self.cur_steps[0], -1
                    njumps = self._step(nsteps, step_type, njumps)
                    step_type = STEP_NORMAL
            finally:
                self.cur_steps = None
        elif what == ST_STEP:
            self.cur_steps[0] += nsteps
        return self.complete_step()

    # ---- substitutions -------------------------------------------------------------
    def _expander(self, name: str, kind: str, quote: str) -> str | None:
        def q(v: str) -> str:
            return quote_in(v) if quote == '"' else v
        if name in self.vars:
            return q(self.vars[name])
        if name == "?":
            return q(str(self.write_status))
        if name == "args":
            return q(self.run_args)
        if name[:1] in "123456789" and name.isdigit():
            ws = words(self.run_args)
            n = int(name)
            return q(ws[n - 1] if n <= len(ws) else "")
        if name == "#":
            return q(str(len(words(self.run_args))))
        if kind == "(":
            value = self.call_read(name)
            return None if value is None else q(value)
        return None

    # ---- handler calls (Click's HandlerCall) ---------------------------------------
    def handlers(self):
        if self._handlers is None:
            from clickpy.runtime.control_socket import RouterHandlers
            self._handlers = RouterHandlers(self.router)
        return self._handlers

    def _find(self, name: str, want_write: bool, report: bool = True) -> tuple[str, str] | None:
        """(element, handler) of a handler name; "" element for the router's own.  A name
        without a dot is this script's own handler if it has one.  None: reported (unless
        report is False)."""
        from clickpy.runtime.control_socket import Refused
        own = (set(OWN_WRITE) | set(OWN_WRITE_VARS) if want_write
               else set(OWN_READ) | set(arithmetic.HANDLERS))
        if "." not in name and name in own:
            return self.name, name
        try:
            element, handler, readable, writable = self.handlers().find(name, private=True)
        except Refused as e:
            if report:
                self.error(str(e))
            return None
        if not (writable if want_write else readable):
            if report:
                self.error(f"'{name}' is not a {'write' if want_write else 'read'} handler")
            return None
        return element, handler

    def call_read(self, text: str, with_name: bool = False):
        """A read handler's value for "handler params" (None after an error); with_name:
        (its full name, value)."""
        from clickpy.runtime.router import HandlerError
        name, param = pop_word(text)
        found = self._find(name, False) if name else None
        if not name:
            self.error("missing handler name")
        if found is None:
            return None
        try:
            value = self.handlers().read(found[0], found[1], param)
        except HandlerError as e:
            self.error(str(e))
            return None
        full = f"{found[0]}.{found[1]}" if found[0] else found[1]
        return (full, value) if with_name else value

    def call_write(self, text: str) -> int | None:
        """Write "handler value": 0 or the handler's status (-EINVAL when it fails);
        None when there is no such handler."""
        from clickpy.runtime.router import HandlerError
        name, value = pop_word(text)
        found = self._find(name, True) if name else None
        if found is None:
            if not name:
                self.error("missing handler name")
            return None
        if found[0] == self.name and found[1] in OWN_WRITE:
            try:
                return self.step_handler(OWN_WRITE[found[1]], value)[0]
            except ValueError as e:
                self.error(f"{self.name}.{found[1]}: {e}")
                return -EINVAL
        try:
            self.handlers().write(found[0], found[1], value)
        except HandlerError as e:
            self.error(str(e))
            return -EINVAL
        return 0

    # ---- this element's handlers, as the Router calls them --------------------------
    def variable(self, handler: str, param: str) -> str:
        """get VAR, set VAR VALUE, shift [VAR] (the first word off it, args by default)."""
        name, rest = pop_word(param)
        if not name and handler == "shift":
            name = "args"
        if not name:
            raise ValueError("no variable")
        if rest and handler != "set":
            raise ValueError("too many arguments")
        if name != "args" and name not in self.vars:
            if handler != "set":
                raise ValueError(f"undefined variable '{name}'")
            self.vars[name] = ""
        value = self.run_args if name == "args" else self.vars[name]
        if handler == "get":
            return value
        if handler == "set":
            value, result = rest, ""
        else:
            result, value = pop_word(value)
        if name == "args":
            self.run_args = value
        else:
            self.vars[name] = value
        return result

    def read(self, handler: str, param: str) -> str:
        if handler in ("get", "shift"):
            return self.variable(handler, param)
        if handler in ("readable", "writable"):     # every handler named is one
            want_write = handler == "writable"
            return unparse_bool(all(self._find(unquote_text(w), want_write, False) is not None
                                    for w in words(param)))
        if handler == "run":
            status, value = self.step_handler(ST_RUN, param)
            if status < 0:
                raise ValueError("script error")
            return value
        return arithmetic.call(handler, param)

    def write(self, handler: str, text: str) -> None:
        if handler in OWN_WRITE_VARS:
            self.variable(handler, text)
            return
        status, _ = self.step_handler(OWN_WRITE[handler], text)
        if status < 0:
            raise ValueError("script error")

    # ---- output ------------------------------------------------------------------
    def _print(self, insn: pg.Insn) -> None:
        text, out, close = insn.text, sys.stdout, False
        if text.startswith(">"):
            append = text.startswith(">>")
            filename, text = pop_word(text[1 + append:])
            filename = unquote_text(filename)
            if filename and filename != "-":
                try:
                    out, close = open(filename, "ab" if append else "wb"), True
                except OSError as e:
                    self.error(f"{filename}: {e.strerror}")
                    return
        before = self.nerrors
        if text[:1].isalpha() or text[:1] in ("@", "_"):
            call = expand(text, self._expander)
            if insn.op in (pg.PRINTQ, pg.PRINTNQ):
                call = unquote_text(call)
            result = self.call_read(call) or ""
        else:
            result = unquote_text(expand(text, self._expander, expand_quote=True))
        if self.nerrors == before and not result.endswith("\n") \
                and insn.op not in (pg.PRINTN, pg.PRINTNQ):
            result += "\n"
        if close:
            with out:
                out.write(result.encode("utf-8", "surrogateescape"))
        else:
            out.write(result)
            out.flush()

    def _read_instruction(self, text: str) -> None:
        got = self.call_read(text, with_name=True)
        if got is not None:
            sys.stderr.write(f"{got[0]}:\n{got[1]}\n")
            sys.stderr.flush()

    def error(self, message: str) -> None:
        """A run-time error: reported as Click does (the element, then the message)."""
        self.nerrors += 1
        log.error("%s: %s", self.label, message)

    def wait_fds(self) -> tuple[int, ...]:
        return (self.watch.rfd,) if self.watch is not None and self.watch.rfd >= 0 else ()

    def finish(self) -> None:
        """The run is over: no more timers or signals (handlers still answer)."""
        self.timer_at = None
        if self.watch is not None:
            self.watch.close()

    def close(self) -> None:
        self.finish()
        self.router = self._handlers = None
