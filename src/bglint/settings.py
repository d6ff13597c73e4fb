"""Run settings: which rules run, how fixes apply, and the facts rules may read (no LibCST)."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field, replace
from typing import FrozenSet, Iterable, Optional, Tuple


class FixMode(str, enum.Enum):
    NONE = "none"
    SAFE = "safe"  # --fix
    UNSAFE = "unsafe"  # --fix --unsafe-fixes


DEFAULT_SELECT: Tuple[str, ...] = ("BG",)


@dataclass(frozen=True)
class Settings:
    """What a file is checked with: the resolved configuration (bglint.config builds it)."""

    select: Tuple[str, ...] = DEFAULT_SELECT
    extend_select: Tuple[str, ...] = ()
    ignore: Tuple[str, ...] = ()
    fix_mode: FixMode = FixMode.NONE
    # Where the settings came from, for messages and cache keys.
    fastapi_version: Optional[str] = None
    blocking_calls: Tuple[str, ...] = ()
    durable_calls: Tuple[str, ...] = ()
    # `per-file-ignores` as (gitignore glob, code prefixes), globs relative to `config_root`
    # (the configuration file's folder); the engine applies them (`config.per_file_ignored`)
    per_file_ignores: Tuple[Tuple[str, Tuple[str, ...]], ...] = ()
    config_root: Optional[str] = None
    # `--report-unused-noqa`: the engine lists noqa directives whose BG codes silenced nothing
    report_unused_noqa: bool = False
    extra: dict = field(default_factory=dict, compare=False, hash=False)

    def with_(self, **changes) -> "Settings":
        return replace(self, **changes)


def is_selector(text: str) -> bool:
    """A selector is `ALL`, `BG`, or `BG` followed by one to three digits."""
    if text == "ALL":
        return True
    return text.startswith("BG") and text[2:].isdigit() and len(text) <= 5 or text == "BG"


def matches(code: str, selector: str) -> bool:
    return selector == "ALL" or code.startswith(selector)


def _specificity(selector: str) -> int:
    return 0 if selector == "ALL" else len(selector)


def enabled_codes(all_codes: Iterable[str], settings: Settings) -> FrozenSet[str]:
    """ruff's rule: for each code, the most specific matching selector decides; on a tie,
    `ignore` wins over `select`. `extend-select` adds to `select`."""
    selects = tuple(settings.select) + tuple(settings.extend_select)
    enabled = set()
    for code in all_codes:
        best_select = max((_specificity(s) for s in selects if matches(code, s)), default=-1)
        best_ignore = max(
            (_specificity(s) for s in settings.ignore if matches(code, s)), default=-1
        )
        if best_select >= 0 and best_select > best_ignore:
            enabled.add(code)
    return frozenset(enabled)
