"""The index's tests of which sites need a view (index/gates.py) are never narrower than the
rules: over every fixture, dropping the sites a test rejects loses no finding, and each test
does reject some (the near misses: spawned work that receives no request value, `add_task` on
something that is not a `BackgroundTasks`, `.background` set on a response the code builds)."""

from __future__ import annotations

import ast
from collections import Counter
from pathlib import Path

import pytest

from bglint.discovery import discover
from bglint.index import gates
from bglint.index.summary import summarize
from bglint.runner import check_files
from bglint.settings import Settings

FIXTURES = Path(__file__).parent / "fixtures"


def findings() -> list:
    files = discover([str(FIXTURES)])
    settings = Settings()
    result = check_files(files, {path: settings for path in files})
    return [(d.path, d.code, d.start.row, d.start.column, d.message) for d in result.diagnostics]


def test_rejected_sites_hold_no_finding(monkeypatch: pytest.MonkeyPatch) -> None:
    verdicts: Counter = Counter()
    may_matter = gates.site_may_matter

    def recorded(index, module, site) -> bool:
        verdict = may_matter(index, module, site)
        verdicts[site.kind, verdict] += 1
        return verdict

    monkeypatch.setattr(gates, "site_may_matter", recorded)
    filtered = findings()
    for kind in gates.GATED:
        assert verdicts[kind, False] >= 3 and verdicts[kind, True] >= 3, (kind, verdicts)
    monkeypatch.setattr(gates, "site_may_matter", lambda *args: True)
    assert findings() == filtered
    codes = {code for _, code, _, _, _ in filtered}
    assert codes >= {"BG101", "BG201", "BG202", "BG203", "BG302", "BG404", "BG406"}


def sites(source: str) -> list:
    summary = summarize(ast.parse(source), "app", "app.py", False)
    return [(site.kind, site.line, site.depth, site.receiver) for site in summary.sites]


def test_awaited_and_threaded_calls_are_not_spawn_sites() -> None:
    source = (
        "import asyncio\n"
        "from fastapi import Request\n"
        "async def endpoint(request: Request):\n"
        "    await asyncio.get_running_loop().run_in_executor(None, work, request)\n"
        "    await asyncio.to_thread(work, request)\n"
        "    await asyncio.create_task(work(request))\n"
        "    asyncio.create_task(work(await fetch(request)))\n"
    )
    assert sites(source) == [("spawn", 7, 1, None)]


def test_sites_know_their_receiver_and_depth() -> None:
    source = (
        "def outer(tasks: BackgroundTasks, response: Response):\n"
        "    def inner():\n"
        "        tasks.add_task(work)\n"
        "    self.jobs.add_task(work)\n"
        "    response.background = None\n"
        "tasks.add_task(work)\n"
    )
    assert sites(source) == [
        ("add_task", 3, 2, "tasks"),
        ("add_task", 4, 1, None),
        ("background_attr", 5, 1, "response"),
        ("add_task", 6, 0, "tasks"),
    ]


def test_task_bindings_keep_only_the_receivers() -> None:
    source = (
        "def outer(flag):\n"
        "    tasks = BackgroundTasks()\n"
        "    progress = Progress()\n"
        "    extra: BackgroundTasks\n"
        "    def inner():\n"
        "        tasks.add_task(work)\n"
        "        extra.add_task(work)\n"
    )
    summary = summarize(ast.parse(source), "app", "app.py", False)
    assert summary.functions["outer"].task_bindings == (
        ("extra", ("",)),
        ("tasks", ("BackgroundTasks",)),
    )
    assert summary.functions["outer.inner"].task_bindings == ()
