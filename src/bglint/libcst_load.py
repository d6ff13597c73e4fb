"""LibCST without costs bglint never uses: matcher docstrings, compiling the same generated
method and hashing the same type annotation over and over while LibCST loads, evaluating the
matchers' annotations, and re-validating parser output.

Importing this module imports LibCST and its matchers (`bglint.model` and `bglint.rules` import
it first).

Every process that builds a view pays for importing LibCST's matchers and for parsing the
functions that hold sites. Measured on CPython 3.11 (2 cores; medium corpus of bench/run.py):

- `import libcst.matchers` takes 0.27 s, a third of it spent by `dataclasses` writing a docstring
  for each of its 175 matcher classes from `inspect.signature`: a repr of every field's
  annotation, unions of unions. Nobody reads those docstrings; CPython 3.15 builds them lazily
  (python/cpython#144387). `load()` imports the matchers with that docstring cut to the class
  name: 0.18 s.
- Of what is left, a third is `typing` hashing the matchers' annotations: each `Union[...]`
  goes through `typing`'s cache, which hashes its arguments, and a union's hash is computed
  afresh, recursively, each time (unions of unions of generic aliases; 17,000 calls). While the
  matchers load, each alias's hash is computed once and remembered: 0.22 s -> 0.15 s (medians
  of 12 alternated runs). The same values, so `typing`'s cache finds the same entries.
- `dataclasses` compiles the text of each method it writes (1,037 distinct texts for LibCST's
  nodes and matchers, 643 more repeats: a frozen class's `__setattr__` reads the same for every
  class). While LibCST loads, each text is compiled once and the code objects are kept in
  `STORE`, beside this module's bytecode (bglint/compiled.py); the next process loads them
  with `marshal` (1.3 MB, 6 ms). CPU time of the whole import,
  medians of 5 alternated runs, with the store and without: 0.19 s against 0.35 s on 3.11,
  0.15 against 0.26 on 3.9, 0.21 against 0.34 on 3.13 (which writes one text per class).
- What `dataclasses` and `typing` still spend on the matchers is mostly their annotations:
  every field of every matcher class is annotated with a union of unions of generic aliases,
  evaluated when its class is defined, though nothing reads them but `typing.get_type_hints`
  (LibCST itself reads only the fields' names and values). The matchers' module is compiled
  as if it began with `from __future__ import annotations`, so each annotation is kept as its
  source text, naming the same types (a test compares the resolved hints of every matcher
  class with a plain import's), and its code is kept in the same store. CPU time of
  `import bglint.libcst_load`, medians of 12 alternated runs: 0.18 s against 0.21 s; of one
  file with sites, `bglint --no-cache` (15 alternated runs): 0.33 s against 0.39 s. LibCST's
  node classes are left as they are: their field types are read by `validate_types_deep` and
  LibCST's display helpers.
- LibCST validates every node its own parser builds (`CSTNode.__post_init__`, a regex per
  whitespace node), though parser output is valid by construction (LibCST's comment there
  proposes not validating parsed trees). `parse_module` skips that: 54 holders, 0.36 MB,
  0.60 s -> 0.50 s. The trees are equal node for node (tests/test_libcst_load.py); nodes built
  anywhere else, as fixes do, are still validated.

Each switches a class or module attribute for the duration of one import or one parse and puts
it back in a `finally`. Each does nothing when the attribute it changes is not what it expects
(another CPython or LibCST, a parse or an import already under way in another thread), so that
the cost, not the result, is all that can change; the matchers' module, where it is not a plain
source file, is imported as Python imports it. The store of compiled code is the one file
written, as Python writes a `.pyc` (bglint/compiled.py).
"""

from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from importlib.machinery import ModuleSpec, SourceFileLoader
from types import CodeType
from typing import TYPE_CHECKING, Callable, Dict, Iterator, Optional, Tuple

from bglint import compiled

if TYPE_CHECKING:  # pragma: no cover
    import libcst as cst

__all__ = ["load", "parse_module"]

# LibCST's methods and matchers' module, compiled once for all runs (bglint/compiled.py)
STORE = compiled.store_beside(__file__)


class _InspectWithoutSignatures:
    """`inspect` as `dataclasses` sees it while the matchers load: `signature(cls)` is empty,
    so a class docstring is the class name (a string, so `str()` and `.replace` still work on
    3.9-3.10, which have no `try` around that call); everything else is `inspect` itself."""

    def __init__(self, inspect) -> None:
        self._inspect = inspect

    def __getattr__(self, name: str):
        return getattr(self._inspect, name)

    @staticmethod
    def signature(*args, **kwargs) -> str:
        return ""


def load() -> None:
    """Import LibCST and its matchers: the matchers without their generated docstrings, their
    annotations left unevaluated."""
    if "libcst.matchers" in sys.modules:
        return
    with compiled.once(STORE) as code_of:
        import libcst  # noqa: F401 - its node classes have docstrings: nothing to save there

        with _remembered_alias_hashes(), _without_signature_docstrings():
            _import_with_postponed_annotations("libcst.matchers", code_of)


def _import_with_postponed_annotations(name: str, code_of: compiled.CodeOf) -> None:
    """Import module `name` as if its source began with `from __future__ import annotations`
    (PEP 563): its annotations are kept as strings instead of being evaluated. Its code is kept
    in LibCST's store of compiled code (`STORE`), keyed by the source's path, size and
    modification time, as Python validates a `.pyc`; Python's own cache of the module is
    neither read nor written, so any other program importing it gets the module as written.
    The import is Python's own (its locks, `sys.modules`, the parent's attribute), from a spec
    found first for this one import. A module that is not a plain source file is imported as
    Python imports it."""
    import importlib
    import importlib.util

    spec = importlib.util.find_spec(name)
    if spec is None or type(spec.loader) is not SourceFileLoader or not spec.has_location:
        importlib.import_module(name)
        return
    try:
        status = os.stat(spec.origin)
    except OSError:
        importlib.import_module(name)
        return
    key = compiled.module_key("postponed annotations", spec.origin, status)
    source_loader = spec.loader

    def compile_source() -> CodeType:
        import __future__

        source = source_loader.get_source(name)
        flags = __future__.annotations.compiler_flag
        return compile(source, spec.origin, "exec", flags=flags, dont_inherit=True)

    spec.loader = _CodeLoader(name, spec.origin, code_of(key, compile_source))
    found = _Found(spec)
    sys.meta_path.insert(0, found)
    try:
        importlib.import_module(name)
    finally:
        sys.meta_path.remove(found)


class _CodeLoader(SourceFileLoader):
    """A source file's loader whose module code is `code` the first time, then Python's own
    (`importlib.reload` gets the module as written); it keeps no code once it was used."""

    def __init__(self, fullname: str, path: str, code: CodeType) -> None:
        super().__init__(fullname, path)
        self._code: Optional[CodeType] = code

    def get_code(self, fullname: str) -> Optional[CodeType]:
        code, self._code = self._code, None
        return code if code is not None else super().get_code(fullname)


class _Found:
    """A finder, first on `sys.meta_path` for one import, that finds `spec` for its name."""

    def __init__(self, spec: ModuleSpec) -> None:
        self.spec = spec

    def find_spec(self, fullname: str, path: object = None, target: object = None):
        return self.spec if fullname == self.spec.name else None


@contextmanager
def _without_signature_docstrings() -> Iterator[None]:
    import dataclasses
    import inspect

    if getattr(dataclasses, "inspect", None) is not inspect:  # a CPython that no longer does it
        yield
        return
    dataclasses.inspect = _InspectWithoutSignatures(inspect)
    try:
        yield
    finally:
        dataclasses.inspect = inspect


@contextmanager
def _remembered_alias_hashes() -> Iterator[None]:
    """`typing`'s generic aliases and unions with their hash computed once per object. The
    memo holds each object it saw, so no id is reused while it lives (for one import)."""
    import typing

    memo: Dict[int, Tuple[object, int]] = {}
    switched = []
    for name in ("_GenericAlias", "_UnionGenericAlias"):
        cls = getattr(typing, name, None)
        own = getattr(cls, "__dict__", {}).get("__hash__")
        if getattr(own, "__qualname__", None) == f"{name}.__hash__":  # typing's own, not ours
            switched.append((cls, own))
    for cls, own in switched:
        cls.__hash__ = _remembering(own, memo)
    try:
        yield
    finally:
        for cls, own in switched:
            cls.__hash__ = own


def _remembering(own: Callable[[object], int], memo: Dict[int, Tuple[object, int]]):
    def __hash__(self: object) -> int:
        known = memo.get(id(self))
        if known is None:
            known = memo[id(self)] = (self, own(self))
        return known[1]

    return __hash__


@contextmanager
def _unvalidated() -> Iterator[None]:
    from libcst._nodes.base import CSTNode

    validating = CSTNode.__dict__.get("__post_init__")
    if validating is None or validating is _trusted:  # another LibCST; or a parse under way
        yield  # (another thread's, which restores validation when it ends): change nothing
        return
    CSTNode.__post_init__ = _trusted
    try:
        yield
    finally:
        CSTNode.__post_init__ = validating


def _trusted(self) -> None:
    """A node built by LibCST's parser: valid by construction."""


def parse_module(source: str) -> "cst.Module":
    """`libcst.parse_module(source)`, without validating the nodes the parser builds."""
    import libcst as cst

    with _unvalidated():
        return cst.parse_module(source)


load()
