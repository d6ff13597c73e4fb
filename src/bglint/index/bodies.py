"""Body facts of one function, for the rules on task functions (BG301, BG302, BG501).

Recorded during the module's one stdlib-`ast` traversal (index/summary.py), for the function's
own body only: nested functions, classes and lambdas are their own bodies (their code runs
later, or never). Names are kept as written; the index qualifies them through the module's
import table when a rule asks (index/effects.py).
"""

from __future__ import annotations

import ast
from typing import Dict, List, Optional, Tuple

from bglint.index.facts import BodyFacts, CallFact
from bglint.index.names import dotted_name, source_of

_OWN_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)
_LOOPS = (ast.For, ast.AsyncFor, ast.While)
# The exception classes an `except` must name to catch whatever a task raises.
_BROAD_EXCEPTIONS = frozenset({"Exception", "BaseException"})
_TRY_NODES = (ast.Try,) + ((ast.TryStar,) if hasattr(ast, "TryStar") else ())


def _own_nodes(node: ast.AST):
    """The nodes below `node`, not descending into nested functions, classes or lambdas."""
    stack = list(ast.iter_child_nodes(node))
    while stack:
        child = stack.pop()
        if isinstance(child, _OWN_SCOPES):
            continue
        yield child
        stack.extend(ast.iter_child_nodes(child))


def _is_broad(handler: ast.ExceptHandler) -> bool:
    if handler.type is None:
        return True
    types = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return any((dotted_name(t) or "").rpartition(".")[2] in _BROAD_EXCEPTIONS for t in types)


def catches_broadly(node: ast.AST) -> bool:
    """A `try` with a bare / `Exception` / `BaseException` handler that does not re-raise."""
    return any(
        _is_broad(handler) and not any(isinstance(n, ast.Raise) for n in _own_nodes(handler))
        for handler in node.handlers
    )


def _is_true(test: ast.expr) -> bool:
    return isinstance(test, ast.Constant) and bool(test.value) and test.value is not Ellipsis


def _leaves(loop: ast.While) -> bool:
    """Whether a loop has a `break` of its own or a `return` anywhere in it."""
    stack = list(loop.body) + list(loop.orelse)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.Return, ast.Break)):
            return True
        if isinstance(node, _OWN_SCOPES) or isinstance(node, _LOOPS):
            if isinstance(node, _LOOPS):  # a nested loop's `break` is its own; a return is not
                stack.extend(n for n in _own_nodes(node) if isinstance(n, ast.Return))
            continue
        stack.extend(ast.iter_child_nodes(node))
    return False


def _retry_sleep(loop: ast.AST) -> Optional[str]:
    """The sleep callee of a retry loop: a loop around a `try` that leaves the loop on
    success (`break` / `return` in the `try` body) and sleeps between attempts."""
    tries = [s for s in loop.body if isinstance(s, _TRY_NODES) and s.handlers]
    leaves_on_success = any(
        isinstance(n, (ast.Break, ast.Return)) for t in tries for s in t.body + t.orelse
        for n in [s, *_own_nodes(s)]
    )  # fmt: skip
    if not leaves_on_success:
        return None
    for node in _own_nodes(loop):
        if isinstance(node, ast.Call):
            callee = dotted_name(node.func)
            if callee is not None and callee.rpartition(".")[2] == "sleep":
                return callee  # qualified (time.sleep, asyncio.sleep) when a rule asks
    return None


class BodyRecorder:
    """The body facts of one function, fed node by node by the module's one `ast` traversal
    (index/summary.py), which skips nested functions, classes and lambdas for it."""

    def __init__(self, package: str) -> None:
        self.package = package
        self.guarded = False  # inside the body of a `try` that catches broadly
        self.calls: List[CallFact] = []
        self.raises: List[Tuple[str, int, bool]] = []
        self.awaited: List[str] = []
        self.endless: List[int] = []
        self.retries: List[Tuple[int, str]] = []
        self.imports: Dict[str, str] = {}

    def call(self, node: ast.Call, callee: Optional[str]) -> None:
        if callee is not None:
            first = node.args[0] if node.args else None
            literal = first.value if isinstance(first, ast.Constant) else None
            literal = literal if isinstance(literal, str) else None
            self.calls.append(CallFact(callee, node.lineno, self.guarded, literal))
        elif isinstance(node.func, ast.Attribute) and node.func.attr == "raise_for_status":
            # `httpx.post(...).raise_for_status()`: the method of httpx, requests and aiohttp
            # responses that exists to raise
            self.raises.append(("raise_for_status()", node.lineno, self.guarded))

    def raise_(self, node: ast.Raise) -> None:
        exc = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
        written = "" if exc is None else (dotted_name(exc) or source_of(exc))
        self.raises.append((written, node.lineno, self.guarded))

    def await_(self, node: ast.Await) -> None:
        if isinstance(node.value, ast.Call):
            callee = dotted_name(node.value.func)
            if callee is not None:
                self.awaited.append(callee)

    def loop(self, node: ast.AST) -> None:
        if isinstance(node, ast.While) and _is_true(node.test) and not _leaves(node):
            self.endless.append(node.lineno)
        sleep = _retry_sleep(node)
        if sleep is not None:
            self.retries.append((node.lineno, sleep))

    def import_(self, node: ast.AST) -> None:
        if isinstance(node, ast.Import):
            for alias in node.names:
                local = alias.asname or alias.name.split(".")[0]
                self.imports[local] = alias.name if alias.asname else local
            return
        from bglint.index.summary import resolve_relative

        base = resolve_relative(self.package, node.level, node.module)
        if base is None:
            return
        for alias in node.names:
            if alias.name != "*":
                self.imports[alias.asname or alias.name] = f"{base}.{alias.name}"

    def facts(self) -> BodyFacts:
        return BodyFacts(
            calls=tuple(sorted(self.calls, key=lambda c: c.line)),
            raises=tuple(sorted(self.raises, key=lambda r: r[1])),
            awaited=tuple(self.awaited),
            endless_loops=tuple(sorted(self.endless)),
            retry_loops=tuple(sorted(self.retries)),
            imports=tuple(sorted(self.imports.items())),
        )
