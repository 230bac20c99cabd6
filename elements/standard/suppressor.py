"""Suppressor: passes input i to output i unless port i is suppressed.

Click keeps one bit per port.  Here st[0] holds one word per port, 1 when suppressed:
the push kernel drops what a suppressed push input receives (a named drop reason,
where Click only kills the packet), and the pull_gate kernel answers a pull on a
suppressed output with no packet, without pulling upstream, as Click's pull does.
"""
import numpy as np
from numba import njit

from clickpy.datapath.ipheader import parse_bool, unparse_bool
from clickpy.element import Element, Handler
from clickpy.kernel import drop

PREFIX = "active"


@njit(cache=True, _nrt=False)
def suppressor_push(P, port, s, st, emit):
    emit[0] = drop(0) if st[0][port] else port
    emit[1] = s
    return 1


@njit(cache=True, _nrt=False)
def suppressor_gate(P, port, st):
    return 0 if st[0][port] else 1


def _port(name: str, n: int) -> int:
    """The port of handler activeI, or KeyError (Click adds active0..activeN-1 only)."""
    digits = name[len(PREFIX):]
    if not name.startswith(PREFIX) or not digits.isdigit() or str(int(digits)) != digits:
        raise KeyError(name)
    port = int(digits)
    if port >= n:
        raise KeyError(name)
    return port


class Suppressor(Element):
    """Passes packets unchanged, optionally dropping some input ports.

    Suppressor has n inputs and n outputs.  It generally passes packets from
    input i to output i unchanged.  However, any input port can be suppressed,
    through a handler.  Packets arriving on suppressed push input ports are
    dropped; pull requests arriving on suppressed pull output ports are
    ignored.

    Handlers active0...activeN-1 (read/write) return or set whether each port
    is active (that is, not suppressed); every port starts out active.  The
    write-only handler reset makes every port active.
    """

    port_count = "-/="
    processing = "a/a"
    flow_code = "#/#"
    handlers = (
        Handler("reset", read=False, write=True, doc="make every port active"),
    )
    drop_reasons = ("suppressed",)
    push = suppressor_push
    pull_gate = suppressor_gate

    @classmethod
    def port_handlers(cls, n_inputs, n_outputs):
        return tuple(Handler(f"{PREFIX}{i}", write=True, doc=f"whether port {i} is active")
                     for i in range(n_inputs))

    @classmethod
    def state(cls, values, n_inputs, n_outputs):
        return (np.zeros(n_inputs, dtype=np.int64),)

    @classmethod
    def read_handler(cls, name, values, st):
        """activeI: "true" when port I is not suppressed (Click's CHECKBOX)."""
        return unparse_bool(not st[0][_port(name, st[0].shape[0])])

    @classmethod
    def write_handler(cls, name, text, values, st):
        c = st[0]
        if name == "reset":
            c[:] = 0
            return
        port = _port(name, c.shape[0])
        try:
            active = parse_bool(text, name)
        except ValueError:
            raise ValueError(f"{name}: type mismatch: expected boolean, "
                             f"not {text.strip()!r}") from None
        c[port] = not active
