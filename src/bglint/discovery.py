"""Which files a run looks at: `.py` files under the given paths, as ruff would pick them.

Folders ruff excludes by default are skipped, `.gitignore` files are respected (with
`pathspec`, loaded only when a `.gitignore` exists), symlinked folders are not followed (no
loops), and a file named explicitly is always checked.
"""

from __future__ import annotations

import os
from typing import Callable, List, Optional, Sequence, Tuple

# ruff's default `exclude` list
DEFAULT_EXCLUDES = frozenset(
    {
        ".bzr", ".direnv", ".eggs", ".git", ".git-rewrite", ".hg", ".ipynb_checkpoints",
        ".mypy_cache", ".nox", ".pants.d", ".pyenv", ".pytest_cache", ".pytype", ".ruff_cache",
        ".svn", ".tox", ".venv", ".vscode", "__pypackages__", "_build", "buck-out", "dist",
        "node_modules", "site-packages", "venv", ".bglint_cache",
    }
)  # fmt: skip


class UsageError(Exception):
    """A mistake in how bglint was called (exit code 2); the message names what is wrong."""


def compile_patterns(lines: Sequence[str]):
    """gitignore `lines` as a `pathspec.GitIgnoreSpec`, which follows Git where its docs and
    Git differ (a pattern naming a file beats a later negated pattern naming its folder).

    `GitIgnoreSpec` exists from pathspec 0.10 on and takes no pattern name, so it needs neither
    `gitwildmatch` (deprecated in pathspec 1.0) nor `gitignore` (1.0's name; before 1.0 it
    named the long-deprecated `GitIgnorePattern`). A line Git ignores as invalid (`!`, a lone
    `\\`) makes pathspec raise: such lines are dropped, as Git drops them."""
    import pathspec

    try:
        return pathspec.GitIgnoreSpec.from_lines(lines)
    except ValueError:
        return pathspec.GitIgnoreSpec.from_lines(_valid_patterns(pathspec, lines))


def _valid_patterns(pathspec, lines: Sequence[str]) -> List[str]:
    valid = []
    for line in lines:
        try:
            pathspec.GitIgnoreSpec.from_lines([line])
        except ValueError:
            continue
        valid.append(line)
    return valid


def _gitignore(folder: str):
    path = os.path.join(folder, ".gitignore")
    if not os.path.isfile(path):
        return None
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            lines = handle.read().splitlines()
    except OSError:
        return None
    return compile_patterns(lines)


def _ignored(path: str, is_dir: bool, specs: Sequence[Tuple[str, object]]) -> bool:
    for base, spec in specs:
        relative = os.path.relpath(path, base).replace(os.sep, "/")
        if is_dir:
            relative += "/"
        if spec.match_file(relative):
            return True
    return False


def _is_default_excluded(path: str, is_dir: bool) -> bool:
    return is_dir and os.path.basename(path) in DEFAULT_EXCLUDES


def _walk(
    folder: str,
    specs: List[Tuple[str, object]],
    found: List[str],
    excluded: Callable[[str, bool], bool] = _is_default_excluded,
    gitignore: bool = True,
) -> None:
    spec = _gitignore(folder) if gitignore else None
    if spec is not None:
        specs = specs + [(folder, spec)]
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError:
        return
    for entry in entries:
        try:
            if entry.is_dir(follow_symlinks=False):
                if excluded(entry.path, True) or _ignored(entry.path, True, specs):
                    continue
                _walk(entry.path, specs, found, excluded, gitignore)
            elif entry.name.endswith(".py") and entry.is_file():
                if not _ignored(entry.path, False, specs) and not excluded(entry.path, False):
                    found.append(entry.path)
        except OSError:
            continue


def _outer_specs(folder: str) -> List[Tuple[str, object]]:
    """`.gitignore` files of the enclosing folders up to the repository root."""
    specs: List[Tuple[str, object]] = []
    current: Optional[str] = os.path.abspath(folder)
    if os.path.exists(os.path.join(current, ".git")):
        return specs
    while current:
        parent = os.path.dirname(current)
        if parent == current:
            break
        current = parent
        spec = _gitignore(current)
        if spec is not None:
            specs.insert(0, (current, spec))
        if os.path.exists(os.path.join(current, ".git")):
            break
    return specs


def discover(
    paths: Sequence[str],
    excluded: Callable[[str, bool], bool] = _is_default_excluded,
    respect_gitignore: bool = True,
) -> List[str]:
    """`.py` files under `paths`; `excluded(path, is_dir)` prunes the walk (the configuration's
    `exclude`; ruff's default list when none), `.gitignore` files apply unless turned off."""
    missing = [p for p in paths if not os.path.lexists(p)]
    if missing:
        raise UsageError(f"path does not exist: {missing[0]}")
    found: List[str] = []
    for path in paths:
        if os.path.isdir(path):
            outer = _outer_specs(path) if respect_gitignore else []
            _walk(path, outer, found, excluded, respect_gitignore)
        else:
            found.append(path)
    unique = list(dict.fromkeys(os.path.normpath(p) for p in found))
    return unique
