"""Which files a run looks at: `.py` files under the given paths, as ruff would pick them.

Folders ruff excludes by default are skipped, `.gitignore` files are respected (with
`pathspec`, loaded only when a `.gitignore` exists), symlinked folders are not followed (no
loops), and a file named explicitly is always checked.
"""

from __future__ import annotations

import os
import re
from typing import Any, Callable, List, Optional, Sequence, Tuple

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


# A bare name such as `venv` or `build/` (no glob, no inner `/`) matches a path in gitignore
# syntax exactly when one of the path's parts is that name (a folder's part, for `build/`).
# ruff's default list is all bare names, so the usual run needs set look-ups, not pathspec.
_BARE_NAME = re.compile(r"[^\s!#*?\[\]\\/][^\s*?\[\]\\/]*/?")


def is_bare_name(pattern: str) -> bool:
    return bool(_BARE_NAME.fullmatch(pattern)) and pattern.rstrip("/") not in (".", "..")


class Patterns:
    """gitignore patterns, compiled once: bare names as sets, the rest with pathspec.

    With a negation (`!keep.py`) the order of the patterns decides, so all of them go to
    pathspec; without one, a path matches when any pattern does, and the sets answer first."""

    def __init__(self, patterns: Sequence[str]) -> None:
        names: List[str] = []
        folders: List[str] = []
        rest: List[str] = []
        negated = any(pattern.lstrip().startswith("!") for pattern in patterns)
        for pattern in patterns:
            if not pattern or pattern.startswith("#"):
                continue  # blank lines and comments match nothing
            if negated or not is_bare_name(pattern):
                rest.append(pattern)
            elif pattern.endswith("/"):
                folders.append(pattern[:-1])
            else:
                names.append(pattern)
        self.names = frozenset(names)  # any part of the path
        self.folders = frozenset(folders)  # any folder part of the path
        self._rest = tuple(rest)
        self._spec: object = None

    def has_bare_match(self, parts: Sequence[str], is_dir: bool) -> bool:
        """Whether a bare name matches the path made of `parts`."""
        if not self.names.isdisjoint(parts):
            return True
        if not self.folders:
            return False
        return not self.folders.isdisjoint(parts[:-1]) or (is_dir and parts[-1] in self.folders)

    def has_other_match(self, relative: str, is_dir: bool) -> bool:
        """Whether one of the patterns that are not bare names matches (`relative` uses `/`)."""
        if not self._rest:
            return False
        if self._spec is None:
            self._spec = compile_patterns(self._rest)
        spec: Any = self._spec
        return bool(spec.match_file(relative + "/" if is_dir else relative))

    def matches(self, relative: str, is_dir: bool) -> bool:
        return self.has_bare_match(relative.split("/"), is_dir) or self.has_other_match(
            relative, is_dir
        )


def _gitignore(path: str) -> Optional[Patterns]:
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return Patterns(handle.read().splitlines())
    except OSError:
        return None


# each `.gitignore` that applies: (the walked folder's path from the `.gitignore`'s folder,
# "" or "a/b/", its patterns)
Specs = List[Tuple[str, Patterns]]


def _ignored(name: str, is_dir: bool, specs: Specs) -> bool:
    return any(patterns.matches(prefix + name, is_dir) for prefix, patterns in specs)


def _is_default_excluded(path: str, is_dir: bool) -> bool:
    return is_dir and os.path.basename(path) in DEFAULT_EXCLUDES


def _walk(
    folder: str,
    specs: Specs,
    found: List[str],
    excluded: Callable[[str, bool], bool] = _is_default_excluded,
    gitignore: bool = True,
) -> None:
    """Each folder's entries are listed once; a folder that is excluded or ignored is pruned,
    so nothing under it is ever matched. Paths relative to each `.gitignore` are built by
    appending names, not recomputed per entry."""
    try:
        with os.scandir(folder) as listing:
            entries = sorted(listing, key=lambda e: e.name)
    except OSError:
        return
    if gitignore:
        for entry in entries:
            if entry.name == ".gitignore" and entry.is_file():
                spec = _gitignore(entry.path)
                if spec is not None:
                    specs = [*specs, ("", spec)]
                break
    for entry in entries:
        try:
            if entry.is_dir(follow_symlinks=False):
                if excluded(entry.path, True) or _ignored(entry.name, True, specs):
                    continue
                deeper = [(f"{prefix}{entry.name}/", spec) for prefix, spec in specs]
                _walk(entry.path, deeper, found, excluded, gitignore)
            elif entry.name.endswith(".py") and entry.is_file():
                if _ignored(entry.name, False, specs):
                    continue
                if not excluded(entry.path, False):
                    found.append(entry.path)
        except OSError:
            continue


def _outer_specs(folder: str) -> Specs:
    """`.gitignore` files of the enclosing folders up to the repository root."""
    specs: Specs = []
    top: str = os.path.abspath(folder)
    current = top
    if os.path.exists(os.path.join(current, ".git")):
        return specs
    while current:
        parent = os.path.dirname(current)
        if parent == current:
            break
        current = parent
        path = os.path.join(current, ".gitignore")
        spec = _gitignore(path) if os.path.isfile(path) else None
        if spec is not None:
            prefix = os.path.relpath(top, current).replace(os.sep, "/") + "/"
            specs.insert(0, (prefix, spec))
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
