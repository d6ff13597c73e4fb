"""From what rules found in a view to diagnostics in file positions, and the BG000 findings
the engine itself makes (a file that does not parse, an internal error, a time or size limit).

Positions are resolved only for a view that produced a finding (design.md §1), and a node fix
is rendered inside the whole view, then diffed to one text edit.
"""

from __future__ import annotations

from bisect import bisect_right
from typing import Iterable, Optional, Tuple

from bglint import catalogue
from bglint.diagnostics import Diagnostic, Edit, Fix, Location, docs_url
from bglint.edits import split_lines

REPORT_URL = "https://github.com/bglint/bglint/issues"
INTERNAL_ERROR = "internal error"  # how BG000 messages for bglint's own failures begin


def syntax_error(path: str, row: int, column: int, message: str) -> Diagnostic:
    code, name = catalogue.SYNTAX_ERROR
    location = Location(max(row, 1), max(column, 1))
    return Diagnostic(code, name, message, path, location, location, url=docs_url(code, name))


def internal_error(path: str, err: BaseException) -> Diagnostic:
    detail = " ".join(str(err).split())
    detail = f"{type(err).__name__}: {detail[:120]}" if detail else type(err).__name__
    message = (
        f"{INTERNAL_ERROR} ({detail}); this file was not analysed. A bglint bug: report it "
        f"with this file at {REPORT_URL}"
    )
    return syntax_error(path, 1, 1, message)


def over_time(path: str, limit: float) -> Diagnostic:
    message = (
        f"not analysed: it takes over {limit:g} s, bglint's per-file time limit (a generated "
        "or very large file); exclude it, or report it if it is ordinary code"
    )
    return syntax_error(path, 1, 1, message)


def view_too_large(path: str, holder, size: int, limit: int) -> Diagnostic:
    what = f"`{holder.function}`" if holder.function else "this statement"
    message = (
        f"{what} is {size // 1024} KiB of source, over the {limit // 1024} KiB bglint "
        "analyses in one function (generated code?); its background work was not checked"
    )
    return syntax_error(path, holder.start_line, 1, message)


def too_deep(path: str, holder) -> Diagnostic:
    what = f"`{holder.function}`" if holder.function else "this statement"
    message = (
        f"{what} nests too deeply to analyse (Python's recursion limit: a very long chain of "
        "operators or calls?); its background work was not checked. Split that expression "
        "to have it checked"
    )
    return syntax_error(path, holder.start_line, 1, message)


def to_diagnostics(view, findings) -> Iterable[Diagnostic]:
    from bglint.model.view import positions
    from bglint.rules.base import TextFix

    node_positions = positions(view.tree)

    def span(node) -> Tuple[Location, Location]:
        code_range = node_positions[node]
        start = Location(code_range.start.line + view.line_offset, code_range.start.column + 1)
        end = Location(code_range.end.line + view.line_offset, code_range.end.column + 1)
        return start, end

    for finding in findings:
        start, end = span(finding.node)
        fix = None
        if isinstance(finding.fix, TextFix):  # edits outside the view, in file positions
            fix = Fix(finding.fix.title, finding.fix.applicability, finding.fix.edits)
        elif finding.fix is not None and _keeps_comments(view, finding.fix):
            edit = _edit_for(view, finding.fix)
            if edit is not None:
                fix = Fix(finding.fix.title, finding.fix.applicability, (edit,))
        yield Diagnostic(
            finding.code,
            finding.name,
            finding.message,
            view.path,
            start,
            end,
            fix,
            docs_url(finding.code, finding.name),
        )


def _edit_for(view, fix) -> Optional[Edit]:
    """The text edit a node fix makes, rendered inside the whole view so that indentation
    carried by the surrounding block (`ParenthesizedWhitespace(indent=True)`) stays right."""
    tree = view.tree
    for old, new in fix.replacements:
        tree = tree.deep_replace(old, new)
    before, after = view.tree.code, tree.code
    if before == after:
        return None
    prefix = 0
    limit = min(len(before), len(after))
    while prefix < limit and before[prefix] == after[prefix]:
        prefix += 1
    suffix = 0
    while suffix < limit - prefix and before[-1 - suffix] == after[-1 - suffix]:
        suffix += 1
    starts = [0]
    for line in split_lines(before):
        starts.append(starts[-1] + len(line))

    def location(offset: int) -> Location:
        row = bisect_right(starts, offset) - 1
        return Location(row + 1 + view.line_offset, offset - starts[row] + 1)

    return Edit(
        location(prefix), location(len(before) - suffix), after[prefix : len(after) - suffix]
    )


def _keeps_comments(view, fix) -> bool:
    """A fix that would drop a comment is not offered (style.md §4); the finding stays."""
    from bglint.model.walk import comments

    return all(comments(old) == comments(new) for old, new in fix.replacements)
