"""The persistent cache: same findings as a fresh run, and invalidated by what it depends on."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from harness import SHOP, write_tree

from bglint.cache import CACHE_DIR
from bglint.runner import check_paths
from bglint.settings import Settings


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    write_tree(tmp_path, {**SHOP, "shop/plain.py": "VALUE = 1\n"})
    monkeypatch.chdir(tmp_path)
    return tmp_path


def findings(use_cache: bool) -> list:
    result = check_paths(["shop"], Settings(), use_cache=use_cache)
    return [(d.path, d.code, d.start.row, d.message) for d in result.diagnostics]


def test_cached_run_equals_fresh_run(project: Path) -> None:
    fresh = findings(use_cache=False)
    assert [code for _, code, _, _ in fresh] == ["BG104"]
    assert findings(use_cache=True) == fresh  # writes the cache
    assert (project / CACHE_DIR / ".gitignore").read_text().strip().endswith("*")
    assert findings(use_cache=True) == fresh  # reads it


def test_changed_imported_module_invalidates_its_dependents(project: Path) -> None:
    assert [c for _, c, _, _ in findings(use_cache=True)] == ["BG104"]
    tasks = project / "shop/tasks.py"
    tasks.write_text("def send_welcome(email, note=None):\n    print(email, note)\n")
    os.utime(tasks, ns=(1, 1))  # a different stat even on coarse file-system clocks
    assert findings(use_cache=True) == [] == findings(use_cache=False)


def test_changed_file_and_touched_file(project: Path) -> None:
    findings(use_cache=True)
    api = project / "shop/api.py"
    os.utime(api, ns=(2, 2))  # touched, same content: the content hash keeps the entry
    assert [c for _, c, _, _ in findings(use_cache=True)] == ["BG104"]
    api.write_text(api.read_text().replace(', "extra"', ""))
    assert findings(use_cache=True) == []


def reanalysed_after(change, parsed: bool = False) -> int:
    """How many files a cached run analyses again after `change()` (or, with `parsed`, how
    many it parses with `ast`: analysing a file may take unchanged summaries from the cache)."""
    from bglint.cache import Cache
    from bglint.runner import Engine, start_run

    settings = Settings()
    findings(use_cache=True)
    change()
    start_run()
    engine = Engine(settings, cache=Cache.for_run(repr(settings)))
    for path in ("shop/__init__.py", "shop/api.py", "shop/plain.py", "shop/tasks.py"):
        engine.check_file(path)
    return engine.index.files_parsed if parsed else engine.files_passed


def test_imported_modules_are_not_parsed_again(project: Path) -> None:
    api = project / "shop/api.py"
    # api.py is parsed again; shop/tasks.py, which it imports, is not: its summary is cached
    assert reanalysed_after(lambda: api.write_text(api.read_text() + "# edited\n"), True) == 1
    tasks = project / "shop/tasks.py"

    def edit_tasks() -> None:
        tasks.write_text(tasks.read_text() + "# edited\n")
        os.utime(tasks, ns=(3, 3))

    # api.py is analysed again (it depends on tasks.py) from its cached summary; only the
    # changed tasks.py is parsed
    assert reanalysed_after(edit_tasks) == 1
    assert reanalysed_after(edit_tasks, parsed=True) == 1


def test_version_pin_is_part_of_the_key(project: Path) -> None:
    assert reanalysed_after(lambda: None) == 0  # all from the cache
    pin = '[project]\nname = "shop"\ndependencies = ["fastapi==0.110.0"]\n'
    # the file with a site is checked again: its FastAPI range changed
    assert reanalysed_after(lambda: (project / "pyproject.toml").write_text(pin)) >= 1


def test_new_pin_file_and_installed_fastapi_are_part_of_the_key(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    requirements = project / "shop" / "requirements.txt"
    assert reanalysed_after(lambda: requirements.write_text("fastapi==0.110.0\n")) >= 1
    assert reanalysed_after(lambda: None) == 0
    site = project / "site"
    (site / "fastapi-0.999.0.dist-info").mkdir(parents=True)
    # another FastAPI installed where bglint runs
    assert reanalysed_after(lambda: monkeypatch.syspath_prepend(str(site))) >= 1


def test_corrupt_cache_is_ignored_and_replaced(project: Path) -> None:
    expected = findings(use_cache=True)
    for pickle_file in (project / CACHE_DIR).rglob("*.pickle"):
        pickle_file.write_bytes(b"not a pickle")
    assert findings(use_cache=True) == expected
    assert findings(use_cache=True) == expected


def test_fixing_bypasses_the_cache(project: Path) -> None:
    from bglint.settings import FixMode

    check_paths(["shop"], Settings(fix_mode=FixMode.SAFE), use_cache=True)
    assert not (project / CACHE_DIR).exists()


def test_edited_bglint_code_gets_a_fresh_cache(project: Path, monkeypatch) -> None:
    from bglint import cache as cache_module
    from bglint.cache import Cache

    first = Cache.for_run("settings").path
    monkeypatch.setattr(cache_module, "_code_fingerprint", lambda: "a rule was edited")
    assert Cache.for_run("settings").path != first
