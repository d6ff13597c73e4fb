"""Writing fixed files and showing what `--fix` would change (design.md §4).

A write is atomic (a temp file in the same folder, then `os.replace`), keeps the file's mode,
encoding, BOM and line endings (the engine's text keeps them; `SourceFile.encode` restores the
rest), and is refused rather than risked: a symlink that leaves the linted tree, a read-only
file, a file that changed on disk since bglint read it, bytes that do not parse, or a file whose
encoding would not write back the bytes it was read from (the fix would change other lines).
"""

from __future__ import annotations

import ast
import contextlib
import difflib
import os
import stat
import tempfile
import warnings
from typing import List, Optional, Sequence, Tuple

from bglint.diagnostics import FileResult
from bglint.edits import split_lines
from bglint.source import SourceFile


class WriteRefused(Exception):
    """A fixed file that was not written; `str(err)` is a one-line reason."""


def _is_within(path: str, roots: Sequence[str]) -> bool:
    return any(path == root or path.startswith(os.path.join(root, "")) for root in roots)


def linted_roots(paths: Sequence[str]) -> List[str]:
    """The folders a run covers: each folder given, and the folder of each file given."""
    roots = []
    for path in paths:
        folder = path if os.path.isdir(path) else os.path.dirname(os.path.abspath(path))
        roots.append(os.path.realpath(folder))
    return roots


def _parses(data: bytes) -> bool:
    """The last check before a write. With the collector paused: the run's results are alive
    by now, and `ast.parse` of a 4 MB module took 9.0 s with full collections walking them,
    3.2 s without."""
    from bglint.workers import gc_paused

    try:
        with warnings.catch_warnings(), gc_paused():
            warnings.simplefilter("ignore")
            ast.parse(data)  # bytes: Python honours the BOM and coding cookie itself
    except (SyntaxError, ValueError):
        return False
    return True


def write_fixed(
    path: str,
    data: bytes,
    *,
    expected: Optional[bytes] = None,
    roots: Optional[Sequence[str]] = None,
) -> bool:
    """Replace the file at `path` with `data`; True when written, False when already equal.

    `expected` is the content the fix was computed from: a file that no longer holds it changed
    on disk since, and is left alone. A symlink is written through to its target only when the
    target lies under one of `roots`. Raises `WriteRefused` instead of writing anything risky.
    """
    target = os.path.realpath(path)
    if os.path.islink(path) and roots is not None and not _is_within(target, roots):
        raise WriteRefused(f"symlink to {target}, outside the linted tree; not fixed")
    try:
        info = os.stat(target)
        with open(target, "rb") as handle:
            current = handle.read()
    except OSError as err:
        raise WriteRefused(
            f"cannot read it again before writing: {err.strerror or err}; not fixed"
        ) from None
    if expected is not None and current != expected:
        raise WriteRefused("changed on disk since bglint read it; not fixed (run again)")
    if current == data:
        return False
    if not info.st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH) or not os.access(
        target, os.W_OK
    ):
        raise WriteRefused("file is read-only; not fixed")
    if not _parses(data):
        raise WriteRefused(
            "the fixed code does not parse; not fixed (a bglint bug: please report it)"
        )
    folder, name = os.path.split(target)
    try:
        handle, temp = tempfile.mkstemp(prefix=f".{name}.", suffix=".bglint-tmp", dir=folder)
    except OSError as err:
        raise WriteRefused(
            f"cannot create a temporary file beside it: {err.strerror or err}; not fixed"
        ) from None
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temp, stat.S_IMODE(info.st_mode))
        if hasattr(os, "chown"):
            # only root may give a file away; the mode is kept either way
            with contextlib.suppress(OSError):
                os.chown(temp, info.st_uid, info.st_gid)
        os.replace(temp, target)
    except OSError as err:
        if os.path.exists(temp):
            os.unlink(temp)
        raise WriteRefused(f"cannot write: {err.strerror or err}; not fixed") from None
    return True


def fixed_bytes(result: FileResult) -> Optional[bytes]:
    """The bytes `--fix` would write for this file, or None when it has nothing to write or
    cannot write it without changing other bytes (`check_write_back`; stdin and `--diff` use
    this too, so they show no change that `--fix` would refuse)."""
    if result.fixed_source is None or result.source is None:
        return None
    if check_write_back(result.source) is not None:
        return None
    data = result.source.encode(result.fixed_source)
    return None if data == result.source.raw else data


def check_write_back(source: SourceFile) -> Optional[str]:
    """Why writing `source` back would change bytes no fix touched; None when it would not."""
    encoding = source.encoding
    if not source.lossless:
        return (
            f"its comments hold bytes that are not valid {encoding}, which a write would "
            f"replace; not fixed (re-save the file as {encoding})"
        )
    if source.encode(source.text) != source.raw:  # UTF-7: one text, several spellings
        return f"{encoding} does not write back the bytes read; not fixed"
    return None


def write_results(
    results: Sequence[FileResult], roots: Sequence[str]
) -> Tuple[List[FileResult], List[Tuple[FileResult, str]]]:
    """Write every fixed file; return the results written and (result, reason) for refusals."""
    written, refused = [], []
    for result in results:
        if result.fixed_source is not None and result.source is not None:
            reason = check_write_back(result.source)
            if reason is not None:
                refused.append((result, reason))
                continue
        data = fixed_bytes(result)
        if data is None:
            continue
        try:
            if write_fixed(result.path, data, expected=result.source.raw, roots=roots):
                written.append(result)
        except WriteRefused as err:
            refused.append((result, str(err)))
    return written, refused


def unified_diff(path: str, old_text: str, new_text: str) -> str:
    """A unified diff of one file (`--- path` / `+++ path`, as ruff prints it); '' when equal.

    Lines split where Python splits them, and keep their endings, so a CRLF file's diff shows
    CRLF lines; a last line without a newline is marked as `diff` marks it."""
    if old_text == new_text:
        return ""
    old, new = _diff_lines(old_text), _diff_lines(new_text)
    return "".join(difflib.unified_diff(old, new, fromfile=path, tofile=path))


def _diff_lines(text: str) -> List[str]:
    lines = split_lines(text)
    if lines and not lines[-1].endswith(("\n", "\r")):
        lines[-1] += "\n\\ No newline at end of file\n"
    return lines
