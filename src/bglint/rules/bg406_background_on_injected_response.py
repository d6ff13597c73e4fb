"""BG406 background-on-injected-response."""

from __future__ import annotations

from typing import Iterator, Optional, Sequence

import libcst as cst

from bglint.index import Index
from bglint.index.names import RESPONSE
from bglint.model import View
from bglint.model.dependencies import parameter_scope, uses_of
from bglint.model.scopes import Scope
from bglint.rules.base import Finding, Rule


class BackgroundOnInjectedResponse(Rule):
    """## What it does
    Checks for assignments to `.background` on the `response: Response` parameter that FastAPI
    injects into an endpoint or a dependency.

    ## Why is this bad?
    The injected `Response` only lends its headers, cookies and status code to the response
    FastAPI sends; its `background` is never read. The task is dropped silently, in every
    version. Setting `.background` on a response the endpoint builds and returns is correct.

    ## Example
    ```python
    from fastapi import FastAPI, Response
    from starlette.background import BackgroundTask

    app = FastAPI()


    def audit_log(event: str) -> None:
        print(event)


    @app.put("/me/email")
    def change_email(email: str, response: Response):
        response.background = BackgroundTask(audit_log, "email_changed")
        return {"email": email}
    ```

    ## Use instead
    ```python
    from fastapi import BackgroundTasks, FastAPI

    app = FastAPI()


    def audit_log(event: str) -> None:
        print(event)


    @app.put("/me/email")
    def change_email(email: str, background_tasks: BackgroundTasks):
        background_tasks.add_task(audit_log, "email_changed")
        return {"email": email}
    ```

    ## Versions
    All versions of FastAPI.

    ## Known problems
    Only a parameter annotated with `Response` itself is checked, in a function registered as a
    route or named in a `Depends` that bglint can see.

    ## References
    - [FastAPI: Response - Change Status Code](https://fastapi.tiangolo.com/advanced/response-change-status-code/)
    - [FastAPI: Background Tasks](https://fastapi.tiangolo.com/tutorial/background-tasks/)
    """

    code = "BG406"
    name = "background-on-injected-response"
    message = (
        "`{name}.background` is dropped: the `Response` injected into `{function}` lends only "
        "headers, cookies and status; add the task to a `BackgroundTasks`"
    )

    def check(self, view: View, index: Index) -> Iterator[Finding]:
        for assign in view.background_assigns:
            scope = parameter_scope(assign.target.value, assign.scopes)
            if scope is None or scope.qualname is None:
                continue
            name = assign.target.value.value
            is_response = _is_response(view, scope, name, assign.scopes)
            if not is_response or not _is_injected(view, index, scope):
                continue
            yield self.report(assign.target, name=name, function=scope.qualname.rpartition(".")[2])


def _is_response(view: View, scope: Scope, name: str, scopes: Sequence[Scope]) -> bool:
    annotation: Optional[cst.Annotation] = scope.params[name].annotation
    if annotation is None or not isinstance(annotation.annotation, (cst.Name, cst.Attribute)):
        return False
    return view.qualify(annotation.annotation, scopes) in RESPONSE


def _is_injected(view: View, index: Index, scope: Scope) -> bool:
    """An endpoint, or a dependency some `Depends` names: FastAPI fills its parameters."""
    if index.routes_of(view.module, scope.qualname):
        return True
    function = view.module.functions.get(scope.qualname)
    return function is not None and bool(uses_of(index, view.module, function))
