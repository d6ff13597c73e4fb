"""Fuzzing the engine and the fixer with hypothesis (and hypothesmith for valid programs).

Inputs: the rule fixtures (real FastAPI code with every mistake and its near misses) mutated
line by line, and programs that hypothesmith generates from Python's grammar, placed inside an
endpoint that holds a site so that the views and rules see them. Properties: no crash and no
internal error, and decoding loses no byte; each fix, alone, re-parses and changes nothing
outside its edit ranges (nor do all of them together); every fixed file re-parses and keeps every
comment; fixing twice equals fixing once; `--diff` writes nothing and shows a diff exactly when
`--fix` would change the file.

CI runs a bounded, derandomised number of examples (the `ci` profile: the same inputs on every
run, no example database written). `python bench/fuzz.py` runs many more with fresh seeds.
"""

from __future__ import annotations

import ast
import codecs
import io
import os
import tempfile
import tokenize
import warnings
from pathlib import Path
from typing import List

import hypothesmith
import pytest
from harness import SIGNUP
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
# the fixtures with a fix golden beside them: most mutants still hold something to fix
FIXABLE_SEEDS = sorted(
    p.read_text(encoding="utf-8")
    for p in FIXTURES.rglob("*.py")
    if not p.name.endswith("fixed.py")
    and any(p.with_name(p.stem + end).exists() for end in (".fixed.py", ".unsafe-fixed.py"))
)
ENDPOINT_HEAD = SIGNUP[: SIGNUP.index("    background_tasks.add_task")]  # up to the body
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
    # universal newlines: Python 3.12's tokenizer rejects a lone `\r` inside a line
    tokens = tokenize.generate_tokens(io.StringIO(text, newline=None).readline)
    return sorted(tok.string for tok in tokens if tok.type == tokenize.COMMENT)


@st.composite
def mutated_fixtures(draw, seeds: List[str] = SEEDS, most: int = 4) -> str:
    lines = draw(st.sampled_from(seeds)).splitlines(keepends=True)
    for _ in range(draw(st.integers(0, most))):
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
    if result.source is not None:  # decoding loses nothing: a fix can keep every other byte
        assert result.source.encode(result.source.text) == raw
    return result


def _kept_outside(text: str, new_text: str, ranges) -> bool:
    """Whether `new_text` is `text` with only the spans in `ranges` (offsets into `text`)
    replaced: the pieces between the merged spans appear in order, the first as a prefix and
    the last as a suffix. Leftmost matching decides it exactly, without guessing an alignment."""
    merged: List[List[int]] = []
    for start, end in sorted(ranges):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    if not merged:
        return new_text == text
    cuts = [0] + [edge for span in merged for edge in span] + [len(text)]
    pieces = [text[cuts[i] : cuts[i + 1]] for i in range(0, len(cuts), 2)]
    first, *middle, last = pieces
    if not new_text.startswith(first) or not new_text.endswith(last):
        return False
    cursor, stop = len(first), len(new_text) - len(last)
    for piece in middle:
        found = new_text.find(piece, cursor, stop)
        if found < 0:
            return False
        cursor = found + len(piece)
    return cursor <= stop


def test_kept_outside_tells_a_change_outside_the_ranges():
    text = "tasks.add_task(send(email))\n"
    inside = (text.index("send"), text.index("))") + 1)
    assert _kept_outside(text, "tasks.add_task(send, email)\n", [inside])
    assert not _kept_outside(text, "tasks.add_task(send, email)\r\n", [inside])
    assert not _kept_outside(text, "Tasks.add_task(send, email)\n", [inside])
    assert _kept_outside("ab", "axb", [(1, 1)]) and not _kept_outside("ab", "abx", [(1, 1)])


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
def test_each_fix_reparses_alone_and_changes_nothing_outside_its_edit_ranges(raw):
    result = _check(raw, FixMode.NONE)
    fixes = [d.fix for d in result.diagnostics if d.fix is not None]
    if not fixes or result.source is None:
        return
    text = result.source.text
    starts = _line_starts(text)

    def spans(fix):
        return [(_offset(starts, e.start), _offset(starts, e.end)) for e in fix.edits]

    for fix in fixes:
        new_text, count, _ = apply_fixes(text, [fix])
        assert count == 1, f"{fix.title!r} was dropped: alone, its result does not parse"
        assert new_text != text, f"{fix.title!r} changes nothing"
        assert _kept_outside(text, new_text, spans(fix)), f"{fix.title!r} edits outside its edits"
    new_text, count, _ = apply_fixes(text, fixes)
    assert count >= 1
    assert _kept_outside(text, new_text, [span for fix in fixes for span in spans(fix)])


# half as many: each example runs the whole command line in a temporary folder
@settings(
    settings.get_profile(PROFILE), max_examples=settings.get_profile(PROFILE).max_examples // 2
)
@given(encoded(mutated_fixtures(FIXABLE_SEEDS, most=1)))
def test_diff_writes_nothing(raw):
    from click.testing import CliRunner

    from bglint.cli import main

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "app.py"
        path.write_bytes(raw)
        before = os.stat(path)
        fixing = check_source(raw, str(path), Settings(fix_mode=FixMode.UNSAFE))
        would_fix = fixer.fixed_bytes(fixing) is not None
        shown = CliRunner().invoke(main, ["--diff", "--unsafe-fixes", "-q", folder])
        after = os.stat(path)
        assert shown.exception is None or isinstance(shown.exception, SystemExit), shown.output
        assert shown.exit_code == (1 if would_fix else 0)
        assert ("+++ " in shown.output) == would_fix  # the diff is shown, and only then
        assert path.read_bytes() == raw
        assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
        assert os.listdir(folder) == ["app.py"]


def test_the_fixtures_feed_the_fuzzer():
    assert len(SEEDS) >= 10
    assert len(FIXABLE_SEEDS) >= 5
    if PROFILE == "ci":
        assert settings.get_profile("ci").derandomize


pytestmark = [
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
    pytest.mark.filterwarnings("ignore::SyntaxWarning"),  # compiling generated programs
]
