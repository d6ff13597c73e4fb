"""`--report-unused-noqa`: one line per unused code, `path:row:col: message`, then a count."""

from __future__ import annotations

from typing import Sequence, TextIO

from bglint.reporters import display_path


def write(entries: Sequence, cwd: str, out: TextIO) -> None:
    """`entries` are `bglint.noqa.UnusedNoqa`, written in path and line order."""
    ordered = sorted(entries, key=lambda e: (e.path, e.row, e.column, e.code))
    for entry in ordered:
        out.write(f"{display_path(entry.path, cwd)}:{entry.row}:{entry.column}: {entry.message}\n")
    s = "" if len(ordered) == 1 else "s"
    out.write(f"Found {len(ordered)} unused `# noqa` code{s}.\n")
