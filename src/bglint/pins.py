"""What a project's FastAPI version range is read from, as a cheap fingerprint for the cache.

`versions.allowed_range` parses pins with `packaging` and `tomllib`; a cached run must not pay
for that (nor for `importlib.metadata`) to learn that nothing changed. The range depends only on
the config setting (part of the cache's settings key), the pin files in the folders from the
file's own up to the project root (the same walk, the same file names), and the FastAPI
installed where bglint runs. Their stats and the installed distribution's name stand in for
them: when none changed, neither did the range.
"""

from __future__ import annotations

import glob
import os
import sys
from functools import lru_cache
from typing import List, Tuple

from bglint.roots import PROJECT_MARKERS

PIN_FILES = ("pyproject.toml", "uv.lock", "poetry.lock")


def _stat(path: str) -> Tuple[int, int]:
    try:
        info = os.stat(path)
    except OSError:
        return (0, -1)
    return info.st_mtime_ns, info.st_size


def fingerprint(path: str) -> str:
    return _folder(os.path.dirname(os.path.abspath(path))) + "|" + _installed()


@lru_cache(maxsize=None)
def _folder(folder: str) -> str:
    """The pin files of `folder` and of its parents up to the project root (each folder is
    looked at once per run, however many folders below it hold files with sites)."""
    parts: List[str] = []
    names = list(PIN_FILES) + sorted(glob.glob(os.path.join(folder, "requirements*.txt")))
    for name in names:
        full = os.path.join(folder, name)
        stat = _stat(full)
        if stat[1] >= 0:
            parts.append(f"{full}:{stat[0]}:{stat[1]}")
    parent = os.path.dirname(folder)
    if parent != folder and not any(
        os.path.exists(os.path.join(folder, m)) for m in PROJECT_MARKERS
    ):
        parts.append(_folder(parent))
    return ";".join(parts)


@lru_cache(maxsize=1)
def _installed() -> str:
    """The `fastapi-X.Y.Z.dist-info` (or `.egg-info`) folders on `sys.path`."""
    found = []
    for entry in sys.path:
        if not entry:
            continue
        try:  # one listing, names compared as strings: `glob` matched each of site-packages'
            names = os.listdir(entry)  # entries against two patterns (5 ms a run)
        except OSError:  # missing, a file (a zip), unreadable
            continue
        found.extend(
            name
            for name in names
            if name.startswith("fastapi-") and name.endswith((".dist-info", ".egg-info"))
        )
    return ",".join(sorted(found))


def forget() -> None:
    """A new run stats the pin files again."""
    _folder.cache_clear()
    _installed.cache_clear()
