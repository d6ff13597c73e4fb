"""The codes and names of the rules, read from the rule modules' file names.

`rules/bg101_call_in_add_task.py` holds `BG101` named `call-in-add-task` (style.md §6 fixes that
naming). Reading names from the folder lets selection, `--select` validation and the cache key
know every code without importing LibCST, which the rule modules need (0.2 s on its own).
"""

from __future__ import annotations

import os
import re
from functools import lru_cache
from typing import Dict

SYNTAX_ERROR = ("BG000", "syntax-error")

_MODULE = re.compile(r"^bg(\d{3})_([a-z0-9_]+)\.py$")


@lru_cache(maxsize=1)
def rule_names() -> Dict[str, str]:
    """Code -> kebab-case name for BG000 and every rule module, in code order."""
    folder = os.path.join(os.path.dirname(os.path.abspath(__file__)), "rules")
    found = {SYNTAX_ERROR[0]: SYNTAX_ERROR[1]}
    for entry in sorted(os.listdir(folder)):
        match = _MODULE.match(entry)
        if match:
            found[f"BG{match.group(1)}"] = match.group(2).replace("_", "-")
    return found


# The site kinds (index/summary.py) each rule reads: the runner builds views only for holders of
# these kinds, so a project whose files only spawn threads never imports LibCST for BG1xx.
_TASK_SITES = ("add_task", "background_task")
SITE_KINDS: Dict[str, tuple] = {
    "BG101": _TASK_SITES,
    "BG102": ("add_task",),
    "BG103": _TASK_SITES,
    "BG104": _TASK_SITES,
    "BG105": _TASK_SITES,
    # work that runs after the request: tasks and spawned work (create_task, threads, executors)
    "BG201": _TASK_SITES + ("spawn",),
    "BG202": _TASK_SITES + ("spawn",),
    "BG203": _TASK_SITES + ("spawn",),
    "BG204": ("file_read",),
    "BG301": _TASK_SITES,
    "BG302": ("add_task",),
    "BG303": _TASK_SITES,
    "BG401": ("background_task",),
    "BG402": ("add_task",),
    "BG403": ("add_task",),
    "BG404": ("add_task",),
    "BG405": ("add_task",),
    "BG406": ("background_attr",),
    "BG501": _TASK_SITES,
}
# Every kind some rule reads: what a run of all the rules (the flake8 plugin's) prefilters for.
# `background_kw` (a call's `background=` keyword) is recorded by the index but read by no rule.
READ_KINDS = frozenset(kind for kinds in SITE_KINDS.values() for kind in kinds)
