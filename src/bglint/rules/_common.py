"""Helpers two or more rules share: naming code in messages and rebuilding task calls."""

from __future__ import annotations

from typing import Optional, Sequence, Tuple

import libcst as cst
import libcst.matchers as m

from bglint.index import ModuleSummary, Target
from bglint.index.summary import FunctionSummary
from bglint.model import TaskSite, View

_MAX_SHOWN = 48

# Ex) item, item.id, items[0], "text", 3, None
SIMPLE_VALUE = m.OneOf(
    m.Name(),
    m.Attribute(),
    m.Subscript(),
    m.SimpleString(),
    m.ConcatenatedString(),
    m.FormattedString(),
    m.Integer(),
    m.Float(),
)


def shorten(code: str) -> str:
    """Code for a message: one line, long argument lists elided."""
    flat = " ".join(code.split())
    if len(flat) <= _MAX_SHOWN:
        return flat
    head = flat.split("(", 1)[0]
    return f"{head}(...)" if "(" in flat else flat[: _MAX_SHOWN - 3] + "..."


def scheduler(site: TaskSite) -> str:
    return "add_task" if site.kind == "add_task" else "BackgroundTask"


def is_async_function(target: Target) -> bool:
    return target.is_project_function and target.function.is_async


def is_undecorated(function: FunctionSummary) -> bool:
    return not function.decorators


def can_move_arguments(args: Sequence[cst.Arg]) -> bool:
    """Whether call arguments can follow the task in `add_task(func, *args, **kwargs)`:
    a `func=` keyword would collide with `add_task`'s own parameter, and `**mapping` might
    hold one."""
    return all(
        arg.star != "**" and not (arg.keyword is not None and arg.keyword.value == "func")
        for arg in args
    )


def rebuild_task_call(
    site: TaskSite, task: cst.BaseExpression, args: Sequence[cst.Arg]
) -> cst.Call:
    """`site.call` scheduling `task` with `args` in place of its single task argument.

    The original argument's comma and the whitespace after it (where a trailing comment
    lives in a multi-line call) move to the last new argument, so no comment is lost."""
    original = site.func_arg
    task = (
        task.with_changes(lpar=[], rpar=[]) if isinstance(task, (cst.Name, cst.Attribute)) else task
    )
    if not args:
        return site.call.with_changes(args=[original.with_changes(value=task)])
    space = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
    moved = [arg.with_changes(comma=space) for arg in args[:-1]]
    last = args[-1].with_changes(
        comma=original.comma, whitespace_after_arg=original.whitespace_after_arg
    )
    return site.call.with_changes(args=[cst.Arg(value=task, comma=space), *moved, last])


def task_arguments_fixable(site: TaskSite) -> bool:
    """A rewrite of the task argument is only mechanical when it is the call's only argument."""
    return site.func_arg is not None and site.func_arg.keyword is None and not site.args


def resolve_callee(view: View, site: TaskSite, call: cst.Call, shadowed=frozenset()) -> Target:
    return view.resolve(call.func, site.scopes, shadowed)


def function_name(target: Target, fallback: str) -> str:
    return target.function.name if target.function is not None else fallback


def lambda_call(node: cst.BaseExpression) -> Optional[cst.Call]:
    """The call a parameterless `lambda: f(...)` makes, else None."""
    if isinstance(node, cst.Lambda) and isinstance(node.body, cst.Call):
        params = node.params
        if not (params.params or params.posonly_params or params.kwonly_params):
            if not isinstance(params.star_arg, cst.Param) and params.star_kwarg is None:
                return node.body
    return None


def task_function(view: View, site: TaskSite) -> Optional[Tuple[ModuleSummary, FunctionSummary]]:
    """The project function a site schedules, and its module: `send_email`, `mailer.send`."""
    if site.func is None:
        return None
    target = view.resolve(site.func, site.scopes)
    if not target.is_project_function or target.module is None:
        return None
    return target.module, target.function
