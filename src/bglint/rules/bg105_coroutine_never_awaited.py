"""BG105 coroutine-never-awaited."""

from __future__ import annotations

from typing import Iterator, Optional

import libcst.matchers as m

from bglint.diagnostics import Applicability
from bglint.index import Index, Target
from bglint.model import TaskSite, View
from bglint.model.scopes import param_names
from bglint.rules._common import (
    can_move_arguments,
    is_async_function,
    lambda_call,
    rebuild_task_call,
    scheduler,
    task_arguments_fixable,
)
from bglint.rules.base import Finding, FixAvailability, Rule

# Ex) add_task(lambda: notify_slack(message))
LAMBDA_CALLING = m.Lambda(body=m.Call(func=m.Name() | m.Attribute()))
# Ex) add_task(notify_later)  where `def notify_later(): return notify_slack(...)`
REFERENCE = m.Name() | m.Attribute()


class CoroutineNeverAwaited(Rule):
    """## What it does
    Checks for a `lambda` or a plain `def` wrapper scheduled as a task whose body returns the
    call of an `async def`, such as `add_task(lambda: notify_slack(message))`.

    ## Why is this bad?
    Starlette sees a plain callable and runs it in the thread pool. Calling it only creates the
    coroutine of the `async def`; nobody awaits it, so the work never happens and nothing is
    raised, apart from a `RuntimeWarning: coroutine ... was never awaited` in the log at best.

    ## Example
    ```python
    from fastapi import BackgroundTasks, FastAPI

    app = FastAPI()


    async def notify_slack(message: str) -> None:
        print(message)


    @app.post("/deploys")
    def deploy(message: str, background_tasks: BackgroundTasks):
        background_tasks.add_task(lambda: notify_slack(message))
        return {"queued": True}
    ```

    ## Use instead
    ```python
    from fastapi import BackgroundTasks, FastAPI

    app = FastAPI()


    async def notify_slack(message: str) -> None:
        print(message)


    @app.post("/deploys")
    def deploy(message: str, background_tasks: BackgroundTasks):
        background_tasks.add_task(notify_slack, message)
        return {"queued": True}
    ```

    ## Fix safety
    The fix schedules the `async def` itself: `add_task(notify_slack, message)`. It is unsafe
    because work that never ran will start running, and its arguments are evaluated when the
    task is added rather than when it runs. It is offered only for a lambda without parameters
    whose body is that single call.

    ## Versions
    All versions of FastAPI and Starlette.

    ## References
    - [Starlette: Background Tasks](https://www.starlette.io/background/)
    """

    code = "BG105"
    name = "coroutine-never-awaited"
    message = (
        "`{task}` returns the coroutine of `async def {target}` without awaiting it: Starlette "
        "runs it in a thread and drops it, so `{target}` never runs; pass `{target}` to "
        "`{scheduler}` instead"
    )
    fix_title = "Pass `{target}` and its arguments to `{scheduler}`"
    fix_availability = FixAvailability.SOMETIMES

    def check(self, view: View, index: Index) -> Iterator[Finding]:
        for site in view.task_sites:
            task = site.func
            if task is None:
                continue
            if m.matches(task, LAMBDA_CALLING):
                target = view.resolve(
                    task.body.func, site.scopes, frozenset(param_names(task.params))
                )
                if is_async_function(target):
                    fields = self._fields(view, site, "lambda", target)
                    yield self.report(task, fix=self._fix(site, fields), **fields)
            elif m.matches(task, REFERENCE):
                target = _awaitable_returned(view, index, view.resolve(task, site.scopes))
                if target is not None:
                    fields = self._fields(view, site, view.code(task), target)
                    yield self.report(task, **fields)

    def _fields(self, view: View, site: TaskSite, task: str, target: Target) -> dict:
        return dict(task=task, target=target.function.name, scheduler=scheduler(site))

    def _fix(self, site: TaskSite, fields: dict):
        call = lambda_call(site.func)
        if call is None or not task_arguments_fixable(site) or not can_move_arguments(call.args):
            return None
        new = rebuild_task_call(site, call.func, call.args)
        return self.make_fix(((site.call, new),), Applicability.UNSAFE, **fields)


def _awaitable_returned(view: View, index: Index, wrapper: Target) -> Optional[Target]:
    """The `async def` a plain `def` wrapper returns the call of, if any."""
    function = wrapper.function
    if not wrapper.is_project_function or function.is_async or function.is_generator:
        return None
    local = {p.name for p in function.params}
    for callee in function.returned_calls:
        if callee.split(".")[0] in local:
            continue
        target = index.resolve(wrapper.module, callee)
        if is_async_function(target):
            return target
    return None
