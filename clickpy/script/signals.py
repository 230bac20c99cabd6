"""SIGNAL scripts: signals that run a Script, caught once until re-armed (user-level Click).

Click's driver runs a signal script's `run` handler soon after the signal
comes, and blocks the signal until then; the script re-arms it when it
completes at an `end`.  Here a signal handler only notes the signal and
writes a byte to a pipe, which wakes the driver's idle wait (the script's
wait_fds); the script runs between bursts, never inside the handler.  While
no script is armed for a signal, its previous handler is back (Ctrl-C and
SIGTERM end the run again).  Several scripts may take one signal: all run.
"""
from __future__ import annotations

import os
import signal
import threading

from clickpy.script.text import parse_int

NAMES = {"ABRT": signal.SIGABRT, "HUP": signal.SIGHUP, "INT": signal.SIGINT,
         "PIPE": signal.SIGPIPE, "QUIT": signal.SIGQUIT, "TERM": signal.SIGTERM,
         "TSTP": signal.SIGTSTP, "USR1": signal.SIGUSR1, "USR2": signal.SIGUSR2}
UNCATCHABLE = (signal.SIGKILL, signal.SIGSTOP)

_WATCHES: dict[int, list["SignalWatch"]] = {}
_SAVED: dict[int, object] = {}          # signal -> its handler before ours


def parse_signal(word: str) -> int | None:
    """A signal name (INT, HUP, ...) or number below 32 that a script may take, else None."""
    n = NAMES.get(word)
    if n is None:
        n = parse_int(word)
    return int(n) if n is not None and 0 < n < 32 and n not in UNCATCHABLE else None


def _dispatch(signo, frame) -> None:
    for watch in list(_WATCHES.get(signo, ())):
        if watch.armed:
            watch.fire()


def _update(signo: int) -> None:
    """Our handler while some script is armed for signo, else the one it replaced."""
    armed = any(w.armed for w in _WATCHES.get(signo, ()))
    if armed and signo not in _SAVED:
        _SAVED[signo] = signal.getsignal(signo)
        signal.signal(signo, _dispatch)
    elif not armed and signo in _SAVED:
        previous = _SAVED.pop(signo)
        signal.signal(signo, previous if previous is not None else signal.SIG_DFL)


class SignalWatch:
    """One SIGNAL script's signals: armed or not, a signal pending, its wake-up pipe."""

    def __init__(self, signos: list[int]) -> None:
        self.signos = signos
        self.armed = self.pending = False
        self.rfd, self.wfd = os.pipe()
        os.set_blocking(self.rfd, False)
        os.set_blocking(self.wfd, False)

    def arm(self) -> bool:
        """Catch the signals (again); False where that cannot be done (not the main
        thread: Python sets signal handlers there only)."""
        if threading.current_thread() is not threading.main_thread():
            return False
        if not self.armed:
            self.armed = True
            for s in self.signos:
                _WATCHES.setdefault(s, []).append(self)
                _update(s)
        return True

    def fire(self) -> None:
        """In the signal handler: note it, wake the driver, stop catching until re-armed."""
        self.pending = True
        try:
            os.write(self.wfd, b"!")
        except OSError:
            pass
        self._disarm()

    def _disarm(self) -> None:
        self.armed = False
        for s in self.signos:
            ws = _WATCHES.get(s, [])
            if self in ws:
                ws.remove(self)
            _update(s)

    def take(self) -> bool:
        """Whether a signal came since the last look."""
        try:
            while os.read(self.rfd, 64):
                pass
        except OSError:
            pass
        got, self.pending = self.pending, False
        return got

    def close(self) -> None:
        if threading.current_thread() is threading.main_thread():
            self._disarm()
        for fd in (self.rfd, self.wfd):
            try:
                os.close(fd)
            except OSError:
                pass
        self.rfd = self.wfd = -1
