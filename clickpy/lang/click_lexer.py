"""Tokens of Click's configuration language, with their places in the file.

Follows Click's lib/lexer.cc: identifiers are ASCII letters, digits, `_` and
`@`, with `/` allowed between two such characters (`c/inner`, `Strip@3`);
`$name` is a variable; `->`, `=>`, `::`, `||` and `...` are operators; `//`
and `/* */` are comments; a `#` in the first column starts a line directive
(`# 12 "file"`, as cpp writes them).  A `(` always opens a configuration
string, which runs to the matching `)` and is kept raw: quotes, `\\<hex>`
runs, nested parentheses and comments stay in the text for args.py.

Positions are computed lazily from character offsets, so a megabyte of
configuration costs one pass, not one SourcePos per token.
"""
from __future__ import annotations

import logging
import re
from bisect import bisect_right

from clickpy.diagnostics import ConfigError, Diagnostic, SourcePos

logger = logging.getLogger(__name__)

# Token kinds.  Operators, keywords and the punctuation characters
# ('[', ']', ',', ';', '{', '}', '|', ')') are their own kind: Token("->", "->", i).
IDENT = "identifier"
VARIABLE = "variable"
CONFIG = "configuration string"
EOF = "end of input"
OTHER = "character"
KEYWORDS = frozenset({"elementclass", "require", "provide", "define"})
PUNCTUATION = frozenset("[],;{}|)")
BOM = "\ufeff"

_TOKEN = re.compile(r"""[ \t\n\r\v\f]*+(?:
    (?P<line_comment>//[^\n\r]*)
  | (?P<block_comment>/\*)
  | (?P<directive>(?:^|(?<=[\n\r]))\#[^\n\r]*)
  | (?P<ident>[A-Za-z0-9_@]+(?:/[A-Za-z0-9_@]+)*)
  | (?P<variable>\$[A-Za-z0-9_]*)
  | (?P<operator>->|=>|::|\|\||\.\.\.)
  | (?P<paren>\()
  | (?P<char>.)
)""", re.VERBOSE | re.DOTALL)

# Inside a configuration string only these characters matter.
_CONFIG_SPECIAL = re.compile(r"""[()'"/\\\#]""")
_QUOTE_SPECIAL = re.compile(r'["\\]')   # inside "...": the end, or an escape
_HEX_SPECIAL = re.compile(r"[>/]")        # inside \<...>: the end, or a comment
_NEWLINE = re.compile(r"\r\n|\r|\n")
_DIRECTIVE = re.compile(r"""\#[ \t]*(?:line[ \t]+)?([0-9]+)[ \t]*
                            (?:"((?:[^"\\\n\r]|\\[^\n\r])*)"?)?""", re.VERBOSE)


class Token:
    """One lexeme: its kind, its text, and the offset of its first character.

    For CONFIG tokens `text` is the configuration (without the parentheses),
    `offset` is the `(` and `config_offset` the first character inside.
    """

    __slots__ = ("kind", "text", "offset", "config_offset")

    def __init__(self, kind: str, text: str, offset: int, config_offset: int = -1):
        self.kind = kind
        self.text = text
        self.offset = offset
        self.config_offset = config_offset

    def is_(self, kind: str) -> bool:
        return self.kind == kind

    def describe(self) -> str:
        """How error messages name this token."""
        if self.kind == EOF:
            return "end of input"
        if self.kind == IDENT:
            return f"'{self.text}'"
        if self.kind == VARIABLE:
            return f"variable '{self.text}'"
        if self.kind == CONFIG:
            return "'('"
        if self.kind == OTHER:
            return repr(self.text) if not self.text.isprintable() else f"'{self.text}'"
        return f"'{self.text}'"

    def __repr__(self) -> str:
        return f"Token({self.kind!r}, {self.text!r}, {self.offset})"


class Positions:
    """Maps character offsets to file:line:col, honouring line directives."""

    def __init__(self, text: str, start: SourcePos):
        self.start = start
        self.line_starts = [0] + [m.end() for m in _NEWLINE.finditer(text)]
        if text.startswith(BOM):
            self.line_starts[0] = 1  # columns count from after the byte-order mark
        # Directives: from physical line dir_phys[k] on, lines are numbered
        # from dir_line[k] in file dir_file[k].
        self.dir_phys: list[int] = []
        self.dir_line: list[int] = []
        self.dir_file: list[str] = []

    def physical_line(self, offset: int) -> int:
        return bisect_right(self.line_starts, offset) - 1

    def add_directive(self, offset: int, line: int, file: str | None) -> None:
        phys = self.physical_line(offset) + 1
        if file is None:
            file = self.dir_file[-1] if self.dir_file else self.start.file
        elif file == "":
            file = self.start.file  # an empty name returns to the original file
        self.dir_phys.append(phys)
        self.dir_line.append(line)
        self.dir_file.append(file)

    def pos(self, offset: int) -> SourcePos:
        phys = bisect_right(self.line_starts, offset) - 1
        col = offset - self.line_starts[phys] + 1
        k = bisect_right(self.dir_phys, phys) - 1 if self.dir_phys else -1
        if k >= 0:
            return SourcePos(self.dir_file[k], self.dir_line[k] + phys - self.dir_phys[k], col)
        if phys == 0:
            col += self.start.col - 1
        return SourcePos(self.start.file, self.start.line + phys, col)


class Lexer:
    """Turns configuration text into Tokens, on demand, with lookahead."""

    def __init__(self, text: str, start: SourcePos):
        self.text = text
        self.positions = Positions(text, start)
        self._i = 1 if text.startswith(BOM) else 0
        self._tok: Token | None = None       # the next token, once peeked
        self._tok2: Token | None = None      # the one after, for peek(1)

    # ---- the parser's interface ---------------------------------------------
    def peek(self, n: int = 0) -> Token:
        """The next token (n=0) or the one after it (n=1), without consuming them."""
        t = self._tok
        if t is None:
            t = self._tok = self._scan()
        if n == 0:
            return t
        if self._tok2 is None:
            self._tok2 = self._scan()
        return self._tok2

    def next(self) -> Token:
        t = self._tok
        if t is None:
            return self._scan()
        self._tok, self._tok2 = self._tok2, None
        return t

    def pos(self, offset: int) -> SourcePos:
        return self.positions.pos(offset)

    def error(self, message: str, offset: int, hint: str | None = None) -> ConfigError:
        return ConfigError(Diagnostic(message, self.pos(offset), hint, check="syntax"))

    # ---- scanning -------------------------------------------------------------
    def _scan(self) -> Token:
        text = self.text
        while True:
            m = _TOKEN.match(text, self._i)
            if m is None:  # only at the end of the text
                self._i = len(text)
                return Token(EOF, "", len(text))
            kind = m.lastgroup
            i = m.start(kind)
            self._i = m.end()
            if kind == "ident":
                word = m.group(kind)
                return Token(word if word in KEYWORDS else IDENT, word, i)
            if kind == "operator":
                word = m.group(kind)
                return Token(word, word, i)
            if kind == "char":
                word = m.group(kind)
                return Token(word if word in PUNCTUATION else OTHER, word, i)
            if kind == "paren":
                return self._config(i)
            if kind == "variable":
                return Token(VARIABLE, m.group(kind), i)
            if kind == "block_comment":
                end = text.find("*/", i + 2)
                if end < 0:
                    raise self.error("unterminated comment", i, "close it with '*/'")
                self._i = end + 2
            elif kind == "directive":
                self._line_directive(i, m.group(kind))
            # line comments: nothing to do

    def _line_directive(self, offset: int, line: str) -> None:
        """`# LINE "FILE"` renumbers the following lines; other `#` lines are skipped."""
        m = _DIRECTIVE.match(line)
        if m is None or len(m.group(1)) > 9:
            logger.debug("skipping '#' line at %s: not a line directive", self.pos(offset))
            return
        file = m.group(2)
        if file is not None:
            file = re.sub(r"\\(.)", r"\1", file)
        self.positions.add_directive(offset, int(m.group(1)), file)

    def _config(self, open_offset: int) -> Token:
        """The configuration string after the `(` at open_offset, up to its `)`."""
        text = self.text
        i = open_offset + 1
        depth = 1
        pieces: list[str] = []
        piece_start = i
        while True:
            m = _CONFIG_SPECIAL.search(text, i)
            if m is None:
                raise self.error("unterminated configuration string (missing ')')", open_offset,
                                 "every '(' after an element class needs a matching ')'")
            j = m.start()
            c = text[j]
            if c == "(":
                depth += 1
                i = j + 1
            elif c == ")":
                depth -= 1
                if depth == 0:
                    pieces.append(text[piece_start:j])
                    self._i = j + 1
                    return Token(CONFIG, "".join(pieces), open_offset, open_offset + 1)
                i = j + 1
            elif c == "/":
                i = self._skip_comment(j, open_offset)
            elif c == "'" or c == '"':
                i = self._skip_quote(j, open_offset)
            elif c == "\\":
                i = self._skip_hex(j, open_offset) if text.startswith("\\<", j) else j + 1
            else:  # '#': a directive only in the first column
                if j > 0 and text[j - 1] in "\n\r":
                    end = _NEWLINE.search(text, j)
                    end_offset = end.start() if end else len(text)
                    pieces.append(text[piece_start:j])
                    self._line_directive(j, text[j:end_offset])
                    piece_start = i = end_offset
                else:
                    i = j + 1

    def _unclosed(self, open_offset: int, what: str, where: int) -> ConfigError:
        return self.error("unterminated configuration string (missing ')')", open_offset,
                          f"the {what} at {self.pos(where)} is never closed")

    def _skip_comment(self, j: int, open_offset: int) -> int:
        text = self.text
        if text.startswith("//", j):
            end = _NEWLINE.search(text, j)
            return end.start() if end else len(text)
        if text.startswith("/*", j):
            end = text.find("*/", j + 2)
            if end < 0:
                raise self._unclosed(open_offset, "comment", j)
            return end + 2
        return j + 1

    def _skip_quote(self, j: int, open_offset: int) -> int:
        text = self.text
        quote = text[j]
        k = j + 1
        if quote == "'":
            end = text.find("'", k)
            if end < 0:
                raise self._unclosed(open_offset, "quote", j)
            return end + 1
        while True:
            m = _QUOTE_SPECIAL.search(text, k)
            if m is None:
                raise self._unclosed(open_offset, "quote", j)
            k = m.start()
            if text[k] == '"':
                return k + 1
            if text.startswith("\\<", k):
                k = self._skip_hex(k, open_offset)
            else:
                k += 2

    def _skip_hex(self, j: int, open_offset: int) -> int:
        """Past the `\\<...>` run at j; comments inside it may hide a '>'."""
        text = self.text
        k = j + 2
        while True:
            m = _HEX_SPECIAL.search(text, k)
            if m is None:
                raise self._unclosed(open_offset, "'\\<'", j)
            k = m.start()
            if text[k] == ">":
                return k + 1
            k = self._skip_comment(k, open_offset)

