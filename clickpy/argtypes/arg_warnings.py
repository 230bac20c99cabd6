"""ArgWarning: an argument problem Click reports as a warning, not an error.

Click accepts some doubtful configurations with a warning (a routing table
given the same prefix twice, RoundRobinIPMapper with a single pattern).
ArgWarning is an ArgIssue whose severity defaults to "warning", so the checks
report it without rejecting a configuration Click would run.
"""
from __future__ import annotations

from dataclasses import dataclass

from clickpy.args import ArgIssue


@dataclass(frozen=True)
class ArgWarning(ArgIssue):
    """An ArgIssue with severity "warning" (plain ArgIssues are errors)."""

    severity: str = "warning"
