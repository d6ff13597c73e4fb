"""BG405 tasks-in-websocket."""

from __future__ import annotations

from typing import Iterator

from bglint.index import Index
from bglint.model import View
from bglint.model.dependencies import injected_scope, serves_only_websockets
from bglint.model.params import ParamKind
from bglint.rules._common import shorten
from bglint.rules.base import Finding, Rule


class TasksInWebsocket(Rule):
    """## What it does
    Checks for `add_task` on a `BackgroundTasks` injected into a WebSocket endpoint
    (`@app.websocket`, `@router.websocket`, `add_api_websocket_route`, `websocket_route`), or
    into a dependency that only WebSocket endpoints use.

    ## Why is this bad?
    FastAPI injects a `BackgroundTasks` into a WebSocket endpoint and accepts its tasks, but a
    WebSocket route never runs them: the work is dropped silently, with nothing in the log, in
    every version.

    ## Example
    ```python
    from fastapi import BackgroundTasks, FastAPI, WebSocket

    app = FastAPI()


    def audit_log(event: str) -> None:
        print(event)


    @app.websocket("/ws")
    async def watch(websocket: WebSocket, background_tasks: BackgroundTasks):
        await websocket.accept()
        background_tasks.add_task(audit_log, "watched")
        await websocket.close()
    ```

    ## Use instead
    ```python
    import asyncio

    from fastapi import FastAPI, WebSocket

    app = FastAPI()


    def audit_log(event: str) -> None:
        print(event)


    @app.websocket("/ws")
    async def watch(websocket: WebSocket):
        await websocket.accept()
        await asyncio.to_thread(audit_log, "watched")
        await websocket.close()
    ```

    ## Versions
    All versions of FastAPI.

    ## Known problems
    A dependency is reported only when every `Depends` that names it in the project sits on a
    WebSocket endpoint (or on a dependency that does, three levels up); one used by an HTTP
    route, through a router's `dependencies=`, or through an `Annotated` alias is not.

    ## References
    - [FastAPI: WebSockets](https://fastapi.tiangolo.com/advanced/websockets/)
    """

    code = "BG405"
    name = "tasks-in-websocket"
    message = (
        "`{call}` schedules a task in WebSocket endpoint `{function}`, whose tasks never run; "
        "do the work before closing or start it with `asyncio.create_task`"
    )
    messages = {
        "dependency": (
            "`{call}` schedules a task in `{function}`, a dependency of WebSocket endpoints only, "
            "whose tasks never run; do the work before closing or start it with "
            "`asyncio.create_task`"
        ),
    }

    def check(self, view: View, index: Index) -> Iterator[Finding]:
        for site in view.task_sites:
            if site.kind != "add_task":
                continue
            receiver = site.call.func.value
            scope = injected_scope(view, receiver, site.scopes, ParamKind.BACKGROUND_TASKS)
            if scope is None or scope.qualname is None:
                continue
            if not serves_only_websockets(index, view.module, scope.qualname):
                continue
            is_endpoint = bool(index.routes_of(view.module, scope.qualname))
            yield self.report(
                site.call,
                template="message" if is_endpoint else "dependency",
                call=shorten(view.code(site.call)),
                function=scope.qualname.rpartition(".")[2],
            )
