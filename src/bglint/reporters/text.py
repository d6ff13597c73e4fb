"""The text formats: `full` (a code frame under each finding) and `concise` (one line each),
and the summary both end with, worded as ruff words it.

Lines are built as styled segments; on a terminal `rich` prints them in colour, anywhere else
they are joined as plain text (and `rich` is not imported), so piped output has no escapes.
"""

from __future__ import annotations

import unicodedata
from typing import Dict, List, Optional, Sequence, TextIO, Tuple

from bglint.diagnostics import Diagnostic
from bglint.edits import split_lines
from bglint.reporters import ReportOptions, display_path, is_applicable

Segment = Tuple[str, Optional[str]]  # text, rich style
Line = List[Segment]

_MAX_FRAME_LINES = 3
_TAB = "    "


def _header(diagnostic: Diagnostic, options: ReportOptions) -> Line:
    line: Line = [
        (display_path(diagnostic.path, options.cwd), "bold"),
        (f":{diagnostic.start.row}:{diagnostic.start.column}: ", None),
        (diagnostic.code, "bold red"),
        (" ", None),
    ]
    if is_applicable(diagnostic.fix, options.unsafe_fixes):
        line += [("[", None), ("*", "cyan"), ("] ", None)]
    line.append((diagnostic.message, None))
    return line


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def _frame(diagnostic: Diagnostic, lines: Sequence[str]) -> List[Line]:
    """The span's lines (at most three) with a caret underline, ruff-like."""
    first, last = diagnostic.start.row, max(diagnostic.end.row, diagnostic.start.row)
    if first < 1 or first > len(lines):
        return []
    shown = list(range(first, min(last, len(lines), first + _MAX_FRAME_LINES - 1) + 1))
    gutter = len(str(shown[-1]))
    bar = (" " * gutter + " |", "blue bold")
    frame: List[Line] = [[bar]]
    for row in shown:
        raw = lines[row - 1].rstrip("\r\n")
        start = diagnostic.start.column - 1 if row == first else len(raw) - len(raw.lstrip())
        end = diagnostic.end.column - 1 if row == diagnostic.end.row else len(raw)
        start = min(max(start, 0), len(raw))
        end = min(max(end, start + 1), max(len(raw), start + 1))
        frame.append([(f"{row:>{gutter}} |", "blue bold"), (" " + raw.replace("\t", _TAB), None)])
        pad = _width(raw[:start].replace("\t", _TAB))
        carets = "^" * max(_width(raw[start:end].replace("\t", _TAB)), 1)
        underline: Line = [bar, (" " + " " * pad, None), (carets, "bold red")]
        if row == shown[-1]:
            underline.append((" " + diagnostic.code, "bold red"))
        frame.append(underline)
    if last > shown[-1]:
        frame.append([(" " * gutter + " |", "blue bold"), (" ...", None)])
    frame.append([bar])
    return frame


def write_full(
    diagnostics: Sequence[Diagnostic], texts: Dict[str, str], options: ReportOptions, out: TextIO
) -> None:
    output: List[Line] = []
    split: Dict[str, List[str]] = {}
    for diagnostic in diagnostics:
        output.append(_header(diagnostic, options))
        text = texts.get(diagnostic.path)
        if text is not None:
            if diagnostic.path not in split:
                split[diagnostic.path] = split_lines(text)
            output.extend(_frame(diagnostic, split[diagnostic.path]))
        if diagnostic.fix is not None:
            output.append([("  = ", "blue bold"), ("help: ", "bold"), (diagnostic.fix.title, None)])
        output.append([])
    emit(output, out)


def write_concise(diagnostics: Sequence[Diagnostic], options: ReportOptions, out: TextIO) -> None:
    emit([_header(d, options) for d in diagnostics], out)


def _plural(count: int, word: str, suffix: str = "s") -> str:
    return f"{count} {word}{'' if count == 1 else suffix}"


def summary_lines(diagnostics: Sequence[Diagnostic], options: ReportOptions) -> List[Line]:
    """ruff's closing lines: the count, then a hint about the fixes `--fix` would apply."""
    remaining = len(diagnostics)
    lines: List[Line] = []
    if options.fixing and options.fixed > 0:
        total = options.fixed + remaining
        counts = f"({options.fixed} fixed, {remaining} remaining)"
        lines.append([(f"Found {_plural(total, 'error')} {counts}.", None)])
    elif remaining:
        lines.append([(f"Found {_plural(remaining, 'error')}.", None)])
    else:
        lines.append([("All checks passed!", None)])
    applicable = sum(1 for d in diagnostics if is_applicable(d.fix, options.unsafe_fixes))
    hidden = sum(
        1
        for d in diagnostics
        if d.fix is not None and not is_applicable(d.fix, options.unsafe_fixes)
    )
    marker: Line = [("[", None), ("*", "cyan"), ("] ", None)]
    unsafe_hint = (
        f"{_plural(hidden, 'hidden fix', 'es')} can be enabled with the `--unsafe-fixes` option"
    )
    if applicable and hidden:
        lines.append(
            marker + [(f"{applicable} fixable with the `--fix` option ({unsafe_hint}).", None)]
        )
    elif applicable:
        lines.append(marker + [(f"{applicable} fixable with the `--fix` option.", None)])
    elif hidden:
        lines.append([(f"No fixes available ({unsafe_hint}).", None)])
    return lines


def write_summary(diagnostics: Sequence[Diagnostic], options: ReportOptions, out: TextIO) -> None:
    emit(summary_lines(diagnostics, options), out)


def _is_terminal(out: TextIO) -> bool:
    isatty = getattr(out, "isatty", None)
    try:
        return bool(isatty and isatty())
    except (ValueError, OSError):  # a closed or detached stream
        return False


def emit(lines: Sequence[Line], out: TextIO) -> None:
    """Write styled lines: with `rich` colours on a terminal, as plain text otherwise."""
    if not lines:
        return
    if not _is_terminal(out):
        out.write("".join("".join(text for text, _ in line) + "\n" for line in lines))
        return
    from rich.console import Console
    from rich.text import Text

    console = Console(file=out, highlight=False, soft_wrap=True, emoji=False, markup=False)
    for line in lines:
        console.print(Text.assemble(*[(text, style or "") for text, style in line]))
