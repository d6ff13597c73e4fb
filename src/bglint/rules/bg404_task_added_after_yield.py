"""BG404 task-added-after-yield."""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterator, Optional

from bglint.index import Index
from bglint.model import View
from bglint.model.dependencies import injected_scope, runs_after_yield, uses_of
from bglint.model.params import ParamKind
from bglint.model.provenance import allowed_versions
from bglint.rules._common import shorten
from bglint.rules.base import Finding, Rule

if TYPE_CHECKING:  # pragma: no cover
    from bglint.versions import VersionRange


class TaskAddedAfterYield(Rule):
    """## What it does
    Checks for `add_task` on an injected `BackgroundTasks` in the code after `yield` of a
    generator dependency (its cleanup, `finally` included), when the FastAPI versions the
    project allows include one where that task never runs.

    ## Why is this bad?
    The cleanup of a dependency with `yield` runs after the request's tasks have already run
    on FastAPI 0.105 and older and on 0.118 and newer (the newest included). A task added there
    is accepted and never runs, silently. It does run on 0.106 to 0.117, and for a dependency
    declared with `Depends(..., scope="function")`, so an upgrade can lose it.

    ## Example
    ```python
    from fastapi import BackgroundTasks, Depends, FastAPI

    app = FastAPI()


    def touch_last_seen(user_id: int) -> None:
        print("seen", user_id)


    def current_user(background_tasks: BackgroundTasks):
        yield 42
        background_tasks.add_task(touch_last_seen, 42)


    @app.get("/me")
    def read_me(user_id: int = Depends(current_user)):
        return {"id": user_id}
    ```

    ## Use instead
    ```python
    from fastapi import BackgroundTasks, Depends, FastAPI

    app = FastAPI()


    def touch_last_seen(user_id: int) -> None:
        print("seen", user_id)


    def current_user(background_tasks: BackgroundTasks):
        background_tasks.add_task(touch_last_seen, 42)
        yield 42


    @app.get("/me")
    def read_me(user_id: int = Depends(current_user)):
        return {"id": user_id}
    ```

    ## Versions
    The task never runs on FastAPI 0.105 and older and on 0.118 and newer; it runs on 0.106 to
    0.117. bglint reports it when the allowed versions (config `fastapi-version`, else the
    project's pins, else the installed FastAPI, else every version) include a version where it
    never runs, unless every `Depends` of the dependency says `scope="function"`.

    ## Known problems
    Only dependencies bglint sees used in a `Depends` are checked, and not those wrapped in a
    decorator (a `contextmanager` runs its cleanup inside the endpoint).

    ## References
    - [FastAPI: Dependencies with yield](https://fastapi.tiangolo.com/tutorial/dependencies/dependencies-with-yield/)
    - [FastAPI 0.118.0 release notes](https://fastapi.tiangolo.com/release-notes/#01180)
    """

    code = "BG404"
    name = "task-added-after-yield"
    message = (
        "`{call}` after `yield` in `{dependency}` comes after the request's tasks ran: it never "
        "runs on FastAPI {broken} (allowed: {source}); add it before `yield`"
    )

    def check(self, view: View, index: Index) -> Iterator[Finding]:
        versions: Optional[VersionRange] = None
        for site in view.task_sites:
            if site.kind != "add_task" or not site.scopes:
                continue
            receiver = site.call.func.value
            scope = injected_scope(view, receiver, site.scopes, ParamKind.BACKGROUND_TASKS)
            if scope is None or scope is not site.scopes[-1] or scope.node is None:
                continue
            function = view.module.functions.get(scope.qualname or "")
            if function is None or not function.is_generator or function.decorators:
                continue
            if not runs_after_yield(scope.node, site.call):
                continue
            uses = uses_of(index, view.module, function)
            if not uses or all(use.ref.scope == "function" for use in uses):
                continue  # not known as a dependency, or always run with the endpoint
            versions = versions or allowed_versions(view)
            broken = _broken(versions)
            if broken is None:
                continue
            yield self.report(
                site.call,
                call=shorten(view.code(site.call)),
                dependency=function.name,
                broken=broken,
                source=versions.describe(),
            )


def _broken(versions: VersionRange) -> Optional[str]:
    """The allowed versions where a task added after `yield` never runs (semantics.md)."""
    early = versions.allows_between("0.0.0", "0.106.0")
    late = versions.allows_between("0.118.0")
    if early and late:
        return "≤ 0.105 and ≥ 0.118"
    if early:
        return "≤ 0.105"
    if late:
        return "≥ 0.118"
    return None
