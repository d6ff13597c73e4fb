"""Exceptions that escape a task, and the exception classes an app handles (BG303).

The summary's one `ast` walk records, per function, its `try` bodies with the exception classes
their handlers keep (`catch_of`), and, per module, every exception-handler registration
(`handlers_of_call`). `escaping_raises` follows a task into the project functions it calls
(index/effects.py finds them), `MAX_DEPTH` calls deep, memoised per function and depth, and
keeps the raises of `HTTPException` (a subclass too) or of a class with a registered handler
that no enclosing `try` of the way catches.

A handler catches a raise when it names the class, one of its bases, `Exception`, or a name
the index cannot follow: an unsure catch counts as caught (style.md: stay silent).
"""

from __future__ import annotations

import ast
import builtins
from dataclasses import dataclass
from typing import TYPE_CHECKING, FrozenSet, List, Optional, Tuple

from bglint.index.facts import Catch, ExceptionHandlerRef, FunctionSummary, ModuleSummary
from bglint.index.names import HTTP_EXCEPTION, dotted_name

if TYPE_CHECKING:  # pragma: no cover
    from bglint.index import Index

_MAX_BASES = 8  # class hierarchies deeper than this are not followed (caught: unsure)
_TOO_BROAD = frozenset({"builtins.Exception", "builtins.BaseException"})
_TRANSPARENT_DECORATORS = frozenset({"staticmethod", "classmethod"})


# -- facts, collected by index/summary.py ---------------------------------------------------------


def _reraises(handler: ast.ExceptHandler) -> bool:
    """A handler whose last statement is `raise` or `raise exc` (its own `as` name)."""
    last = handler.body[-1] if handler.body else None
    if not isinstance(last, ast.Raise):
        return False
    if last.exc is None:
        return True
    return isinstance(last.exc, ast.Name) and last.exc.id == handler.name


def catch_of(node: ast.AST) -> Optional[Catch]:
    """The `try` body of `node` (an `ast.Try` / `ast.TryStar`) and what its handlers keep."""
    if not node.body or not node.handlers:
        return None
    caught: List[str] = []
    for handler in node.handlers:
        if _reraises(handler):
            continue
        if handler.type is None:
            caught.append("")
            continue
        types = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
        caught.extend(dotted_name(t) or "?" for t in types)
    if not caught:
        return None
    last = node.body[-1]
    return Catch(node.body[0].lineno, last.end_lineno or last.lineno, tuple(caught))


def handlers_of_call(node: ast.Call) -> List[ExceptionHandlerRef]:
    """`app.exception_handler(X)` (the decorator), `app.add_exception_handler(X, handler)`,
    and `FastAPI(exception_handlers={X: handler})`."""
    found = []
    func = node.func
    if isinstance(func, ast.Attribute) and func.attr in (
        "exception_handler",
        "add_exception_handler",
    ):
        first = node.args[0] if node.args else None
        for keyword in node.keywords:
            if keyword.arg == "exc_class_or_status_code":
                first = keyword.value
        name = dotted_name(first)
        if name is not None:
            found.append(ExceptionHandlerRef(name, node.lineno))
    for keyword in node.keywords:
        if keyword.arg == "exception_handlers" and isinstance(keyword.value, ast.Dict):
            for key in keyword.value.keys:
                name = dotted_name(key)
                if name is not None:
                    found.append(ExceptionHandlerRef(name, node.lineno))
    return found


# -- what escapes a task ------------------------------------------------------------------------


@dataclass(frozen=True)
class EscapingRaise:
    """A `raise` that leaves the task: `raise HTTPException(...)` in the task or a helper."""

    exception: str  # qualified: `fastapi.HTTPException`, `shop.errors.QuotaError`
    written: str  # as the `raise` writes it
    path: str  # the file that holds the `raise`
    line: int
    lineage: FrozenSet[str]  # the class and its bases, qualified
    open: bool  # a base the index cannot follow: any handler might catch it
    via: Tuple[str, ...] = ()  # the helpers called on the way, outermost first
    handled: bool = False  # a registered handler's class, not an `HTTPException`


def escaping_raises(
    index: "Index", module: ModuleSummary, function: FunctionSummary, depth: Optional[int] = None
) -> Tuple[EscapingRaise, ...]:
    """The `HTTPException` and handled-exception raises that leave `function`, `depth` calls
    deep into the project's helpers."""
    from bglint.index.effects import MAX_DEPTH

    depth = MAX_DEPTH if depth is None else depth
    key = ("escaping-raises", module.path, index.text_hash(module), function.qualname, depth)
    if key in index.memo:  # None while computing: a recursive call finds nothing more
        return index.memo[key] or ()
    index.memo[key] = None
    found = list(_own_raises(index, module, function))
    if depth > 0:
        found += _helper_raises(index, module, function, depth)
    result = tuple(found)
    index.memo[key] = result
    return result


def _own_raises(index: "Index", module: ModuleSummary, function: FunctionSummary):
    from bglint.index.effects import qualify_callee

    for written, line, _ in function.body.raises:
        qualified = qualify_callee(index, module, function, written) if written else None
        if qualified is None:
            continue  # `raise`, `raise exc`: a value, not a class we can name
        lineage, is_open = _lineage(index, module, qualified, 0)
        is_http = bool(lineage & HTTP_EXCEPTION)
        if not is_http and (
            qualified.startswith("builtins.") or not lineage & handled_classes(index, module)
        ):
            continue
        if _is_caught(index, module, function, line, lineage, is_open):
            continue
        yield EscapingRaise(
            qualified, written, module.path, line, lineage, is_open, handled=not is_http
        )


def _helper_raises(index: "Index", module: ModuleSummary, function: FunctionSummary, depth: int):
    from bglint.index.effects import _helper

    found = []
    for call in function.body.calls:
        helper = _helper(index, module, function, call.callee)
        if helper is None or helper[1] is function or not is_plain(helper[1]):
            continue
        for inner in escaping_raises(index, helper[0], helper[1], depth - 1):
            if _is_caught(index, module, function, call.line, inner.lineage, inner.open):
                continue
            via = (helper[1].name,) + inner.via
            found.append(
                EscapingRaise(
                    inner.exception,
                    inner.written,
                    inner.path,
                    inner.line,
                    inner.lineage,
                    inner.open,
                    via,
                    inner.handled,
                )
            )
    return found


def is_plain(function: FunctionSummary) -> bool:
    """No decorator that may catch what the function raises (`staticmethod` and
    `classmethod` keep the body as what runs)."""
    return set(function.decorators) <= _TRANSPARENT_DECORATORS


def _lineage(
    index: "Index", module: ModuleSummary, qualified: str, depth: int
) -> Tuple[FrozenSet[str], bool]:
    """The qualified names of a class and its bases, and whether some base is out of reach."""
    if qualified in HTTP_EXCEPTION:
        return HTTP_EXCEPTION | _TOO_BROAD, False
    if qualified.startswith("builtins."):
        cls = getattr(builtins, qualified.partition(".")[2], None)
        if isinstance(cls, type) and issubclass(cls, BaseException):
            return frozenset(f"builtins.{c.__name__}" for c in cls.__mro__[:-1]), False
        return frozenset({qualified}), True
    if depth > _MAX_BASES:
        return frozenset({qualified}), True
    target = index._resolve_qualified(qualified, module, 0)
    if target.kind != "class" or target.module is None:
        return frozenset({qualified}), True  # a class outside the project: bases unknown
    names, is_open = {qualified}, False
    for base in target.cls.bases:
        inner, inner_open = _lineage(
            index, target.module, index.qualify(target.module, base), depth + 1
        )
        names |= inner
        is_open |= inner_open
    return frozenset(names), is_open


def _is_caught(
    index: "Index",
    module: ModuleSummary,
    function: FunctionSummary,
    line: int,
    lineage: FrozenSet[str],
    is_open: bool,
) -> bool:
    from bglint.index.effects import qualify_callee

    for catch in function.catches:
        if not catch.first_line <= line <= catch.last_line:
            continue
        for written in catch.caught:
            if written in ("", "?") or is_open:
                return True
            qualified = qualify_callee(index, module, function, written)
            if qualified is None or qualified in lineage or qualified in _TOO_BROAD:
                return True
            if qualified.startswith("builtins."):
                continue  # a builtin the raised class does not derive from
            target = index._resolve_qualified(qualified, module, 0)
            if target.kind not in ("class", "external"):
                return True  # an alias or a tuple of classes: unsure
    return False


def handled_classes(index: "Index", near: ModuleSummary) -> FrozenSet[str]:
    """The qualified exception classes the project registers a handler for (besides
    `Exception`, whose handler Starlette runs for 500s only, and the builtins)."""
    from bglint.index.project import modules_mentioning

    modules = modules_mentioning(index, near, (b"exception_handler",))
    if modules is None:
        modules = list(index.summaries())
    key = ("handled-classes", tuple(sorted(m.path for m in modules)))
    known = index.memo.get(key)
    if known is not None:
        return known
    names = set()
    for summary in modules:
        for ref in summary.exception_handlers:
            qualified = index.qualify(summary, ref.exception)
            if not qualified.startswith("builtins."):
                names.add(qualified)
    result = frozenset(names - HTTP_EXCEPTION)
    index.memo[key] = result
    return result
