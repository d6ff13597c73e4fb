"""Where the values handed to background work come from (design.md §2, BG2xx).

For a task site or a spawn site, `received_values` lists what the work will receive or capture:
each argument (also those bound by `functools.partial`, and `threading.Thread`'s `args=` and
`kwargs=`), and each free variable of a lambda or nested function scheduled there, with how the
closure uses it. `origin_of` says where a value comes from: an `UploadFile` parameter (also
`list[UploadFile]`, an element of such a list taken in a loop or by index, and `x.file`), a
`Request`, or a dependency value (`Depends(dep)` in a default, in `Annotated[...]`, or in a type
alias, also one imported from another module, with `scope=` and whether `dep` is a generator).
Plain values derived from them (`file.filename`, `request.url.path`, `request.headers[...]`)
are not the object and have no origin.

Only names bound as parameters of the view's functions (or loop elements and simple aliases of
them) get an origin; a name rebound to anything else in the function has none.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Dict, FrozenSet, List, Optional, Sequence, Set, Tuple, Union

import libcst as cst

from bglint.index import FunctionSummary, ModuleSummary
from bglint.index.names import ANNOTATED, DEPENDS, PARTIAL
from bglint.model.params import ParamKind, classify_param
from bglint.model.scopes import Loop, Scope, free_names, param_names, target_names

if TYPE_CHECKING:  # pragma: no cover
    from bglint.model.spawn import SpawnSite
    from bglint.model.view import TaskSite, View
    from bglint.versions import VersionRange

    Site = Union[TaskSite, SpawnSite]

UPLOAD_KINDS = frozenset({"upload", "upload_file", "upload_list", "upload_element"})
# Attributes of an `UploadFile` that are plain values, still right after it is closed.
UPLOAD_PLAIN_ATTRIBUTES = frozenset({"filename", "content_type", "size", "headers"})
_MAX_ALIAS_DEPTH = 4


@dataclass(frozen=True)
class Dependency:
    """The dependency behind a parameter: `Depends(get_db, scope="function")`."""

    written: str  # as written: `get_db`
    function: Optional[FunctionSummary] = field(repr=False)
    module: Optional[ModuleSummary] = field(repr=False)
    scope: Optional[str]  # `scope=` of `Depends`, FastAPI >= 0.121

    @property
    def has_cleanup(self) -> bool:
        """A generator dependency (sync or async): its code after `yield` closes the value."""
        return self.function is not None and self.function.is_generator


@dataclass(frozen=True)
class Origin:
    """Where a request-scoped value comes from: the parameter, and the dependency behind it."""

    kind: str  # upload | upload_file | upload_list | upload_element | request | dependency
    param: str  # the parameter the value comes from
    scope: Scope = field(repr=False, compare=False)
    dependency: Optional[Dependency] = None

    @property
    def is_upload(self) -> bool:
        return self.kind in UPLOAD_KINDS


@dataclass(frozen=True)
class Received:
    """One value background work receives (`capture` False) or a closure captures."""

    node: cst.CSTNode = field(repr=False)  # the argument, or the lambda / reference capturing it
    origin: Origin
    capture: bool
    position: Optional[int] = None  # positional index among the callable's arguments
    keyword: Optional[str] = None
    uses: FrozenSet[str] = frozenset()  # in a closure: "bare", "attr:NAME", "method:NAME"

    @property
    def text(self) -> str:
        return self.origin.param


@dataclass
class FileRead:
    """`x.file.read(...)` in a view, with the functions around it."""

    call: cst.Call = field(repr=False)
    scopes: Tuple[Scope, ...] = field(repr=False)
    loops: Tuple[Loop, ...] = field(repr=False)


def is_file_read(node: cst.Call) -> bool:
    func = node.func
    return (
        isinstance(func, cst.Attribute)
        and func.attr.value == "read"
        and isinstance(func.value, cst.Attribute)
        and func.value.attr.value == "file"
    )


def allowed_versions(view: "View") -> VersionRange:
    """The FastAPI versions the project of the view allows (config `fastapi-version` first).
    Rules ask only for a finding that depends on them: the first call reads the pins and
    imports `packaging` (and `importlib.metadata` when the installed FastAPI decides)."""
    from bglint.versions import allowed_range

    return allowed_range(view.path, getattr(view.index, "fastapi_version", None))


# -- origins -------------------------------------------------------------------------------------
def origin_of(
    view: "View", expr: cst.BaseExpression, scopes: Sequence[Scope], loops: Sequence[Loop] = ()
) -> Optional[Origin]:
    """Where the value of `expr` comes from, when it is a request-scoped object itself."""
    if isinstance(expr, cst.Name):
        return name_origin(view, expr.value, scopes, loops)
    if isinstance(expr, cst.Attribute) and expr.attr.value == "file":
        inner = origin_of(view, expr.value, scopes, loops)
        if inner is not None and inner.kind in ("upload", "upload_element"):
            return Origin("upload_file", inner.param, inner.scope)
        return None
    if isinstance(expr, cst.Subscript) and len(expr.slice) == 1:
        inner = origin_of(view, expr.value, scopes, loops)
        if inner is not None and inner.kind == "upload_list":
            return Origin("upload_element", inner.param, inner.scope)
    return None


def name_origin(
    view: "View", name: str, scopes: Sequence[Scope], loops: Sequence[Loop] = (), depth: int = 0
) -> Optional[Origin]:
    if depth > _MAX_ALIAS_DEPTH:
        return None
    for loop in loops:  # a comprehension's target is bound in no statement of the function
        if isinstance(loop.node, cst.CompFor) and name in target_names(loop.node.target):
            return _loop_element(view, name, scopes, (loop,), depth)
    for position in range(len(scopes) - 1, -1, -1):
        scope = scopes[position]
        if not scope.binds(name):
            continue
        inner = scopes[: position + 1]
        if name in scope.assigned:
            element = _loop_element(view, name, inner, loops, depth)
            if element is not None:
                return element
            value = scope.assigned[name]
            if isinstance(value, cst.Name) and value.value != name:
                return name_origin(view, value.value, inner, (), depth + 1)
            return None  # rebound to something else: a derived value, or unknown
        if name in scope.params:
            return param_origin(view, scope, name, inner)
        return None
    return None


def _loop_element(view, name, scopes, loops, depth) -> Optional[Origin]:
    """`for upload in files:` (also `enumerate(files)`) over a `list[UploadFile]`."""
    for loop in loops:
        node = loop.node
        if not isinstance(node, (cst.For, cst.CompFor)) or name not in target_names(node.target):
            continue
        iterable, target = node.iter, node.target
        if (
            isinstance(iterable, cst.Call)
            and isinstance(iterable.func, cst.Name)
            and iterable.func.value == "enumerate"
            and iterable.args
            and isinstance(target, cst.Tuple)
            and len(target.elements) == 2
        ):
            iterable, target = iterable.args[0].value, target.elements[1].value
        if not (isinstance(target, cst.Name) and target.value == name):
            return None
        if isinstance(iterable, cst.Name):
            inner = name_origin(view, iterable.value, scopes, (), depth + 1)
            if inner is not None and inner.kind == "upload_list":
                return Origin("upload_element", inner.param, inner.scope)
        return None
    return None


def param_origin(
    view: "View", scope: Scope, name: str, scopes: Sequence[Scope]
) -> Optional[Origin]:
    param = scope.params[name]
    kind = classify_param(view, param, scopes)
    if kind is ParamKind.UPLOAD_FILE:
        return Origin("upload", name, scope)
    if kind is ParamKind.UPLOAD_LIST:
        return Origin("upload_list", name, scope)
    if kind is ParamKind.REQUEST:
        return Origin("request", name, scope)
    dependency = find_dependency(view, param, scopes)
    if dependency is not None:
        return Origin("dependency", name, scope, dependency)
    return None


# -- dependencies --------------------------------------------------------------------------------
def find_dependency(
    view: "View", param: cst.Param, scopes: Sequence[Scope]
) -> Optional[Dependency]:
    """The `Depends(...)` that fills `param`: its default, its `Annotated[...]`, or a type alias
    holding one (`DB = Annotated[Session, Depends(get_db)]`, also imported)."""
    if param.default is not None:
        found = _from_depends_call(view, param.default, scopes)
        if found is not None:
            return found
    if param.annotation is None:
        return None
    annotation = param.annotation.annotation
    if isinstance(annotation, cst.Subscript):
        if view.qualify(annotation.value, scopes) in ANNOTATED:
            for element in annotation.slice[1:]:
                if isinstance(element.slice, cst.Index):
                    found = _from_depends_call(view, element.slice.value, scopes)
                    if found is not None:
                        return found
        return None
    if isinstance(annotation, (cst.Name, cst.Attribute)):
        return _from_alias(view, annotation, scopes)
    return None


def _from_depends_call(view: "View", expr, scopes) -> Optional[Dependency]:
    if not (isinstance(expr, cst.Call) and view.qualify(expr.func, scopes) in DEPENDS):
        return None
    target, scope = None, None
    for position, arg in enumerate(expr.args):
        if arg.keyword is None and position == 0:
            target = arg.value
        elif arg.keyword is not None and arg.keyword.value == "dependency":
            target = arg.value
        elif arg.keyword is not None and arg.keyword.value == "scope":
            if isinstance(arg.value, cst.SimpleString):
                scope = arg.value.evaluated_value
    if not isinstance(target, (cst.Name, cst.Attribute)):
        return Dependency(view.code(target) if target is not None else "", None, None, scope)
    resolved = view.resolve(target, scopes)
    function = resolved.function if resolved.is_project_function else None
    return Dependency(view.code(target), function, resolved.module, scope)


def _from_alias(view: "View", annotation, scopes) -> Optional[Dependency]:
    resolved = view.resolve(annotation, scopes)
    if resolved.kind != "alias" or resolved.module is None:
        return None
    alias = resolved.qualname.rpartition(".")[2]
    module = resolved.module
    for ref in module.dependencies:
        if ref.alias != alias or ref.target is None:
            continue
        if view.index.qualify(module, ref.callee) not in DEPENDS:
            continue  # `Security(...)`, or a `Depends` that is not FastAPI's
        target = view.index.resolve(module, ref.target)
        function = target.function if target.is_project_function else None
        return Dependency(ref.target, function, target.module, ref.scope)
    return None


# -- what background work receives ----------------------------------------------------------------
def received_values(view: "View", site: "Site") -> List[Received]:
    """The request-scoped values `site`'s work receives as arguments or captures."""
    func, args = unwrap_partial(view, site.func, site.args, site.scopes)
    found: List[Received] = []
    position = 0
    for arg in args:
        if arg.star:
            break
        origin = origin_of(view, arg.value, site.scopes, site.loops)
        keyword = arg.keyword.value if arg.keyword is not None else None
        if origin is not None:
            at = None if keyword else position
            found.append(Received(arg.value, origin, False, at, keyword, frozenset({"bare"})))
        if keyword is None:
            position += 1
    closure = closure_of(view, func, site.scopes)
    if closure is not None:
        for name, uses in closure_uses(closure).items():
            origin = name_origin(view, name, site.scopes, site.loops)
            if origin is not None:
                found.append(Received(func, origin, True, uses=frozenset(uses)))
    return found


def unwrap_partial(view: "View", func, args, scopes):
    """`partial(save, file)` scheduled with `args`: `save` and `(file, *args)`."""
    if (
        isinstance(func, cst.Call)
        and view.qualify(func.func, scopes) in PARTIAL
        and func.args
        and func.args[0].keyword is None
        and not func.args[0].star
    ):
        return func.args[0].value, tuple(func.args[1:]) + tuple(args)
    return func, tuple(args)


def closure_of(view: "View", func, scopes) -> Optional[Union[cst.Lambda, cst.FunctionDef]]:
    if isinstance(func, cst.Lambda):
        return func
    if isinstance(func, cst.Name):
        return view.nested_def(func.value, scopes)
    return None


def closure_uses(closure: Union[cst.Lambda, cst.FunctionDef]) -> Dict[str, Set[str]]:
    """How a closure uses each name it reads from outside: bare, `x.attr`, `x.method()`."""
    names = free_names(closure)
    collector = _Uses(names)
    closure.body.visit(collector)
    return {name: uses for name, uses in collector.uses.items() if name in names}


class _Uses(cst.CSTVisitor):
    def __init__(self, names: FrozenSet[str]) -> None:
        self.names = names
        self.uses: Dict[str, Set[str]] = {}
        self.shadowed: List[Set[str]] = []

    def _free(self, node) -> Optional[str]:
        if isinstance(node, cst.Name) and node.value in self.names:
            if not any(node.value in inner for inner in self.shadowed):
                return node.value
        return None

    def _add(self, name: str, use: str) -> None:
        self.uses.setdefault(name, set()).add(use)

    def visit_Call(self, node: cst.Call) -> Optional[bool]:
        func = node.func
        if isinstance(func, cst.Attribute) and self._free(func.value):
            self._add(func.value.value, f"method:{func.attr.value}")
            for arg in node.args:
                arg.value.visit(self)
            return False
        return None

    def visit_Attribute(self, node: cst.Attribute) -> Optional[bool]:
        name = self._free(node.value)
        if name:
            self._add(name, f"attr:{node.attr.value}")
            return False
        node.value.visit(self)
        return False

    def visit_Name(self, node: cst.Name) -> None:
        name = self._free(node)
        if name:
            self._add(name, "bare")

    def visit_Arg(self, node: cst.Arg) -> bool:
        node.value.visit(self)
        return False

    def visit_Param(self, node: cst.Param) -> bool:
        if node.default is not None:
            node.default.visit(self)
        return False

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        self.shadowed.append(param_names(node.params))
        node.body.visit(self)
        self.shadowed.pop()
        return False

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        self.shadowed.append(param_names(node.params))
        node.body.visit(self)
        self.shadowed.pop()
        return False


def parameter_for(function: FunctionSummary, received: Received, bound: bool) -> Optional[str]:
    """The task function's parameter that receives `received` (`bound`: `self` is given)."""
    if received.keyword is not None:
        names = {p.name for p in function.params if p.kind in ("pos", "kwonly")}
        return received.keyword if received.keyword in names else None
    positional = [p for p in function.params if p.kind in ("posonly", "pos")]
    if bound or (function.is_method and positional and positional[0].name in ("self", "cls")):
        positional = positional[1:]
    if received.position is None or received.position >= len(positional):
        return None
    return positional[received.position].name


# -- spawn sites and file reads, from the view's one walk ------------------------------------------
def collect_calls(view: "View", calls, awaited: Dict[int, cst.Await]) -> None:
    """Fill `view.spawn_sites` and `view.file_reads` from the calls the view's walk noted."""
    from bglint.model.spawn import find_spawn, is_spawn_candidate

    for call, scopes, loops in calls:
        if is_file_read(call):
            view.file_reads.append(FileRead(call, scopes, loops))
        elif is_spawn_candidate(call):
            site = find_spawn(view, call, scopes, loops, id(call) in awaited)
            if site is not None:
                view.spawn_sites.append(site)
