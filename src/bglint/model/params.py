"""What a parameter is, from its annotation: `BackgroundTasks`, an upload, the request, ...

Annotations are resolved through the module's import table, so `Jobs` imported as an alias of
`fastapi.BackgroundTasks`, `Annotated[BackgroundTasks, ...]`, `Optional[...]`, `X | None`, a
string annotation and a module-level alias (`Tasks = BackgroundTasks`) all count.
"""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING, Sequence

import libcst as cst

from bglint.index.names import (
    ANNOTATED,
    BACKGROUND_TASKS,
    DEPENDS,
    OPTIONAL,
    REQUEST,
    UNION,
    UPLOAD_FILE,
    WEBSOCKET,
)

if TYPE_CHECKING:  # pragma: no cover
    from bglint.model.scopes import Scope
    from bglint.model.view import View

_MAX_DEPTH = 8


class ParamKind(str, enum.Enum):
    BACKGROUND_TASKS = "background_tasks"
    UPLOAD_FILE = "upload_file"
    UPLOAD_LIST = "upload_list"
    REQUEST = "request"
    WEBSOCKET = "websocket"
    DEPENDENCY = "dependency"  # filled by `Depends(...)` / `Security(...)`
    PLAIN = "plain"


_KINDS = (
    (BACKGROUND_TASKS, ParamKind.BACKGROUND_TASKS),
    (UPLOAD_FILE, ParamKind.UPLOAD_FILE),
    (REQUEST, ParamKind.REQUEST),
    (WEBSOCKET, ParamKind.WEBSOCKET),
)
_SEQUENCES = frozenset({"list", "List", "Sequence", "Iterable", "tuple", "Tuple"})


def classify_annotation(
    view: "View", expr: cst.BaseExpression, scopes: Sequence["Scope"], depth: int = 0
) -> ParamKind:
    if depth > _MAX_DEPTH:
        return ParamKind.PLAIN
    if isinstance(expr, cst.SimpleString):
        try:
            expr = cst.parse_expression(expr.evaluated_value)
        except (cst.ParserSyntaxError, ValueError, TypeError):
            return ParamKind.PLAIN
        return classify_annotation(view, expr, (), depth + 1)
    if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.BitOr):
        for side in (expr.left, expr.right):
            kind = classify_annotation(view, side, scopes, depth + 1)
            if kind is not ParamKind.PLAIN:
                return kind
        return ParamKind.PLAIN
    if isinstance(expr, cst.Subscript):
        return _classify_subscript(view, expr, scopes, depth)
    if not isinstance(expr, (cst.Name, cst.Attribute)):
        return ParamKind.PLAIN
    qualified = view.qualify(expr, scopes)
    if qualified is None:
        return ParamKind.PLAIN
    for names, kind in _KINDS:
        if qualified in names:
            return kind
    alias = _module_alias(view, expr)
    if alias is not None:
        return classify_annotation(view, alias, (), depth + 1)
    return ParamKind.PLAIN


def _module_alias(view: "View", expr: cst.BaseExpression):
    """The value of a module-level alias such as `Tasks = Annotated[BackgroundTasks, ...]`."""
    if not isinstance(expr, cst.Name) or expr.value not in view.module.aliases:
        return None
    try:
        return cst.parse_expression(view.module.aliases[expr.value])
    except cst.ParserSyntaxError:
        return None


def _classify_subscript(
    view: "View", expr: cst.Subscript, scopes: Sequence["Scope"], depth: int
) -> ParamKind:
    qualified = view.qualify(expr.value, scopes) or ""
    elements = [e.slice.value for e in expr.slice if isinstance(e.slice, cst.Index)]
    if not elements:
        return ParamKind.PLAIN
    if qualified in ANNOTATED:
        if any(is_depends(view, element, scopes) for element in elements[1:]):
            return ParamKind.DEPENDENCY
        return classify_annotation(view, elements[0], scopes, depth + 1)
    if qualified in OPTIONAL:
        return classify_annotation(view, elements[0], scopes, depth + 1)
    if qualified in UNION:
        for element in elements:
            kind = classify_annotation(view, element, scopes, depth + 1)
            if kind is not ParamKind.PLAIN:
                return kind
        return ParamKind.PLAIN
    if qualified.rpartition(".")[2] in _SEQUENCES:
        inner = classify_annotation(view, elements[0], scopes, depth + 1)
        if inner is ParamKind.UPLOAD_FILE:
            return ParamKind.UPLOAD_LIST
    return ParamKind.PLAIN


def is_depends(view: "View", expr: cst.BaseExpression, scopes: Sequence["Scope"]) -> bool:
    """Whether `expr` is a `Depends(...)` or `Security(...)` call of FastAPI."""
    return isinstance(expr, cst.Call) and view.qualify(expr.func, scopes) in DEPENDS


def classify_param(view: "View", param: cst.Param, scopes: Sequence["Scope"]) -> ParamKind:
    """A parameter's kind: a `Depends` default wins over what the annotation says."""
    if param.default is not None and is_depends(view, param.default, scopes):
        return ParamKind.DEPENDENCY
    if param.annotation is None:
        return ParamKind.PLAIN
    return classify_annotation(view, param.annotation.annotation, scopes)
