"""The project root of a folder: the nearest folder up with a project marker.

Kept apart from the index so that the cache (read before anything heavy is imported) finds its
folder without importing the index.
"""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Optional

PROJECT_MARKERS = ("pyproject.toml", "setup.py", "setup.cfg", ".git")


@lru_cache(maxsize=None)
def find_project_root(folder: str) -> Optional[str]:
    current = folder
    while True:
        if any(os.path.exists(os.path.join(current, m)) for m in PROJECT_MARKERS):
            return current
        parent = os.path.dirname(current)
        if parent == current:
            return None
        current = parent
