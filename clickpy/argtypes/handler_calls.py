"""Handler calls, as Click's HandlerCallArg reads them (END_CALL, UP_CALL, ...).

A handler call names a handler and, for write handlers, the value to write:
`ELEMENT.HANDLER [VALUE]`, or `HANDLER [VALUE]` for a router-wide handler
such as `stop`.  The element part is checked against the configuration's
element names when they are known.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from clickpy.args import ArgError, ArgType, split_words
from clickpy.diagnostics import did_you_mean

_NAME = re.compile(r"^[^\s.][^\s]*$")


@dataclass(frozen=True)
class HandlerCall:
    """`element` is None for a router-wide handler; `value` is "" when none is given."""

    element: str | None
    handler: str
    value: str = ""

    def __str__(self) -> str:
        target = f"{self.element}.{self.handler}" if self.element else self.handler
        return f"{target} {self.value}".rstrip()


class HandlerCallArg(ArgType):
    """`ELEMENT.HANDLER [VALUE]` or `HANDLER [VALUE]`; `writable` allows a VALUE."""

    def __init__(self, writable: bool = True):
        self.writable = writable
        self.name = "write handler call" if writable else "read handler call"
        self.example = "src.active false" if writable else "c.count"

    def parse(self, text, ctx):
        t = text.strip()
        words = split_words(t)
        if not words:
            raise ArgError("empty handler call", f"name a handler, for example {self.example}")
        target = words[0]
        value = t[len(target):].strip()
        if value and not self.writable:
            raise ArgError(f"read handler call {t!r} has a value", "remove the value")
        if not _NAME.match(target) or target.endswith("."):
            raise ArgError(f"{target!r} is not a handler name",
                           f"write ELEMENT.HANDLER, for example {self.example}")
        element, dot, handler = target.rpartition(".")
        if not dot:
            return HandlerCall(None, handler, value)
        if ctx.element_names and element not in ctx.element_names:
            raise ArgError(f"no element named {element!r} for handler call {target!r}",
                           did_you_mean(element, ctx.element_names)
                           or "name an element declared in this configuration")
        return HandlerCall(element, handler, value)
