"""`--statistics`: how many findings each code has, in flake8's layout as ruff prints it
(`count<TAB>code<TAB>[*] name`, the fix marker column only when some code is fixable)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Dict, List, Sequence, TextIO

from bglint.diagnostics import Diagnostic
from bglint.reporters import is_applicable


@dataclass(frozen=True)
class Statistic:
    code: str
    name: str
    count: int
    fixable: bool


def count(diagnostics: Sequence[Diagnostic], unsafe_fixes: bool) -> List[Statistic]:
    """One row per code, most frequent first, then by code (ruff's order)."""
    counts: Dict[str, int] = {}
    names: Dict[str, str] = {}
    fixable: Dict[str, bool] = {}
    for diagnostic in diagnostics:
        counts[diagnostic.code] = counts.get(diagnostic.code, 0) + 1
        names[diagnostic.code] = diagnostic.name
        applies = is_applicable(diagnostic.fix, unsafe_fixes)
        fixable[diagnostic.code] = fixable.get(diagnostic.code, False) or applies
    order = sorted(counts, key=lambda code: (-counts[code], code))
    return [Statistic(code, names[code], counts[code], fixable[code]) for code in order]


def write_text(rows: Sequence[Statistic], out: TextIO) -> None:
    if not rows:
        return
    count_width = max(len(str(row.count)) for row in rows)
    code_width = max(len(row.code) for row in rows)
    any_fixable = any(row.fixable for row in rows)
    for row in rows:
        marker = ("[*] " if row.fixable else "[ ] ") if any_fixable else ""
        out.write(f"{row.count:>{count_width}}\t{row.code:<{code_width}}\t{marker}{row.name}\n")


def write_json(rows: Sequence[Statistic], out: TextIO) -> None:
    data = [
        {"code": row.code, "name": row.name, "count": row.count, "fixable": row.fixable}
        for row in rows
    ]
    out.write(json.dumps(data, indent=2) + "\n")
