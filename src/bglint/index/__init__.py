"""The project index: module summaries built with the stdlib `ast`, and name resolution.

Files the prefilter passes are summarised by the runner; any other module is summarised lazily,
the first time a look-up needs it, and at most once per run. Never imports LibCST.
"""

from __future__ import annotations

import ast
import builtins
import hashlib
import os
import time
import warnings
from collections import defaultdict
from dataclasses import dataclass
from typing import Dict, Iterator, List, Optional, Set, Tuple

from bglint.index.facts import (
    ClassSummary,
    DependencyRef,
    FunctionSummary,
    ModuleSummary,
    Param,
    Route,
    Site,
)
from bglint.index.modules import find_module_file, module_name, search_roots
from bglint.index.names import API_ROUTER, FASTAPI_APP, is_dotted
from bglint.index.summary import summarize
from bglint.source import SourceError, read_source

__all__ = [
    "ClassSummary",
    "DependencyRef",
    "FunctionSummary",
    "Index",
    "ModuleSummary",
    "Param",
    "Route",
    "Site",
    "Target",
]

_BUILTINS = frozenset(dir(builtins))
_MAX_DEPTH = 12  # re-export chains longer than this are cycles or not worth following


@dataclass(frozen=True)
class Target:
    """What a name refers to. `kind` is one of: function, class, method (bound to a module-level
    instance, so `self` is already given), instance (a module-level `x = Something()`), module,
    external (outside the project), unknown."""

    kind: str
    qualname: str
    function: Optional[FunctionSummary] = None
    cls: Optional[ClassSummary] = None
    module: Optional[ModuleSummary] = None
    created_by: Optional[str] = None  # for an instance: the qualified name of what built it

    @property
    def is_project_function(self) -> bool:
        return self.kind in ("function", "method") and self.function is not None


UNKNOWN = Target("unknown", "")


def parse_module(text: str, path: str) -> ast.Module:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # invalid escape sequences are not ours to report
        return ast.parse(text, filename=path)


class Index:
    def __init__(self, blocking_calls: Tuple[str, ...] = (), durable_calls: Tuple[str, ...] = ()):
        self._by_path: Dict[str, Optional[ModuleSummary]] = {}
        self._texts: Dict[str, int] = {}  # hash of the text each summary was made from
        self._sources: Dict[str, str] = {}  # and the text: what was checked, not the disk
        self.files_parsed = 0  # by `ast`, for the benchmark (bench/run.py), with:
        self.bytes_parsed = 0
        self.seconds: Dict[str, float] = defaultdict(float)
        self.touched: Set[str] = set()  # modules looked up since the runner last reset it
        # `blocking-calls` / `durable-calls` config: qualified names added to the defaults
        self.blocking_calls = tuple(blocking_calls)
        self.durable_calls = tuple(durable_calls)
        self.effects_memo: Dict[tuple, object] = {}  # index/effects.py, per function and depth
        self.memo: Dict[tuple, object] = {}  # index/handlers.py and index/project.py look-ups
        self.fastapi_version: Optional[str] = None  # config `fastapi-version`, set by the engine
        self.summary_store = None  # get(path, key) / put(path, key, summary), set by the engine

    def forget_unfinished(self) -> None:
        """Drop the look-ups an exception cut short: each is `None` in its memo while it runs,
        which a recursive call reads as "nothing more". Answers that are `None` are only
        looked up again."""
        for memo in (self.memo, self.effects_memo):
            for key in [key for key, value in memo.items() if value is None]:
                del memo[key]

    # -- building ----------------------------------------------------------------------------
    def add(self, path: str, text: str, tree: Optional[ast.Module] = None) -> ModuleSummary:
        """Summarise a file; raises SyntaxError (or ValueError for NUL bytes) when it does not
        parse. The same text of the same file is parsed once per run: a module first summarised
        as an import target is not parsed again when the run reaches it as a file, nor is text
        whose `tree` the caller has already parsed."""
        path = os.path.abspath(path)
        known = self._by_path.get(path)
        if known is not None and self._texts.get(path) == hash(text):
            return known
        name, is_package = module_name(path)
        if self.summary_store is not None:  # the persistent cache's summaries (cache.py)
            digest = hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16)
            key = (digest.digest(), name, is_package)
            stored = self.summary_store.get(path, key)
            if stored is not None:
                self._by_path[path], self._texts[path] = stored, hash(text)
                self._sources[path] = text
                return stored
        started = time.perf_counter()
        if tree is None:
            tree = parse_module(text, path)
        parsed = time.perf_counter()
        self.files_parsed += 1
        self.bytes_parsed += len(text)
        summary = summarize(tree, name, path, is_package)
        self.seconds["ast.parse"] += parsed - started
        self.seconds["summaries"] += time.perf_counter() - parsed
        self._by_path[path] = summary
        self._texts[path] = hash(text)
        self._sources[path] = text
        if self.summary_store is not None:
            self.summary_store.put(path, key, summary)
        return summary

    def module(self, name: str, near: ModuleSummary) -> Optional[ModuleSummary]:
        """The project module `name`, seen from the file of `near`; summarised on first use."""
        if name == near.name:
            return near
        path = find_module_file(name, search_roots(near.path))
        if path is None:
            return None
        self.touched.add(path)  # the runner's cache: this file's result depends on `path`
        if path not in self._by_path:
            self._by_path[path] = None  # a cycle reaching this file again finds nothing
            try:
                source = read_source(path)
                self._by_path[path] = self.add(path, source.text)
            except (SourceError, SyntaxError, ValueError, RecursionError):
                pass
        return self._by_path[path]

    def summaries(self) -> Iterator[ModuleSummary]:
        """Every module summarised so far in this run."""
        return (summary for summary in self._by_path.values() if summary is not None)

    def text_hash(self, module: ModuleSummary) -> Optional[int]:
        return self._texts.get(module.path)

    def text_of(self, module: ModuleSummary) -> Optional[str]:
        """The text `module` was summarised from: stdin, an editor's buffer, a `--fix` pass,
        never what the disk holds now."""
        return self._sources.get(module.path)

    # -- look-ups ----------------------------------------------------------------------------
    def qualify(self, module: ModuleSummary, dotted: str) -> str:
        """The qualified name a dotted name of `module` means, through imports and aliases."""
        return self._qualify(module, dotted, 0)

    def _qualify(self, module: ModuleSummary, dotted: str, depth: int) -> str:
        head, _, rest = dotted.partition(".")
        suffix = f".{rest}" if rest else ""
        if head in module.imports:
            return module.imports[head] + suffix
        if head in module.aliases and depth < _MAX_DEPTH:
            value = module.aliases[head]
            if is_dotted(value):
                return self._qualify(module, value, depth + 1) + suffix
        if head in module.functions or head in module.classes or head in module.instances:
            return f"{module.name}.{dotted}"
        if head in module.aliases:
            return f"{module.name}.{dotted}"
        if head in _BUILTINS:
            return f"builtins.{dotted}"
        return dotted

    def resolve(self, module: ModuleSummary, dotted: str) -> Target:
        """What a dotted name used in `module` refers to, across the project's modules."""
        return self._resolve_qualified(self.qualify(module, dotted), module, 0)

    def _resolve_qualified(self, qualname: str, near: ModuleSummary, depth: int) -> Target:
        if depth > _MAX_DEPTH:
            return UNKNOWN
        parts = qualname.split(".")
        for cut in range(len(parts), 0, -1):
            found = self.module(".".join(parts[:cut]), near)
            if found is not None:
                return self._lookup(found, parts[cut:], depth)
        return Target("external", qualname)

    def _lookup(self, module: ModuleSummary, rest: list, depth: int) -> Target:
        qualname = ".".join([module.name, *rest])
        if not rest:
            return Target("module", qualname, module=module)
        head = rest[0]
        if len(rest) == 1 and head in module.functions:
            return Target("function", qualname, function=module.functions[head], module=module)
        if head in module.classes:
            cls = module.classes[head]
            if len(rest) == 1:
                return Target("class", qualname, cls=cls, module=module)
            method = module.functions.get(f"{head}.{rest[1]}")
            if len(rest) == 2 and method is not None:
                return Target("function", qualname, function=method, module=module)
            return UNKNOWN
        if head in module.instances and len(rest) == 1:
            created_by = self.qualify(module, module.instances[head])
            return Target("instance", qualname, module=module, created_by=created_by)
        if head in module.instances:
            owner = self._resolve_qualified(
                self.qualify(module, module.instances[head]), module, depth + 1
            )
            if owner.kind == "class" and len(rest) == 2 and owner.module is not None:
                method = owner.module.functions.get(f"{owner.cls.name}.{rest[1]}")
                if method is not None:
                    return Target("method", qualname, function=method, module=owner.module)
            return UNKNOWN
        if head in module.imports or (head in module.aliases and is_dotted(module.aliases[head])):
            target = self._qualify(module, ".".join(rest), depth)
            return self._resolve_qualified(target, module, depth + 1)
        if head in module.aliases and len(rest) == 1:  # `DB = Annotated[Session, Depends(...)]`
            return Target("alias", qualname, module=module)
        for star in module.star_imports:
            found = self.module(star, module)
            if found is not None and found is not module:
                target = self._lookup(found, rest, depth + 1)
                if target.kind != "unknown":
                    return target
        return UNKNOWN

    def app_kind(self, module: ModuleSummary, dotted: str) -> Optional[str]:
        """ "app" or "router" when `dotted` names a `FastAPI()` / `APIRouter()` instance of the
        project, also one imported from another module; else None."""
        target = self.resolve(module, dotted)
        if target.kind != "instance":
            return None
        if target.created_by in FASTAPI_APP:
            return "app"
        if target.created_by in API_ROUTER:
            return "router"
        return None

    def routes_of(self, module: ModuleSummary, function: str) -> List[Route]:
        """The registrations of `function` (a qualname in `module`) on an app or router."""
        return [
            route
            for route in module.routes
            if route.function == function and self.app_kind(module, route.owner) is not None
        ]

    def dependencies_of(self, module: ModuleSummary, function: str) -> List[DependencyRef]:
        """The `Depends(...)` in `function`'s signature and in the aliases its annotations use."""
        own = [d for d in module.dependencies if d.function == function]
        summary = module.functions.get(function)
        if summary is None:
            return own
        via_alias = []
        for name in {p.annotation.split("[")[0] for p in summary.params if p.annotation}:
            target = self.resolve(module, name) if is_dotted(name) else UNKNOWN
            if target.kind == "alias":
                alias = target.qualname.rpartition(".")[2]
                via_alias += [d for d in target.module.dependencies if d.alias == alias]
        return own + via_alias
