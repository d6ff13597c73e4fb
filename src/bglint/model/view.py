"""A view: the LibCST tree of exactly one function (or top-level statement) that holds a site.

The source is the holder's lines with its decorators, under a one-line `if True:` header when
it is indented, so nothing is re-indented and columns stay the file's. Rows shift by
`line_offset`. Positions are resolved by the runner, only for views that produced a finding
(`positions`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

import libcst as cst
from libcst.helpers import get_full_name_for_node
from libcst.metadata import CodeRange, MetadataWrapper, PositionProvider

from bglint.index import Index, ModuleSummary, Target
from bglint.index.names import BACKGROUND_TASK, BACKGROUND_TASKS
from bglint.index.summary import FunctionSummary, Holder, resolve_relative
from bglint.libcst_load import parse_module
from bglint.model.params import ParamKind, classify_annotation, classify_param
from bglint.model.provenance import FileRead, collect_calls, is_file_read
from bglint.model.scopes import Loop, Scope, free_names, target_names
from bglint.model.spawn import SpawnSite, is_spawn_candidate
from bglint.model.walk import Walker

HEADER = "if True:\n"


@dataclass
class TaskSite:
    """`tasks.add_task(func, *args)` on a real `BackgroundTasks`, or `BackgroundTask(func, ...)`."""

    call: cst.Call = field(repr=False)
    kind: str  # "add_task" | "background_task"
    func_arg: Optional[cst.Arg] = field(repr=False)
    args: Tuple[cst.Arg, ...] = field(repr=False)  # every argument after the task callable
    scopes: Tuple[Scope, ...] = field(repr=False)  # enclosing functions, outermost first
    loops: Tuple[Loop, ...] = field(repr=False)  # loops around the site in its innermost function
    await_node: Optional[cst.Await] = field(default=None, repr=False)

    @property
    def func(self) -> Optional[cst.BaseExpression]:
        return None if self.func_arg is None else self.func_arg.value


@dataclass
class BackgroundAssign:
    """`target.background = value`: an assignment to a `.background` attribute."""

    target: cst.Attribute = field(repr=False)
    scopes: Tuple[Scope, ...] = field(repr=False)  # enclosing functions, outermost first


@dataclass
class View:
    """One holder parsed with LibCST, with its scopes and the sites the rules read."""

    path: str
    module: ModuleSummary
    holder: Holder
    tree: cst.Module = field(repr=False)
    line_offset: int
    index: Index = field(repr=False)
    task_sites: List[TaskSite] = field(default_factory=list)
    functions: List[Scope] = field(default_factory=list, repr=False)
    spawn_sites: List[SpawnSite] = field(default_factory=list)  # model/spawn.py
    file_reads: List[FileRead] = field(default_factory=list)  # `x.file.read()` calls
    background_assigns: List[BackgroundAssign] = field(default_factory=list, repr=False)
    memo: Dict[object, object] = field(default_factory=dict, repr=False)  # per-view answers

    @property
    def function(self) -> Optional[FunctionSummary]:
        return self.module.functions.get(self.holder.function) if self.holder.function else None

    def code(self, node: cst.CSTNode) -> str:
        return self.tree.code_for_node(node)

    def dotted(self, node: cst.CSTNode) -> Optional[str]:
        return get_full_name_for_node(node)

    # -- resolution --------------------------------------------------------------------------
    def resolve(
        self, expr: cst.BaseExpression, scopes: Sequence[Scope], shadowed: frozenset = frozenset()
    ) -> Target:
        """What `expr` (a name or dotted name) refers to at a place inside `scopes`."""
        dotted = self.dotted(expr) if isinstance(expr, (cst.Name, cst.Attribute)) else None
        if dotted is None:
            return Target("unknown", "")
        head, _, rest = dotted.partition(".")
        if head in shadowed:
            return Target("unknown", dotted)
        for scope in reversed(scopes):
            if not scope.binds(head):
                continue
            if head in scope.imports:
                qualified = scope.imports[head] + (f".{rest}" if rest else "")
                return self.index._resolve_qualified(qualified, self.module, 0)
            if head in scope.defs and not rest and scope.qualname:
                nested = self.module.functions.get(f"{scope.qualname}.{head}")
                if nested is not None:
                    return Target("function", dotted, function=nested, module=self.module)
            return Target("unknown", dotted)  # a parameter or local variable
        return self.index.resolve(self.module, dotted)

    def qualify(self, expr: cst.BaseExpression, scopes: Sequence[Scope]) -> Optional[str]:
        dotted = self.dotted(expr) if isinstance(expr, (cst.Name, cst.Attribute)) else None
        if dotted is None:
            return None
        head, _, rest = dotted.partition(".")
        for scope in reversed(scopes):
            if head in scope.imports:
                return scope.imports[head] + (f".{rest}" if rest else "")
            if scope.binds(head):
                return None
        return self.index.qualify(self.module, dotted)

    def free_names(self, node) -> frozenset:
        return free_names(node)

    def nested_def(self, name: str, scopes: Sequence[Scope]) -> Optional[cst.FunctionDef]:
        for scope in reversed(scopes):
            if name in scope.defs:
                return scope.defs[name]
            if scope.binds(name):
                return None
        return None

    def param_kind(self, scope: Scope, name: str) -> ParamKind:
        """What a parameter of `scope` receives: tasks, an upload, the request, a dependency."""
        param = scope.params.get(name)
        if param is None:
            return ParamKind.PLAIN
        return classify_param(self, param, ())

    def is_background_tasks(self, expr: cst.BaseExpression, scopes: Sequence[Scope]) -> bool:
        """Whether the receiver `expr` is a Starlette `BackgroundTasks`: an annotated parameter,
        or a variable assigned `BackgroundTasks()`, in this view or at module level."""
        if not isinstance(expr, cst.Name):
            return False
        name = expr.value
        for scope in reversed(scopes):
            if name in scope.annotations:
                kind = classify_annotation(self, scope.annotations[name], scopes)
                return kind is ParamKind.BACKGROUND_TASKS
            if name in scope.assigned:  # also a parameter rebound in the body: go by the value
                value = scope.assigned[name]
                return isinstance(value, cst.Call) and self.qualify(value.func, scopes) in (
                    BACKGROUND_TASKS
                )
            if name in scope.params:
                return self.param_kind(scope, name) is ParamKind.BACKGROUND_TASKS
            if scope.binds(name):
                return False
        created = self.module.instances.get(name)
        return created is not None and self.index.qualify(self.module, created) in BACKGROUND_TASKS


class _Builder(Walker):
    """One walk of the view: scopes, loops, and the candidate task sites."""

    def __init__(self, view: View) -> None:
        super().__init__()
        self.view = view
        self.scopes: List[Scope] = []
        self.loops: List[List[Loop]] = [[]]
        self.awaited: Dict[int, cst.Await] = {}
        self.candidates: List[TaskSite] = []
        self.calls: List[tuple] = []  # spawn and `.file.read()` calls (model/provenance.py)

    def _qualname(self, node: cst.FunctionDef) -> Optional[str]:
        if not self.scopes:
            return self.view.holder.function
        parent = self.scopes[-1].qualname
        return f"{parent}.{node.name.value}" if parent else None

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        if self.scopes:
            self.scopes[-1].defs[node.name.value] = node
        scope = Scope(node=node, qualname=self._qualname(node))
        params = node.params
        for param in (*params.posonly_params, *params.params, *params.kwonly_params):
            scope.params[param.name.value] = param
        for star in (params.star_arg, params.star_kwarg):
            if isinstance(star, cst.Param):
                scope.params[star.name.value] = star
        self.scopes.append(scope)
        self.view.functions.append(scope)
        self.loops.append([])

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self.scopes.pop()
        self.loops.pop()

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        if self.scopes:
            self.scopes[-1].assigned[node.name.value] = None

    def _enter_loop(self, node) -> None:
        self.loops[-1].append(Loop(node))

    def _leave_loop(self, original_node) -> None:
        self.loops[-1].pop()

    leave_For = _leave_loop
    visit_While = _enter_loop
    leave_While = _leave_loop
    visit_CompFor = _enter_loop
    leave_CompFor = _leave_loop

    def _visit_comprehension(self, node) -> bool:
        """The element of `[f(x) for x in xs]` runs inside its loops, though it comes first."""
        loops, comp = [], node.for_in
        while comp is not None:
            loops.append(Loop(comp))
            comp = comp.inner_for_in
        self.loops[-1].extend(loops)
        for part in ("elt", "key", "value"):
            if hasattr(node, part):
                self.walk(getattr(node, part))
        del self.loops[-1][-len(loops) :]
        self.walk(node.for_in)
        return False

    visit_ListComp = _visit_comprehension
    visit_SetComp = _visit_comprehension
    visit_GeneratorExp = _visit_comprehension
    visit_DictComp = _visit_comprehension

    def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
        target = node.target
        if isinstance(target, cst.Attribute) and target.attr.value == "background":
            self.view.background_assigns.append(BackgroundAssign(target, tuple(self.scopes)))
        if self.scopes:
            for name in target_names(node.target):
                self.scopes[-1].assigned[name] = None

    def leave_Assign(self, original_node: cst.Assign) -> None:
        if self.scopes and len(original_node.targets) == 1:
            target = original_node.targets[0].target
            if isinstance(target, cst.Name):
                self.scopes[-1].assigned[target.value] = original_node.value

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if self.scopes and isinstance(node.target, cst.Name):
            self.scopes[-1].annotations[node.target.value] = node.annotation.annotation

    def visit_For(self, node: cst.For) -> None:
        self._enter_loop(node)
        if self.scopes:
            for name in target_names(node.target):
                self.scopes[-1].assigned[name] = None

    def visit_AsName(self, node: cst.AsName) -> None:
        if self.scopes:
            for name in target_names(node.name):
                self.scopes[-1].assigned[name] = None

    def visit_Import(self, node: cst.Import) -> None:
        if not self.scopes:
            return
        for alias in node.names:
            dotted = get_full_name_for_node(alias.name) or ""
            if alias.asname is not None:
                self.scopes[-1].imports[alias.asname.name.value] = dotted
            else:
                top = dotted.split(".")[0]
                self.scopes[-1].imports[top] = top

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        if not self.scopes or isinstance(node.names, cst.ImportStar):
            return
        module = get_full_name_for_node(node.module) if node.module is not None else None
        base = resolve_relative(self.view.module.package, len(node.relative), module)
        if base is None:
            return
        for alias in node.names:
            name = get_full_name_for_node(alias.name) or ""
            local = alias.asname.name.value if alias.asname is not None else name
            self.scopes[-1].imports[local] = f"{base}.{name}"

    def visit_Await(self, node: cst.Await) -> None:
        self.awaited[id(node.expression)] = node

    def visit_Call(self, node: cst.Call) -> None:
        if is_spawn_candidate(node) or is_file_read(node):
            self.calls.append((node, tuple(self.scopes), tuple(self.loops[-1])))
        kind = None
        if isinstance(node.func, cst.Attribute) and node.func.attr.value == "add_task":
            kind = "add_task"
        elif isinstance(node.func, (cst.Name, cst.Attribute)):
            last = node.func.value if isinstance(node.func, cst.Name) else node.func.attr.value
            if last == "BackgroundTask":
                kind = "background_task"
        if kind is None:
            return
        func_arg, rest = _split_task_args(node.args)
        self.candidates.append(
            TaskSite(
                call=node,
                kind=kind,
                func_arg=func_arg,
                args=rest,
                scopes=tuple(self.scopes),
                loops=tuple(self.loops[-1]),
                await_node=self.awaited.get(id(node)),
            )
        )


def _split_task_args(args: Sequence[cst.Arg]) -> Tuple[Optional[cst.Arg], Tuple[cst.Arg, ...]]:
    """The task callable (first positional, or `func=`) and the arguments it will receive."""
    for position, arg in enumerate(args):
        if arg.star:
            break
        if arg.keyword is None or arg.keyword.value == "func":
            return arg, tuple(args[:position]) + tuple(args[position + 1 :])
        break
    for position, arg in enumerate(args):
        if arg.keyword is not None and arg.keyword.value == "func":
            return arg, tuple(args[:position]) + tuple(args[position + 1 :])
    return None, tuple(args)


def holder_source(lines: Sequence[str], holder: Holder) -> Tuple[str, int]:
    """The source a view parses and the row shift back to the file."""
    body = "".join(lines[holder.start_line - 1 : holder.end_line])
    if holder.indented:
        return HEADER + body, holder.start_line - 2
    return body, holder.start_line - 1


def build_view(
    path: str, lines: Sequence[str], module: ModuleSummary, holder: Holder, index: Index
) -> View:
    """Parse one holder with LibCST and collect its scopes and task sites."""
    source, offset = holder_source(lines, holder)
    tree = parse_module(source)
    view = View(path=path, module=module, holder=holder, tree=tree, line_offset=offset, index=index)
    builder = _Builder(view)
    builder.walk(tree)
    for site in builder.candidates:
        site.await_node = builder.awaited.get(id(site.call))
        if site.kind == "add_task":
            if view.is_background_tasks(site.call.func.value, site.scopes):
                view.task_sites.append(site)
        elif view.qualify(site.call.func, site.scopes) in BACKGROUND_TASK:
            view.task_sites.append(site)
    collect_calls(view, builder.calls, builder.awaited)
    return view


class _PositionsOnly(MetadataWrapper):
    """A wrapper that resolves `PositionProvider` without walking the tree for nothing:
    `MetadataWrapper.resolve` runs one batched visit for the batchable providers it resolves,
    even when there are none, as for `PositionProvider`, and LibCST's visit rebuilds every
    node. On an 8-line function: 2.0 ms, of which 1.1 ms is the position pass itself."""

    def visit_batched(self, visitors: Iterable, before_visit=None, after_leave=None):
        visitors = list(visitors)
        if not visitors:
            return self.module
        return super().visit_batched(visitors, before_visit, after_leave)


def positions(tree: cst.Module) -> Mapping[cst.CSTNode, CodeRange]:
    """Each node's position in `tree` (rows and columns of the view, from 1 and 0)."""
    return _PositionsOnly(tree, unsafe_skip_copy=True).resolve(PositionProvider)
