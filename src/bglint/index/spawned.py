"""Which spawn sites can matter, decided on the index before any LibCST view is built.

Spawned work (`asyncio.create_task`, threads, executors) is reported by the BG2xx rules only
when it receives or captures one of three values: an upload, the request, or the value of a
dependency with cleanup (a generator function of the project). Such values only come from the
parameters of the functions around the site (model/provenance.py). Most spawned work sits in
endpoints whose parameters are none of these: on the benchmark corpus, spawn sites are most of
the sites, and their functions most of the source LibCST would parse (0.8 of 0.94 MB on large).

The test here is the model's own (model/params.py `classify_param`, model/provenance.py
`find_dependency`), made on the summaries and never narrower: a parameter counts when its
annotation names `UploadFile` or `Request` (through the module's imports and aliases), or when
the `Depends(...)` that fills it (its default, in `Annotated[...]`, or in a type alias, also
imported) names a project generator function, or a name the function binds itself (a local
import, a nested def), which only the view can resolve.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Dict, List, Optional, Sequence

from bglint.index.facts import DependencyRef, FunctionSummary, ModuleSummary, Param
from bglint.index.names import DEPENDS, is_dotted

if TYPE_CHECKING:  # pragma: no cover
    from bglint.index import Index

__all__ = ["enclosing", "qualify_in", "spawn_may_matter"]

# The last part of a qualified annotation that can make a parameter an upload or the request
# (model/params.py classifies by the full names, bglint.index.names: never more than these).
_REQUEST_VALUES = frozenset({"UploadFile", "Request"})
_DOTTED = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\s*\.\s*[A-Za-z_][A-Za-z0-9_]*)*")
_MAX_ALIAS_DEPTH = 4


def spawn_may_matter(
    index: "Index", module: ModuleSummary, chain: Sequence[FunctionSummary]
) -> bool:
    """Whether spawned work in the functions `chain` (outermost first) can receive an upload,
    the request or the value of a dependency with cleanup: whether a parameter of theirs can
    hold one."""
    imports: Dict[str, str] = {}
    for function in chain:
        imports.update(function.body.imports)
    return any(
        _param_may_matter(index, module, function, param, chain, imports)
        for function in chain
        for param in function.params
    )


def enclosing(module: ModuleSummary, line: int) -> List[FunctionSummary]:
    """The functions whose lines hold `line`, outermost first."""
    return [f for f in module.functions.values() if f.start_line <= line <= f.end_line]


def _param_may_matter(
    index: "Index",
    module: ModuleSummary,
    function: FunctionSummary,
    param: Param,
    chain: Sequence[FunctionSummary],
    imports: Dict[str, str],
) -> bool:
    refs = [
        ref
        for ref in module.dependencies
        if ref.function == function.qualname
        and ref.param == param.name
        and _is_depends(index, module, ref, imports)
    ]
    defaults = [ref for ref in refs if ref.via == "default"]
    if defaults:  # a `Depends(...)` default decides, whatever the annotation says
        return any(_may_clean_up(index, module, ref.target, chain) for ref in defaults)
    if param.annotation is None:
        return False
    if _names_request_value(index, module, param.annotation, imports, 0):
        return True
    if any(_may_clean_up(index, module, ref.target, chain) for ref in refs):
        return True  # `Annotated[Session, Depends(get_db)]`
    return _alias_may_clean_up(index, module, param.annotation, chain)


def _is_depends(
    index: "Index", module: ModuleSummary, ref: DependencyRef, imports: Dict[str, str]
) -> bool:
    """FastAPI's `Depends` (the model counts no other, not even `Security`)."""
    return qualify_in(index, module, ref.callee, imports) in DEPENDS


def qualify_in(index: "Index", module: ModuleSummary, dotted: str, imports: Dict[str, str]) -> str:
    """What `dotted` means inside the functions around the site (`imports`: their own)."""
    head, _, rest = dotted.partition(".")
    if head in imports:
        return imports[head] + (f".{rest}" if rest else "")
    return index.qualify(module, dotted)


def _names_request_value(
    index: "Index", module: ModuleSummary, text: str, imports: Dict[str, str], depth: int
) -> bool:
    """Whether an annotation (or a module alias it uses) names `UploadFile` or `Request`."""
    for word in _DOTTED.findall(text):
        word = re.sub(r"\s+", "", word)
        qualified = qualify_in(index, module, word, imports)
        if qualified.rpartition(".")[2] in _REQUEST_VALUES:
            return True
        alias = module.aliases.get(word.partition(".")[0])
        if alias is not None and depth < _MAX_ALIAS_DEPTH:
            if _names_request_value(index, module, alias, imports, depth + 1):
                return True
    return False


def _alias_may_clean_up(
    index: "Index", module: ModuleSummary, annotation: str, chain: Sequence[FunctionSummary]
) -> bool:
    """`db: DB` with `DB = Annotated[Session, Depends(get_db)]` here or in another module."""
    if not is_dotted(annotation):
        return False
    if _bound_in(annotation, module, chain):
        return True  # bound in the function: only the view can tell
    target = index.resolve(module, annotation)
    if target.kind != "alias" or target.module is None:
        return False
    alias = target.qualname.rpartition(".")[2]
    return any(
        _may_clean_up(index, target.module, ref.target, ())
        for ref in target.module.dependencies
        if ref.alias == alias and _is_depends(index, target.module, ref, {})
    )


def _may_clean_up(
    index: "Index", module: ModuleSummary, target: Optional[str], chain: Sequence[FunctionSummary]
) -> bool:
    """Whether `Depends(target)` can be a dependency with cleanup: a project generator function,
    or a name bound inside the functions around the site (only the view resolves those)."""
    if not target or not is_dotted(target):
        return False  # `Depends()`, `Depends(make())`: the model finds no function either
    if _bound_in(target, module, chain):
        return True
    resolved = index.resolve(module, target)
    return resolved.is_project_function and resolved.function.is_generator


def _bound_in(dotted: str, module: ModuleSummary, chain: Sequence[FunctionSummary]) -> bool:
    head = dotted.partition(".")[0]
    return any(
        head in dict(function.body.imports) or f"{function.qualname}.{head}" in module.functions
        for function in chain
    )
