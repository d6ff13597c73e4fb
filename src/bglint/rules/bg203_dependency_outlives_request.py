"""BG203 dependency-outlives-request."""

from __future__ import annotations

from typing import Iterator, Optional

from bglint.index import Index
from bglint.model import View
from bglint.model.lifetimes import (
    TASK_WINDOW,
    TASK_WINDOW_TEXT,
    allowed_phrase,
    background_work,
    versions,
    work_name,
)
from bglint.model.provenance import Received, received_values
from bglint.rules.base import Finding, Rule


class DependencyOutlivesRequest(Rule):
    """## What it does
    Checks for a value from a dependency with `yield` (a database session, a client) passed to
    or captured by work that runs after the dependency's cleanup: a `BackgroundTasks` task when
    the allowed FastAPI versions include 0.106–0.117 or the dependency is declared with
    `scope="function"`, and spawned work (`asyncio.create_task`, threads, executors) always.

    ## Why is this bad?
    The code after `yield` (closing the session, the client) runs when the request is done. On
    FastAPI 0.106–0.117, and for `Depends(..., scope="function")`, that is before the tasks run,
    so the task works with a closed session: an error, or a silently lost write, after the
    client got its 200. Spawned work is not waited for, so it meets the cleaned-up value in
    every version.

    ## Example
    ```python
    from fastapi import BackgroundTasks, Depends, FastAPI

    app = FastAPI()


    def get_db():
        db = {"open": True}
        yield db
        db["open"] = False


    def record_visit(db: dict, page: str) -> None:
        print(db["open"], page)


    @app.get("/pages/{page}")
    def read_page(page: str, background_tasks: BackgroundTasks, db: dict = Depends(get_db)):
        background_tasks.add_task(record_visit, db, page)
        return {"page": page}
    ```

    ## Use instead
    ```python
    from fastapi import BackgroundTasks, FastAPI

    app = FastAPI()


    def record_visit(page: str) -> None:
        db = {"open": True}  # the task opens its own session
        print(db["open"], page)


    @app.get("/pages/{page}")
    def read_page(page: str, background_tasks: BackgroundTasks):
        background_tasks.add_task(record_visit, page)
        return {"page": page}
    ```

    ## Versions
    `BackgroundTasks` tasks: FastAPI 0.106–0.117, and from 0.121 on for dependencies declared
    with `scope="function"`. Spawned work: every version. The allowed range is read from config
    `fastapi-version`, else the project's pins (`pyproject.toml`, `requirements*.txt`,
    `uv.lock`, `poetry.lock`), else the installed FastAPI; unknown means every version.

    ## Known problems
    Spawned work is checked only in files that mention `Depends` or `UploadFile`, to keep
    bglint fast where spawning is common. An endpoint whose parameter is typed with an
    `Annotated[..., Depends(...)]` alias imported from another module, in a file that says
    neither word, is not checked. A `BackgroundTasks` task is always checked.

    ## References
    - [FastAPI: Dependencies with yield and background tasks](https://fastapi.tiangolo.com/tutorial/dependencies/dependencies-with-yield/)
    - [FastAPI 0.106.0 release notes](https://fastapi.tiangolo.com/release-notes/#01060)
    """

    code = "BG203"
    name = "dependency-outlives-request"
    message = (
        "`{value}` from `{dependency}` (a `yield` dependency) is cleaned up before {work} runs "
        "on FastAPI {broken}, {allowed}; open the resource inside the task"
    )
    messages = {
        "function_scope": (
            '`{value}` from `{dependency}` with `scope="function"` is cleaned up before {work} '
            "runs (FastAPI 0.121 and later); open the resource inside the task"
        ),
        "spawned": (
            "`{value}` from `{dependency}` (a `yield` dependency) is cleaned up when the request "
            "ends, before {work} runs, in every FastAPI version; open the resource inside the work"
        ),
    }

    def check(self, view: View, index: Index) -> Iterator[Finding]:
        task_broken: Optional[bool] = None  # the versions, only for a value that reaches a task
        for site, spawned in background_work(view):
            reported = set()
            for received in received_values(view, site):
                dependency = received.origin.dependency
                if dependency is None or not dependency.has_cleanup or not _uses(received):
                    continue
                if spawned:
                    template = "spawned"
                elif dependency.scope == "function":
                    template = "function_scope"
                else:
                    if task_broken is None:
                        task_broken = versions(view).allows_between(*TASK_WINDOW)
                    if not task_broken:
                        continue
                    template = "message"
                if id(received.node) in reported:
                    continue
                reported.add(id(received.node))
                yield self.report(
                    received.node,
                    template=template,
                    value=received.origin.param,
                    dependency=dependency.written,
                    work=work_name(site, spawned),
                    broken=TASK_WINDOW_TEXT,
                    allowed=allowed_phrase(versions(view)) if template == "message" else "",
                )


def _uses(received: Received) -> bool:
    """A closure that only reads plain attributes of the value (`settings.url`) is fine; a
    method call (`db.add(...)`) or handing it on is a use of the resource."""
    return any(use == "bare" or use.startswith("method:") for use in received.uses)
