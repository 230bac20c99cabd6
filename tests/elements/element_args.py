"""Parse element arguments as `clickpy check` would, at a fixed place in a file."""
from __future__ import annotations

from clickpy.args import ParseContext, parse_args, split_config
from clickpy.diagnostics import SourcePos
from clickpy.element import registry


class ArgsAt:
    """parse/ok/issue/at helpers for configurations that start at `pos`."""

    def __init__(self, pos: SourcePos):
        self.pos = pos
        self.elements = registry()

    def parse(self, name, text, ctx=None):
        cls = self.elements[name]
        return parse_args(cls.class_name, cls.args, split_config(text, self.pos),
                          ctx or ParseContext(), self.pos)

    def ok(self, name, text, ctx=None):
        """The parsed values; fails if parsing or check_config found anything."""
        values, issues = self.parse(name, text, ctx)
        assert issues == [], issues
        assert self.elements[name].check_config(values, ctx or ParseContext()) == []
        return values

    def issue(self, name, text, ctx=None):
        """The one problem found, by parsing or else by check_config."""
        values, issues = self.parse(name, text, ctx)
        if not issues:
            issues = self.elements[name].check_config(values, ctx or ParseContext())
        assert len(issues) == 1, issues
        return issues[0]

    def at(self, col):
        return SourcePos(self.pos.file, self.pos.line, col)
