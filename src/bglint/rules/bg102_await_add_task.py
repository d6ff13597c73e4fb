"""BG102 await-add-task."""

from __future__ import annotations

from typing import Iterator

from bglint.diagnostics import Applicability
from bglint.index import Index
from bglint.model import View
from bglint.rules._common import shorten
from bglint.rules.base import Finding, FixAvailability, Rule


class AwaitAddTask(Rule):
    """## What it does
    Checks for `await` in front of `BackgroundTasks.add_task(...)`.

    ## Why is this bad?
    `add_task` only records the task and returns `None`. Awaiting `None` raises `TypeError`
    inside the endpoint, so the client gets a 500, and because the endpoint raised, none of
    the tasks it added ever run. This holds in every FastAPI and Starlette version.

    ## Example
    ```python
    from fastapi import BackgroundTasks, FastAPI

    app = FastAPI()


    async def audit_log(action: str) -> None:
        print(action)


    @app.delete("/items/{item_id}")
    async def delete_item(item_id: int, background_tasks: BackgroundTasks):
        await background_tasks.add_task(audit_log, f"deleted {item_id}")
        return {"deleted": item_id}
    ```

    ## Use instead
    ```python
    from fastapi import BackgroundTasks, FastAPI

    app = FastAPI()


    async def audit_log(action: str) -> None:
        print(action)


    @app.delete("/items/{item_id}")
    async def delete_item(item_id: int, background_tasks: BackgroundTasks):
        background_tasks.add_task(audit_log, f"deleted {item_id}")
        return {"deleted": item_id}
    ```

    ## Fix safety
    The fix removes the `await` and is safe: the awaited value is always `None`, so the only
    behaviour that changes is the `TypeError`. An `async def` task is still awaited by
    Starlette when it runs.

    ## Versions
    All versions of FastAPI and Starlette.

    ## References
    - [Starlette: BackgroundTasks.add_task](https://www.starlette.io/background/)
    """

    code = "BG102"
    name = "await-add-task"
    message = (
        "`await {call}` raises `TypeError` because `add_task` returns `None`: the client gets "
        "a 500 and no task of this request runs; remove the `await`"
    )
    fix_title = "Remove `await`"
    fix_availability = FixAvailability.ALWAYS

    def check(self, view: View, index: Index) -> Iterator[Finding]:
        for site in view.task_sites:
            awaited = site.await_node
            if site.kind != "add_task" or awaited is None:
                continue
            call = site.call
            # parentheses around the `await` stay, so `(await x.add_task(...))` keeps its shape
            plain = call.with_changes(
                lpar=[*awaited.lpar, *call.lpar], rpar=[*call.rpar, *awaited.rpar]
            )
            fix = self.make_fix(((awaited, plain),), Applicability.SAFE)
            yield self.report(awaited, fix=fix, call=shorten(view.code(call)))
