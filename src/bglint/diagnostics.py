"""What the engine hands to every face: findings, their fixes, and per-file problems.

Plain data, no LibCST: reporters, the fixer and the flake8 adapter import this module only.
Rows are 1-based; columns are 1-based and count characters (code points), as ruff's do.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Optional, Tuple


class Applicability(str, enum.Enum):
    """How sure a fix is: `safe` keeps the meaning and `--fix` applies it; `unsafe` needs
    `--unsafe-fixes` because it changes behaviour on purpose (ruff's spelling)."""

    SAFE = "safe"
    UNSAFE = "unsafe"


@dataclass(frozen=True, order=True)
class Location:
    """A position: 1-based row (as Python's tokenizer counts lines) and 1-based column."""

    row: int
    column: int


@dataclass(frozen=True)
class Edit:
    """Replace the text between `start` and `end` (end exclusive) with `content`."""

    start: Location
    end: Location
    content: str


@dataclass(frozen=True)
class Fix:
    """Edits that resolve a finding, with a title for the user and how safe they are."""

    title: str
    applicability: Applicability
    edits: Tuple[Edit, ...]


@dataclass(frozen=True)
class Diagnostic:
    """One finding: the rule, where, the message, and the fix when there is one."""

    code: str
    name: str
    message: str
    path: str
    start: Location
    end: Location
    fix: Optional[Fix] = None
    url: Optional[str] = None

    @property
    def sort_key(self) -> tuple:
        return (self.path, self.start.row, self.start.column, self.code, self.message)


@dataclass
class FileResult:
    """Everything one file produced. `skipped` holds a one-line reason when bglint could not
    look at the file at all (binary, unreadable); such a file has no diagnostics."""

    path: str
    diagnostics: list = field(default_factory=list)
    skipped: Optional[str] = None
    fixed_source: Optional[str] = None
    fixes_applied: int = 0
    # the decoded file (a `bglint.source.SourceFile`) when it was read; writers encode with it
    source: Optional[object] = None
    # `--report-unused-noqa`: `bglint.noqa.UnusedNoqa` entries for this file
    unused_noqa: list = field(default_factory=list)


def docs_url(code: str, name: str) -> str:
    return f"https://github.com/bglint/bglint/blob/main/docs/rules.md#{code.lower()}-{name}"
