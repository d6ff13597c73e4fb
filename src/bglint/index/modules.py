"""Module name <-> file for the project roots, found on the file system without reading files.

A file's roots are the folder above its top package (`__init__.py` chain), the project root
(nearest folder with `pyproject.toml`, `setup.py`, `setup.cfg` or `.git`), that root's `src/`
when it exists, and the file's own folder (scripts that import their siblings). Namespace
packages (folders without `__init__.py`) resolve because look-ups test paths, not packages.
"""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Optional, Tuple

from bglint.roots import PROJECT_MARKERS, find_project_root

__all__ = [
    "PROJECT_MARKERS",
    "find_module_file",
    "find_project_root",
    "module_name",
    "search_roots",
]


@lru_cache(maxsize=None)
def _isfile(path: str) -> bool:
    return os.path.isfile(path)


@lru_cache(maxsize=None)
def _package_root(folder: str) -> str:
    """The folder above the topmost package that contains `folder`."""
    current = folder
    while _isfile(os.path.join(current, "__init__.py")):
        parent = os.path.dirname(current)
        if parent == current:
            break
        current = parent
    return current


def _dotted(relative: str) -> Optional[str]:
    parts = relative.split(os.sep)
    if all(part.isidentifier() for part in parts):
        return ".".join(parts)
    return None


@lru_cache(maxsize=None)
def module_name(path: str) -> Tuple[str, bool]:
    """The dotted module name of a file and whether it is a package's `__init__.py`."""
    path = os.path.abspath(path)
    folder, filename = os.path.split(path)
    stem = filename[:-3] if filename.endswith(".py") else filename
    is_package = stem == "__init__"
    roots = []
    if _isfile(os.path.join(folder, "__init__.py")):
        roots.append(_package_root(folder))
    project = find_project_root(folder)
    if project is not None:
        roots.extend([os.path.join(project, "src"), project])
    for root in roots:
        if path.startswith(root + os.sep):
            relative = os.path.relpath(folder if is_package else path[:-3], root)
            name = _dotted(relative) if relative != "." else None
            if name:
                return name, is_package
    return (os.path.basename(folder) if is_package else stem), is_package


@lru_cache(maxsize=None)
def search_roots(path: str) -> Tuple[str, ...]:
    path = os.path.abspath(path)
    folder = os.path.dirname(path)
    roots = [_package_root(folder)]
    project = find_project_root(folder)
    if project is not None:
        roots.extend([os.path.join(project, "src"), project])
    roots.append(folder)
    unique = []
    for root in roots:
        if root not in unique and os.path.isdir(root):
            unique.append(root)
    return tuple(unique)


def find_module_file(name: str, roots: Tuple[str, ...]) -> Optional[str]:
    relative = name.replace(".", os.sep)
    for root in roots:
        for candidate in (
            os.path.join(root, relative + ".py"),
            os.path.join(root, relative, "__init__.py"),
        ):
            if _isfile(candidate):
                return candidate
    return None
