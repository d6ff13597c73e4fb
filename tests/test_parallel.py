"""Worker processes and the cache never change what bglint finds (issue 10).

Every fixture, in one run: one process, worker processes (forced even for little work,
started after the prefilter or before it, with files sent as found or at the end), a cached
run that writes the cache and one that reads it all give the same findings in the same order,
and the same fixes. A cross-module project whose imported module changes between runs
gives, with workers and the cache, what a fresh single-process run gives.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest
from harness import SHOP, write_tree

from bglint import workers
from bglint.discovery import discover
from bglint.runner import check_files
from bglint.settings import FixMode, Settings

FIXTURES = Path(__file__).parent / "fixtures"


def run(root: Path, jobs: int, use_cache: bool = False, fix: FixMode = FixMode.NONE):
    files = discover([str(root)])
    settings = Settings(fix_mode=fix)
    result = check_files(files, {f: settings for f in files}, use_cache, jobs)
    found = [(d.path, d.code, d.start.row, d.start.column, d.message) for d in result.diagnostics]
    fixed = {f.path: f.fixed_source for f in result.files if f.fixed_source is not None}
    return found, fixed


@pytest.fixture(autouse=True)
def workers_for_little_work(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(workers, "MIN_PARALLEL_BYTES", 0)


@pytest.fixture
def fixtures(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy, run from inside it: the cache goes to the current project's root."""
    copy = Path(shutil.copytree(FIXTURES, tmp_path / "fixtures"))
    monkeypatch.chdir(copy)
    return copy


def test_workers_and_cache_find_what_one_process_finds(
    fixtures: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    here = []  # how many files each analysis in the main process had
    analyse_here = workers.analyse_here
    monkeypatch.setattr(
        workers, "analyse_here", lambda *a: here.append(len(a[1])) or analyse_here(*a)
    )
    single, _ = run(fixtures, jobs=1)
    assert len(here) == 1 and here[0] > 50
    assert len({code for _, code, _, _, _ in single}) >= 19  # every rule has fixtures here
    assert run(fixtures, jobs=2) == (single, {})  # workers started after the prefilter
    monkeypatch.setattr(workers, "MIN_PARALLEL_BYTES", 1 << 40)
    monkeypatch.setattr(workers, "EARLY_START_BYTES", 0)
    assert run(fixtures, jobs=2) == (single, {})  # workers started before it, files sent last
    monkeypatch.setattr(workers, "SEND_NOW_BYTES", 0)
    assert run(fixtures, jobs=2) == (single, {})  # each file sent as the prefilter passes it
    assert len(here) == 1, "the files with sites went to workers"
    assert run(fixtures, jobs=2, use_cache=True) == (single, {})  # writes the cache
    assert (fixtures / ".bglint_cache").is_dir()
    assert run(fixtures, jobs=2, use_cache=True) == (single, {})  # reads it
    assert run(fixtures, jobs=1, use_cache=True) == (single, {})


def test_workers_fix_what_one_process_fixes(fixtures: Path) -> None:
    single = run(fixtures, jobs=1, fix=FixMode.UNSAFE)
    assert single[1], "the fixtures have fixes"
    assert run(fixtures, jobs=2, fix=FixMode.UNSAFE) == single


@pytest.fixture
def shop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    orders = """
        from fastapi import BackgroundTasks
        from shop.tasks import send_welcome

        def order(email: str, tasks: BackgroundTasks):
            tasks.add_task(send_welcome(email))
    """
    write_tree(tmp_path, {**SHOP, "shop/orders.py": orders})
    monkeypatch.chdir(tmp_path)
    return tmp_path / "shop"


def codes(found) -> list:
    return [(Path(path).name, code) for path, code, _, _, _ in found]


def test_changed_imported_module_with_workers_and_cache(shop: Path) -> None:
    before = run(shop, jobs=1)[0]
    assert codes(before) == [("api.py", "BG104"), ("orders.py", "BG101")]
    assert run(shop, jobs=2, use_cache=True)[0] == before
    tasks = shop / "tasks.py"
    tasks.write_text("async def send_welcome(email, note=None):\n    print(email, note)\n")
    os.utime(tasks, ns=(1, 1))  # a different stat even on coarse file-system clocks
    after = run(shop, jobs=1)[0]
    assert codes(after) == [("orders.py", "BG101")]  # the extra argument fits now
    assert run(shop, jobs=2, use_cache=True)[0] == after
    assert run(shop, jobs=2, use_cache=True)[0] == after


@pytest.mark.skipif(sys.platform == "darwin" or os.name != "posix", reason="needs fork")
@pytest.mark.parametrize("streamed", [False, True], ids=["sent-at-the-end", "sent-as-found"])
def test_a_worker_that_dies_costs_its_file_a_finding_not_the_run(
    fixtures: Path, monkeypatch: pytest.MonkeyPatch, streamed: bool
) -> None:
    from bglint.runner import Engine

    if streamed:  # workers run before the prefilter; each file goes to them when it passes
        monkeypatch.setattr(workers, "EARLY_START_BYTES", 0)
        monkeypatch.setattr(workers, "SEND_NOW_BYTES", 0)

    check_bytes = Engine.check_bytes

    def dies_on_one_file(self, raw: bytes, path: str):
        if path.endswith(os.path.join("BG101", "basic.py")):
            os._exit(1)  # the worker process ends without an answer (OOM killer, segfault)
        return check_bytes(self, raw, path)

    monkeypatch.setattr(Engine, "check_bytes", dies_on_one_file)  # forked workers inherit it
    found, _ = run(fixtures, jobs=2)
    died = [(Path(p).name, m) for p, code, _, _, m in found if code == "BG000" and "worker" in m]
    assert died and all("internal error" in m for _, m in died)
    assert ("basic.py", died[0][1]) in died
    assert len({code for _, code, _, _, _ in found}) > 10  # the other files were answered
