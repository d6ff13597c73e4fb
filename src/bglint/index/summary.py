"""One stdlib-`ast` traversal per module, producing a small picklable `ModuleSummary`.

The summary holds what look-ups need without the tree: the import table, module-level aliases
and instances, functions and classes with their signatures and body facts, routes, and the
*sites* where background work is scheduled or spawned, each with the outermost function (or
top-level statement) that holds it: the only code LibCST will ever parse.
"""

from __future__ import annotations

import ast
from typing import List, Optional, Tuple

from bglint.index.bodies import collect_body
from bglint.index.facts import (
    ClassSummary,
    DependencyRef,
    FunctionSummary,
    Holder,
    ModuleSummary,
    Param,
    Route,
    Site,
)
from bglint.index.handlers import catch_of, handlers_of_call
from bglint.index.names import ROUTE_DECORATORS, ROUTE_REGISTRATIONS, SPAWN_CALLS

__all__ = [
    "ClassSummary",
    "DependencyRef",
    "FunctionSummary",
    "Holder",
    "ModuleSummary",
    "Param",
    "Route",
    "Site",
    "dotted_name",
    "resolve_relative",
    "summarize",
]


def dotted_name(node: ast.AST) -> Optional[str]:
    """`a.b.c` for a Name/Attribute chain, else None."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


def resolve_relative(package: str, level: int, module: Optional[str]) -> Optional[str]:
    if level == 0:
        return module
    parts = package.split(".") if package else []
    if level - 1 > len(parts):
        return None
    base = parts[: len(parts) - (level - 1)]
    if module:
        base.append(module)
    return ".".join(base) if base else None


def _unparse(node: Optional[ast.AST]) -> Optional[str]:
    return None if node is None else ast.unparse(node)


def _params(args: ast.arguments) -> Tuple[Param, ...]:
    positional = list(args.posonlyargs) + list(args.args)
    defaults: List[Optional[ast.expr]] = [None] * (len(positional) - len(args.defaults))
    defaults += list(args.defaults)
    params = []
    for index, arg in enumerate(positional):
        kind = "posonly" if index < len(args.posonlyargs) else "pos"
        default = defaults[index]
        params.append(
            Param(arg.arg, kind, default is not None, _unparse(arg.annotation), _unparse(default))
        )
    if args.vararg:
        params.append(
            Param(args.vararg.arg, "vararg", False, _unparse(args.vararg.annotation), None)
        )
    for arg, default in zip(args.kwonlyargs, args.kw_defaults):
        params.append(
            Param(
                arg.arg, "kwonly", default is not None, _unparse(arg.annotation), _unparse(default)
            )
        )
    if args.kwarg:
        params.append(Param(args.kwarg.arg, "varkw", False, _unparse(args.kwarg.annotation), None))
    return tuple(params)


def _decorator_name(node: ast.expr) -> str:
    target = node.func if isinstance(node, ast.Call) else node
    return dotted_name(target) or ast.unparse(target)


def _is_callable_value(node: Optional[ast.expr], local_defs: set) -> bool:
    if isinstance(node, ast.Lambda):
        return True
    if isinstance(node, ast.Name) and node.id in local_defs:
        return True
    if isinstance(node, ast.Call):
        callee = dotted_name(node.func) or ""
        return callee.rpartition(".")[2] == "partial"
    return False


class _FunctionFacts:
    def __init__(self, summary: FunctionSummary) -> None:
        self.summary = summary
        self.local_defs: set = set()
        self.calls: List[str] = []
        self.returned_calls: List[str] = []
        self.raises: List[str] = []


class _Collector(ast.NodeVisitor):
    def __init__(self, summary: ModuleSummary) -> None:
        self.summary = summary
        self.functions: List[_FunctionFacts] = []  # the stack of enclosing functions
        self.classes: List[str] = []
        self.top_statement: Optional[ast.stmt] = None
        self.outermost: Optional[Holder] = None
        self.lambda_depth = 0
        self.decorated: List[str] = []  # the function whose decorators are being visited
        # where a `Depends(...)` being visited sits: (function, param, via, alias)
        self.dependency_context: Optional[
            Tuple[Optional[str], Optional[str], str, Optional[str]]
        ] = None

    # -- structure ---------------------------------------------------------------------------
    def visit_Module(self, node: ast.Module) -> None:
        for statement in node.body:
            self.top_statement = statement
            self.outermost = None
            self.visit(statement)

    def _holder(self) -> Holder:
        if self.outermost is not None:
            return self.outermost
        statement = self.top_statement
        start = statement.lineno
        decorators = getattr(statement, "decorator_list", None)
        if decorators:
            start = min(start, decorators[0].lineno)
        indented = statement.col_offset > 0
        return Holder(start, statement.end_lineno or statement.lineno, indented, None)

    def _visit_function(self, node) -> None:
        parent = self.functions[-1].summary.qualname if self.functions else None
        prefix = parent or ".".join(self.classes)
        qualname = f"{prefix}.{node.name}" if prefix else node.name
        start = node.decorator_list[0].lineno if node.decorator_list else node.lineno
        summary = FunctionSummary(
            name=node.name,
            qualname=qualname,
            start_line=start,
            def_line=node.lineno,
            end_line=node.end_lineno or node.lineno,
            col=node.col_offset,
            is_async=isinstance(node, ast.AsyncFunctionDef),
            params=_params(node.args),
            decorators=tuple(_decorator_name(d) for d in node.decorator_list),
            class_name=self.classes[-1] if self.classes and parent is None else None,
            parent=parent,
            return_annotation=_unparse(node.returns),
        )
        self.summary.functions.setdefault(qualname, summary)
        if self.functions:
            self.functions[-1].local_defs.add(node.name)
        self.decorated.append(qualname)
        for decorator in node.decorator_list:
            self._record_route(decorator, qualname)
            self.visit(decorator)
        self.decorated.pop()
        self._visit_params(node.args, qualname)
        if node.returns is not None:
            self.visit(node.returns)
        became_outermost = self.outermost is None
        if became_outermost:
            self.outermost = Holder(start, summary.end_line, node.col_offset > 0, qualname)
        self.functions.append(_FunctionFacts(summary))
        saved_classes, self.classes = self.classes, []
        for statement in node.body:
            self.visit(statement)
        self.classes = saved_classes
        facts = self.functions.pop()
        summary.calls = tuple(facts.calls)
        summary.returned_calls = tuple(facts.returned_calls)
        summary.raises = tuple(facts.raises)
        summary.body = collect_body(node, self.summary.package)
        annotation = summary.return_annotation or ""
        if annotation.split("[")[0].rpartition(".")[2] == "Callable":
            summary.returns_callable = True
        if became_outermost:
            self.outermost = None

    visit_FunctionDef = _visit_function
    visit_AsyncFunctionDef = _visit_function

    def _visit_params(self, args: ast.arguments, qualname: str) -> None:
        """Visit annotations and defaults knowing which parameter a `Depends` fills."""
        positional = list(args.posonlyargs) + list(args.args)
        defaults = [None] * (len(positional) - len(args.defaults)) + list(args.defaults)
        pairs = list(zip(positional, defaults)) + list(zip(args.kwonlyargs, args.kw_defaults))
        pairs += [(a, None) for a in (args.vararg, args.kwarg) if a is not None]
        saved = self.dependency_context
        for arg, default in pairs:
            for via, part in (("annotation", arg.annotation), ("default", default)):
                if part is not None:
                    self.dependency_context = (qualname, arg.arg, via, None)
                    self.visit(part)
        self.dependency_context = saved

    def _record_dependency(self, node: ast.Call) -> None:
        if self.dependency_context is None:
            return
        function, param, via, alias = self.dependency_context
        target = dotted_name(node.args[0]) if node.args else None
        for keyword in node.keywords:
            if keyword.arg == "dependency":
                target = dotted_name(keyword.value)
        scope = next(
            (
                k.value.value
                for k in node.keywords
                if k.arg == "scope" and isinstance(k.value, ast.Constant)
            ),
            None,
        )
        self.summary.dependencies.append(DependencyRef(target, scope, function, param, via, alias))

    def visit_Lambda(self, node: ast.Lambda) -> None:
        # a lambda's body is not the enclosing function's body: its calls happen later
        self.visit(node.args)
        self.lambda_depth += 1
        self.visit(node.body)
        self.lambda_depth -= 1

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        bases = tuple(dotted_name(b) or ast.unparse(b) for b in node.bases)
        methods = tuple(
            s.name for s in node.body if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef))
        )
        if not self.functions and not self.classes:
            self.summary.classes.setdefault(node.name, ClassSummary(node.name, bases, methods))
        for child in node.decorator_list + node.bases + node.keywords:
            self.visit(child)
        self.classes.append(node.name)
        for statement in node.body:
            if self.outermost is None and not self.functions:
                # a site in a class body (not in a method) is held by its own statement, not
                # by the whole class: a class can be thousands of lines long
                saved, self.top_statement = self.top_statement, statement
                self.visit(statement)
                self.top_statement = saved
            else:
                self.visit(statement)
        self.classes.pop()

    # -- imports and module-level names -------------------------------------------------------
    def visit_Import(self, node: ast.Import) -> None:
        if self.functions or self.classes:
            return
        for alias in node.names:
            if alias.asname:
                self.summary.imports[alias.asname] = alias.name
            else:
                top = alias.name.split(".")[0]
                self.summary.imports[top] = top

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if self.functions or self.classes:
            return
        base = resolve_relative(self.summary.package, node.level, node.module)
        if base is None:
            return
        for alias in node.names:
            if alias.name == "*":
                self.summary.star_imports.append(base)
            else:
                self.summary.imports[alias.asname or alias.name] = f"{base}.{alias.name}"

    def _module_level(self) -> bool:
        return not self.functions and not self.classes

    def visit_Assign(self, node: ast.Assign) -> None:
        alias = None
        if self._module_level() and len(node.targets) == 1:
            if isinstance(node.targets[0], ast.Name):
                alias = node.targets[0].id
                self._record_module_value(alias, node.value)
        self._record_background_attr(node.targets)
        self._visit_in_alias(node, alias)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        alias = None
        if self._module_level() and isinstance(node.target, ast.Name) and node.value is not None:
            alias = node.target.id
            annotation = dotted_name(node.annotation) or ""
            if annotation.rpartition(".")[2] == "TypeAlias":
                self.summary.aliases[alias] = ast.unparse(node.value)
            else:
                self._record_module_value(alias, node.value)
        self._record_background_attr([node.target])
        self._visit_in_alias(node, alias)

    def _visit_in_alias(self, node: ast.AST, alias: Optional[str]) -> None:
        """`DB = Annotated[Session, Depends(get_db)]`: a `Depends` inside is an alias's."""
        saved = self.dependency_context
        if alias is not None:
            self.dependency_context = (None, None, "alias", alias)
        self.generic_visit(node)
        self.dependency_context = saved

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        self._record_background_attr([node.target])
        self.generic_visit(node)

    def _record_module_value(self, name: str, value: ast.expr) -> None:
        dotted = dotted_name(value)
        if dotted is not None or isinstance(value, ast.Subscript):
            self.summary.aliases[name] = ast.unparse(value)
        elif isinstance(value, ast.Call):
            callee = dotted_name(value.func)
            if callee is not None:
                self.summary.instances[name] = callee

    def _record_background_attr(self, targets) -> None:
        for target in targets:
            if isinstance(target, ast.Attribute) and target.attr == "background":
                self._site("background_attr", target)

    # -- body facts and sites ----------------------------------------------------------------
    def _site(self, kind: str, node: ast.AST) -> None:
        self.summary.sites.append(Site(kind, node.lineno, node.col_offset, self._holder()))

    def visit_Call(self, node: ast.Call) -> None:
        callee = dotted_name(node.func)
        if self.functions and callee is not None and not self.lambda_depth:
            self.functions[-1].calls.append(callee)
        last = node.func.attr if isinstance(node.func, ast.Attribute) else callee
        if last == "add_task" and isinstance(node.func, ast.Attribute):
            self._site("add_task", node)
        elif last in ("BackgroundTask", "BackgroundTasks") or (
            callee and callee.endswith((".BackgroundTask", ".BackgroundTasks"))
        ):
            self._site("background_task", node)
        elif last in SPAWN_CALLS:
            self._site("spawn", node)
        elif (
            last == "read"
            and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Attribute)
            and node.func.value.attr == "file"
        ):
            self._site("file_read", node)
        if any(k.arg == "background" for k in node.keywords):
            self._site("background_kw", node)
        if last in ("Depends", "Security"):
            self._record_dependency(node)
        if last in ("exception_handler", "add_exception_handler") or any(
            k.arg == "exception_handlers" for k in node.keywords
        ):
            self.summary.exception_handlers.extend(handlers_of_call(node))

        if self._module_level() and isinstance(node.func, ast.Attribute):
            if node.func.attr in ROUTE_REGISTRATIONS and len(node.args) >= 2:
                endpoint = dotted_name(node.args[1])
                if endpoint:
                    owner = dotted_name(node.func.value) or ""
                    self.summary.routes.append(Route(endpoint, owner, node.func.attr))
        self._visit_call_children(node)

    def _visit_call_children(self, node: ast.Call) -> None:
        """`dependencies=[Depends(...)]` on a route, router or app is visited in its own
        context (and once), so its `Depends` are the decorated function's or the router's."""
        self.visit(node.func)
        for arg in node.args:
            self.visit(arg)
        for keyword in node.keywords:
            if keyword.arg != "dependencies":
                self.visit(keyword.value)
                continue
            saved = self.dependency_context
            function = self.decorated[-1] if self.decorated else None
            self.dependency_context = (function, None, "dependencies", None)
            self.visit(keyword.value)
            self.dependency_context = saved

    def _record_route(self, decorator: ast.expr, qualname: str) -> None:
        if not isinstance(decorator, ast.Call) or not isinstance(decorator.func, ast.Attribute):
            return
        if decorator.func.attr in ROUTE_DECORATORS:
            owner = dotted_name(decorator.func.value) or ""
            self.summary.routes.append(Route(qualname, owner, decorator.func.attr))

    def visit_Return(self, node: ast.Return) -> None:
        if self.functions and node.value is not None:
            facts = self.functions[-1]
            is_none = isinstance(node.value, ast.Constant) and node.value.value is None
            facts.summary.returns_value |= not is_none
            if _is_callable_value(node.value, facts.local_defs):
                facts.summary.returns_callable = True
            if isinstance(node.value, ast.Call):
                callee = dotted_name(node.value.func)
                if callee:
                    facts.returned_calls.append(callee)
        self.generic_visit(node)

    def visit_Raise(self, node: ast.Raise) -> None:
        if self.functions and node.exc is not None:
            target = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
            self.functions[-1].raises.append(dotted_name(target) or ast.unparse(target))
        self.generic_visit(node)

    def _mark_generator(self, node: ast.AST) -> None:
        if self.functions:
            self.functions[-1].summary.is_generator = True
        self.generic_visit(node)

    visit_Yield = _mark_generator
    visit_YieldFrom = _mark_generator

    def visit_Try(self, node: ast.AST) -> None:
        catch = catch_of(node) if self.functions else None
        if catch is not None:
            self.functions[-1].summary.catches += (catch,)
        self.generic_visit(node)

    visit_TryStar = visit_Try

    def _mark_await(self, node: ast.AST) -> None:
        if self.functions:
            self.functions[-1].summary.has_await = True
        self.generic_visit(node)

    visit_Await = _mark_await
    visit_AsyncFor = _mark_await
    visit_AsyncWith = _mark_await


def summarize(tree: ast.Module, name: str, path: str, is_package: bool) -> ModuleSummary:
    summary = ModuleSummary(name=name, path=path, is_package=is_package)
    _Collector(summary).visit(tree)
    return summary
