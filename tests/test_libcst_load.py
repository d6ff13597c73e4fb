"""bglint.libcst_load changes what LibCST costs, never what it gives: the same trees, validation
back in place after each parse, the matchers usable, and `dataclasses` as it was."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Dict, Optional

import libcst as cst
import pytest

from bglint import libcst_load
from bglint.libcst_load import parse_module

FIXTURES = sorted((Path(__file__).parent / "fixtures").rglob("*.py"))


def test_trees_equal_libcsts_own() -> None:
    parsed = 0
    for path in FIXTURES:
        source = path.read_text(encoding="utf-8")
        try:
            expected = cst.parse_module(source)
        except cst.ParserSyntaxError:
            with pytest.raises(cst.ParserSyntaxError):
                parse_module(source)
            continue
        tree = parse_module(source)
        assert tree.deep_equals(expected), path
        assert tree.code == source, path
        parsed += 1
    assert parsed > 90


def test_nodes_built_outside_a_parse_are_validated() -> None:
    parse_module("x = 1\n")
    with pytest.raises(cst.ParserSyntaxError):
        parse_module("def (:\n")
    with pytest.raises(cst.CSTValidationError):
        cst.SimpleWhitespace("x")  # whitespace that is not whitespace
    with pytest.raises(cst.CSTValidationError):
        cst.Call(func=cst.Name("f"), lpar=[cst.LeftParen()])  # unbalanced parentheses


def test_a_parse_within_a_parse_leaves_validation_to_the_outer_one() -> None:
    # Another thread's parse looks the same: only the parse that switched validation off
    # switches it back on, so that it is never left off.
    from libcst._nodes.base import CSTNode

    validating = CSTNode.__dict__["__post_init__"]
    with libcst_load._unvalidated():
        parse_module("x = 1\n")
        assert CSTNode.__dict__["__post_init__"] is not validating
    assert CSTNode.__dict__["__post_init__"] is validating


def run(code: str, env: Optional[Dict[str, str]] = None) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
        env=env,
    )
    return done.stdout.strip()


def test_rules_load_the_matchers_without_their_docstrings_and_restore_dataclasses() -> None:
    code = (
        "import dataclasses, inspect\n"
        "import bglint.rules\n"
        "import libcst, libcst.matchers as m\n"
        "@dataclasses.dataclass\n"
        "class Later:\n"
        "    x: int\n"
        "call = libcst.parse_expression('f(1)')\n"
        "works = m.matches(call, m.Call(func=m.Name('f'), args=[m.Arg(m.Integer('1'))]))\n"
        "print(m.Call.__doc__, dataclasses.inspect is inspect, Later.__doc__, works, sep='|')\n"
    )
    assert run(code) == "Call|True|Later(x: int)|True"


def test_typing_hashes_are_typings_own_again_after_the_matchers_load() -> None:
    code = (
        "import typing\n"
        "import bglint.rules\n"
        "import libcst.matchers as m\n"
        "own = [vars(getattr(typing, n))['__hash__'].__module__ for n in\n"
        "       ('_GenericAlias', '_UnionGenericAlias')]\n"
        "same = hash(typing.Union[int, str]) == hash(frozenset((int, str)))\n"
        "cached = typing.Union[m.Name, m.Attribute] is typing.Union[m.Name, m.Attribute]\n"
        "print(*own, same, cached)\n"
    )
    assert run(code) == "typing typing True True"


def test_methods_compiled_once_are_what_dataclasses_compiles() -> None:
    # compiled as `dataclasses` compiles them: without this module's `from __future__ import
    # annotations`, so annotations are the types, not their names
    code = (
        "import dataclasses\n"
        "import bglint.rules\n"
        "import libcst\n"
        "init = libcst.Name.__init__.__annotations__\n"
        "name = libcst.Name('x')\n"
        "try:\n"
        "    name.value = 'y'\n"
        "except dataclasses.FrozenInstanceError:\n"
        "    frozen = True\n"
        "print(init['value'] is str, frozen, 'exec' in vars(dataclasses))\n"
    )
    assert run(code) == "True True False"


# each matcher class's fields and their types, resolved, with or without bglint's load first
MATCHER_FIELDS = (
    "import dataclasses, typing, hashlib\n"
    "{first}"
    "import libcst.matchers as m\n"
    "classes = [(n, c) for n, c in sorted(vars(m).items()) if dataclasses.is_dataclass(c)]\n"
    "fields = [(n, [(f.name, f.default) for f in dataclasses.fields(c)],\n"
    "           typing.get_type_hints(c)) for n, c in classes]\n"
    "print(len(classes), hashlib.sha256(repr(fields).encode()).hexdigest(),\n"
    "      type(m.Call.__annotations__['func']).__name__)\n"
)


def test_the_matchers_annotations_are_kept_as_strings_naming_the_same_types() -> None:
    as_loaded = run(MATCHER_FIELDS.format(first="import bglint.libcst_load\n")).split()
    as_written = run(MATCHER_FIELDS.format(first="")).split()
    assert int(as_loaded[0]) > 150 and as_loaded[2] == "str" and as_written[2] != "str"
    assert as_loaded[:2] == as_written[:2]


# where Python caches the bytecode of LibCST's matchers and of its expression nodes, and
# whether each is there, after the import `{first}`
CACHED = (
    "{first}\n"
    "import importlib.util, os\n"
    "import libcst._nodes.expression as e, libcst.matchers as m\n"
    "paths = [importlib.util.cache_from_source(x.__file__) for x in (m, e)]\n"
    "print(*[os.path.exists(path) for path in paths], *paths)\n"
    "print(type(m.Call.__annotations__['func']).__name__)\n"
)


def test_pythons_own_cache_of_the_matchers_is_neither_written_nor_read(tmp_path) -> None:
    # the matchers with postponed annotations are kept in bglint's store only: a program
    # importing LibCST's matchers later, with the same bytecode cache, gets them as written
    env = writing_bytecode_to(tmp_path)
    cached, annotation = run(CACHED.format(first="import bglint.libcst_load"), env).splitlines()
    matchers, nodes, *paths = cached.split()
    assert all(Path(path).is_relative_to(tmp_path) for path in paths)
    assert (matchers, nodes, annotation) == ("False", "True", "str")
    cached, annotation = run(CACHED.format(first=""), env).splitlines()
    assert cached.split()[:2] == ["True", "True"] and annotation != "str"


def test_the_matchers_loader_keeps_no_code_and_then_answers_as_python_does() -> None:
    code = (
        "import __future__\n"
        "import bglint.libcst_load, libcst.matchers as m\n"
        "loader = m.__loader__\n"
        "kept = loader._code\n"  # nothing held for the process's lifetime
        "code = loader.get_code('libcst.matchers')\n"  # e.g. runpy's: the module as written
        "postponed = bool(code.co_flags & __future__.annotations.compiler_flag)\n"
        "print(type(loader).__name__, kept, postponed)\n"
    )
    assert run(code) == "_CodeLoader None False"


def test_a_module_is_compiled_again_when_its_source_changes(tmp_path, monkeypatch) -> None:
    package = tmp_path / "postponed_probe"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "mod.py").write_text("x: undefined_name = 1\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    store: Dict[str, object] = {}
    compiled = []

    def code_of(key, compile_it):
        if key not in store:
            compiled.append(key)
            store[key] = compile_it()
        return store[key]

    for source in ("x: undefined_name = 1\n", "x: undefined_name = 1\ny: other = 2\n"):
        (package / "mod.py").write_text(source)
        for _ in range(2):
            monkeypatch.delitem(sys.modules, "postponed_probe.mod", raising=False)
            libcst_load._import_with_postponed_annotations("postponed_probe.mod", code_of)
        module = sys.modules["postponed_probe.mod"]
        assert sys.modules["postponed_probe"].mod is module
        assert module.x == 1 and module.__annotations__["x"] == "undefined_name"
    assert len(compiled) == 2 and module.__annotations__["y"] == "other"


def test_a_module_that_is_not_a_source_file_is_imported_as_python_imports_it() -> None:
    def code_of(key, compile_it):
        raise AssertionError("no source to compile")

    libcst_load._import_with_postponed_annotations("_json", code_of)
    assert "_json" in sys.modules


# counts what `dataclasses` compiles while bglint loads LibCST (and the matchers' module),
# and names the store
COUNT_COMPILES = (
    "import builtins, dataclasses, os\n"
    "compiles = 0\n"
    "real = builtins.compile\n"
    "matchers = os.path.join('matchers', '__init__.py')\n"
    "def counting(source, filename, mode, *args, **kwargs):\n"
    "    global compiles\n"
    "    compiles += (filename, mode) == ('<string>', 'exec')  # typing's are 'eval'\n"
    "    compiles += filename.endswith(matchers)\n"
    "    return real(source, filename, mode, *args, **kwargs)\n"
    "builtins.compile = counting\n"
    "from bglint import libcst_load\n"
    "builtins.compile = real\n"
    "import libcst\n"
    "print(compiles, libcst.Name.__init__.__annotations__['value'] is str)\n"
    "print(libcst_load.STORE)\n"
)


def writing_bytecode_to(folder: Path) -> Dict[str, str]:
    env = dict(os.environ, PYTHONPYCACHEPREFIX=str(folder))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def test_the_next_process_loads_the_compiled_methods_instead_of_compiling(tmp_path) -> None:
    env = writing_bytecode_to(tmp_path)
    first, store = run(COUNT_COMPILES, env).splitlines()
    assert int(first.split()[0]) > 100 and first.endswith("True")
    assert Path(store).is_file() and Path(store).is_relative_to(tmp_path)
    second, _ = run(COUNT_COMPILES, env).splitlines()
    assert second == "0 True"


def test_a_damaged_or_foreign_store_is_ignored_and_replaced(tmp_path) -> None:
    env = writing_bytecode_to(tmp_path)
    _, store = run(COUNT_COMPILES, env).splitlines()
    magic = Path(store).read_bytes()[:4]
    for damaged in (b"", magic + b"\x00garbage", b"XXXX" + Path(store).read_bytes()[4:]):
        Path(store).write_bytes(damaged)
        counted, _ = run(COUNT_COMPILES, env).splitlines()
        assert int(counted.split()[0]) > 100 and counted.endswith("True")
        assert Path(store).read_bytes()[:4] == magic  # written again, whole
    assert run(COUNT_COMPILES, env).splitlines()[0] == "0 True"


def test_no_store_is_written_where_python_writes_no_bytecode(tmp_path) -> None:
    env = dict(writing_bytecode_to(tmp_path), PYTHONDONTWRITEBYTECODE="1")
    counted, store = run(COUNT_COMPILES, env).splitlines()
    assert int(counted.split()[0]) > 100
    assert not Path(store).exists()


def test_an_unexpected_dataclasses_is_left_alone() -> None:
    # Another CPython (3.15 imports `inspect` lazily there): nothing is switched, and the
    # matchers get the docstrings dataclasses gives them.
    code = (
        "import dataclasses, inspect\n"
        "class Inspect:\n"
        "    def __getattr__(self, name):\n"
        "        return getattr(inspect, name)\n"
        "own = dataclasses.inspect = Inspect()\n"
        "import bglint.model\n"
        "import libcst.matchers as m\n"
        "print(m.Call.__doc__.startswith('Call(func'), dataclasses.inspect is own)\n"
    )
    assert run(code) == "True True"
