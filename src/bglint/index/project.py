"""The project's other files, for facts no single module holds: who uses a dependency, which
exception classes have a handler, whether some `Depends` says `scope="function"`.

A rule asks only when it already has a candidate finding, so the scan is rare: the project's
files (found as a run finds them: `.gitignore` and ruff's default excludes respected) are
listed once per run, their bytes tested for a few words (as the prefilter does), and only the
files that hold every word are summarised. A project of more than `MAX_FILES` files is not
scanned (None): the rule then knows only the modules summarised so far.
"""

from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING, Callable, List, Optional, Tuple

from bglint.index.facts import ModuleSummary
from bglint.index.modules import find_project_root, search_roots

if TYPE_CHECKING:  # pragma: no cover
    from bglint.index import Index

MAX_FILES = 5000

# A further test of a file's bytes (with the words asked for) before it is summarised.
ByteTest = Callable[[bytes, Tuple[bytes, ...]], bool]

_DEPENDS_CALL = re.compile(rb"(?:Depends|Security)\s*\(")
# what the summary reads as its target (index/summary.py `_record_dependency`) when the call
# starts with it: `Depends()`, `Depends(get_db)`, `Depends(deps.get_db, use_cache=False)`
_PLAIN_TARGET = re.compile(rb"\s*(?:\)|(?:[A-Za-z_]\w*\s*\.\s*)*([A-Za-z_]\w*)\s*[,)])")
_DEPENDENCY_KEYWORD = re.compile(rb"\bdependency\s*=")


def may_name_dependency(raw: bytes, words: Tuple[bytes, ...]) -> bool:
    """Whether some `Depends(...)` / `Security(...)` in the file can name `words[0]`: never
    false when the summary would record such a dependency. Each call is read only when its
    target is a plain dotted name right after the parenthesis; any other shape (a comment
    there, `dependency=`, parentheses, a non-ASCII name) answers yes."""
    if _DEPENDENCY_KEYWORD.search(raw):
        return True
    for call in _DEPENDS_CALL.finditer(raw):
        target = _PLAIN_TARGET.match(raw, call.end())
        if target is None or target.group(1) == words[0]:
            return True
    return False


def _root(near: ModuleSummary) -> str:
    return find_project_root(os.path.dirname(near.path)) or search_roots(near.path)[0]


def project_files(index: "Index", near: ModuleSummary) -> Optional[Tuple[str, ...]]:
    """The `.py` files of the project that holds `near`, or None when there are too many."""
    key = ("project-files", _root(near))
    if key not in index.memo:
        from bglint.discovery import discover

        files = discover([key[1]])
        found = tuple(os.path.abspath(f) for f in files)
        index.memo[key] = found if len(found) <= MAX_FILES else None
    return index.memo[key]


def modules_mentioning(
    index: "Index", near: ModuleSummary, words: Tuple[bytes, ...], test: Optional[ByteTest] = None
) -> Optional[List[ModuleSummary]]:
    """The summaries of the project's files whose text holds every one of `words` (and, for a
    file not summarised yet, passes `test`: a parse saved). A file already summarised in this
    run keeps its summary and is tested in its summarised text (during `--fix` the fixed text;
    from stdin a file that may not be on disk at all)."""
    files = project_files(index, near)
    if files is None:
        return None
    key = ("project-modules", _root(near), words, test)
    if key not in index.memo:
        known = {summary.path: summary for summary in index.summaries()}
        found = []
        # the modules already summarised come first, tested in the text they were summarised
        # from (stdin, an editor's buffer, a `--fix` pass); then the rest of the project's files
        for summary in known.values():
            text = index.text_of(summary) or ""
            if _in_project(summary.path, key[1]) and all(w.decode() in text for w in words):
                found.append(summary)
        for path in files:
            if path not in known:
                summary = _summary(index, path, words, test)
                if summary is not None:
                    found.append(summary)
        index.memo[key] = found
    # the runner's cache: this file's result depends on them (a file that starts to mention
    # the words later is not seen until the cache entry goes for another reason)
    index.touched.update(summary.path for summary in index.memo[key])
    return index.memo[key]


def _in_project(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def _summary(
    index: "Index", path: str, words: Tuple[bytes, ...], test: Optional[ByteTest]
) -> Optional[ModuleSummary]:
    from bglint.source import SourceError, decode_source

    try:
        with open(path, "rb") as handle:
            raw = handle.read()
        if not all(word in raw for word in words) or (test is not None and not test(raw, words)):
            return None
        return index.add(path, decode_source(raw, path).text)
    except (OSError, SourceError, SyntaxError, ValueError, RecursionError, MemoryError):
        return None
