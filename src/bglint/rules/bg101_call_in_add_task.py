"""BG101 call-in-add-task."""

from __future__ import annotations

from typing import Iterator

import libcst.matchers as m

from bglint.diagnostics import Applicability
from bglint.index import Index, Target
from bglint.index.names import CALLABLE_FACTORIES
from bglint.model import TaskSite, View
from bglint.rules._common import (
    can_move_arguments,
    rebuild_task_call,
    scheduler,
    shorten,
    task_arguments_fixable,
)
from bglint.rules.base import Finding, FixAvailability, Rule

# Ex) background_tasks.add_task(send_welcome(email))
CALLED_NOW = m.Call(func=m.Name() | m.Attribute())


class CallInAddTask(Rule):
    """## What it does
    Checks for `add_task` calls (and `BackgroundTask(...)`) whose task argument is a call,
    such as `add_task(send_welcome(email))`.

    ## Why is this bad?
    The function runs at once, inside the request, and `add_task` schedules whatever it
    returns. A plain function returns `None`, so after the client got its response the task
    fails with `TypeError` and only the log shows it; an `async def` returns a coroutine that
    never runs. Every FastAPI and Starlette version behaves this way.

    ## Example
    ```python
    from fastapi import BackgroundTasks, FastAPI

    app = FastAPI()


    def send_welcome(email: str) -> None:
        print(f"welcome {email}")


    @app.post("/signup")
    def signup(email: str, background_tasks: BackgroundTasks):
        background_tasks.add_task(send_welcome(email))
        return {"ok": True}
    ```

    ## Use instead
    ```python
    from fastapi import BackgroundTasks, FastAPI

    app = FastAPI()


    def send_welcome(email: str) -> None:
        print(f"welcome {email}")


    @app.post("/signup")
    def signup(email: str, background_tasks: BackgroundTasks):
        background_tasks.add_task(send_welcome, email)
        return {"ok": True}
    ```

    ## Fix safety
    The fix passes the function and its arguments: `add_task(send_welcome, email)`. It is safe
    when the function is an `async def`, or a `def` that never returns a value: the code as
    written can never work. It is unsafe when bglint cannot see the function or it returns a
    value, because it might be a factory that builds the real task. No fix is offered when
    `add_task` has more arguments or the call passes `func=` or `**kwargs`.

    ## Versions
    All versions of FastAPI and Starlette. Starlette 0.42 and later reject the non-callable
    with `the first argument must be callable`; older versions fail with
    `'NoneType' object is not callable`.

    ## Known problems
    A call of a class, or of an unresolved name in CapWords, is taken to build a callable
    object and is not flagged.

    ## References
    - [FastAPI: Background Tasks](https://fastapi.tiangolo.com/tutorial/background-tasks/)
    - [Starlette: Background Tasks](https://www.starlette.io/background/)
    """

    code = "BG101"
    name = "call-in-add-task"
    message = (
        "`{call}` runs during the request and `{scheduler}` schedules what it returns "
        "({returned}); pass `{func}` and its arguments instead"
    )
    fix_title = "Pass `{func}` and its arguments to `{scheduler}`"
    fix_availability = FixAvailability.SOMETIMES

    def check(self, view: View, index: Index) -> Iterator[Finding]:
        for site in view.task_sites:
            call = site.func
            if call is None or not m.matches(call, CALLED_NOW):
                continue
            target = view.resolve(call.func, site.scopes)
            if _builds_a_callable(view, target, call.func):
                continue
            func = view.code(call.func)
            fields = dict(call=shorten(view.code(call)), func=func, scheduler=scheduler(site))
            yield self.report(
                call, returned=_returned(target), fix=self._fix(site, target, fields), **fields
            )

    def _fix(self, site: TaskSite, target: Target, fields: dict):
        call = site.func
        if not task_arguments_fixable(site) or not can_move_arguments(call.args):
            return None
        new = rebuild_task_call(site, call.func, call.args)
        return self.make_fix(((site.call, new),), _applicability(target), **fields)


def _builds_a_callable(view: View, target: Target, callee) -> bool:
    """A factory, a class, or something bglint cannot see into: stay silent (style.md)."""
    if target.kind not in ("function", "method", "external"):
        return True  # a class, an instance, a module, a local: bglint cannot see what it returns
    if target.kind == "external":
        last = target.qualname.rpartition(".")[2]
        return target.qualname in CALLABLE_FACTORIES or last[:1].isupper()
    return target.function.returns_callable


def _returned(target: Target) -> str:
    function = target.function
    if function is None:
        return "its return value"
    if function.is_async:
        return "a coroutine that never runs"
    if function.is_generator:
        return "a generator object"
    if not function.returns_value and not function.decorators:
        return "`None`"
    return "its return value"


def _applicability(target: Target) -> Applicability:
    function = target.function
    if function is not None and not function.decorators:
        if function.is_async or not (function.returns_value or function.is_generator):
            return Applicability.SAFE
    return Applicability.UNSAFE
