"""`--output-format github`: GitHub Actions workflow commands, one `::error` annotation per
finding, so the findings show on the pull request's changed lines (ruff's layout):

    ::error title=bglint (BG101),file=app.py,line=9,col=20,endLine=9,endColumn=38::app.py:9:20: BG101 ...

Property values escape `%`, CR, LF, `:` and `,`; the message escapes `%`, CR and LF, as the
workflow-command syntax requires. Paths are relative to the working directory (the checkout).
"""

from __future__ import annotations

from typing import Sequence, TextIO

from bglint.diagnostics import Diagnostic
from bglint.reporters import ReportOptions, display_path


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(diagnostic: Diagnostic, cwd: str) -> str:
    path = display_path(diagnostic.path, cwd)
    start, end = diagnostic.start, diagnostic.end
    properties = ",".join(
        f"{key}={escape_property(str(value))}"
        for key, value in (
            ("title", f"bglint ({diagnostic.code})"),
            ("file", path),
            ("line", start.row),
            ("col", start.column),
            ("endLine", end.row),
            ("endColumn", end.column),
        )
    )
    text = f"{path}:{start.row}:{start.column}: {diagnostic.code} {diagnostic.message}"
    return f"::error {properties}::{escape_data(text)}"


def write(diagnostics: Sequence[Diagnostic], options: ReportOptions, out: TextIO) -> None:
    for diagnostic in diagnostics:
        out.write(annotation(diagnostic, options.cwd) + "\n")
