"""Source positions and user-facing diagnostics.

Every error a user can cause is reported as a Diagnostic that names a place
in their file (file:line:col), says what is wrong and, where we can guess,
how to fix it.  Nothing deeper in clickpy should ever show a user a traceback.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Iterable


@dataclass(frozen=True, order=True)
class SourcePos:
    """A place in a configuration file; line and col are 1-based."""

    file: str
    line: int
    col: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"

    def advanced(self, text: str) -> "SourcePos":
        """The position just after `text`, read starting at this position."""
        newlines = text.count("\n")
        if newlines == 0:
            return SourcePos(self.file, self.line, self.col + len(text))
        return SourcePos(self.file, self.line + newlines, len(text) - text.rfind("\n"))


UNKNOWN_POS = SourcePos("<unknown>", 0, 0)

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class Diagnostic:
    """One finding about a configuration: an error or a warning."""

    message: str
    pos: SourcePos = UNKNOWN_POS
    hint: str | None = None
    severity: str = ERROR
    check: str = ""  # name of the pass (or front end) that found it

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR

    def format(self) -> str:
        text = f"{self.pos}: {self.severity}: {self.message}"
        if self.hint:
            text += f"\n  hint: {self.hint}"
        return text

    def __str__(self) -> str:
        return self.format()


class ConfigError(Exception):
    """Raised by front ends when a configuration cannot be read at all."""

    def __init__(self, diagnostics: Diagnostic | Iterable[Diagnostic]):
        if isinstance(diagnostics, Diagnostic):
            diagnostics = [diagnostics]
        self.diagnostics: list[Diagnostic] = list(diagnostics)
        super().__init__("\n".join(d.format() for d in self.diagnostics))


def error(message: str, pos: SourcePos = UNKNOWN_POS, hint: str | None = None,
          check: str = "") -> ConfigError:
    """Shorthand for the common case of one error at one position."""
    return ConfigError(Diagnostic(message, pos, hint, ERROR, check))


def did_you_mean(word: str, candidates: Iterable[str]) -> str | None:
    """A 'did you mean X?' hint for a misspelt name, or None.

    Closest by difflib's ratio (case-insensitive); among equally close names
    a permutation of the word wins, since swapped letters are the commonest
    typo (dts for dst).
    """
    low = word.lower()
    best, best_score = None, 0.6
    for c in candidates:
        if c == word:
            continue
        score = difflib.SequenceMatcher(None, low, c.lower()).ratio()
        if sorted(c.lower()) == sorted(low):
            score += 1e-6
        if score > best_score:
            best, best_score = c, score
    return f"did you mean {best}?" if best else None


@dataclass
class Report:
    """Diagnostics gathered by a run of the checks."""

    diagnostics: list[Diagnostic] = field(default_factory=list)

    def add(self, d: Diagnostic) -> None:
        self.diagnostics.append(d)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.is_error]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if not d.is_error]
