"""BG103 late-binding-task."""

from __future__ import annotations

from typing import Iterator, Optional

import libcst as cst
import libcst.matchers as m

from bglint.diagnostics import Applicability
from bglint.index import Index
from bglint.model import TaskSite, View
from bglint.rules._common import (
    SIMPLE_VALUE,
    can_move_arguments,
    is_async_function,
    lambda_call,
    rebuild_task_call,
    scheduler,
    shorten,
    task_arguments_fixable,
)
from bglint.rules.base import Finding, FixAvailability, Rule

# Ex) add_task(lambda: resize_image(item))
LAMBDA = m.Lambda()
# Ex) add_task(resize_one)  where `def resize_one(): ...` reads the loop variable
FUNCTION_REFERENCE = m.Name()


class LateBindingTask(Rule):
    """## What it does
    Checks for a `lambda` or nested function scheduled as a task inside a loop when it reads a
    variable the loop rebinds, such as `add_task(lambda: resize_image(item))` in
    `for item in items:`.

    ## Why is this bad?
    A closure reads its variables when it runs, not when it is made. Tasks run after the
    response, long after the loop ended, so every task sees the loop's last value: the last
    image is resized once per upload and the others never. No error is raised.

    ## Example
    ```python
    from fastapi import BackgroundTasks, FastAPI

    app = FastAPI()


    def resize_image(name: str) -> None:
        print(f"resizing {name}")


    @app.post("/albums")
    def create_album(names: list[str], background_tasks: BackgroundTasks):
        for name in names:
            background_tasks.add_task(lambda: resize_image(name))
        return {"count": len(names)}
    ```

    ## Use instead
    ```python
    from fastapi import BackgroundTasks, FastAPI

    app = FastAPI()


    def resize_image(name: str) -> None:
        print(f"resizing {name}")


    @app.post("/albums")
    def create_album(names: list[str], background_tasks: BackgroundTasks):
        for name in names:
            background_tasks.add_task(resize_image, name)
        return {"count": len(names)}
    ```

    ## Fix safety
    The fix passes the called function and its arguments to `add_task`, which binds them when
    the task is added. It is safe when the lambda takes no parameters and its body is one call
    whose arguments are names, attributes, subscripts or literals, so nothing runs earlier than
    before. No fix is offered for other shapes, nor when the callee is an `async def` (see
    BG105).

    ## Versions
    All versions: this is how Python closures work.

    ## References
    - [Python FAQ: lambdas defined in a loop](https://docs.python.org/3/faq/programming.html#why-do-lambdas-defined-in-a-loop-with-different-values-all-return-the-same-result)
    """

    code = "BG103"
    name = "late-binding-task"
    message = (
        "`{task}` reads `{variable}` when the task runs, after the loop has ended, so every task "
        "sees its last value; pass `{variable}` as an argument to `{scheduler}`"
    )
    fix_title = "Pass `{callee}` and its arguments to `{scheduler}`"
    fix_availability = FixAvailability.SOMETIMES

    def check(self, view: View, index: Index) -> Iterator[Finding]:
        for site in view.task_sites:
            if not site.loops or site.func is None:
                continue
            closure = _closure(view, site)
            if closure is None:
                continue
            rebound = frozenset().union(*(loop.bound_names for loop in site.loops))
            late = sorted(view.free_names(closure) & rebound)
            if not late:
                continue
            fields = dict(
                task=shorten(view.code(site.func)),
                variable=late[0],
                scheduler=scheduler(site),
            )
            yield self.report(site.func, fix=self._fix(view, site), **fields)

    def _fix(self, view: View, site: TaskSite):
        call = lambda_call(site.func)
        if call is None or not task_arguments_fixable(site) or not can_move_arguments(call.args):
            return None
        if any(arg.star or not m.matches(arg.value, SIMPLE_VALUE) for arg in call.args):
            return None
        if is_async_function(view.resolve(call.func, site.scopes)):
            return None
        new = rebuild_task_call(site, call.func, call.args)
        return self.make_fix(
            ((site.call, new),),
            Applicability.SAFE,
            callee=view.code(call.func),
            scheduler=scheduler(site),
        )


def _closure(view: View, site: TaskSite) -> Optional[cst.CSTNode]:
    """The lambda, or the nested def a name refers to, that the site schedules."""
    if m.matches(site.func, LAMBDA):
        return site.func
    if m.matches(site.func, FUNCTION_REFERENCE):
        return view.nested_def(site.func.value, site.scopes)
    return None
