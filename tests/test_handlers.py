"""index/handlers.py and index/project.py: which raises escape a task, and project scans."""

from __future__ import annotations

from pathlib import Path

from bglint.index import Index, project
from bglint.index.handlers import escaping_raises

TASKS = """
from fastapi import HTTPException
from external import LibError


def narrow_unrelated():
    try:
        raise HTTPException(404)
    except LibError:
        pass


def reraised():
    try:
        raise HTTPException(404)
    except HTTPException as exc:
        print(exc)
        raise exc


def caught_by_unknown(errors):
    try:
        raise HTTPException(404)
    except errors:
        pass


def in_handler():
    try:
        print("x")
    except KeyError:
        raise HTTPException(404)
"""


def summary_of(tmp_path: Path, text: str):
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'p'\n")
    path = tmp_path / "tasks.py"
    path.write_text(text)
    index = Index()
    return index, index.add(str(path), text)


def test_escaping_raises_follow_what_each_handler_keeps(tmp_path: Path) -> None:
    index, module = summary_of(tmp_path, TASKS)
    found = {
        name: [r.line for r in escaping_raises(index, module, module.functions[name])]
        for name in ("narrow_unrelated", "reraised", "caught_by_unknown", "in_handler")
    }
    assert found == {
        "narrow_unrelated": [8],  # `except LibError` cannot catch an HTTPException
        "reraised": [15],  # the handler re-raises what it caught
        "caught_by_unknown": [],  # a handler bglint cannot follow counts as catching
        "in_handler": [32],  # a raise in a handler is outside its own `try` body
    }


def test_a_project_over_the_cap_is_not_scanned(tmp_path: Path, monkeypatch) -> None:
    index, module = summary_of(tmp_path, TASKS)
    assert project.modules_mentioning(index, module, (b"HTTPException",)) == [module]
    monkeypatch.setattr(project, "MAX_FILES", 0)
    assert project.modules_mentioning(Index(), module, (b"HTTPException",)) is None
