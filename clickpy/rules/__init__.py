"""Click's two packet-matching rule languages, parsed at configure time.

- classifier_pattern: Classifier's `OFFSET/VALUE%MASK` clauses on raw bytes.
- ipfilter_expr: the tcpdump-like expressions of IPFilter and IPClassifier.

Each module turns one configuration argument into a small immutable syntax
tree and offers a pure-Python `matches()` that interprets it on a packet.
The compiler (a later stage) turns the same trees into decision trees; the
interpreters are its reference in differential tests.

Errors are RuleError: an ArgError that also knows where in the argument the
offending token starts, so a diagnostic can point at the exact word.
"""
from __future__ import annotations

from clickpy.args import ArgError


class RuleError(ArgError):
    """A rule that does not parse, with the offending token's place in the argument.

    `offset` is the 0-based character index of the token within the argument
    text the parser was given (None when unknown), `length` its length.
    """

    def __init__(self, message: str, hint: str | None = None,
                 offset: int | None = None, length: int = 0):
        super().__init__(message, hint)
        self.offset = offset
        self.length = length
