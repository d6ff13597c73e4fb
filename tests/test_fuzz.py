"""Fuzzing the engine and the fixer with hypothesis (and hypothesmith for valid programs).

Inputs: the rule fixtures (real FastAPI code with every mistake and its near misses) mutated
line by line, and programs that hypothesmith generates from Python's grammar, placed inside an
endpoint that holds a site so that the views and rules see them. Properties: no crash and no
internal error; every fix re-parses and keeps every comment; fixing twice equals fixing once;
one fix pass changes nothing outside its edit ranges; `--diff` writes nothing.

CI runs a bounded, derandomised number of examples (the `ci` profile: the same inputs on every
run, no example database written). `python bench/fuzz.py` runs many more with fresh seeds.
"""

from __future__ import annotations

import ast
import codecs
import difflib
import io
import os
import tempfile
import tokenize
import warnings
from pathlib import Path
from typing import List

import hypothesmith
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.database import DirectoryBasedExampleDatabase

from bglint import fix as fixer
from bglint.edits import _line_starts, _offset, apply_fixes
from bglint.runner import INTERNAL_ERROR, check_source
from bglint.settings import FixMode, Settings

_SLOW_OK = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]
settings.register_profile(
    "ci",
    max_examples=int(os.environ.get("BGLINT_FUZZ_EXAMPLES", "30")),
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=_SLOW_OK,
    print_blob=True,
)
settings.register_profile(
    "fuzz",  # bench/fuzz.py: fresh seeds, failures kept in its example database
    max_examples=int(os.environ.get("BGLINT_FUZZ_EXAMPLES", "2000")),
    database=DirectoryBasedExampleDatabase(
        os.path.join(os.path.expanduser("~"), ".cache", "bglint-fuzz")
    ),
    deadline=None,
    suppress_health_check=_SLOW_OK,
    print_blob=True,
)
PROFILE = os.environ.get("BGLINT_FUZZ_PROFILE", "ci")

FIXTURES = Path(__file__).resolve().parent / "fixtures"
SEEDS = sorted(
    p.read_text(encoding="utf-8") for p in FIXTURES.rglob("*.py") if "add_task" in p.read_text()
)
ENDPOINT_HEAD = """\
from fastapi import BackgroundTasks, FastAPI

app = FastAPI()


def send_welcome(email: str) -> None:
    print(email)


@app.post("/signup")
def signup(email: str, background_tasks: BackgroundTasks):
"""
ENDPOINT_TAIL = "    background_tasks.add_task(send_welcome(email))\n    return {'ok': True}\n"
# text a mutation may drop in: pieces of the code the rules look at, and plain noise
SNIPPETS = [
    "await ",
    "lambda: ",
    "*args",
    "**kwargs",
    "background_tasks.add_task(",
    "send_welcome(email)",
    "for item in items:",
    "    ",
    "\t",
    "(",
    ")",
    "# noqa: BG101",
    "# a comment",
    "\\\n",
    '"""',
    "async ",
    "yield",
    "raise HTTPException(400)",
    "é",
    "\u2028",
    "\x0c",
]


def _parses(text: str) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ast.parse(text)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return False
    return True


def _comments(text: str) -> List[str]:
    tokens = tokenize.generate_tokens(io.StringIO(text).readline)
    return sorted(tok.string for tok in tokens if tok.type == tokenize.COMMENT)


@st.composite
def mutated_fixtures(draw) -> str:
    lines = draw(st.sampled_from(SEEDS)).splitlines(keepends=True)
    for _ in range(draw(st.integers(0, 4))):
        if not lines:
            break
        at = draw(st.integers(0, len(lines) - 1))
        action = draw(st.sampled_from(["drop", "dup", "swap", "insert", "snippet", "indent"]))
        if action == "drop":
            del lines[at]
        elif action == "dup":
            lines.insert(at, lines[at])
        elif action == "swap" and at + 1 < len(lines):
            lines[at], lines[at + 1] = lines[at + 1], lines[at]
        elif action == "insert":
            lines.insert(at, draw(st.sampled_from(SNIPPETS)) + "\n")
        elif action == "snippet":
            line = lines[at]
            column = draw(st.integers(0, len(line)))
            lines[at] = line[:column] + draw(st.sampled_from(SNIPPETS)) + line[column:]
        elif action == "indent":
            lines[at] = draw(st.sampled_from(["    ", "\t", ""])) + lines[at].lstrip(" ")
    return "".join(lines)


@st.composite
def generated_endpoints(draw) -> str:
    """A hypothesmith program inside an endpoint that holds a site (most parse)."""
    program = draw(hypothesmith.from_grammar())
    body = "".join("    " + line for line in program.splitlines(keepends=True))
    if body and not body.endswith(("\n", "\r")):
        body += "\n"
    return ENDPOINT_HEAD + body + ENDPOINT_TAIL


@st.composite
def encoded(draw, texts) -> bytes:
    """A text as a file on disk might hold it: line endings, BOM."""
    text = draw(texts)
    ending = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    if ending != "\n":
        text = text.replace("\n", ending)
    bom = codecs.BOM_UTF8 if draw(st.booleans()) else b""
    return bom + text.encode("utf-8", "surrogatepass")


SOURCES = st.one_of(encoded(mutated_fixtures()), encoded(generated_endpoints()))


def _check(raw: bytes, fix_mode: FixMode):
    result = check_source(raw, "app.py", Settings(fix_mode=fix_mode))
    errors = [d.message for d in result.diagnostics if INTERNAL_ERROR in d.message]
    assert errors == []
    return result


@settings.get_profile(PROFILE)
@given(SOURCES)
def test_no_crash_and_every_fix_reparses_keeps_comments_and_is_idempotent(raw):
    _check(raw, FixMode.NONE)
    for mode in (FixMode.SAFE, FixMode.UNSAFE):
        result = _check(raw, mode)
        data = fixer.fixed_bytes(result)
        if data is None:
            continue
        assert _parses(result.source.text)  # only a file that parses is fixed
        assert _parses(result.fixed_source)
        assert fixer._parses(data)  # the bytes too: BOM and line endings as on disk
        if mode is FixMode.SAFE:
            assert _comments(result.fixed_source) == _comments(result.source.text)
        again = _check(data, mode)
        assert fixer.fixed_bytes(again) is None, "a second --fix changed the file again"


@settings.get_profile(PROFILE)
@given(SOURCES)
def test_one_fix_pass_changes_nothing_outside_its_edit_ranges(raw):
    result = _check(raw, FixMode.NONE)
    fixes = [d.fix for d in result.diagnostics if d.fix is not None]
    if not fixes or result.source is None:
        return
    text = result.source.text
    new_text, count = apply_fixes(text, fixes)
    starts = _line_starts(text)
    ranges = [(_offset(starts, e.start), _offset(starts, e.end)) for f in fixes for e in f.edits]
    matcher = difflib.SequenceMatcher(None, text, new_text, autojunk=False)
    for tag, i1, i2, _, _ in matcher.get_opcodes():
        if tag != "equal":
            assert any(start <= i1 and i2 <= end for start, end in ranges), (
                f"changed {text[i1:i2]!r} at {i1}-{i2}, outside every edit {ranges}"
            )


@settings.get_profile(PROFILE).__class__(settings.get_profile(PROFILE), max_examples=15)
@given(encoded(mutated_fixtures()))
def test_diff_writes_nothing(raw):
    from click.testing import CliRunner

    from bglint.cli import main

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "app.py"
        path.write_bytes(raw)
        before = os.stat(path)
        CliRunner().invoke(main, ["--diff", "--unsafe-fixes", "-q", folder])
        after = os.stat(path)
        assert path.read_bytes() == raw
        assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
        assert os.listdir(folder) == ["app.py"]


def test_the_fixtures_feed_the_fuzzer():
    assert len(SEEDS) >= 10
    if PROFILE == "ci":
        assert settings.get_profile("ci").derandomize


pytestmark = [
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
    pytest.mark.filterwarnings("ignore::SyntaxWarning"),  # compiling generated programs
]
