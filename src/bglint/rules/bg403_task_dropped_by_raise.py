"""BG403 task-dropped-by-raise."""

from __future__ import annotations

from typing import Iterator

from bglint.index import Index
from bglint.model import View
from bglint.model.flow import raise_after
from bglint.rules._common import shorten
from bglint.rules.base import Finding, Rule


class TaskDroppedByRaise(Rule):
    """## What it does
    Checks for `add_task(...)` in an endpoint followed, on the same path, by a `raise` that
    leaves the endpoint (such as `raise HTTPException(...)`). A `raise` caught inside the
    endpoint, or one in a branch that does not follow the `add_task`, is not reported.

    ## Why is this bad?
    When an endpoint raises, FastAPI sends the error response and the tasks it added never
    run, in every version. An audit entry or a notification added before a check that
    refuses the request is silently lost.

    ## Example
    ```python
    from fastapi import BackgroundTasks, FastAPI, HTTPException

    app = FastAPI()
    SHIPPED = {7}


    @app.post("/orders/{order_id}/cancel")
    def cancel(order_id: int, background_tasks: BackgroundTasks):
        background_tasks.add_task(print, "audit: cancel requested", order_id)
        if order_id in SHIPPED:
            raise HTTPException(status_code=409, detail="Order already shipped")
        return {"cancelled": order_id}
    ```

    ## Use instead
    ```python
    from fastapi import BackgroundTasks, FastAPI, HTTPException

    app = FastAPI()
    SHIPPED = {7}


    @app.post("/orders/{order_id}/cancel")
    def cancel(order_id: int, background_tasks: BackgroundTasks):
        if order_id in SHIPPED:
            raise HTTPException(status_code=409, detail="Order already shipped")
        background_tasks.add_task(print, "audit: cancel requested", order_id)
        return {"cancelled": order_id}
    ```

    ## Versions
    All versions of FastAPI and Starlette.

    ## References
    - [FastAPI: Background Tasks](https://fastapi.tiangolo.com/tutorial/background-tasks/)
    """

    code = "BG403"
    name = "task-dropped-by-raise"
    message = (
        "`{raised}` can follow this `add_task` and leave `{endpoint}`: the error response is "
        "sent and the task never runs; add the task after the checks that can raise"
    )

    def check(self, view: View, index: Index) -> Iterator[Finding]:
        for site in view.task_sites:
            if site.kind != "add_task" or len(site.scopes) != 1:
                continue
            scope = site.scopes[0]
            if scope.node is None or not index.routes_of(view.module, scope.qualname or ""):
                continue
            found = raise_after(scope.node, site.call)
            if found is None:
                continue
            raised = "raise" if found.exc is None else f"raise {shorten(view.code(found.exc))}"
            yield self.report(site.call, raised=raised, endpoint=scope.node.name.value)
