"""File names, as Click's FilenameArg reads them (FromDump, ToDump)."""
from __future__ import annotations

from clickpy.args import ArgError, ArgType, split_words, unquote


class Filename(ArgType):
    """A file name: one word or a quoted string, never empty.

    The value is the unquoted text; `~` is expanded when the file is opened,
    not here, so that checking a configuration does not depend on who runs it.
    """

    name = "file name"
    example = "trace.pcap"

    def parse(self, text, ctx):
        t = text.strip()
        if len(split_words(t)) > 1:
            raise ArgError(f"{t!r} is not a file name: several words", "quote a name with spaces")
        name = unquote(t).decode("utf-8", "replace") if t else ""
        if not name:
            raise ArgError("empty file name", f"name a file, for example {self.example}")
        return name
