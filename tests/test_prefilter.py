"""The byte prefilter: every site the index records passes it (but `add_task` on something no
rule can count), the common look-alikes do not."""

from __future__ import annotations

import ast

import pytest

from bglint.index import Index
from bglint.index.gates import holders_to_view
from bglint.index.summary import summarize
from bglint.prefilter import ALL_KINDS, may_hold_site

HOLDS_SITE = [
    "def f(tasks: BackgroundTasks):\n    tasks.add_task(g)\n",
    "import fastapi as f\ndef g(tasks: f.BackgroundTasks):\n    tasks.add_task(g)\n",
    "def f():\n    return Response(background=BackgroundTask(g))\n",
    "def f():\n    tasks = BackgroundTasks()\n",
    "def f(response):\n    response.background = t\n",
    "def f(response):\n    response.background: BackgroundTask = t\n",
    "def f(response):\n    response.background  =  t\n",
    "def f(response):\n    response.background \\\n        = t\n",
    "def f(response):\n    (response).background = t\n",
    "def f(response):\n    response.background += t\n",
    "def f(response):\n    x = 1; response.background: BackgroundTask = t\n",
    "def f(response):\n    if response.background: response.background = t\n",
    "def f(response):\r    response.background: BackgroundTask = t\r",
    "def f(upload):\n    upload.file.read()\n",
    "from fastapi import Depends\nasync def f(db=Depends(g)):\n    asyncio.create_task(h(db))\n",
]
NO_SITE = [
    "theme.background_fill = 'white'\n",
    "if response.background == other:\n    pass\n",
    "print(response.background)\n",
    "if response.background:\n    pass\n",
    "def f(tasks: BackgroundTasks) -> None:\n    helper(tasks)\n",
    "from starlette.background import BackgroundTasks\n",
    "async def f(file: UploadFile):\n    return file.filename\n",
    "async def f():\n    asyncio.create_task(h())\n",  # spawned work, but nothing request-bound
    # rich's progress bar: no `BackgroundTasks` in the module, so nothing the model counts
    "def f(progress: Progress):\n    progress.add_task('build')\n",
]


@pytest.mark.parametrize("source", HOLDS_SITE)
def test_a_file_with_a_site_passes(source: str) -> None:
    assert summarize(ast.parse(source), "m", "m.py", False).sites, "the index sees a site"
    assert may_hold_site(source.encode(), ALL_KINDS)


@pytest.mark.parametrize("source", NO_SITE)
def test_look_alikes_without_a_site_are_rejected(source: str) -> None:
    sites = summarize(ast.parse(source), "m", "m.py", False).sites
    assert not sites or "create_task" in source or "add_task" in source
    assert not may_hold_site(source.encode(), ALL_KINDS)


def test_an_objects_own_background_is_recorded_but_rejected_like_the_gate_does() -> None:
    # `self` is never a parameter annotated `Response`, the one receiver BG406 reads
    source = "class R:\n    def __init__(self, background):\n        self.background = background\n"
    index = Index()
    module = index.add("m.py", source)
    assert [site.kind for site in module.sites] == ["background_attr"]
    assert holders_to_view(index, module, ALL_KINDS) == []
    assert not may_hold_site(source.encode(), ALL_KINDS)


def test_only_the_enabled_kinds_words_count() -> None:
    source = b"def f(response):\n    response.background = t\n"
    assert may_hold_site(source, {"background_attr"})
    assert not may_hold_site(source, {"add_task", "background_task"})
