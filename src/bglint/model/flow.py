"""Control flow inside one view's function: what runs after a statement on the same path,
which `raise` leaves the function, what it returns, and where a local name goes.

Only the statements of one function are walked (never a module). The path is the plain
textual one: the statements after a node in its block, then after each enclosing statement,
skipping the other branches of an `if`, the handlers of a `try` and later loop iterations. A
`return` ends the path; `break` / `continue` leave the loop. A `raise` inside the body of a
`try` that has handlers counts as caught, whatever the handlers name: an unsure finding stays
silent (style.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator, List, Optional, Sequence, Tuple

import libcst as cst

from bglint.model.walk import children

_SCOPES = (cst.FunctionDef, cst.ClassDef, cst.Lambda)
_LOOPS = (cst.For, cst.While)
_TRIES = (cst.Try, cst.TryStar)


@dataclass(frozen=True)
class _Level:
    """One block on the way from a function's body down to a statement."""

    statements: Sequence[cst.CSTNode]
    index: int
    owner: Optional[cst.CSTNode]  # the compound statement whose block this is
    part: str  # body | orelse | handler | finally | line


def contains(node: cst.CSTNode, target: cst.CSTNode) -> bool:
    if node is target:
        return True
    stack = children(node)
    while stack:
        child = stack.pop()
        if child is target:
            return True
        stack.extend(children(child))
    return False


def _statements(suite) -> Sequence[cst.CSTNode]:
    return suite.body if suite is not None else ()


def _blocks(statement: cst.CSTNode) -> Iterator[Tuple[Sequence[cst.CSTNode], str]]:
    """The statement lists directly inside a statement, with the part each one is."""
    if isinstance(statement, cst.SimpleStatementLine):
        yield statement.body, "line"
    elif isinstance(statement, cst.If):
        yield _statements(statement.body), "body"
        if isinstance(statement.orelse, cst.If):
            yield (statement.orelse,), "orelse"
        elif statement.orelse is not None:
            yield _statements(statement.orelse.body), "orelse"
    elif isinstance(statement, (*_LOOPS, cst.With)):
        yield _statements(statement.body), "body"
        if getattr(statement, "orelse", None) is not None:
            yield _statements(statement.orelse.body), "orelse"
    elif isinstance(statement, _TRIES):
        yield _statements(statement.body), "body"
        for handler in statement.handlers:
            yield _statements(handler.body), "handler"
        if statement.orelse is not None:
            yield _statements(statement.orelse.body), "orelse"
        if statement.finalbody is not None:
            yield _statements(statement.finalbody.body), "finally"
    elif isinstance(statement, cst.Match):
        for case in statement.cases:
            yield _statements(case.body), "case"


def _locate(
    statements: Sequence[cst.CSTNode], target: cst.CSTNode, owner, part: str
) -> Optional[List[_Level]]:
    for position, statement in enumerate(statements):
        if not contains(statement, target):
            continue
        level = _Level(statements, position, owner, part)
        for inner_statements, inner_part in _blocks(statement):
            inner = _locate(inner_statements, target, statement, inner_part)
            if inner is not None:
                return [level, *inner]
        return [level]
    return None


def _is_caught_level(levels: Sequence[_Level]) -> bool:
    return any(
        isinstance(level.owner, _TRIES) and level.part == "body" and level.owner.handlers
        for level in levels
    )


def _ends_path(statement: cst.CSTNode) -> Optional[str]:
    """`return` / `raise` end the path; `break` / `continue` leave the loop."""
    small = statement.body if isinstance(statement, cst.SimpleStatementLine) else (statement,)
    for node in small:
        if isinstance(node, (cst.Return, cst.Raise)):
            return "return"
        if isinstance(node, (cst.Break, cst.Continue)):
            return "loop"
    return None


def statements_after(
    function: cst.FunctionDef, node: cst.CSTNode
) -> Iterator[Tuple[cst.CSTNode, bool]]:
    """The statements that can run after `node` on its path, in order, each with whether an
    enclosing `try` with handlers catches what it raises. Empty for a node in a nested scope."""
    levels = _locate(_statements(function.body), node, function, "body")
    if levels is None or any(
        isinstance(level.statements[level.index], _SCOPES) for level in levels
    ):
        return
    leaving_loop = False
    for depth in range(len(levels) - 1, -1, -1):
        level = levels[depth]
        caught = _is_caught_level(levels[: depth + 1])
        if leaving_loop:
            leaving_loop = not isinstance(level.owner, _LOOPS) or level.part != "body"
            continue
        for statement in level.statements[level.index + 1 :]:
            yield statement, caught
            end = _ends_path(statement)
            if end == "return":
                return
            if end == "loop":
                leaving_loop = True
                break
        if leaving_loop:
            leaving_loop = not isinstance(level.owner, _LOOPS) or level.part != "body"
            continue
        owner = level.owner
        if isinstance(owner, _TRIES) and depth > 0:
            outer_caught = _is_caught_level(levels[:depth])
            tail = []
            if level.part == "body" and owner.orelse is not None:
                tail += _statements(owner.orelse.body)
            if level.part != "finally" and owner.finalbody is not None:
                tail += _statements(owner.finalbody.body)
            for statement in tail:
                yield statement, outer_caught


def _raises_in(statement: cst.CSTNode) -> Iterator[cst.Raise]:
    """`raise` statements in a statement that leave it: not in a nested scope, not in the
    body of a `try` with handlers."""
    stack = [statement]
    while stack:
        node = stack.pop()
        if isinstance(node, cst.Raise):
            yield node
            continue
        if isinstance(node, _SCOPES):
            continue
        if isinstance(node, _TRIES) and node.handlers:
            stack.extend(c for c in children(node) if c is not node.body)
            continue
        stack.extend(reversed(children(node)))


def raise_after(function: cst.FunctionDef, node: cst.CSTNode) -> Optional[cst.Raise]:
    """The first `raise` that runs after `node` on its path and leaves `function`."""
    for statement, caught in statements_after(function, node):
        if caught:
            continue
        for found in _raises_in(statement):
            return found
    return None


def runs_after(function: cst.FunctionDef, earlier: cst.CSTNode, later: cst.CSTNode) -> bool:
    """Whether `later` is on the path after `earlier` (same function, no branch between)."""
    return any(contains(statement, later) for statement, _ in statements_after(function, earlier))


# -- what a function returns, and where a local name goes -------------------------------------


def _own_nodes(function: cst.FunctionDef) -> Iterator[Tuple[cst.CSTNode, cst.CSTNode]]:
    """(node, parent) pairs of a function's body, also inside nested scopes."""
    stack = [(child, function) for child in children(function.body)]
    while stack:
        node, parent = stack.pop()
        yield node, parent
        stack.extend((child, node) for child in children(node))


def returned_values(function: cst.FunctionDef) -> List[cst.BaseExpression]:
    """The values of the function's own `return` statements (not those of nested scopes)."""
    found = []
    stack = children(function.body)
    while stack:
        node = stack.pop()
        if isinstance(node, _SCOPES):
            continue
        if isinstance(node, cst.Return) and node.value is not None:
            found.append(node.value)
        stack.extend(children(node))
    return found


@dataclass
class NameUses:
    """How a local name is used in a function: bindings, and every read with its parent."""

    bindings: int = 0
    scheduled: int = 0  # `name.add_task(...)`
    escapes: int = 0  # any other read: returned, passed on, attached, stored, captured


def name_uses(function: cst.FunctionDef, name: str) -> NameUses:
    uses = NameUses()
    targets = set()
    for node, _ in _own_nodes(function):
        if isinstance(node, (cst.AssignTarget, cst.AnnAssign, cst.AugAssign, cst.For, cst.AsName)):
            target = getattr(node, "target", None) or getattr(node, "name", None)
            for bound in _bound_names(target):
                if bound.value == name:
                    uses.bindings += 1
                    targets.add(id(bound))
        elif isinstance(node, (cst.Global, cst.Nonlocal)):
            if any(item.name.value == name for item in node.names):
                uses.escapes += 1
        elif isinstance(node, (cst.Param, cst.NamedExpr)):
            bound = node.name if isinstance(node, cst.Param) else node.target
            if isinstance(bound, cst.Name) and bound.value == name:
                uses.bindings += 1
                targets.add(id(bound))
    for node, parent in _own_nodes(function):
        if not isinstance(node, cst.Name) or node.value != name or id(node) in targets:
            continue
        if isinstance(parent, cst.Attribute) and parent.attr is node:
            continue  # `x.name` is an attribute, not this name
        if isinstance(parent, (cst.Arg, cst.Param)) and getattr(parent, "keyword", None) is node:
            continue
        if isinstance(parent, cst.Attribute) and parent.value is node:
            if parent.attr.value == "add_task":
                uses.scheduled += 1
                continue
        uses.escapes += 1
    return uses


def _bound_names(target) -> List[cst.Name]:
    if isinstance(target, cst.Name):
        return [target]
    if isinstance(target, (cst.Tuple, cst.List)):
        return [name for element in target.elements for name in _bound_names(element.value)]
    if isinstance(target, cst.StarredElement):
        return _bound_names(target.value)
    return []


def hand_built_tasks(view) -> List[Tuple[cst.Call, str, object]]:
    """`name = BackgroundTasks(...)` in the view's functions: (the call, the name, its Scope)."""
    from bglint.index.names import BACKGROUND_TASKS

    found = []
    for scope in view.functions:
        if scope.node is None:
            continue
        for name, value in scope.assigned.items():
            if isinstance(value, cst.Call) and view.qualify(value.func, (scope,)) in (
                BACKGROUND_TASKS
            ):
                found.append((value, name, scope))
    return found
