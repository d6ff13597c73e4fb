"""BG301 blocking-async-task."""

from __future__ import annotations

from typing import Iterator, Optional

from bglint.diagnostics import Applicability, Edit, Location
from bglint.index import FunctionSummary, Index, ModuleSummary
from bglint.index.effects import effects_of, is_awaited_anywhere
from bglint.model import View
from bglint.rules._common import is_undecorated, task_function
from bglint.rules.base import Finding, FixAvailability, Rule, TextFix

_ASYNC = "async "


class BlockingAsyncTask(Rule):
    """## What it does
    Checks for an `async def` task function that makes a blocking call (`time.sleep`,
    `requests`, `subprocess.run`, `open`, sync database drivers, ...), in its own body or in a
    project function it calls.

    ## Why is this bad?
    Starlette runs an `async def` task on the event loop, so a blocking call inside it stalls
    every other request of the worker until it returns. A `def` task runs in the thread pool
    instead, where blocking is harmless.

    ## Example
    ```python
    import time

    from fastapi import BackgroundTasks, FastAPI

    app = FastAPI()


    async def rebuild_report(report_id: int) -> None:
        time.sleep(30)


    @app.post("/reports/{report_id}")
    def refresh(report_id: int, background_tasks: BackgroundTasks):
        background_tasks.add_task(rebuild_report, report_id)
    ```

    ## Use instead
    ```python
    import time

    from fastapi import BackgroundTasks, FastAPI

    app = FastAPI()


    def rebuild_report(report_id: int) -> None:
        time.sleep(30)


    @app.post("/reports/{report_id}")
    def refresh(report_id: int, background_tasks: BackgroundTasks):
        background_tasks.add_task(rebuild_report, report_id)
    ```

    ## Fix safety
    The fix turns the task into a plain `def`, so Starlette runs it in the thread pool. It is
    unsafe: the task then runs on another thread, which matters for code that expects the
    event loop. It is offered only when the task is in the same file, has no `await`,
    `async for` or `async with`, has no decorator, and no code in the run calls it directly.

    ## Versions
    All versions of FastAPI and Starlette.

    ## Options
    - `blocking-calls`: more fully qualified names to treat as blocking calls.

    ## References
    - [Starlette: Background Tasks](https://www.starlette.io/background/)
    - [FastAPI: Concurrency and async / await](https://fastapi.tiangolo.com/async/)
    """

    code = "BG301"
    name = "blocking-async-task"
    message = (
        "`async def {task}` calls {call}, which blocks the event loop and stalls every request "
        "while it runs; make `{task}` a `def`"
    )
    fix_title = "Make `{task}` a `def`"
    fix_availability = FixAvailability.SOMETIMES

    def check(self, view: View, index: Index) -> Iterator[Finding]:
        for site in view.task_sites:
            found = task_function(view, site)
            if found is None:
                continue
            module, function = found
            if not function.is_async or function.is_generator:
                continue
            blocking = effects_of(index, module, function).blocking
            if not blocking:
                continue
            fix = self._fix(view, index, module, function)
            yield self.report(site.func, fix=fix, task=function.name, call=blocking[0].described())

    def _fix(
        self, view: View, index: Index, module: ModuleSummary, function: FunctionSummary
    ) -> Optional[TextFix]:
        if module.path != view.module.path or function.has_await:
            return None
        if not is_undecorated(function) or is_awaited_anywhere(index, module, function):
            return None
        # `ast` puts an `async def` at its `async` keyword; the line before it is indentation
        start = Location(function.def_line, function.col + 1)
        end = Location(function.def_line, function.col + 1 + len(_ASYNC))
        return TextFix(
            self.fix_title.format(task=function.name),
            Applicability.UNSAFE,
            (Edit(start, end, ""),),
        )
