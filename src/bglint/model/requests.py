"""Whether a `Request`'s body is still readable after the response (BG202).

Starlette keeps a body it has read (`request._body`, also behind `json()` and `form()`), so a
task may read it again after the response: when the endpoint reads it itself, or when FastAPI
read it to fill a body parameter (a Pydantic model, `Body()`, `Form()`, `File()`, an upload)
of the same endpoint (probe exp06: `/read-first`, `/model`, `/form`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst
import libcst.matchers as m

from bglint.model.params import ParamKind, classify_param
from bglint.model.provenance import find_dependency

if TYPE_CHECKING:  # pragma: no cover
    from bglint.model.provenance import Origin
    from bglint.model.view import View

# Annotations FastAPI reads from the path, query, headers or cookies, never from the body.
_SCALARS = frozenset({"str", "int", "float", "bool", "None", "UUID", "uuid.UUID", "Response"})
_NOT_BODY = frozenset({"Query", "Path", "Header", "Cookie", "Depends", "Security"})
_BODY_READS = ("body", "json", "form")


def body_is_cached(view: "View", origin: "Origin") -> bool:
    function = origin.scope.node
    if function is None:
        return True
    reader = _OwnBodyReads(origin.param)
    function.body.visit(reader)
    if reader.found:
        return True
    return any(_may_be_body(view, param, origin) for param in origin.scope.params.values())


def _may_be_body(view: "View", param: cst.Param, origin: "Origin") -> bool:
    kind = classify_param(view, param, ())
    if kind in (ParamKind.UPLOAD_FILE, ParamKind.UPLOAD_LIST):
        return True
    if kind is not ParamKind.PLAIN or find_dependency(view, param, ()) is not None:
        return False
    if param.default is not None and isinstance(param.default, cst.Call):
        callee = view.dotted(param.default.func) or ""
        if callee.rpartition(".")[2] in _NOT_BODY:
            return False
        return True  # Body(), Form(), File(), or something unknown
    if param.annotation is None:
        return False
    return not _is_scalar(view, param.annotation.annotation)


def _is_scalar(view: "View", annotation: cst.BaseExpression) -> bool:
    if isinstance(annotation, cst.BinaryOperation):
        return _is_scalar(view, annotation.left) and _is_scalar(view, annotation.right)
    if isinstance(annotation, cst.Subscript):
        head = (view.dotted(annotation.value) or "").rpartition(".")[2]
        elements = [e.slice.value for e in annotation.slice if isinstance(e.slice, cst.Index)]
        if head == "Annotated" and elements:
            metadata = [e for e in elements[1:] if isinstance(e, cst.Call)]
            if any(
                (view.dotted(e.func) or "").rpartition(".")[2] not in _NOT_BODY for e in metadata
            ):
                return False
            return _is_scalar(view, elements[0])
        if head in ("Optional", "Union"):
            return all(_is_scalar(view, e) for e in elements)
        return False
    return (view.dotted(annotation) or "") in _SCALARS


class _OwnBodyReads(cst.CSTVisitor):
    """`request.body()` / `.json()` / `.form()` in the endpoint's own code: not in a nested
    function or lambda, which may be the very task that runs later."""

    def __init__(self, param: str) -> None:
        self.param = param
        self.found = False

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return False

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        return False

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if (
            isinstance(func, cst.Attribute)
            and m.matches(func.value, m.Name(self.param))
            and func.attr.value in _BODY_READS
        ):
            self.found = True
