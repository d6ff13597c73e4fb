"""Endpoints and dependencies around a site: who injects a parameter, who uses a dependency,
and whether a statement runs after a generator dependency's `yield` (BG404, BG405, BG406).

A dependency's users are the `Depends(...)` / `Security(...)` that name it, anywhere in the
project (index/project.py scans the files that mention it and `Depends`). Every answer that is
not sure is "no": a finding needs every user known.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional, Sequence, Tuple

import libcst as cst

from bglint.index import DependencyRef, FunctionSummary, Index, ModuleSummary
from bglint.index.names import WEBSOCKET_ROUTES
from bglint.index.project import may_name_dependency, modules_mentioning
from bglint.model.flow import runs_after
from bglint.model.params import ParamKind
from bglint.model.scopes import Scope
from bglint.model.walk import children

_NESTED = (cst.FunctionDef, cst.ClassDef, cst.Lambda)
MAX_DEPENDENCY_DEPTH = 3  # sub-dependencies followed up to their endpoints


@dataclass(frozen=True)
class Use:
    """A `Depends` of a dependency: the module that declares it and the reference."""

    module: ModuleSummary
    ref: DependencyRef


def parameter_scope(name: cst.BaseExpression, scopes: Sequence[Scope]) -> Optional[Scope]:
    """The function whose parameter `name` is, when the innermost scope that binds the name
    binds it only as a parameter (never rebinds it in the body)."""
    if not isinstance(name, cst.Name):
        return None
    for scope in reversed(scopes):
        if not scope.binds(name.value):
            continue
        rebound = name.value in scope.assigned or name.value in scope.annotations
        return scope if name.value in scope.params and not rebound else None
    return None


def injected_scope(
    view, name: cst.BaseExpression, scopes: Sequence[Scope], kind: ParamKind
) -> Optional[Scope]:
    """The function into which FastAPI injects `name`, a parameter of `kind`."""
    scope = parameter_scope(name, scopes)
    if scope is None or view.param_kind(scope, name.value) is not kind:
        return None
    return scope


def _yields(function: cst.FunctionDef) -> List[cst.CSTNode]:
    found, stack = [], [function.body]
    while stack:
        node = stack.pop()
        if isinstance(node, cst.Yield):
            found.append(node)
        elif not isinstance(node, _NESTED):
            stack.extend(children(node))
    return found


def runs_after_yield(function: cst.FunctionDef, node: cst.CSTNode) -> bool:
    """Whether `node` runs after a `yield` of `function` on the same path: in the statements
    after it, its `try`'s `else` or `finally` (model/flow.py), never in another branch."""
    return any(runs_after(function, found, node) for found in _yields(function))


def uses_of(index: Index, module: ModuleSummary, function: FunctionSummary) -> List[Use]:
    """Every `Depends` in the project that names `function` (of `module`)."""
    modules = modules_mentioning(index, module, (function.name.encode(),), may_name_dependency)
    if modules is None:  # too large to scan: the modules summarised so far
        modules = list(index.summaries())
    if all(m.path != module.path for m in modules):
        modules.append(module)
    uses = []
    for summary in modules:
        for ref in summary.dependencies:
            if ref.target is None or ref.target.rpartition(".")[2] != function.name:
                continue
            target = index.resolve(summary, ref.target)
            if (
                target.is_project_function
                and target.module is not None
                and target.module.path == module.path
                and target.function.qualname == function.qualname
            ):
                uses.append(Use(summary, ref))
    return uses


def serves_only_websockets(
    index: Index, module: ModuleSummary, qualname: str, depth: int = MAX_DEPENDENCY_DEPTH
) -> bool:
    """Whether `qualname` is a WebSocket endpoint, or a dependency whose every user is one
    (`Depends` in a signature or in a route's `dependencies=[...]`; a router's or an alias's
    user is not followed, so it makes the answer "no")."""
    routes = index.routes_of(module, qualname)
    if routes:
        return all(route.method in WEBSOCKET_ROUTES for route in routes)
    function = module.functions.get(qualname)
    if function is None or depth == 0:
        return False
    uses = uses_of(index, module, function)
    return bool(uses) and all(
        use.ref.function is not None
        and use.ref.alias is None
        and serves_only_websockets(index, use.module, use.ref.function, depth - 1)
        for use in uses
    )


def scopes_of_uses(uses: Sequence[Use]) -> Tuple[Optional[str], ...]:
    return tuple(use.ref.scope for use in uses)
