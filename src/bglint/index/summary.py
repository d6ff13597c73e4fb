"""One stdlib-`ast` traversal per module, producing a small picklable `ModuleSummary`.

The summary holds what look-ups need without the tree: the import table, module-level aliases
and instances, functions and classes with their signatures and body facts, routes, and the
*sites* where background work is scheduled or spawned, each with the outermost function (or
top-level statement) that holds it: the only code LibCST will ever parse.
"""

from __future__ import annotations

import ast
import re
from typing import Callable, Dict, List, Optional, Tuple

from bglint.index.bodies import BodyRecorder, catches_broadly
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
from bglint.index.names import (
    ROUTE_DECORATORS,
    ROUTE_REGISTRATIONS,
    SPAWN_CALLS,
    dotted_name,
    source_of,
)

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
    """The source of an annotation or default, as `ast.unparse` writes it; names, `None` and
    integers (most of them) without it, at a tenth of its cost."""
    if node is None:
        return None
    if isinstance(node, ast.Constant) and (node.value is None or type(node.value) in (bool, int)):
        return repr(node.value)
    return dotted_name(node) or source_of(node)


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


# Annotations that never name a request-bound value (model/params.py would classify PLAIN).
_PLAIN_ANNOTATION_WORDS = frozenset(
    {
        "str", "int", "float", "bool", "bytes", "None", "dict", "list", "set", "tuple", "Any",
        "Optional", "Dict", "List", "Set", "Tuple", "typing", "t", "object", "Callable",
    }
)  # fmt: skip
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _may_be_request_bound(param: Param) -> bool:
    if param.default is not None and "(" in param.default:
        return True  # `Depends(...)`, `File(...)`, `Security(...)`
    if param.annotation is None:
        return False
    return any(word not in _PLAIN_ANNOTATION_WORDS for word in _WORD.findall(param.annotation))


def _name_of(node: ast.expr) -> Optional[str]:
    return node.id if isinstance(node, ast.Name) else None


def _decorator_name(node: ast.expr) -> str:
    target = node.func if isinstance(node, ast.Call) else node
    return dotted_name(target) or source_of(target)


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
    def __init__(self, summary: FunctionSummary, package: str) -> None:
        self.summary = summary
        self.body = BodyRecorder(package)
        self.hidden = 0  # inside a nested class, or a nested def's decorators and defaults
        self.local_defs: set = set()
        self.calls: List[str] = []
        self.returned_calls: List[str] = []
        self.raises: List[str] = []
        self.receivers: set = set()  # of `name.add_task(...)` here or in nested functions
        self.bindings: Dict[str, List[str]] = {}  # see FunctionSummary.task_bindings


# Fields no summary reads: `Load`/`Store` contexts are nodes too, one under every name.
_SKIPPED_FIELDS = frozenset({"ctx", "type_comment", "kind"})
_CHILD_FIELDS: Dict[type, Tuple[str, ...]] = {}  # per node type, last field first
_UNSEEN, _LEAF = object(), object()


def _child_fields(node_type: type) -> Tuple[str, ...]:
    fields = tuple(f for f in reversed(node_type._fields) if f not in _SKIPPED_FIELDS)
    _CHILD_FIELDS[node_type] = fields
    return fields


class _Collector(ast.NodeVisitor):
    """`ast.NodeVisitor` with its dispatch cached per node type and the context fields
    skipped: the traversal is most of the index's cost, and this halves it.

    A node without a `visit_` method of its own (a subscript, a ternary, an operator, ...) only
    visits its children, so those are walked with a stack rather than by recursion, in the
    same order: `a[0][0]...[0]`, `x ** x ** ... ** x` or `'a' + 'b' + ...` 600 levels deep,
    which `ast.parse` accepts, cannot exhaust the recursion limit here. Handlers recurse once
    a level, but those of chains that nest without bound (`elif`, attributes, fluent calls)
    loop. Summaries are unchanged by this on all 2,206 files of the medium corpus."""

    def visit(self, node: ast.AST) -> None:
        method = self._dispatch.get(type(node))
        if method is None:
            method = getattr(self, "visit_" + type(node).__name__, self.generic_visit)
            self._dispatch[type(node)] = method
        method(node)

    def generic_visit(self, node: ast.AST) -> None:
        handlers = self._handlers
        pending = [node]  # nodes still to visit, the next one last
        pop, push = pending.pop, pending.append
        current = node
        while True:
            fields = _CHILD_FIELDS.get(type(current))
            if fields is None:
                fields = _child_fields(type(current))
            for name in fields:  # last field first: its children are visited last
                value = getattr(current, name, None)
                if type(value) is list:
                    for item in reversed(value):
                        if isinstance(item, ast.AST):
                            push(item)
                elif isinstance(value, ast.AST):
                    push(value)
            while True:
                if len(pending) == 1:  # only `node` itself, already expanded
                    return
                current = pop()
                node_type = type(current)
                method = handlers.get(node_type, _UNSEEN)
                if method is _UNSEEN:
                    method = handlers[node_type] = self._handler(node_type)
                if method is None:  # no handler: walk its children here
                    break
                if method is not _LEAF:
                    method(current)

    def _handler(self, node_type: type):
        """The node type's own `visit_` method, `_LEAF` for a leaf, None for none."""
        if node_type in (ast.Name, ast.Constant):
            return _LEAF
        return getattr(self, "visit_" + node_type.__name__, None)

    def visit_Constant(self, node: ast.Constant) -> None:
        pass  # a leaf; NodeVisitor's own method runs deprecation shims for every literal

    def visit_If(self, node: ast.If) -> None:
        """`elif` nests one level a branch: a dispatcher of 500 branches would exhaust the
        recursion limit, so the chain is walked in a loop, in the order recursion takes."""
        while True:
            self.visit(node.test)
            for statement in node.body:
                self.visit(statement)
            if len(node.orelse) != 1 or not isinstance(node.orelse[0], ast.If):
                break
            node = node.orelse[0]
        for statement in node.orelse:
            self.visit(statement)

    def visit_Name(self, node: ast.Name) -> None:
        pass  # a leaf, and a quarter of all nodes: no field walk

    def visit_Attribute(self, node: ast.Attribute) -> None:
        while isinstance(node, ast.Attribute):  # `attr` is a string
            node = node.value
        self.visit(node)

    def __init__(self, summary: ModuleSummary) -> None:
        self._dispatch: Dict[type, Callable[[ast.AST], None]] = {}
        self._handlers: Dict[type, object] = {}  # for generic_visit: see `_handler`
        self.summary = summary
        self.functions: List[_FunctionFacts] = []  # the stack of enclosing functions
        self.classes: List[str] = []
        self.top_statement: Optional[ast.stmt] = None
        self.outermost: Optional[Holder] = None
        self.lambda_depth = 0
        self.awaited_call: Optional[ast.expr] = None  # the value of the `await` being visited
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
            self.functions[-1].hidden += 1
        self.decorated.append(qualname)
        for decorator in node.decorator_list:
            self._record_route(decorator, qualname)
            self.visit(decorator)
        self.decorated.pop()
        self._visit_params(node.args, qualname)
        if node.returns is not None:
            self.visit(node.returns)
        if self.functions:
            self.functions[-1].hidden -= 1
        became_outermost = self.outermost is None
        if became_outermost:
            self.outermost = Holder(start, summary.end_line, node.col_offset > 0, qualname)
        self.functions.append(_FunctionFacts(summary, self.summary.package))
        saved_classes, self.classes = self.classes, []
        for statement in node.body:
            self.visit(statement)
        self.classes = saved_classes
        facts = self.functions.pop()
        summary.calls = tuple(facts.calls)
        summary.returned_calls = tuple(facts.returned_calls)
        summary.raises = tuple(facts.raises)
        summary.body = facts.body.facts()
        summary.task_bindings = tuple(
            (name, tuple(facts.bindings[name]))
            for name in sorted(facts.receivers)
            if name in facts.bindings
        )
        if self.functions:
            self.functions[-1].receivers |= facts.receivers
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
        callee = dotted_name(node.func) or ""
        self.summary.dependencies.append(
            DependencyRef(target, scope, function, param, via, alias, callee)
        )

    def visit_Lambda(self, node: ast.Lambda) -> None:
        # a lambda's body is not the enclosing function's body: its calls happen later
        self.visit(node.args)
        self.lambda_depth += 1
        self.visit(node.body)
        self.lambda_depth -= 1

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        bases = tuple(dotted_name(b) or source_of(b) for b in node.bases)
        methods = tuple(
            s.name for s in node.body if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef))
        )
        if not self.functions and not self.classes:
            self.summary.classes.setdefault(node.name, ClassSummary(node.name, bases, methods))
        if self.functions:  # a class in a function: its body is not the function's own
            self.functions[-1].hidden += 1
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
        if self.functions:
            self.functions[-1].hidden -= 1

    # -- imports and module-level names -------------------------------------------------------
    def _body(self) -> Optional[BodyRecorder]:
        """The own-body recorder of the innermost function, when the node being visited is
        in that function's own body (not a lambda's, a nested class's or a nested def's)."""
        if not self.functions or self.lambda_depth or self.functions[-1].hidden:
            return None
        return self.functions[-1].body

    def visit_Import(self, node: ast.Import) -> None:
        body = self._body()
        if body is not None:
            body.import_(node)
        if self.functions or self.classes:
            return
        for alias in node.names:
            if alias.asname:
                self.summary.imports[alias.asname] = alias.name
            else:
                top = alias.name.split(".")[0]
                self.summary.imports[top] = top

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        body = self._body()
        if body is not None:
            body.import_(node)
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
        if self.functions and len(node.targets) == 1 and isinstance(node.value, ast.Call):
            target, callee = node.targets[0], dotted_name(node.value.func)
            if isinstance(target, ast.Name) and callee is not None:
                self.functions[-1].bindings.setdefault(target.id, []).append(callee)
        if self._module_level() and len(node.targets) == 1:
            if isinstance(node.targets[0], ast.Name):
                alias = node.targets[0].id
                self._record_module_value(alias, node.value)
        self._record_background_attr(node.targets)
        self._visit_in_alias(node, alias)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        alias = None
        if self.functions and isinstance(node.target, ast.Name):
            self.functions[-1].bindings.setdefault(node.target.id, []).append("")
        if self._module_level() and isinstance(node.target, ast.Name) and node.value is not None:
            alias = node.target.id
            annotation = dotted_name(node.annotation) or ""
            if annotation.rpartition(".")[2] == "TypeAlias":
                self.summary.aliases[alias] = source_of(node.value)
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
            self.summary.aliases[name] = source_of(value)
        elif isinstance(value, ast.Call):
            callee = dotted_name(value.func)
            if callee is not None:
                self.summary.instances[name] = callee

    def _record_background_attr(self, targets) -> None:
        for target in targets:
            if isinstance(target, ast.Attribute) and target.attr == "background":
                self._site("background_attr", target, _name_of(target.value))

    # -- body facts and sites ----------------------------------------------------------------
    def _site(self, kind: str, node: ast.AST, receiver: Optional[str] = None) -> None:
        site = Site(
            kind, node.lineno, node.col_offset, self._holder(), len(self.functions), receiver
        )
        self.summary.sites.append(site)

    def _may_capture_request_values(self) -> bool:
        """Whether spawned work here can receive an upload, the request or a dependency value:
        they only come from a parameter with an annotation that is not a plain type, or a
        `Depends(...)` / `File(...)` default, of one of the enclosing functions (model/params.py
        classifies them). Spawned work anywhere else is not a site (most of it is not)."""
        return any(
            _may_be_request_bound(param)
            for facts in self.functions
            for param in facts.summary.params
        )

    def visit_Call(self, node: ast.Call) -> None:
        """`q.a().b().c()` nests two levels a link: the chain is walked in a loop, in the order
        recursion would take (each call's facts outermost first, then the innermost callee,
        then each call's arguments innermost first), so a long fluent chain cannot exhaust the
        recursion limit."""
        chain = [node]
        while isinstance(chain[-1].func, ast.Attribute) and isinstance(
            chain[-1].func.value, ast.Call
        ):
            chain.append(chain[-1].func.value)
        for call in chain:
            self._call_facts(call)
        innermost = chain[-1]
        self.visit(innermost.func)
        for call in reversed(chain):
            self._visit_call_arguments(call)

    def _call_facts(self, node: ast.Call) -> None:
        callee = dotted_name(node.func)
        if self.functions and callee is not None and not self.lambda_depth:
            self.functions[-1].calls.append(callee)
        body = self._body()
        if body is not None:
            body.call(node, callee)
        last = node.func.attr if isinstance(node.func, ast.Attribute) else callee
        if last == "add_task" and isinstance(node.func, ast.Attribute):
            receiver = _name_of(node.func.value)
            self._site("add_task", node, receiver)
            if receiver is not None and self.functions:
                self.functions[-1].receivers.add(receiver)
        elif last in ("BackgroundTask", "BackgroundTasks") or (
            callee and callee.endswith((".BackgroundTask", ".BackgroundTasks"))
        ):
            self._site("background_task", node)
        elif (
            last in SPAWN_CALLS
            and node is not self.awaited_call  # `await loop.run_in_executor(...)`: waited for
            and self._may_capture_request_values()
        ):
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

    def _visit_call_arguments(self, node: ast.Call) -> None:
        """`dependencies=[Depends(...)]` on a route, router or app is visited in its own
        context (and once), so its `Depends` are the decorated function's or the router's."""
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
        body = self._body()
        if body is not None:
            body.raise_(node)
        if self.functions and node.exc is not None:
            target = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
            self.functions[-1].raises.append(dotted_name(target) or source_of(target))
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
        body = self._body()
        if body is None:
            self.generic_visit(node)
            return
        outside = body.guarded
        body.guarded = outside or catches_broadly(node)
        for statement in node.body:
            self.visit(statement)
        body.guarded = outside
        for part in (node.handlers, node.orelse, node.finalbody):
            for child in part:
                self.visit(child)

    visit_TryStar = visit_Try

    def _mark_await(self, node: ast.AST) -> None:
        if self.functions:
            self.functions[-1].summary.has_await = True
        self.generic_visit(node)

    def visit_Await(self, node: ast.Await) -> None:
        # its call is the next one `_call_facts` sees (model/spawn.py: not spawned work)
        self.awaited_call = node.value
        body = self._body()
        if body is not None:
            body.await_(node)
        self._mark_await(node)

    def _visit_loop(self, node: ast.AST) -> None:
        body = self._body()
        if body is not None:
            body.loop(node)
        if isinstance(node, ast.AsyncFor):
            self._mark_await(node)
        else:
            self.generic_visit(node)

    visit_For = _visit_loop
    visit_While = _visit_loop
    visit_AsyncFor = _visit_loop
    visit_AsyncWith = _mark_await


def summarize(tree: ast.Module, name: str, path: str, is_package: bool) -> ModuleSummary:
    summary = ModuleSummary(name=name, path=path, is_package=is_package)
    _Collector(summary).visit(tree)
    return summary
