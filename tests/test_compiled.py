"""bglint.compiled: dataclasses' methods compiled once, kept as Python keeps bytecode, with the
classes `dataclasses` builds unchanged; stores nest, and a stranger's `exec` is left alone."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from bglint import compiled


@pytest.fixture(autouse=True)
def writing_bytecode(monkeypatch) -> None:
    monkeypatch.setattr(sys, "dont_write_bytecode", False)  # as Python does by default


def make_class(name: str, *fields: str) -> type:
    return dataclasses.make_dataclass(name, [(field, int) for field in fields], frozen=True)


def test_a_class_built_from_stored_code_is_the_class_dataclasses_builds(tmp_path) -> None:
    store = str(tmp_path / "store.methods")
    with compiled.once(store):
        make_class("Point", "x", "y")
    assert "exec" not in vars(dataclasses)
    kept = compiled.read(store)
    assert any("self.x" in text for text in kept)
    with compiled.once(store) as code_of:
        point = make_class("Point", "x", "y")(1, 2)
        assert code_of(next(iter(kept)), lambda: pytest.fail("compiled again")) is not None
    assert (point.x, point.y, repr(point)) == (1, 2, "Point(x=1, y=2)")
    with pytest.raises(dataclasses.FrozenInstanceError):
        point.x = 3  # type: ignore[misc]


def test_nested_stores_each_keep_what_was_compiled_while_they_were_inner(tmp_path) -> None:
    outer, inner = str(tmp_path / "outer.methods"), str(tmp_path / "inner.methods")
    with compiled.once(outer):
        make_class("Before", "before_field")
        ours = vars(dataclasses)["exec"]
        with compiled.once(inner):
            make_class("Within", "within_field")
        assert vars(dataclasses)["exec"] is ours
        make_class("After", "after_field")
    assert "exec" not in vars(dataclasses)
    outer_texts, inner_texts = " ".join(compiled.read(outer)), " ".join(compiled.read(inner))
    assert "before_field" in outer_texts and "after_field" in outer_texts
    assert "within_field" in inner_texts and "within_field" not in outer_texts


def test_a_store_is_written_when_the_work_inside_ends_in_an_exception(tmp_path) -> None:
    # the `bglint` command ends in SystemExit, as click's commands do
    store = str(tmp_path / "store.methods")
    with pytest.raises(SystemExit), compiled.once(store):
        make_class("Exiting", "status")
        raise SystemExit(1)
    assert "exec" not in vars(dataclasses)
    assert any("status" in text for text in compiled.read(store))


def test_someone_elses_exec_in_dataclasses_is_left_alone(tmp_path, monkeypatch) -> None:
    seen = []

    def theirs(text, *namespaces):
        seen.append(text)
        return exec(text, *namespaces)

    monkeypatch.setattr(dataclasses, "exec", theirs, raising=False)
    store = tmp_path / "store.methods"
    with compiled.once(str(store)) as code_of:
        make_class("Theirs", "field")
        assert code_of("key", lambda: compile("x = 1", "<string>", "exec")) is not None
    assert vars(dataclasses)["exec"] is theirs and seen and not store.exists()


def test_no_store_is_written_where_python_writes_no_bytecode(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    store = tmp_path / "store.methods"
    with compiled.once(str(store)):
        make_class("Unwritten", "field")
    assert not store.exists()


def test_damaged_or_foreign_stores_read_as_empty(tmp_path) -> None:
    import importlib.util
    import marshal

    store = tmp_path / "store.methods"
    magic = importlib.util.MAGIC_NUMBER
    for content in (
        b"",
        magic + b"\x00garbage",
        b"XXXX" + marshal.dumps({"x": compile("1", "<string>", "eval")}),
        magic + marshal.dumps({"x": "not code"}),
        magic + marshal.dumps(["not", "a", "dict"]),
    ):
        store.write_bytes(content)
        assert compiled.read(str(store)) == {}
    assert compiled.read(str(tmp_path / "missing")) == {}


# runs the `bglint` command in this process and writes to standard error, as it ends, how many
# method texts (and modules) were compiled: bglint's own classes and LibCST's
COUNTED_RUN = textwrap.dedent(
    """
    import builtins, os, sys
    compiles = 0
    real = builtins.compile
    def counting(source, filename, mode, *args, **kwargs):
        global compiles
        compiles += (filename, mode) == ("<string>", "exec")
        return real(source, filename, mode, *args, **kwargs)
    builtins.compile = counting
    real_exit = os._exit
    def ending(status):
        print(compiles, file=sys.stderr, flush=True)
        real_exit(status)
    os._exit = ending
    from bglint import cli
    sys.argv = ["bglint", "--no-cache", "-q", sys.argv[1]]
    cli.entry()
    """
)


def test_the_next_bglint_run_compiles_no_method(tmp_path) -> None:
    app = tmp_path / "app.py"
    app.write_text(
        "from fastapi import BackgroundTasks\n\n\n"
        "def send(email): ...\n\n\n"
        "def signup(tasks: BackgroundTasks):\n"
        "    tasks.add_task(send('a@b.c'))\n"
    )
    env = dict(os.environ, PYTHONPYCACHEPREFIX=str(tmp_path / "cache"))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    counts = []
    for _ in range(2):
        done = subprocess.run(
            [sys.executable, "-c", COUNTED_RUN, str(app)],
            capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120,
        )  # fmt: skip
        assert done.returncode == 1, done.stderr  # the finding
        counts.append(int(done.stderr.split()[-1]))
    assert counts[0] > 100 and counts[1] == 0
    stores = sorted(path.name for path in Path(tmp_path / "cache").rglob("*.methods"))
    assert [name.split(".")[0] for name in stores] == ["cli", "libcst_load"]


def test_a_store_keeps_what_other_runs_used_but_not_old_module_code(tmp_path) -> None:
    store = str(tmp_path / "store.methods")
    source = tmp_path / "module.py"
    source.write_text("x = 1\n")
    old_key = compiled.module_key("plain", str(source), source.stat())
    with compiled.once(store) as code_of:
        make_class("First", "first_field")
        code_of(old_key, lambda: compile(source.read_text(), str(source), "exec"))
    source.write_text("x = 2  # changed\n")
    new_key = compiled.module_key("plain", str(source), source.stat())
    with compiled.once(store) as code_of:
        make_class("Second", "second_field")
        code_of(new_key, lambda: compile(source.read_text(), str(source), "exec"))
    kept = compiled.read(store)
    texts = " ".join(key for key in kept if not key.startswith("\0"))
    assert "first_field" in texts and "second_field" in texts
    assert new_key in kept and old_key not in kept and old_key != new_key
