"""LibCST without costs bglint never uses: matcher docstrings, compiling the same generated
method and hashing the same type annotation over and over while LibCST loads, and
re-validating parser output.

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
  class). `_compiled_once` compiles each text once and keeps the code objects beside this
  module's bytecode, where Python keeps a module's `.pyc` (and not when Python writes none);
  the next process loads them with `marshal` (1.3 MB, 6 ms). CPU time of the whole import,
  medians of 5 alternated runs, with the store and without: 0.19 s against 0.35 s on 3.11,
  0.15 against 0.26 on 3.9, 0.21 against 0.34 on 3.13 (which writes one text per class).
- LibCST validates every node its own parser builds (`CSTNode.__post_init__`, a regex per
  whitespace node), though parser output is valid by construction (LibCST's comment there
  proposes not validating parsed trees). `parse_module` skips that: 54 holders, 0.36 MB,
  0.60 s -> 0.50 s. The trees are equal node for node (tests/test_libcst_load.py); nodes built
  anywhere else, as fixes do, are still validated.

Each switches a class or module attribute for the duration of one import or one parse and puts
it back in a `finally`. Each does nothing when the attribute it changes is not what it expects
(another CPython or LibCST, a parse or an import already under way in another thread), so that
the cost, not the result, is all that can change. The store of compiled methods is the one file
written, as Python writes a `.pyc`: replaced atomically, and read only when its header is this
Python's bytecode magic and it holds nothing but code objects; a missing, damaged or foreign
store is compiled anew (tests/test_libcst_load.py).
"""

from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from types import CodeType
from typing import TYPE_CHECKING, Callable, Dict, Iterator, Optional, Tuple

if TYPE_CHECKING:  # pragma: no cover
    import libcst as cst

__all__ = ["load", "parse_module"]


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
    """Import LibCST and its matchers, the matchers without their generated docstrings."""
    if "libcst.matchers" in sys.modules:
        return
    with _compiled_once():
        import libcst  # noqa: F401 - its node classes have docstrings: nothing to save there

        with _remembered_alias_hashes(), _without_signature_docstrings():
            import libcst.matchers  # noqa: F401


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
def _compiled_once() -> Iterator[None]:
    """`dataclasses` compiling each generated method's text once, and once for all runs: on
    CPython 3.9-3.12 it `exec`s the text of each method of each class. A text is compiled as
    `exec` would compile it in `dataclasses` (no `__future__` flags, file `<string>`), and the
    code object is run again for the next class that needs it and kept beside this module's
    bytecode (`_methods_store`), as Python keeps a module's: the next process loads it with
    `marshal` instead of compiling."""
    import dataclasses

    if "exec" in vars(dataclasses):  # someone else's `exec` there already: leave it alone
        yield
        return
    store = _methods_store()
    stored = _read_methods(store) if store else {}
    used: Dict[str, CodeType] = {}

    def exec_compiled_once(text, *namespaces, **named) -> None:  # exec's own signature
        if not isinstance(text, str):
            return exec(text, *namespaces, **named)
        code = used.get(text) or stored.get(text)
        if code is None:
            code = compile(text, "<string>", "exec", dont_inherit=True)
        used[text] = code
        return exec(code, *namespaces, **named)

    dataclasses.exec = exec_compiled_once
    try:
        yield
    finally:
        del dataclasses.exec
    if store and not sys.dont_write_bytecode and used.keys() - stored.keys():
        _write_methods(store, used)


def _methods_store() -> Optional[str]:
    """Where Python keeps this module's bytecode (`__pycache__`, or `PYTHONPYCACHEPREFIX`),
    with the suffix `.methods`; None where it keeps none. Whoever can write there can already
    replace the module's `.pyc`: the store asks for no more trust than Python's own cache."""
    import importlib.util

    try:
        return importlib.util.cache_from_source(__file__)[: -len(".pyc")] + ".methods"
    except (NotImplementedError, ValueError, TypeError):  # no cache_tag, no file
        return None


def _read_methods(path: str) -> Dict[str, CodeType]:
    """The stored code objects, if they were written by this Python's bytecode version; any
    file that is missing, unreadable, foreign or damaged counts as empty."""
    import importlib.util
    import marshal

    try:
        with open(path, "rb") as handle:
            data = handle.read()
        if not data.startswith(importlib.util.MAGIC_NUMBER):
            return {}
        stored = marshal.loads(data[len(importlib.util.MAGIC_NUMBER) :])
    except (OSError, EOFError, ValueError, TypeError):
        return {}
    if not isinstance(stored, dict):
        return {}
    if not all(type(k) is str and type(v) is CodeType for k, v in stored.items()):
        return {}
    return stored


def _write_methods(path: str, used: Dict[str, CodeType]) -> None:
    """Replace the store with the code objects this import used; atomically, so a concurrent
    reader sees the old file or the new one. A folder that cannot be written is left alone."""
    import importlib.util
    import marshal

    temporary = f"{path}.{os.getpid()}.tmp"
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(temporary, "wb") as handle:
            handle.write(importlib.util.MAGIC_NUMBER + marshal.dumps(used))
        os.replace(temporary, path)
    except (OSError, ValueError):
        try:
            os.unlink(temporary)
        except OSError:
            pass


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
