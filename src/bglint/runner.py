"""The engine behind every face: discover, prefilter, index, views, rules, noqa, fixes.

`import libcst` (0.2 s) happens only when a file holds a site that an enabled rule reads; a
file the prefilter rejects is never decoded or parsed.

One file never stops the run: an unexpected exception while analysing it becomes a BG000
finding on that file ("internal error", with the exception and where to report it), and so does
a file whose analysis runs past `FILE_TIME_LIMIT`. A file that is not a regular file (a FIFO, a
device) is skipped without being opened for a blocking read.
"""

from __future__ import annotations

import os
import stat
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Dict, List, Mapping, Optional, Sequence, Set, Tuple

from bglint import catalogue, findings, noqa, workers
from bglint.config import per_file_ignored
from bglint.diagnostics import Diagnostic, FileResult, Fix
from bglint.discovery import UsageError, discover
from bglint.edits import apply_fixes, split_lines
from bglint.prefilter import may_hold_site, words_for
from bglint.settings import FixMode, Settings, enabled_codes
from bglint.source import (
    MAX_FILE_BYTES,
    SourceError,
    SourceFile,
    decode_source,
    is_binary,
    read_source,
)

if TYPE_CHECKING:  # pragma: no cover
    import ast

    from bglint.cache import Cache
    from bglint.index import Index

Stat = Tuple[int, int]  # bglint.cache.Stat, which a run without the cache never imports

__all__ = ["RunResult", "UsageError", "Engine", "check_files", "check_paths", "check_source"]

_MAX_FIX_PASSES = 10

# Seconds one file may take. Checked between steps (after the `ast` summary, before each view,
# before each fix pass), never by interrupting one, so no state is left half-built and it works
# in any thread and on any OS. A step is bounded by size: the `ast` summary by the 16 MiB file
# cap (a 12 MB dict literal: 13 s), one view by MAX_VIEW_CHARS (LibCST and position metadata grow
# faster than linearly: a 48 KiB function with a finding takes 1 s, 127 KiB 3 s, 259 KiB 9 s,
# 1.1 MB 70 s). Measured on CPython 3.11, 2 cores: every file of the smoke corpus (bench/smoke.py)
# takes under a second, and a 7 MB generated module of 20,000 endpoints that each hold a site
# takes 30 s in full, so it stops at the limit with one BG000 finding.
FILE_TIME_LIMIT = 20.0
MAX_VIEW_CHARS = 128 * 1024
INTERNAL_ERROR, REPORT_URL = findings.INTERNAL_ERROR, findings.REPORT_URL
BINARY_SKIP = "binary file (contains a NUL byte); skipped"


class _OverTime(Exception):
    """The current file ran past the engine's time limit (raised at a step boundary)."""


@dataclass
class RunResult:
    """Every file's result, in the order of the files."""

    files: List[FileResult] = field(default_factory=list)

    @property
    def diagnostics(self) -> List[Diagnostic]:
        found = [d for f in self.files for d in f.diagnostics]
        return sorted(found, key=lambda d: d.sort_key)


def _is_suppressed(diagnostic: Diagnostic, lines: Sequence[str]) -> bool:
    """flake8's rule: a bare `# noqa` silences the line, `# noqa: BG1, BG203` matches by prefix."""
    if diagnostic.start.row > len(lines):
        return False
    return noqa.is_suppressed(diagnostic.code, lines[diagnostic.start.row - 1])


class Engine:
    """One run: the settings, the shared index, and the rules (loaded on first need)."""

    def __init__(
        self,
        settings: Settings,
        time_limit: Optional[float] = FILE_TIME_LIMIT,
        cache: Optional["Cache"] = None,
    ) -> None:
        self.settings = settings
        self.cache = cache  # consulted for plain checks only, never when fixing
        self.time_limit = time_limit  # seconds per file; None: no limit
        self._deadline: Optional[float] = None
        self._index: Optional["Index"] = None
        self.codes = enabled_codes(catalogue.rule_names(), settings)
        self._rules: Optional[list] = None
        # what the stages did, for the benchmark (bench/run.py)
        self.views_built = 0
        self.view_bytes = 0  # source handed to LibCST
        self.files_passed = 0  # by the prefilter
        self.seconds: Dict[str, float] = defaultdict(float)  # per stage
        table = catalogue.SITE_KINDS
        self.kinds = frozenset(kind for code in self.codes for kind in table.get(code, ()))
        self._words = words_for(self.kinds)

    @property
    def index(self) -> "Index":
        """The run's project index, made on first need: a run the cache answers has none."""
        if self._index is None:
            from bglint.index import Index

            self._index = Index(self.settings.blocking_calls, self.settings.durable_calls)
            self._index.fastapi_version = self.settings.fastapi_version  # version-aware rules
            if self.cache is not None:
                self._index.summary_store = self.cache.summaries
        return self._index

    @property
    def rules(self) -> list:
        if self._rules is None:
            started = time.perf_counter()
            from bglint.rules import ALL_RULES  # imports LibCST

            self.seconds["import libcst and rules"] += time.perf_counter() - started
            self._rules = [
                rule() for rule in ALL_RULES if rule.code in self.codes and rule.code != "BG000"
            ]
        return self._rules

    # -- one file ----------------------------------------------------------------------------
    def check_file(self, path: str) -> FileResult:
        result, raw, file_stat = self.prepare(path)
        if result is not None:
            return result
        self.index.touched = set()
        result = self.check_bytes(raw, path)
        self.remember(path, file_stat, result, self.index.touched)
        return result

    def prepare(self, path: str) -> Tuple[Optional[FileResult], Optional[bytes], Optional[Stat]]:
        """A file's result when it needs no analysis (cached, unreadable, binary, rejected by
        the prefilter); otherwise its bytes, for `check_bytes` here or in a worker, and the
        stat to `remember` the result under."""
        result, raw, file_stat = self.cached(path)
        if result is not None:
            return result, None, file_stat
        result, raw = self.triage(path, raw, file_stat)
        return result, raw, file_stat

    def cached(self, path: str) -> Tuple[Optional[FileResult], Optional[bytes], Optional[Stat]]:
        """The cached result, or the bytes read to decide there is none; and the file's stat
        (None when not caching)."""
        if self.cache is None or self.settings.fix_mode is not FixMode.NONE:
            return None, None, None
        file_stat = self.cache.stat_of(path)
        if file_stat is None:
            return None, None, None
        result, raw = self._from_cache(path, file_stat)
        return result, raw, file_stat

    def triage(
        self, path: str, raw: Optional[bytes], file_stat: Optional[Stat]
    ) -> Tuple[Optional[FileResult], Optional[bytes]]:
        """An uncached file: its result when it needs no analysis, else its bytes."""
        if raw is None:
            try:
                raw = _read_regular_file(path)
            except OSError as err:
                result = FileResult(path, skipped=f"cannot read: {err.strerror or err}")
                return self.remember(path, file_stat, result, set()), None
        if raw is None:
            result = FileResult(
                path, skipped="not a regular file (a FIFO, socket or device); skipped"
            )
            return self.remember(path, file_stat, result, set()), None
        binary = is_binary(raw)
        if not binary and self.kinds and may_hold_site(raw, self.kinds, self._words):
            return None, raw
        if binary or not self.settings.report_unused_noqa:
            # no site can be here, so nothing to report: the answer `check_bytes` would give,
            # without running the prefilter a second time (a third of a large run's read pass)
            result = FileResult(path, skipped=BINARY_SKIP if binary else None)
            return self.remember(path, file_stat, result, set()), None
        result = self.check_bytes(raw, path)  # no site, but its noqa comments are all unused
        return self.remember(path, file_stat, result, set()), None

    def _from_cache(
        self, path: str, file_stat: Stat
    ) -> Tuple[Optional[FileResult], Optional[bytes]]:
        """The cached result, and the bytes when they had to be read to decide."""
        raw = None
        entry = self.cache.lookup(path, file_stat, None, self._versions_of)
        if entry is None and self.cache.has_digest(path):
            try:  # touched but maybe unchanged (a checkout): the content hash decides
                raw = _read_regular_file(path)
            except OSError:
                raw = None
            if raw is not None:
                entry = self.cache.lookup(path, file_stat, raw, self._versions_of)
                if entry is not None:
                    entry.stat = file_stat
                    self.cache.changed = True
        if entry is None:
            return None, raw
        found = [replace(d, path=path) for d in entry.diagnostics]
        result = FileResult(path, diagnostics=found, skipped=entry.skipped)
        if found:  # reporters show code frames: read back only files with findings
            try:
                result.source = read_source(path)
            except SourceError:
                pass
        return result, None

    def remember(
        self, path: str, file_stat: Optional[Stat], result: FileResult, touched: Set[str]
    ) -> FileResult:
        """Store a fresh result in the cache, keyed by the modules its analysis looked up."""
        source = result.source
        if self.cache is None or file_stat is None:
            return result
        if source is None or result.skipped is None:
            raw = source.raw if source is not None else None
            versions = self._versions_of(path) if source is not None else None
            self.cache.store(
                path, file_stat, raw, result.diagnostics, result.skipped, versions, touched
            )
        return result

    def _versions_of(self, path: str) -> str:
        """What the FastAPI range a file with sites is checked under comes from: part of its
        cache key (the config setting is in the settings key)."""
        from bglint.pins import fingerprint

        return fingerprint(path)

    def check_bytes(self, raw: bytes, path: str) -> FileResult:
        """Lint one file's bytes. Never raises for a problem of this file (see the module doc)."""
        if self.time_limit is not None:
            self._deadline = time.monotonic() + self.time_limit
        try:
            self.silenced: List[Tuple[int, str]] = []  # (row, code) that a noqa comment silenced
            result = self._check_bytes(raw, path)
            if self.settings.report_unused_noqa:
                ignored = per_file_ignored(path, self.settings)
                noqa.record_unused(result, raw, self.silenced, self.codes, ignored)
            return result
        except _OverTime:
            return FileResult(path, diagnostics=[findings.over_time(path, self.time_limit or 0)])
        except Exception as err:  # one file's failure must not end the run
            return FileResult(path, diagnostics=[findings.internal_error(path, err)])
        finally:
            self._deadline = None

    def _check_time(self) -> None:
        if self._deadline is not None and time.monotonic() > self._deadline:
            raise _OverTime

    def _check_bytes(self, raw: bytes, path: str) -> FileResult:
        if is_binary(raw):
            return FileResult(path, skipped=BINARY_SKIP)
        if not self.kinds or not may_hold_site(raw, self.kinds, self._words):
            return FileResult(path)
        self.files_passed += 1
        try:
            source = decode_source(raw, path)
        except SourceError as err:
            return FileResult(path, diagnostics=[findings.syntax_error(path, 1, 1, str(err))])
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
            self._check_time()
            fixes = [d.fix for d in diagnostics if self._applies(d.fix)]
            if not fixes:
                break
            new_text, count, tree = apply_fixes(text, fixes)
            if count == 0 or new_text == text:
                break
            text, result.fixes_applied = new_text, result.fixes_applied + count
            diagnostics = self.analyse(source.path, text, tree)
        if text != source.text:
            result.fixed_source = text
        result.diagnostics = diagnostics
        return result

    def _applies(self, fix: Optional[Fix]) -> bool:
        if fix is None:
            return False
        return fix.applicability.value == "safe" or self.settings.fix_mode is FixMode.UNSAFE

    def analyse(self, path: str, text: str, tree: Optional[ast.Module] = None) -> List[Diagnostic]:
        """Findings for one decoded file, `per-file-ignores` and noqa applied, sorted. `tree`:
        the text's `ast` tree when the caller has it (a fix's re-parse check made it)."""
        ignored = per_file_ignored(path, self.settings)
        self.silenced = []
        if ignored and all(code.startswith(ignored) for code in self.codes):
            return []
        return [d for d in self._analyse(path, text, tree) if not d.code.startswith(ignored)]

    def _analyse(self, path: str, text: str, tree: Optional[ast.Module]) -> List[Diagnostic]:
        from bglint.index.gates import holders_to_view

        try:
            summary = self.index.add(path, text, tree)
        except SyntaxError as err:
            message = f"SyntaxError: {err.msg}"
            return [findings.syntax_error(path, err.lineno or 1, err.offset or 1, message)]
        except ValueError as err:  # source code string cannot contain null bytes
            return [findings.syntax_error(path, 1, 1, f"cannot parse: {err}")]
        except MemoryError:  # CPython's parser stack overflows (`lambda: ` * 3000); so does import
            message = (
                "too deeply nested for Python's parser (MemoryError); Python cannot compile it"
            )
            return [findings.syntax_error(path, 1, 1, message)]
        holders = holders_to_view(self.index, summary, self.kinds)
        if not holders:
            return []
        lines = split_lines(text)
        found = []
        for holder in holders:
            self._check_time()
            size = sum(len(line) for line in lines[holder.start_line - 1 : holder.end_line])
            if size > MAX_VIEW_CHARS:
                found.append(findings.view_too_large(path, holder, size, MAX_VIEW_CHARS))
                continue
            try:
                found.extend(self._check_holder(path, lines, summary, holder))
            except Exception as err:  # LibCST and the walks recurse: one holder, not the file
                if not _out_of_stack(err):
                    raise
                self.index.forget_unfinished()
                found.append(findings.too_deep(path, holder))
        self.silenced = [(d.start.row, d.code) for d in found if _is_suppressed(d, lines)]
        found = [d for d in found if not _is_suppressed(d, lines)]
        return sorted(set(found), key=lambda d: d.sort_key)

    def _check_holder(self, path, lines, summary, holder) -> List[Diagnostic]:
        rules = self.rules  # imports LibCST and the rules on first need
        import libcst as cst

        from bglint.model import build_view

        started = time.perf_counter()
        try:
            view = build_view(path, lines, summary, holder, self.index)
        except cst.ParserSyntaxError as err:
            row = holder.start_line + max(err.raw_line - (2 if holder.indented else 1), 0)
            message = f"LibCST cannot parse this function ({err.message}); it was not analysed"
            return [findings.syntax_error(path, row, err.raw_column + 1, message)]
        built = time.perf_counter()
        self.views_built += 1
        self.view_bytes += sum(len(line) for line in lines[holder.start_line - 1 : holder.end_line])
        found = [finding for rule in rules for finding in rule.check(view, self.index)]
        checked = time.perf_counter()
        self.seconds["views"] += built - started
        self.seconds["rules"] += checked - built
        if not found:
            return []
        diagnostics = list(findings.to_diagnostics(view, found))
        self.seconds["positions and fixes"] += time.perf_counter() - checked
        return diagnostics


def _out_of_stack(err: Optional[BaseException]) -> bool:
    """A RecursionError, or an error raised while one unwound: LibCST's position codegen turns
    it into a KeyError in a context manager's cleanup."""
    seen = 0
    while err is not None and seen < 8:
        if isinstance(err, RecursionError):
            return True
        err, seen = err.__cause__ or err.__context__, seen + 1
    return False


def _read_regular_file(path: str) -> Optional[bytes]:
    """The file's bytes, or None when it is not a regular file. Opened non-blocking and checked
    with `fstat`, so a FIFO named `x.py` cannot hang the run, even if it replaced the file after
    discovery; at most `MAX_FILE_BYTES + 1` bytes are read (`decode_source` rejects more)."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    with open(fd, "rb", closefd=True) as handle:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        return handle.read(MAX_FILE_BYTES + 1)


def start_run() -> None:
    """Forget what the file system looked like in an earlier run of this process (an editor,
    the flake8 plugin, tests): file existence, project roots and version pins are memoised
    for one run only."""
    from bglint import pins, roots

    roots.find_project_root.cache_clear()
    pins.forget()
    modules = sys.modules.get("bglint.index.modules")  # not imported yet: nothing to forget
    if modules is not None:
        for memo in (modules._isfile, modules._package_root, modules.module_name):
            memo.cache_clear()
        modules.search_roots.cache_clear()
    versions = sys.modules.get("bglint.versions")
    if versions is not None:
        versions.forget_pins()


def _cache_for(settings: Settings, use_cache: bool) -> Optional["Cache"]:
    if not use_cache or settings.fix_mode is not FixMode.NONE:
        return None
    from bglint.cache import Cache  # pickle and hashlib: 9 ms a run without the cache saves

    return Cache.for_run(repr(settings))


def check_paths(
    paths: Sequence[str], settings: Settings, use_cache: bool = False, jobs: int = 1
) -> RunResult:
    """Lint files and folders; raises UsageError when a given path does not exist."""
    files = discover(paths)
    return check_files(files, {path: settings for path in files}, use_cache, jobs)


def check_files(
    files: Sequence[str],
    settings_of: Mapping[str, Settings],
    use_cache: bool = False,
    jobs: int = 1,
) -> RunResult:
    """Lint discovered files, each with its own settings (`config.plan_run`: the nearest
    configuration of each file); one engine, and so one index, per distinct settings and
    process. Cached files and files the prefilter rejects are answered here; the rest are
    analysed here or, when there is enough of them, in `jobs` worker processes (bglint.workers).
    The results are the same either way, in the order of `files`."""
    start_run()
    engines: Dict[Settings, Engine] = {}

    def engine_of(settings: Settings) -> Engine:
        if settings not in engines:
            engines[settings] = Engine(settings, cache=_cache_for(settings, use_cache))
        return engines[settings]

    results: List[Optional[FileResult]] = [None] * len(files)
    uncached = []
    for position, path in enumerate(files):
        engine = engine_of(settings_of[path])
        result, raw, file_stat = engine.cached(path)
        if result is not None:
            results[position] = result
        else:
            uncached.append((position, path, engine, raw, file_stat))
    with workers.Workers(jobs, [path for _, path, _, _, _ in uncached]) as pool:
        for position, path, engine, raw, file_stat in uncached:
            results[position], raw = engine.triage(path, raw, file_stat)
            if raw is not None:
                pool.add((position, path, engine.settings, raw))
        with workers.gc_paused():
            outcomes = pool.analyse(engine_of)
    stats = {position: file_stat for position, _, _, _, file_stat in uncached}
    for position, result, touched in outcomes:
        engine = engine_of(settings_of[files[position]])
        results[position] = engine.remember(files[position], stats[position], result, touched)
    for engine in engines.values():
        if engine.cache is not None:
            engine.cache.save()
    return RunResult([result for result in results if result is not None])


def check_source(raw: bytes, path: str, settings: Settings) -> FileResult:
    """Lint one file's bytes (stdin, editors, the flake8 plugin) as if they were at `path`."""
    start_run()
    return Engine(settings).check_bytes(raw, path)
