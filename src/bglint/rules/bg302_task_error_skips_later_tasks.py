"""BG302 task-error-skips-later-tasks."""

from __future__ import annotations

from typing import Dict, Iterator, List, Optional, Tuple

import libcst as cst

from bglint.index import Index
from bglint.index.effects import Effect, effects_of
from bglint.index.names import BACKGROUND_TASKS
from bglint.model import TaskSite, View
from bglint.model.flow import runs_after
from bglint.model.params import ParamKind
from bglint.rules._common import is_undecorated, task_function
from bglint.rules.base import Finding, Rule


class TaskErrorSkipsLaterTasks(Rule):
    """## What it does
    Checks for a task that can raise (a `raise` or `raise_for_status()` in it, or in a project
    function it calls, outside a broad `try/except`) followed by more tasks on the same
    `BackgroundTasks`, also when the first task is added by a dependency of the endpoint.

    ## Why is this bad?
    Starlette runs the tasks of a request one after another. When one raises, the tasks after
    it never run; the client already has its response and the error only reaches the server
    log. This holds in every version.

    ## Example
    ```python
    import httpx
    from fastapi import BackgroundTasks, FastAPI

    app = FastAPI()


    def push_to_warehouse(order_id: int) -> None:
        httpx.post("https://warehouse.example.com", json={"id": order_id}).raise_for_status()


    @app.post("/orders/{order_id}/confirm")
    def confirm(order_id: int, background_tasks: BackgroundTasks):
        background_tasks.add_task(push_to_warehouse, order_id)
        background_tasks.add_task(print, f"order {order_id} confirmed")
    ```

    ## Use instead
    ```python
    import httpx
    from fastapi import BackgroundTasks, FastAPI

    app = FastAPI()


    def push_to_warehouse(order_id: int) -> None:
        httpx.post("https://warehouse.example.com", json={"id": order_id}).raise_for_status()


    @app.post("/orders/{order_id}/confirm")
    def confirm(order_id: int, background_tasks: BackgroundTasks):
        background_tasks.add_task(print, f"order {order_id} confirmed")
        background_tasks.add_task(push_to_warehouse, order_id)
    ```

    ## Versions
    All versions of FastAPI and Starlette.

    ## Known problems
    Only explicit `raise` statements and `raise_for_status()` calls count as "can raise", and a
    decorated task is assumed to handle its errors, so most tasks that fail on I/O are not
    reported.

    ## References
    - [Starlette: Background Tasks](https://www.starlette.io/background/)
    """

    code = "BG302"
    name = "task-error-skips-later-tasks"
    message = (
        "task `{task}` can raise ({cause}) with no error handling: the tasks added after it on "
        "`{tasks}` then never run and only the log shows it; catch and log its errors"
    )
    messages = {
        "dependency": (
            "task `{task}` can raise ({cause}) with no error handling: the tasks `{endpoint}` "
            "adds to the same `BackgroundTasks` then never run; catch and log its errors"
        ),
    }

    def check(self, view: View, index: Index) -> Iterator[Finding]:
        for group in _groups(view).values():
            for position, site in enumerate(group):
                raising = self._raising(view, index, site)
                if raising is None:
                    continue
                task, cause = raising
                function = site.scopes[-1].node
                later = [
                    s for s in group[position + 1 :] if runs_after(function, site.call, s.call)
                ]
                if later:
                    tasks = view.code(site.call.func.value)
                    yield self.report(site.func, task=task, cause=cause, tasks=tasks)
                elif position == len(group) - 1:
                    endpoint = _endpoint_adding_after(view, index, site)
                    if endpoint is not None:
                        yield self.report(
                            site.func, template="dependency", task=task, cause=cause,
                            endpoint=endpoint,
                        )  # fmt: skip

    def _raising(self, view: View, index: Index, site: TaskSite) -> Optional[Tuple[str, str]]:
        found = task_function(view, site)
        if found is None or not is_undecorated(found[1]):
            return None  # a decorator may catch what the task raises
        module, function = found
        raising = effects_of(index, module, function).raising
        return (function.name, _cause(raising[0])) if raising else None


def _cause(effect: Effect) -> str:
    return effect.described()


def _groups(view: View) -> Dict[Tuple[int, str], List[TaskSite]]:
    """`add_task` sites by function and receiver name, in source order."""
    groups: Dict[Tuple[int, str], List[TaskSite]] = {}
    for site in view.task_sites:
        receiver = site.call.func.value if site.kind == "add_task" else None
        if not isinstance(receiver, cst.Name) or site.scopes[-1].node is None:
            continue
        groups.setdefault((id(site.scopes[-1]), receiver.value), []).append(site)
    return groups


def _endpoint_adding_after(view: View, index: Index, site: TaskSite) -> Optional[str]:
    """An endpoint of this module that depends on the site's function (a dependency that
    receives the request's `BackgroundTasks`) and adds tasks of its own, which run later."""
    scope = site.scopes[-1]
    if len(site.scopes) != 1 or scope.qualname is None:
        return None
    if view.param_kind(scope, site.call.func.value.value) is not ParamKind.BACKGROUND_TASKS:
        return None
    module = view.module
    adders = {s.holder.function for s in module.sites if s.kind == "add_task"}
    for dependency in module.dependencies:
        if dependency.target is None or dependency.function not in adders:
            continue
        endpoint = module.functions.get(dependency.function)
        if dependency.function == scope.qualname or not _has_tasks_param(index, module, endpoint):
            continue
        target = index.resolve(module, dependency.target)
        if target.function is not None and target.function.qualname == scope.qualname:
            if target.module is module and index.routes_of(module, dependency.function):
                return dependency.function
    return None


def _has_tasks_param(index: Index, module, function) -> bool:
    """Whether `function` receives the request's `BackgroundTasks` (by its annotation)."""
    if function is None:
        return False
    for param in function.params:
        annotation = (param.annotation or "").split("[")[0]
        if annotation and index.qualify(module, annotation) in BACKGROUND_TASKS:
            return True
    return False
