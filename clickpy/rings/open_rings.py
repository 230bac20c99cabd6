"""The host side of running elements: their open rings and sockets, by their control array.

Element state is numpy arrays only, so a socket cannot live in it; the ring
objects (and ControlSocket's server) live here, keyed by the element's
control array, and are closed when that array is garbage (a Router dropped
without close()) or by close().
"""
from __future__ import annotations

import weakref
from typing import Any, Callable

import numpy as np

_OPEN: dict[int, tuple[weakref.ref, Any, Callable[[Any], None]]] = {}


def _close(key: int) -> None:
    entry = _OPEN.pop(key, None)
    if entry is not None:
        entry[2](entry[1])


def remember(ctl: np.ndarray, obj: Any, closer: Callable[[Any], None]) -> None:
    """Keep obj (a ring, a filter) open for as long as ctl lives; closer(obj) ends it."""
    _close(id(ctl))
    _OPEN[id(ctl)] = (weakref.ref(ctl), obj, closer)
    weakref.finalize(ctl, _close, id(ctl))


def get(ctl: np.ndarray) -> Any | None:
    """The open object of this control array, or None once closed."""
    entry = _OPEN.get(id(ctl))
    if entry is None or entry[0]() is not ctl:
        return None
    return entry[1]


def close(ctl: np.ndarray) -> None:
    _close(id(ctl))
