"""The index's test of which spawn sites need a view (index/spawned.py) is never narrower than
the rules: over every fixture, dropping the spawn sites it rejects loses no finding, and it does
reject some (the near misses whose parameters hold no upload, request or yield-dependency)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bglint.discovery import discover
from bglint.index import spawned
from bglint.runner import check_files
from bglint.settings import Settings

FIXTURES = Path(__file__).parent / "fixtures"


def findings() -> list:
    files = discover([str(FIXTURES)])
    settings = Settings()
    result = check_files(files, {path: settings for path in files})
    return [(d.path, d.code, d.start.row, d.start.column, d.message) for d in result.diagnostics]


def test_rejected_spawn_sites_hold_no_finding(monkeypatch: pytest.MonkeyPatch) -> None:
    verdicts = []
    may_matter = spawned.spawn_may_matter

    def recorded(*args) -> bool:
        verdicts.append(may_matter(*args))
        return verdicts[-1]

    monkeypatch.setattr(spawned, "spawn_may_matter", recorded)
    filtered = findings()
    assert verdicts.count(False) >= 3 and verdicts.count(True) >= 5
    monkeypatch.setattr(spawned, "spawn_may_matter", lambda *args: True)
    assert findings() == filtered
    assert {code for _, code, _, _, _ in filtered} >= {"BG201", "BG202", "BG203"}
