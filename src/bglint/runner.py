"""The engine behind every face: discover, prefilter, index, views, rules, noqa, fixes.

`import libcst` (0.2 s) happens only when a file holds a site that an enabled rule reads; a
file the prefilter rejects is never decoded or parsed.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field
from typing import Iterable, List, Optional, Sequence, Tuple

from bglint import catalogue
from bglint.diagnostics import Diagnostic, Edit, FileResult, Fix, Location, docs_url
from bglint.discovery import UsageError, discover
from bglint.edits import apply_fixes, split_lines
from bglint.index import Index
from bglint.prefilter import may_hold_site, words_for
from bglint.settings import FixMode, Settings, enabled_codes
from bglint.source import SourceError, SourceFile, decode_source, is_binary

__all__ = ["RunResult", "UsageError", "Engine", "check_paths", "check_source"]

_MAX_FIX_PASSES = 10
_NOQA = re.compile(
    r"#\s*noqa(?::[\s]?(?P<codes>[A-Z]+[0-9]+(?:[,\s]+[A-Z]+[0-9]+)*))?", re.IGNORECASE
)
_CODE = re.compile(r"[A-Z]+[0-9]+", re.IGNORECASE)


@dataclass
class RunResult:
    files: List[FileResult] = field(default_factory=list)

    @property
    def diagnostics(self) -> List[Diagnostic]:
        found = [d for f in self.files for d in f.diagnostics]
        return sorted(found, key=lambda d: d.sort_key)


def _syntax_error(path: str, row: int, column: int, message: str) -> Diagnostic:
    code, name = catalogue.SYNTAX_ERROR
    location = Location(max(row, 1), max(column, 1))
    return Diagnostic(code, name, message, path, location, location, url=docs_url(code, name))


def _is_suppressed(diagnostic: Diagnostic, lines: Sequence[str]) -> bool:
    """flake8's rule: a bare `# noqa` silences the line, `# noqa: BG1, BG203` matches by prefix."""
    if diagnostic.start.row > len(lines):
        return False
    match = _NOQA.search(lines[diagnostic.start.row - 1])
    if match is None:
        return False
    codes = match.group("codes")
    if not codes:
        return True
    return any(diagnostic.code.startswith(c.upper()) for c in _CODE.findall(codes))


class Engine:
    """One run: the settings, the shared index, and the rules (loaded on first need)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.index = Index()
        self.codes = enabled_codes(catalogue.rule_names(), settings)
        self._rules: Optional[list] = None
        self.views_built = 0
        table = catalogue.SITE_KINDS
        self.kinds = frozenset(kind for code in self.codes for kind in table.get(code, ()))
        self._words = words_for(self.kinds)

    @property
    def rules(self) -> list:
        if self._rules is None:
            from bglint.rules import ALL_RULES  # imports LibCST

            self._rules = [
                rule() for rule in ALL_RULES if rule.code in self.codes and rule.code != "BG000"
            ]
        return self._rules

    # -- one file ----------------------------------------------------------------------------
    def check_file(self, path: str) -> FileResult:
        try:
            with open(path, "rb") as handle:
                raw = handle.read()
        except OSError as err:
            return FileResult(path, skipped=f"cannot read: {err.strerror or err}")
        return self.check_bytes(raw, path)

    def check_bytes(self, raw: bytes, path: str) -> FileResult:
        if is_binary(raw):
            return FileResult(path, skipped="binary file (contains a NUL byte); skipped")
        if not self.kinds or not may_hold_site(raw, self.kinds, self._words):
            return FileResult(path)
        try:
            source = decode_source(raw, path)
        except SourceError as err:
            return FileResult(path, diagnostics=[_syntax_error(path, 1, 1, str(err))])
        try:
            return self._check_source(source)
        except RecursionError:
            reason = "too deeply nested to analyse (Python's recursion limit); skipped"
            return FileResult(path, skipped=reason, source=source)

    def _check_source(self, source: SourceFile) -> FileResult:
        result = FileResult(source.path, source=source)
        diagnostics = self.analyse(source.path, source.text)
        if self.settings.fix_mode is FixMode.NONE:
            result.diagnostics = diagnostics
            return result
        text = source.text
        for _ in range(_MAX_FIX_PASSES):
            fixes = [d.fix for d in diagnostics if self._applies(d.fix)]
            if not fixes:
                break
            new_text, count = apply_fixes(text, fixes)
            if count == 0 or new_text == text:
                break
            text, result.fixes_applied = new_text, result.fixes_applied + count
            diagnostics = self.analyse(source.path, text)
        if text != source.text:
            result.fixed_source = text
        result.diagnostics = diagnostics
        return result

    def _applies(self, fix: Optional[Fix]) -> bool:
        if fix is None:
            return False
        return fix.applicability.value == "safe" or self.settings.fix_mode is FixMode.UNSAFE

    def analyse(self, path: str, text: str) -> List[Diagnostic]:
        """Findings for one decoded file, noqa applied, sorted."""
        try:
            summary = self.index.add(path, text)
        except SyntaxError as err:
            message = f"SyntaxError: {err.msg}"
            return [_syntax_error(path, err.lineno or 1, err.offset or 1, message)]
        except ValueError as err:  # source code string cannot contain null bytes
            return [_syntax_error(path, 1, 1, f"cannot parse: {err}")]
        holders = sorted(
            {site.holder for site in summary.sites if site.kind in self.kinds},
            key=lambda h: (h.start_line, h.end_line),
        )
        if not holders:
            return []
        lines = split_lines(text)
        found = []
        for holder in holders:
            found.extend(self._check_holder(path, lines, summary, holder))
        found = [d for d in found if not _is_suppressed(d, lines)]
        return sorted(set(found), key=lambda d: d.sort_key)

    def _check_holder(self, path, lines, summary, holder) -> List[Diagnostic]:
        import libcst as cst

        from bglint.model import build_view

        try:
            view = build_view(path, lines, summary, holder, self.index)
        except cst.ParserSyntaxError as err:
            row = holder.start_line + max(err.raw_line - (2 if holder.indented else 1), 0)
            message = f"LibCST cannot parse this function ({err.message}); it was not analysed"
            return [_syntax_error(path, row, err.raw_column + 1, message)]
        self.views_built += 1
        findings = [finding for rule in self.rules for finding in rule.check(view, self.index)]
        if not findings:
            return []
        return list(_to_diagnostics(view, findings))


def _to_diagnostics(view, findings) -> Iterable[Diagnostic]:
    from libcst.metadata import MetadataWrapper, PositionProvider

    positions = MetadataWrapper(view.tree, unsafe_skip_copy=True).resolve(PositionProvider)

    def span(node) -> Tuple[Location, Location]:
        code_range = positions[node]
        start = Location(code_range.start.line + view.line_offset, code_range.start.column + 1)
        end = Location(code_range.end.line + view.line_offset, code_range.end.column + 1)
        return start, end

    for finding in findings:
        start, end = span(finding.node)
        fix = None
        if finding.fix is not None and _keeps_comments(view, finding.fix):
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
    import libcst.matchers as m

    for old, new in fix.replacements:
        before = sorted(c.value for c in m.findall(old, m.Comment()))
        after = sorted(c.value for c in m.findall(new, m.Comment()))
        if before != after:
            return False
    return True


def check_paths(paths: Sequence[str], settings: Settings) -> RunResult:
    """Lint files and folders; raises UsageError when a given path does not exist."""
    engine = Engine(settings)
    files = discover(paths)
    return RunResult([engine.check_file(path) for path in files])


def check_source(raw: bytes, path: str, settings: Settings) -> FileResult:
    """Lint one file's bytes (stdin, editors, the flake8 plugin) as if they were at `path`."""
    return Engine(settings).check_bytes(raw, path)
