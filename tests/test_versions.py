"""The FastAPI version range a project allows, from config, pins and lock files."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bglint.versions import allowed_range, poetry_specifier

BROKEN = ("0.106", "0.118")  # uploads closed before tasks run (semantics.md, Lifetimes)


def project(tmp_path: Path, files: dict) -> str:
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    (tmp_path / "app").mkdir(exist_ok=True)
    return str(tmp_path / "app" / "main.py")


@pytest.mark.parametrize(
    ("dependency", "broken"),
    [
        ("fastapi>=0.100", True),
        ("fastapi>=0.118", False),
        ("fastapi==0.110.0", True),
        ("fastapi[standard]<0.106", False),
        ("fastapi~=0.117.0", True),
        ("fastapi>=0.100,!=0.106.*,<0.106", False),
        ("fastapi", True),
    ],
)
def test_pyproject_dependencies(tmp_path: Path, dependency: str, broken: bool) -> None:
    path = project(
        tmp_path, {"pyproject.toml": f'[project]\nname = "x"\ndependencies = ["{dependency}"]\n'}
    )
    found = allowed_range(path)
    assert found.allows_between(*BROKEN) is broken
    assert dependency in found.describe()


def test_config_wins_and_a_bare_version_is_exact(tmp_path: Path) -> None:
    path = project(tmp_path, {"pyproject.toml": '[project]\ndependencies = ["fastapi>=0.100"]\n'})
    assert not allowed_range(path, "0.120.1").allows_between(*BROKEN)
    assert allowed_range(path, ">=0.110").allows_between(*BROKEN)
    assert "config" in allowed_range(path, "0.120.1").describe()


def test_poetry_table_requirements_and_locks(tmp_path: Path) -> None:
    poetry = '[tool.poetry.dependencies]\npython = "^3.11"\nfastapi = {version = "^0.110"}\n'
    assert allowed_range(project(tmp_path / "p", {"pyproject.toml": poetry})).allows_between(
        *BROKEN
    )
    reqs = project(
        tmp_path / "r", {"requirements-prod.txt": "uvicorn\nfastapi==0.120.0  # pinned\n"}
    )
    assert not allowed_range(reqs).allows_between(*BROKEN)
    assert "requirements-prod.txt" in allowed_range(reqs).describe()
    lock = '[[package]]\nname = "fastapi"\nversion = "0.111.0"\n'
    uv = project(tmp_path / "u", {"uv.lock": lock})
    assert allowed_range(uv).allows_between(*BROKEN)
    assert "0.111.0 in uv.lock" in allowed_range(uv).describe()


def test_pyproject_without_fastapi_falls_through_to_requirements(tmp_path: Path) -> None:
    path = project(
        tmp_path,
        {"pyproject.toml": '[project]\nname = "x"\n', "requirements.txt": "fastapi<0.106\n"},
    )
    assert not allowed_range(path).allows_between(*BROKEN)


def test_broken_pins_are_ignored_not_fatal(tmp_path: Path) -> None:
    path = project(
        tmp_path, {"pyproject.toml": "[project\n", "requirements.txt": "fastapi>=0.118\n"}
    )
    assert not allowed_range(path).allows_between(*BROKEN)


@pytest.mark.parametrize(
    ("constraint", "expected"),
    [
        ("^0.110", ">=0.110,<0.111"),
        ("^0.110.2", ">=0.110.2,<0.111"),
        ("~0.115.1", ">=0.115.1,<0.116"),
        ("0.110.*", "==0.110.*"),
        (">=0.100,<0.120", ">=0.100,<0.120"),
        ("*", ""),
    ],
)
def test_poetry_constraints(constraint: str, expected: str) -> None:
    from packaging.specifiers import SpecifierSet

    assert poetry_specifier(constraint) == SpecifierSet(expected)


LAZY_CHECK = """
import sys
from bglint.cli import main
try:
    main(["--no-cache", "--output-format", "concise", {path!r}])
except SystemExit:
    pass
print(sorted(m for m in ("packaging", "importlib.metadata", "bglint.versions") if m in sys.modules))
"""
NO_LIFETIME = """
from fastapi import BackgroundTasks, FastAPI

app = FastAPI()


def notify(email: str) -> None: ...


@app.post("/signup")
async def signup(email: str, tasks: BackgroundTasks):
    tasks.add_task(notify(email))
"""
UPLOAD_TO_TASK = """
from fastapi import BackgroundTasks, FastAPI, UploadFile

app = FastAPI()


def save(upload: UploadFile) -> None:
    upload.file.read()


@app.post("/avatars")
async def avatar(file: UploadFile, tasks: BackgroundTasks):
    tasks.add_task(save, file)
"""


@pytest.mark.parametrize(
    "source, code, imported",
    [
        (NO_LIFETIME, "BG101", []),
        (UPLOAD_TO_TASK, "BG201", ["bglint.versions", "packaging"]),
    ],
)
def test_versions_are_read_only_for_a_value_that_reaches_work(
    tmp_path: Path, source: str, code: str, imported: list
) -> None:
    # `packaging`, the pins and the installed FastAPI (`importlib.metadata`) cost 50-60 ms of
    # a one-file run: rules read the versions only for an upload or a dependency value that
    # reaches background work.
    path = tmp_path / "app.py"
    path.write_text(source, encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\ndependencies = ["fastapi==0.110.0"]\n', encoding="utf-8"
    )
    done = subprocess.run(
        [sys.executable, "-c", LAZY_CHECK.format(path=str(path))],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
    )
    *report, modules = done.stdout.strip().splitlines()
    assert any(f" {code} " in line for line in report), done.stdout
    assert modules == repr(imported)
