"""BG401 orphan-background-tasks."""

from __future__ import annotations

from typing import Iterator

from bglint.index import Index
from bglint.model import View
from bglint.model.flow import hand_built_tasks, name_uses
from bglint.rules.base import Finding, Rule


class OrphanBackgroundTasks(Rule):
    """## What it does
    Checks for a `BackgroundTasks()` built by hand in a function, given tasks, and then never
    attached to a response, returned, passed to another function or stored anywhere.

    ## Why is this bad?
    Starlette runs a hand-built `BackgroundTasks` only when it is the `background` of the
    response that is returned. Built, filled and left in a local variable, its tasks are
    silently dropped when the function returns; nothing is logged. This holds in every version.

    ## Example
    ```python
    from fastapi import BackgroundTasks, FastAPI
    from fastapi.responses import StreamingResponse

    app = FastAPI()


    @app.get("/export.csv")
    def export_csv():
        tasks = BackgroundTasks()
        tasks.add_task(print, "orders exported")
        return StreamingResponse(iter(["id,status\\n"]), media_type="text/csv")
    ```

    ## Use instead
    ```python
    from fastapi import BackgroundTasks, FastAPI
    from fastapi.responses import StreamingResponse

    app = FastAPI()


    @app.get("/export.csv")
    def export_csv():
        tasks = BackgroundTasks()
        tasks.add_task(print, "orders exported")
        return StreamingResponse(iter(["id,status\\n"]), media_type="text/csv", background=tasks)
    ```

    ## Versions
    All versions of FastAPI and Starlette.

    ## References
    - [Starlette: Background Tasks](https://www.starlette.io/background/)
    """

    code = "BG401"
    name = "orphan-background-tasks"
    message = (
        "`{name}` is given tasks but never attached to a response, returned or passed on, so "
        "its tasks never run; pass `background={name}` to the returned response"
    )

    def check(self, view: View, index: Index) -> Iterator[Finding]:
        for call, name, scope in hand_built_tasks(view):
            uses = name_uses(scope.node, name)
            if uses.bindings == 1 and not uses.escapes and (uses.scheduled or call.args):
                yield self.report(call, name=name)
