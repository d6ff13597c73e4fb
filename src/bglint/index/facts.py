"""The facts a module summary holds: small, picklable dataclasses, no behaviour but look-ups."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple


@dataclass(frozen=True)
class Param:
    """One parameter of a function, with its annotation and default as source text."""

    name: str
    kind: str  # "posonly" | "pos" | "vararg" | "kwonly" | "varkw"
    has_default: bool
    annotation: Optional[str]
    default: Optional[str]


@dataclass(frozen=True)
class CallFact:
    """One call in a function's own body (not in nested functions or lambdas)."""

    callee: str  # as written: `smtplib.SMTP`, `self.send`, `helper`
    line: int
    guarded: bool  # in the body of a `try` whose broad `except` does not re-raise
    literal: Optional[str] = None  # the first argument, when it is a string constant


@dataclass(frozen=True)
class BodyFacts:
    """What a function's own body does, for the rules on task functions (index/bodies.py)."""

    calls: Tuple[CallFact, ...] = ()
    raises: Tuple[Tuple[str, int, bool], ...] = ()  # (exception as written, line, guarded)
    awaited: Tuple[str, ...] = ()  # callees of `await f(...)`, as written
    endless_loops: Tuple[int, ...] = ()  # lines of `while True:` loops with no way out
    retry_loops: Tuple[Tuple[int, str], ...] = ()  # (line, the sleep callee as written)
    imports: Tuple[Tuple[str, str], ...] = ()  # function-level imports: local name, qualified


@dataclass(frozen=True)
class Catch:
    """A `try` body (its line range) and the exceptions its handlers keep (index/handlers.py)."""

    first_line: int
    last_line: int
    caught: Tuple[str, ...]  # as written; "" for a bare `except`, "?" for an unnamed type


@dataclass(frozen=True)
class ExceptionHandlerRef:
    """`@app.exception_handler(X)`, `app.add_exception_handler(X, h)`, `exception_handlers=`."""

    exception: str  # the exception class as written
    line: int


@dataclass
class FunctionSummary:
    """A function or method of the module: its signature, shape and own-body facts."""

    name: str
    qualname: str  # dotted within the module: "Mailer.send", "outer.inner"
    start_line: int  # first decorator line
    def_line: int
    end_line: int
    col: int
    is_async: bool
    params: Tuple[Param, ...]
    decorators: Tuple[str, ...]  # dotted names (or source) of decorators, as written
    class_name: Optional[str]
    parent: Optional[str]  # qualname of the enclosing function, if nested
    return_annotation: Optional[str] = None
    is_generator: bool = False
    has_await: bool = False
    returns_value: bool = False
    returns_callable: bool = False  # returns a lambda, a nested def, partial(...)
    returned_calls: Tuple[str, ...] = ()  # callees of `return f(...)`, as written
    calls: Tuple[str, ...] = ()  # callees of every call in the own body, as written
    raises: Tuple[str, ...] = ()
    body: BodyFacts = field(default_factory=BodyFacts)
    catches: Tuple[Catch, ...] = ()  # `try` bodies of the own body, for raises (BG303)
    # How the own body binds each name some `name.add_task(...)` in the function (or a nested
    # one) calls on: "" for an annotated assignment, else the callee of `name = callee(...)`
    # (index/gates.py). Other bindings are not kept.
    task_bindings: Tuple[Tuple[str, Tuple[str, ...]], ...] = ()

    @property
    def is_method(self) -> bool:
        return self.class_name is not None and self.parent is None


@dataclass
class ClassSummary:
    """A module-level class: its bases as written and its method names."""

    name: str
    bases: Tuple[str, ...]
    methods: Tuple[str, ...]


@dataclass(frozen=True)
class Holder:
    """The code a view parses: an outermost function (with decorators) or a top-level statement."""

    start_line: int
    end_line: int
    indented: bool
    function: Optional[str]  # the function's qualname, None for a statement


@dataclass(frozen=True)
class Site:
    """Where background work is scheduled or spawned, and the code a view parses for it."""

    kind: str  # add_task | background_task | background_kw | background_attr | spawn | file_read
    line: int
    col: int
    holder: Holder
    depth: int = 0  # how many functions the site is in
    # the name before `.add_task` / `.background` (add_task, background_attr), None when it
    # is not a plain name
    receiver: Optional[str] = None


@dataclass(frozen=True)
class DependencyRef:
    """A `Depends(...)` / `Security(...)` the module declares, and where."""

    target: Optional[str]  # the dependency as written (`get_db`), None for `Depends()`
    scope: Optional[str]  # `scope="function"` / `"request"` (FastAPI >= 0.121), as written
    function: Optional[str]  # the endpoint or dependency whose signature holds it
    param: Optional[str]  # the parameter it fills, None for `dependencies=[...]`
    via: str  # "default" | "annotation" | "alias" | "dependencies"
    alias: Optional[str] = None  # the module-level alias that holds it (`DB = Annotated[...]`)
    callee: str = "Depends"  # as written: `Depends`, `fastapi.Depends`, `Security`


@dataclass(frozen=True)
class Route:
    """`app.add_api_route(path, endpoint)` and the like: a function registered as an endpoint."""

    function: str
    owner: str  # the app / router expression, as written
    method: str  # get, post, websocket, api_route, add_api_route, ...


@dataclass
class ModuleSummary:
    """Everything the index knows of one module, from one `ast` traversal: small, picklable."""

    name: str
    path: str
    is_package: bool
    imports: Dict[str, str] = field(default_factory=dict)  # local name -> qualified name
    star_imports: List[str] = field(default_factory=list)
    aliases: Dict[str, str] = field(default_factory=dict)  # `Jobs = BackgroundTasks`
    instances: Dict[str, str] = field(default_factory=dict)  # `mailer = Mailer()` -> "Mailer"
    functions: Dict[str, FunctionSummary] = field(default_factory=dict)
    classes: Dict[str, ClassSummary] = field(default_factory=dict)
    routes: List[Route] = field(default_factory=list)
    dependencies: List[DependencyRef] = field(default_factory=list)
    sites: List[Site] = field(default_factory=list)
    exception_handlers: List[ExceptionHandlerRef] = field(default_factory=list)

    @property
    def package(self) -> str:
        return self.name if self.is_package else self.name.rpartition(".")[0]

    def function_at(self, def_line: int) -> Optional[FunctionSummary]:
        for function in self.functions.values():
            if function.def_line == def_line:
                return function
        return None
