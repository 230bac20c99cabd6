"""The signals that end a run: Ctrl-C (SIGINT) and SIGTERM, as in Click's driver.

Click's user-level driver catches both, whatever it inherited, stops the
router and then prints the -h handlers.  A shell starts a background job
(`clickpy run ... &` in a script) with SIGINT ignored, and Python then leaves
it ignored: such a run could not be interrupted at all, and SIGTERM (kill,
systemd) ended it without its account.  catch() makes both raise
KeyboardInterrupt, which ends Router.run and the workers' loop.
"""
from __future__ import annotations

import signal
import threading

SIGNALS = (signal.SIGINT, signal.SIGTERM)


def catch(handler=signal.default_int_handler) -> dict:
    """Give both signals `handler`; returns the handlers they had, for restore().  Only the
    main thread may set handlers: elsewhere (a run started from a thread) nothing changes."""
    if threading.current_thread() is not threading.main_thread():
        return {}
    previous = saved()
    for sig in SIGNALS:
        signal.signal(sig, handler)
    return previous


def saved() -> dict:
    """The handlers both signals have now, for restore()."""
    return {sig: signal.getsignal(sig) for sig in SIGNALS}


def ignore() -> None:
    """Ignore both from now on, at once: what they were is not looked up first, as one may
    be on its way (a run's end being reported)."""
    for sig in SIGNALS:
        signal.signal(sig, signal.SIG_IGN)


def restore(previous: dict) -> None:
    for sig, handler in previous.items():
        signal.signal(sig, handler)
