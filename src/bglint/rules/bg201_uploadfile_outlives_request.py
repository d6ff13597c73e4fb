"""BG201 uploadfile-outlives-request."""

from __future__ import annotations

from typing import Dict, Iterator, Optional

import libcst as cst

from bglint.diagnostics import Applicability
from bglint.index import Index
from bglint.model import View
from bglint.model.lifetimes import (
    SPAWN_UPLOAD_FROM,
    TASK_WINDOW,
    TASK_WINDOW_TEXT,
    allowed_phrase,
    background_work,
    versions,
    work_name,
)
from bglint.model.provenance import (
    UPLOAD_PLAIN_ATTRIBUTES,
    Received,
    parameter_for,
    received_values,
    unwrap_partial,
)
from bglint.model.task_uses import param_uses
from bglint.rules._bg201_fix import read_first_fix
from bglint.rules.base import Finding, FixAvailability, Rule

_WHAT = {
    "upload": "an `UploadFile`",
    "upload_file": "the file of an `UploadFile`",
    "upload_list": "a list of `UploadFile`",
    "upload_element": "an `UploadFile` of `{param}`",
}


class UploadfileOutlivesRequest(Rule):
    """## What it does
    Checks for an `UploadFile`, its `.file`, or a list of them, passed to or captured by work
    that runs after the request: a `BackgroundTasks` task, or work started with
    `asyncio.create_task`, `asyncio.ensure_future`, `run_in_executor`, `executor.submit` or
    `threading.Thread`.

    ## Why is this bad?
    FastAPI closes uploads when the request is done. On FastAPI 0.106–0.117 that happens before
    `BackgroundTasks` run, so the task fails with `ValueError: I/O operation on closed file`
    after the client got its 200. Spawned work is not waited for at all, so it finds the upload
    closed on every version from 0.86 on. Values such as `file.filename` stay readable.

    ## Example
    ```python
    from fastapi import BackgroundTasks, FastAPI, UploadFile

    app = FastAPI()


    def save_avatar(upload: UploadFile) -> None:
        print(len(upload.file.read()))


    @app.post("/avatars")
    async def upload_avatar(file: UploadFile, background_tasks: BackgroundTasks):
        background_tasks.add_task(save_avatar, file)
        return {"filename": file.filename}
    ```

    ## Use instead
    ```python
    from fastapi import BackgroundTasks, FastAPI, UploadFile

    app = FastAPI()


    def save_avatar(data: bytes, filename: str) -> None:
        print(filename, len(data))


    @app.post("/avatars")
    async def upload_avatar(file: UploadFile, background_tasks: BackgroundTasks):
        file_bytes = await file.read()
        background_tasks.add_task(save_avatar, file_bytes, file.filename)
        return {"filename": file.filename}
    ```

    ## Fix safety
    The fix reads the upload in the endpoint (`file_bytes = await file.read()`) and passes the
    bytes and the filename in its place. It is unsafe: the task receives two values instead of
    the upload, so its signature has to change with it, and the whole upload is held in memory.
    It is offered only in an `async def` endpoint, for an upload parameter passed directly as a
    positional argument of a call that is a statement of the endpoint's body.

    ## Versions
    `BackgroundTasks` tasks: FastAPI 0.106–0.117 (earlier and later releases close uploads after
    the tasks). Spawned work: FastAPI 0.86 and later. The allowed range is read from config
    `fastapi-version`, else the project's pins (`pyproject.toml`, `requirements*.txt`,
    `uv.lock`, `poetry.lock`), else the installed FastAPI; unknown means every version.

    ## References
    - [FastAPI 0.106.0 release notes](https://fastapi.tiangolo.com/release-notes/#01060)
    - [fastapi/fastapi#10857](https://github.com/fastapi/fastapi/discussions/10857)
    """

    code = "BG201"
    name = "uploadfile-outlives-request"
    message = (
        "`{value}` ({what}) is closed before {work} runs on FastAPI {broken}, {allowed}; read it "
        "in the endpoint and pass the bytes and filename"
    )
    fix_title = "Read `{param}` in the endpoint and pass its bytes and filename"
    fix_availability = FixAvailability.SOMETIMES

    def check(self, view: View, index: Index) -> Iterator[Finding]:
        breaks: Dict[bool, bool] = {}  # spawned or not -> the allowed versions include a break
        for site, spawned in background_work(view):
            broken = f"{SPAWN_UPLOAD_FROM} and later" if spawned else TASK_WINDOW_TEXT
            reported = set()
            for received in received_values(view, site):
                if not received.origin.is_upload or not _uses_the_file(view, site, received):
                    continue
                if id(received.node) in reported:
                    continue
                if spawned not in breaks:  # the versions, only for an upload that reaches work
                    window = (SPAWN_UPLOAD_FROM,) if spawned else TASK_WINDOW
                    breaks[spawned] = versions(view).allows_between(*window)
                if not breaks[spawned]:
                    break
                reported.add(id(received.node))
                fix = None if received.capture else self._fix(view, site, received)
                yield self.report(
                    received.node,
                    fix=fix,
                    value=_value_text(view, received),
                    what=_WHAT[received.origin.kind].format(param=received.origin.param),
                    work=work_name(site, spawned),
                    broken=broken,
                    allowed=allowed_phrase(versions(view)),
                )

    def _fix(self, view: View, site, received: Received):
        replacements = read_first_fix(view, site, received)
        if replacements is None:
            return None
        return self.make_fix(replacements, Applicability.UNSAFE, param=received.origin.param)


def _uses_the_file(view: View, site, received: Received) -> bool:
    """A closure or task function reading only `file.filename` (or size, content type,
    headers) is fine: those stay readable on a closed upload."""
    plain = {f"attr:{name}" for name in UPLOAD_PLAIN_ATTRIBUTES}
    uses = received.uses
    if not received.capture and received.origin.kind in ("upload", "upload_element"):
        uses = _task_uses(view, site, received) or uses
    return bool(uses - plain)


def _task_uses(view: View, site, received: Received):
    """How the resolved task function uses the parameter that receives the upload."""
    func, _ = unwrap_partial(view, site.func, site.args, site.scopes)
    if not isinstance(func, (cst.Name, cst.Attribute)):
        return None
    target = view.resolve(func, site.scopes)
    if not target.is_project_function or target.module is None:
        return None
    name = parameter_for(target.function, received, bound=target.kind == "method")
    if name is None:
        return None
    return param_uses(view.index, target.module, target.function, name)


def _value_text(view: View, received: Received) -> str:
    if received.capture or not isinstance(received.node, cst.BaseExpression):
        return received.origin.param
    text: Optional[str] = view.code(received.node)
    return text if text and len(text) <= 40 else received.origin.param
