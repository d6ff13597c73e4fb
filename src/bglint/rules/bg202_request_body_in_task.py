"""BG202 request-body-in-task."""

from __future__ import annotations

from typing import Iterator, Optional

import libcst as cst
import libcst.matchers as m

from bglint.index import Index
from bglint.model import View
from bglint.model.lifetimes import background_work, work_name
from bglint.model.provenance import Received, parameter_for, received_values, unwrap_partial
from bglint.model.requests import body_is_cached
from bglint.rules._common import lambda_call
from bglint.rules.base import Finding, Rule

BODY_METHODS = ("body", "json", "form", "stream")


class RequestBodyInTask(Rule):
    """## What it does
    Checks for a `Request` passed to or captured by work that runs after the response (a
    `BackgroundTasks` task or spawned work) when that work reads the request's body with
    `body()`, `json()`, `form()` or `stream()`.

    ## Why is this bad?
    Once the response is sent, the request's body can no longer be received: under uvicorn
    `await request.body()` in the task raises `ClientDisconnect`, and the task's work is lost
    after the client got its 200. The in-process `TestClient` still delivers the body, so tests
    pass. Headers, the URL, query parameters and `request.state` stay readable and are not
    flagged, and neither is a body the endpoint already read (Starlette keeps it).

    ## Example
    ```python
    from fastapi import BackgroundTasks, FastAPI, Request

    app = FastAPI()


    async def record_webhook(request: Request) -> None:
        print(await request.json())


    @app.post("/webhooks")
    async def receive_webhook(request: Request, background_tasks: BackgroundTasks):
        background_tasks.add_task(record_webhook, request)
        return {"received": True}
    ```

    ## Use instead
    ```python
    from fastapi import BackgroundTasks, FastAPI, Request

    app = FastAPI()


    async def record_webhook(event: dict) -> None:
        print(event)


    @app.post("/webhooks")
    async def receive_webhook(request: Request, background_tasks: BackgroundTasks):
        background_tasks.add_task(record_webhook, await request.json())
        return {"received": True}
    ```

    ## Versions
    All versions of FastAPI and Starlette (probed on 0.84 to 0.165 under uvicorn).

    ## Known problems
    Spawned work (`asyncio.create_task`, threads, executors) is checked only in files that also
    mention `Depends` or `UploadFile`. Spawning and `Request` are both common in FastAPI code:
    counting `Request` too would make bglint parse 2.4 times as much of a large project. A
    `BackgroundTasks` task is always checked.

    ## References
    - [Starlette: Requests](https://www.starlette.io/requests/)
    """

    code = "BG202"
    name = "request-body-in-task"
    message = (
        "{task} reads the body of `{param}` with `{method}()` after the response, when it is "
        "gone (`ClientDisconnect` under uvicorn); read the body in the endpoint and pass the values"
    )

    def check(self, view: View, index: Index) -> Iterator[Finding]:
        for site, spawned in background_work(view):
            for received in received_values(view, site):
                if received.origin.kind != "request":
                    continue
                method = _body_read(view, index, site, received)
                if method is None or body_is_cached(view, received.origin):
                    continue
                task = _task_text(view, site, spawned)
                yield self.report(
                    received.node, task=task, param=received.origin.param, method=method
                )


def _task_text(view: View, site, spawned: bool) -> str:
    func, _ = unwrap_partial(view, site.func, site.args, site.scopes)
    if isinstance(func, (cst.Name, cst.Attribute)):
        return f"`{view.code(func)}`"
    return work_name(site, spawned).capitalize()


def _body_read(view: View, index: Index, site, received: Received) -> Optional[str]:
    """The body method the work calls on the request it receives, if any."""
    if received.capture:
        for method in BODY_METHODS:
            if f"method:{method}" in received.uses:
                return method
        call = lambda_call(site.func)
        if call is not None and "bare" in received.uses:
            return _function_reads(view, index, call.func, call.args, site, received.origin.param)
        return None
    func, _ = unwrap_partial(view, site.func, site.args, site.scopes)
    return _callee_reads(view, index, func, site, received)


def _function_reads(view, index, func, args, site, param) -> Optional[str]:
    for position, arg in enumerate(args):
        if arg.keyword is None and not arg.star and m.matches(arg.value, m.Name(param)):
            received = Received(arg.value, None, False, position=position)  # type: ignore[arg-type]
            return _callee_reads(view, index, func, site, received)
    return None


def _callee_reads(view, index, func, site, received: Received) -> Optional[str]:
    if not isinstance(func, (cst.Name, cst.Attribute)):
        return None
    target = view.resolve(func, site.scopes)
    if not target.is_project_function:
        return None
    name = parameter_for(target.function, received, bound=target.kind == "method")
    if name is None:
        return None
    for method in BODY_METHODS:
        if f"{name}.{method}" in target.function.calls:
            return method
    return None
