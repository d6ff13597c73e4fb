"""BG104 task-signature-mismatch."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterator, List, Optional, Sequence, Set, Tuple

import libcst as cst
import libcst.matchers as m

from bglint.index import Index, Target
from bglint.index.names import PARTIAL
from bglint.index.summary import FunctionSummary, Param
from bglint.model import TaskSite, View
from bglint.rules._common import scheduler
from bglint.rules.base import Finding, Rule

# Ex) add_task(partial(send_receipt, order_id), email=email)
PARTIAL_CALL = m.Call(args=[m.Arg(keyword=None, star=""), m.ZeroOrMore()])


@dataclass
class _Given:
    """The arguments a task call gives: how many positional, which keywords."""

    positional: int = 0
    keywords: List[str] = field(default_factory=list)
    soft_keywords: Set[str] = field(default_factory=set)  # partial's keywords: may be overridden


class TaskSignatureMismatch(Rule):
    """## What it does
    Checks for `add_task` arguments that do not fit the signature of the task function: a
    missing required parameter, an unknown keyword, too many positional arguments, or a
    parameter given twice.

    ## Why is this bad?
    `add_task` only stores the arguments; the call happens after the response is sent. A
    mismatch raises `TypeError` then, the client already has its 200, the work never happens,
    and only the server log tells. Tests that do not run the tasks pass.

    ## Example
    ```python
    from fastapi import BackgroundTasks, FastAPI

    app = FastAPI()


    def send_receipt(order_id: int, email: str) -> None:
        print(order_id, email)


    @app.post("/orders/{order_id}/pay")
    def pay(order_id: int, email: str, background_tasks: BackgroundTasks):
        background_tasks.add_task(send_receipt, order_id, emial=email)
        return {"paid": order_id}
    ```

    ## Use instead
    ```python
    from fastapi import BackgroundTasks, FastAPI

    app = FastAPI()


    def send_receipt(order_id: int, email: str) -> None:
        print(order_id, email)


    @app.post("/orders/{order_id}/pay")
    def pay(order_id: int, email: str, background_tasks: BackgroundTasks):
        background_tasks.add_task(send_receipt, order_id, email=email)
        return {"paid": order_id}
    ```

    ## Versions
    All versions of FastAPI and Starlette.

    ## Known problems
    Only functions bglint can see in the project are checked, and only when they carry no
    decorator (a decorator may change the signature) and the call unpacks no `*args` or
    `**kwargs`.

    ## References
    - [Starlette: Background Tasks](https://www.starlette.io/background/)
    """

    code = "BG104"
    name = "task-signature-mismatch"
    message = "`{scheduler}` gives `{func}` arguments that do not fit `{signature}`"
    messages = {
        "too_many": (
            "`{scheduler}` passes {given} positional arguments to `{func}`, which takes {takes}: "
            "the task raises `TypeError` after the response is sent; match `{signature}`"
        ),
        "unknown_keyword": (
            "`{scheduler}` passes `{keyword}=` to `{func}`, which has no such parameter: the task "
            "raises `TypeError` after the response is sent; match `{signature}`"
        ),
        "positional_only": (
            "`{scheduler}` passes `{keyword}=` to `{func}`, where it is positional-only: the task "
            "raises `TypeError` after the response is sent; match `{signature}`"
        ),
        "twice": (
            "`{scheduler}` gives `{keyword}` to `{func}` twice, by position and by keyword: the "
            "task raises `TypeError` after the response is sent; match `{signature}`"
        ),
        "missing": (
            "`{scheduler}` does not pass `{missing}`, which `{func}` requires: the task raises "
            "`TypeError` after the response is sent; match `{signature}`"
        ),
    }

    def check(self, view: View, index: Index) -> Iterator[Finding]:
        for site in view.task_sites:
            if site.func is None or any(arg.star for arg in site.args):
                continue
            resolved = _resolve(view, site)
            if resolved is None:
                continue
            function, params, given, written = resolved
            for arg in site.args:
                if arg.keyword is None:
                    given.positional += 1
                else:
                    given.keywords.append(arg.keyword.value)
            problem = _mismatch(params, given)
            if problem is not None:
                template, fields = problem
                yield self.report(
                    site.call,
                    template=template,
                    scheduler=scheduler(site),
                    func=written,
                    signature=_signature(function.name, params),
                    **fields,
                )


def _resolve(
    view: View, site: TaskSite
) -> Optional[Tuple[FunctionSummary, Sequence[Param], _Given, str]]:
    """The task function, the parameters left to fill, what `partial` already gave, and the
    function as written at the site."""
    task, given = site.func, _Given()
    if m.matches(task, PARTIAL_CALL) and view.qualify(task.func, site.scopes) in PARTIAL:
        if any(arg.star for arg in task.args):
            return None
        given.positional = sum(1 for arg in task.args[1:] if arg.keyword is None)
        given.soft_keywords = {arg.keyword.value for arg in task.args[1:] if arg.keyword}
        task = task.args[0].value
    if not isinstance(task, (cst.Name, cst.Attribute)):
        return None
    target = view.resolve(task, site.scopes)
    params = _callable_params(target)
    if params is None:
        return None
    return target.function, params, given, view.code(task)


def _callable_params(target: Target) -> Optional[Sequence[Param]]:
    function = target.function
    if (
        not target.is_project_function
        or function.decorators
        and not _only(function, "staticmethod")
    ):
        return None
    if target.kind == "method":  # bound to a module-level instance: `self` is given
        return function.params[1:] if not _only(function, "staticmethod") else function.params
    if function.class_name is not None and not _only(function, "staticmethod"):
        return None  # `Class.method` unbound: whatever is passed becomes `self`
    return function.params


def _only(function: FunctionSummary, decorator: str) -> bool:
    return function.decorators == (decorator,)


def _mismatch(params: Sequence[Param], given: _Given):
    positional = [p for p in params if p.kind in ("posonly", "pos")]
    has_varargs = any(p.kind == "vararg" for p in params)
    has_varkw = any(p.kind == "varkw" for p in params)
    if given.positional > len(positional) and not has_varargs:
        return "too_many", dict(given=str(given.positional), takes=str(len(positional)))
    bound = {p.name for p in positional[: given.positional]}
    by_name = {p.name: p for p in params if p.kind in ("posonly", "pos", "kwonly")}
    for keyword in [*given.soft_keywords, *given.keywords]:
        param = by_name.get(keyword)
        if param is None or param.kind == "posonly":
            if has_varkw:
                continue
            template = "unknown_keyword" if param is None else "positional_only"
            return template, dict(keyword=keyword)
        if keyword in bound and keyword not in given.soft_keywords:
            return "twice", dict(keyword=keyword)
        bound.add(keyword)
    required = [
        p.name for p in params if p.kind in ("posonly", "pos", "kwonly") and not p.has_default
    ]
    missing = [name for name in required if name not in bound]
    if missing:
        return "missing", dict(missing="`, `".join(missing))
    return None


def _signature(name: str, params: Sequence[Param]) -> str:
    shown = []
    for position, param in enumerate(params):
        if param.kind == "kwonly" and not any(p.kind == "vararg" for p in params[:position]):
            if "*" not in shown:
                shown.append("*")
        if position and param.kind != "posonly" and params[position - 1].kind == "posonly":
            shown.append("/")
        prefix = {"vararg": "*", "varkw": "**"}.get(param.kind, "")
        shown.append(f"{prefix}{param.name}{'=...' if param.has_default else ''}")
    if params and params[-1].kind == "posonly":
        shown.append("/")
    return f"{name}({', '.join(shown)})"
