"""BG402 response-background-overrides."""

from __future__ import annotations

from typing import Iterator, Optional

import libcst as cst
import libcst.matchers as m

from bglint.index import Index
from bglint.index.names import RESPONSE_CLASSES, RESPONSE_MODULES
from bglint.model import ParamKind, Scope, View
from bglint.model.flow import name_uses, returned_values, runs_after
from bglint.rules.base import Finding, Rule

# Ex) background=BackgroundTask(notify_slack, message)   (not `background=None`)
OWN_BACKGROUND = m.Arg(keyword=m.Name("background"), value=~m.Name("None"))


class ResponseBackgroundOverrides(Rule):
    """## What it does
    Checks for an endpoint that adds tasks to its injected `BackgroundTasks` and then returns
    a Response built with a `background=` of its own.

    ## Why is this bad?
    FastAPI attaches the injected `BackgroundTasks` only to a response that has no background
    yet. A returned response with its own `background=` replaces them: the tasks added with
    `add_task` are silently dropped and only the response's task runs. All versions.

    ## Example
    ```python
    from fastapi import BackgroundTasks, FastAPI
    from fastapi.responses import JSONResponse
    from starlette.background import BackgroundTask

    app = FastAPI()


    @app.post("/orders/{order_id}/refund")
    def refund(order_id: int, background_tasks: BackgroundTasks):
        background_tasks.add_task(print, "audit: refunded", order_id)
        task = BackgroundTask(print, "notify: refunded", order_id)
        return JSONResponse({"refunded": order_id}, background=task)
    ```

    ## Use instead
    ```python
    from fastapi import BackgroundTasks, FastAPI
    from fastapi.responses import JSONResponse

    app = FastAPI()


    @app.post("/orders/{order_id}/refund")
    def refund(order_id: int, background_tasks: BackgroundTasks):
        background_tasks.add_task(print, "audit: refunded", order_id)
        background_tasks.add_task(print, "notify: refunded", order_id)
        return JSONResponse({"refunded": order_id}, background=background_tasks)
    ```

    ## Versions
    All versions of FastAPI and Starlette.

    ## References
    - [FastAPI: Background Tasks](https://fastapi.tiangolo.com/tutorial/background-tasks/)
    """

    code = "BG402"
    name = "response-background-overrides"
    message = (
        "this `background=` replaces the tasks added to `{tasks}`, which then never run; add "
        "this task to `{tasks}` and pass `background={tasks}`, or drop `background=`"
    )

    def check(self, view: View, index: Index) -> Iterator[Finding]:
        reported = set()
        for site in view.task_sites:
            receiver = site.call.func.value if site.kind == "add_task" else None
            scope = site.scopes[-1]
            if not isinstance(receiver, cst.Name) or scope.node is None:
                continue
            if receiver.value not in scope.params:
                continue
            if view.param_kind(scope, receiver.value) is not ParamKind.BACKGROUND_TASKS:
                continue
            for value in returned_values(scope.node):
                response = _response_call(view, scope, value)
                if response is None or not runs_after(scope.node, site.call, value):
                    continue
                for arg in response.args:
                    if id(arg) in reported or not m.matches(arg, OWN_BACKGROUND):
                        continue
                    if not _is_name(arg.value, receiver.value):
                        reported.add(id(arg))
                        yield self.report(arg, tasks=receiver.value)


def _is_name(node: cst.BaseExpression, name: str) -> bool:
    return isinstance(node, cst.Name) and node.value == name


def _response_call(view: View, scope: Scope, value: cst.BaseExpression) -> Optional[cst.Call]:
    """The Response a returned value is: built in the `return`, or in a local assigned once."""
    if isinstance(value, cst.Name) and value.value in scope.assigned:
        if name_uses(scope.node, value.value).bindings == 1:
            value = scope.assigned[value.value]
    if not isinstance(value, cst.Call):
        return None
    qualified = view.qualify(value.func, (scope,)) or ""
    if qualified in RESPONSE_CLASSES or qualified.startswith(RESPONSE_MODULES):
        return value
    return None
