"""Names inside a view: function scopes, loops and the names a lambda or nested def reads.

These walk only the small subtrees of one view (a function), never a module, and replace
LibCST's Scope provider, which costs about ten times the parse (design.md §1).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, FrozenSet, Optional, Set, Union

import libcst as cst

FunctionNode = Union[cst.FunctionDef, cst.Lambda]
LoopNode = Union[cst.For, cst.While, cst.CompFor]


@dataclass
class Scope:
    """One function of the view (or the top-level statement, with `node` None)."""

    node: Optional[cst.FunctionDef] = field(repr=False)
    qualname: Optional[str]
    params: Dict[str, cst.Param] = field(default_factory=dict, repr=False)
    assigned: Dict[str, Optional[cst.BaseExpression]] = field(default_factory=dict, repr=False)
    annotations: Dict[str, cst.BaseExpression] = field(default_factory=dict, repr=False)
    imports: Dict[str, str] = field(default_factory=dict)
    defs: Dict[str, cst.FunctionDef] = field(default_factory=dict, repr=False)

    def binds(self, name: str) -> bool:
        return (
            name in self.params
            or name in self.assigned
            or name in self.imports
            or name in self.defs
            or name in self.annotations
        )


def target_names(node: cst.CSTNode) -> Set[str]:
    """Names bound by an assignment target (`a`, `a, b`, `[a, *b]`); attributes bind nothing."""
    if isinstance(node, cst.Name):
        return {node.value}
    if isinstance(node, (cst.Tuple, cst.List)):
        names: Set[str] = set()
        for element in node.elements:
            names |= target_names(element.value)
        return names
    if isinstance(node, cst.StarredElement):
        return target_names(node.value)
    return set()


class _AssignedNames(cst.CSTVisitor):
    """Names assigned in a statement block, not descending into nested functions or classes."""

    def __init__(self) -> None:
        self.names: Set[str] = set()

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        self.names.add(node.name.value)
        return False

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        self.names.add(node.name.value)
        return False

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        return False

    def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
        self.names |= target_names(node.target)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if node.value is not None:
            self.names |= target_names(node.target)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self.names |= target_names(node.target)

    def visit_For(self, node: cst.For) -> None:
        self.names |= target_names(node.target)

    def visit_CompFor(self, node: cst.CompFor) -> None:
        self.names |= target_names(node.target)

    def visit_AsName(self, node: cst.AsName) -> None:
        self.names |= target_names(node.name)

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        self.names |= target_names(node.target)


def assigned_names(node: cst.CSTNode) -> FrozenSet[str]:
    collector = _AssignedNames()
    node.visit(collector)
    return frozenset(collector.names)


@dataclass
class Loop:
    """A loop around a site, inside the site's innermost function."""

    node: LoopNode = field(repr=False)

    @property
    def bound_names(self) -> FrozenSet[str]:
        """The names each iteration rebinds: the loop target and names assigned in the body."""
        names: Set[str] = set()
        if isinstance(self.node, (cst.For, cst.CompFor)):
            names |= target_names(self.node.target)
        if isinstance(self.node, (cst.For, cst.While)):
            names |= assigned_names(self.node.body)
        return frozenset(names)


def param_names(params: cst.Parameters) -> Set[str]:
    names = {p.name.value for p in (*params.posonly_params, *params.params, *params.kwonly_params)}
    for star in (params.star_arg, params.star_kwarg):
        if isinstance(star, cst.Param):
            names.add(star.name.value)
    return names


class _ReadNames(cst.CSTVisitor):
    """Names read in an expression or body, minus those bound by lambdas nested inside it."""

    def __init__(self) -> None:
        self.names: Set[str] = set()
        self.shadowed: list = []

    def visit_Name(self, node: cst.Name) -> None:
        if not any(node.value in scope for scope in self.shadowed):
            self.names.add(node.value)

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        node.value.visit(self)  # `.attr` is not a read of the name `attr`
        return False

    def visit_Arg(self, node: cst.Arg) -> bool:
        node.value.visit(self)  # `keyword=` is not a read
        return False

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        for param in (*node.params.params, *node.params.kwonly_params, *node.params.posonly_params):
            if param.default is not None:
                param.default.visit(self)
        self.shadowed.append(param_names(node.params))
        node.body.visit(self)
        self.shadowed.pop()
        return False

    def visit_Param(self, node: cst.Param) -> bool:
        if node.default is not None:
            node.default.visit(self)
        return False


def free_names(node: FunctionNode) -> FrozenSet[str]:
    """Names a lambda or nested def reads from outside itself when it runs."""
    reader = _ReadNames()
    node.body.visit(reader)
    local = param_names(node.params)
    if isinstance(node, cst.FunctionDef):
        local |= assigned_names(node.body)
    return frozenset(reader.names - local)
