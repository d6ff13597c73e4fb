"""Reporters: turn the engine's `FileResult`s into text for people (`full`, `concise`) or tools
(`json`, `sarif`, `github`, `gitlab`, `junit`), plus the `--statistics` table and the closing
summary. They hold no rule logic.

`rich` is imported only when colour output goes to a terminal (see `text.emit`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, TextIO

from bglint.diagnostics import Applicability, Diagnostic, FileResult, Fix

# for tools, one module each (`reporters/sarif.py`, ...) with `write(diagnostics, options, out)`
MACHINE_FORMATS = ("sarif", "github", "gitlab", "junit")
FORMATS = ("full", "concise", "json", *MACHINE_FORMATS)


@dataclass(frozen=True)
class ReportOptions:
    """What the run did, as far as the output cares."""

    # `--unsafe-fixes` given: unsafe fixes count as applicable (`[*]`, the fixable count)
    unsafe_fixes: bool = False
    # `--fix` ran: the diagnostics are the remaining ones and `fixed` were applied and written
    fixing: bool = False
    fixed: int = 0
    # `-q`: the diagnostics only, no summary or hints
    quiet: bool = False
    cwd: str = field(default_factory=os.getcwd)


def is_applicable(fix: Optional[Fix], unsafe_fixes: bool) -> bool:
    """Whether `--fix` (with `--unsafe-fixes` when given) would apply this fix (ruff's `[*]`)."""
    if fix is None:
        return False
    return fix.applicability is Applicability.SAFE or unsafe_fixes


def display_path(path: str, cwd: str) -> str:
    """The path relative to the working directory when it lies under it, else as given."""
    if path == "-":
        return path
    absolute = os.path.abspath(path)
    base = os.path.join(os.path.abspath(cwd), "")
    if absolute.startswith(base):
        return os.path.relpath(absolute, cwd)
    return os.path.normpath(path)


def gather_diagnostics(files: Sequence[FileResult]) -> List[Diagnostic]:
    return sorted((d for f in files for d in f.diagnostics), key=lambda d: d.sort_key)


def gather_texts(files: Sequence[FileResult]) -> Dict[str, str]:
    """Path -> the text the diagnostics' positions refer to (the fixed text after `--fix`)."""
    texts = {}
    for result in files:
        if result.fixed_source is not None:
            texts[result.path] = result.fixed_source
        elif result.source is not None:
            texts[result.path] = result.source.text
    return texts


def write_report(
    fmt: str, files: Sequence[FileResult], options: ReportOptions, out: TextIO
) -> None:
    """Write the diagnostics of `files` (and, for text formats, the summary) to `out`."""
    if fmt == "json":
        from bglint.reporters import json as json_reporter

        json_reporter.write(gather_diagnostics(files), out)
        return
    if fmt in MACHINE_FORMATS:
        import importlib

        module = importlib.import_module(f"bglint.reporters.{fmt}")
        module.write(gather_diagnostics(files), options, out)
        return
    from bglint.reporters import text

    if fmt == "full":
        text.write_full(gather_diagnostics(files), gather_texts(files), options, out)
    elif fmt == "concise":
        text.write_concise(gather_diagnostics(files), options, out)
    else:
        raise ValueError(f"unknown output format: {fmt}")
    if not options.quiet:
        text.write_summary(gather_diagnostics(files), options, out)


def write_statistics(
    fmt: str, files: Sequence[FileResult], options: ReportOptions, out: TextIO
) -> None:
    from bglint.reporters import statistics

    rows = statistics.count(gather_diagnostics(files), options.unsafe_fixes)
    if fmt == "json":
        statistics.write_json(rows, out)
    else:
        statistics.write_text(rows, out)
