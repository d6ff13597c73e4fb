"""Code compiled once for all runs: the methods `dataclasses` writes, kept as Python keeps bytecode.

On CPython 3.9-3.12 `dataclasses` writes the text of each method of each class and `exec`s it,
which compiles it (3.13 compiles one text per class). Classes are built at every start, so a
process pays that compiler again each time. While `once(store)` is active, `dataclasses`
compiles each text once, and the code objects are kept in `store`, beside a module's `.pyc`;
the next process loads them with `marshal` instead of compiling. bglint keeps two stores:
LibCST's (`libcst_load`: 1,037 texts for its nodes and matchers, 0.16 s of compiling), read
only by a run that builds a view, and the command's (`cli.entry`: 220 texts for bglint's own
classes and those of LibCST's modules imported later, 0.2 MB), read by every `bglint` run.
The latter, medians of 20 alternated runs of `bglint --no-cache` on the benchmark's 500-line
files (CPU time): with sites 0.24 s against 0.27 s, without 90 ms against 94 ms.

A store is written as Python writes a `.pyc`: only where Python writes bytecode, replaced
atomically, and read only when its header is this Python's bytecode magic and it holds nothing
but code objects under string keys; a missing, damaged or foreign store is compiled anew
(tests/test_compiled.py). Whoever can write there can already replace a module's `.pyc`: the
store asks for no more trust than Python's own cache.
"""

from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from types import CodeType
from typing import Callable, Dict, Iterator, Optional

# code_of(key, compiled): the code kept under key, or compiled() (then kept)
CodeOf = Callable[[str, Callable[[], CodeType]], CodeType]
_MODULE = "\0"  # starts the key of a module's code (`module_key`); no method text does


def module_key(kind: str, path: str, status: os.stat_result) -> str:
    """The key of a module's code compiled in a way named `kind` from its source at `path`, of
    the size and modification time in `status` (as Python validates a `.pyc`)."""
    return f"{_MODULE}{kind}\0{path}\0{status.st_size}\0{status.st_mtime_ns}"


def store_beside(module_file: str) -> Optional[str]:
    """The store kept where Python keeps the bytecode of `module_file` (`__pycache__`, or under
    `PYTHONPYCACHEPREFIX`), with the suffix `.methods`; None where it keeps none."""
    import importlib.util

    try:
        return importlib.util.cache_from_source(module_file)[: -len(".pyc")] + ".methods"
    except (NotImplementedError, ValueError, TypeError):  # no cache_tag, no file
        return None


@contextmanager
def once(store: Optional[str]) -> Iterator[CodeOf]:
    """`dataclasses` compiling each method text once (as `exec` compiles it there: no
    `__future__` flags, file `<string>`), with the code kept in `store`. It yields `code_of`,
    which keeps other code in the same store (a module's, under `module_key`). When something
    was compiled, the store is written with what was used and what it held, but for modules'
    code not used (a source that changed leaves its old code behind). Nested, the inner store
    takes the texts compiled meanwhile and the outer one is back when it ends; a stand-in for
    `exec` that is not one of these is left alone (the texts are then compiled as
    `dataclasses` would)."""
    import dataclasses

    outer = vars(dataclasses).get("exec")
    if outer is not None and not getattr(outer, "compiles_once", False):
        yield lambda key, compiled: compiled()
        return
    stored = read(store) if store else {}
    used: Dict[str, CodeType] = {}

    def code_of(key: str, compiled: Callable[[], CodeType]) -> CodeType:
        code = used.get(key) or stored.get(key)
        if code is None:
            code = compiled()
        used[key] = code
        return code

    def exec_compiled_once(text, *namespaces, **named) -> None:  # exec's own signature
        if not isinstance(text, str):
            return exec(text, *namespaces, **named)
        code = code_of(text, lambda: compile(text, "<string>", "exec", dont_inherit=True))
        return exec(code, *namespaces, **named)

    exec_compiled_once.compiles_once = True  # type: ignore[attr-defined]
    dataclasses.exec = exec_compiled_once
    try:
        yield code_of
    finally:
        if outer is None:
            del dataclasses.exec
        else:
            dataclasses.exec = outer
        if store and not sys.dont_write_bytecode and used.keys() - stored.keys():
            kept = {key: code for key, code in stored.items() if not key.startswith(_MODULE)}
            write(store, {**kept, **used})


def read(path: str) -> Dict[str, CodeType]:
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


def write(path: str, used: Dict[str, CodeType]) -> None:
    """Replace the store with the code objects this process used; atomically, so a concurrent
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
