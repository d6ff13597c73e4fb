"""Never crash, never corrupt: odd files, odd trees, bglint's own failures, and writes on disk.

Every adversarial input ends in one of: findings, a BG000 finding that names the problem, or a
one-line "skipped" warning; never an exception, never exit 2, never an internal error. Tests run
as root here, where permissions do not stop a read, so "unreadable" is made honestly in other
ways (a FIFO, a directory named `x.py`, `os.open` failing) and the chmod case runs only as a
normal user. Failures of the disk itself (a full disk, a read-only file system) are made by
making the call that meets them fail.
"""

from __future__ import annotations

import ast
import codecs
import json
import os
import re
import stat
import warnings
from pathlib import Path

import pytest
from harness import SIGNUP, cli_runner
from harness import SIGNUP_FIXED as FIXED

from bglint import fix as fixer
from bglint import runner
from bglint.cli import main
from bglint.discovery import discover
from bglint.edits import split_lines
from bglint.runner import INTERNAL_ERROR, Engine, check_paths, check_source
from bglint.settings import FixMode, Settings
from bglint.source import MAX_FILE_BYTES

SITE = (12, 31)  # where BG101 reports in SIGNUP


def bglint(*args: str, input=None):
    return cli_runner().invoke(main, list(args), input=input, catch_exceptions=False)


def lint(raw: bytes, fix_mode: FixMode = FixMode.NONE, path: str = "app.py"):
    return check_source(raw, path, Settings(fix_mode=fix_mode))


def internal_errors(result) -> list:
    return [d.message for d in result.diagnostics if INTERNAL_ERROR in d.message]


# --- adversarial contents -------------------------------------------------------------------


def _ast_takes(raw: bytes) -> bool:
    try:
        ast.parse(raw)
    except RecursionError:
        return False
    return True


DEEP_CONCATENATION = SIGNUP.encode() + b"LONG = " + b"'x' + " * 100_000 + b"'x'\n"

# (id, bytes, what is expected: "BG101@row:col", "BG000:<fragment>", "skipped:<fragment>", "clean")
CONTENTS = [
    ("empty", b"", "clean"),
    ("only-comments", b"# add_task(send(x))\n# BackgroundTasks\n", "clean"),
    ("only-newlines", b"\n\n\r\n\r", "clean"),
    ("bom", codecs.BOM_UTF8 + SIGNUP.encode(), "BG101@12:31"),
    ("crlf", SIGNUP.replace("\n", "\r\n").encode(), "BG101@12:31"),
    ("cr-only", SIGNUP.replace("\n", "\r").encode(), "BG101@12:31"),
    (
        "mixed-endings",
        SIGNUP.replace("\n", "\r\n", 4).replace("\n\n\n@app", "\n\r\n\r@app").encode(),
        "BG101@12:31",
    ),
    ("tabs", SIGNUP.replace("    ", "\t").encode(), "BG101@12:28"),
    (
        "latin-1-cookie",
        ("# -*- coding: latin-1 -*-\n" + SIGNUP.replace("print(email)", "print('café')")).encode(
            "latin-1"
        ),
        "BG101@13:31",
    ),
    (
        "invalid-utf-8",
        SIGNUP.replace("print(email)", "print('caf\udce9')").encode("utf-8", "surrogateescape"),
        "BG000:not valid UTF-8",
    ),
    ("unknown-cookie", b"# coding: klingon\n" + SIGNUP.encode(), "BG000:unknown encoding"),
    ("non-text-codec-cookie", b"# coding: rot13\n" + SIGNUP.encode(), "BG000:coding cookie"),
    ("nul-byte", SIGNUP.encode().replace(b"return", b"\0return"), "skipped:binary"),
    ("binary", bytes(range(256)) * 4 + b"add_task", "skipped:binary"),
    ("python-2", b"from fastapi import BackgroundTasks\nprint 'add_task'\n", "BG000:SyntaxError"),
    (
        "python-2-except",
        b"import BackgroundTasks\ntry:\n    add_task(x)\nexcept Exception, e:\n    pass\n",
        "BG000:SyntaxError",
    ),
    ("syntax-error", SIGNUP.replace("):\n    back", ":\n    back").encode(), "BG000:SyntaxError"),
    (
        "indentation-error",
        SIGNUP.replace("    return {", "  return {").encode(),
        "BG000:SyntaxError",
    ),
    (
        "tab-error",
        SIGNUP.replace("    return {", "\treturn {").encode(),
        "BG000:SyntaxError",
    ),
    ("unterminated-string", SIGNUP.encode() + b"x = 'add_task\n", "BG000:SyntaxError"),
    ("unclosed-bracket", SIGNUP.encode() + b"x = [add_task(\n", "BG000:SyntaxError"),
    ("truncated", SIGNUP.encode()[: SIGNUP.index("email))") + 3], "BG000:SyntaxError"),
    (
        "too-many-parentheses",
        SIGNUP.encode() + b"x = " + b"(" * 300 + b"1" + b")" * 300 + b"\n",
        "BG000:SyntaxError",
    ),
    (
        "parser-stack-overflow",
        SIGNUP.replace("send_welcome(email))", "lambda: " * 3000 + "send_welcome(email))").encode(),
        "BG000:",
    ),
    ("very-long-line", SIGNUP.encode() + b"LONG = [" + b"'x', " * 100_000 + b"]\n", "BG101@12:31"),
    (
        # `ast.parse` gives up from Python 3.10 ("maximum recursion depth exceeded during ast
        # construction"): the file is skipped. 3.9's parser takes it, and so does the index
        "deeply-nested-expression",
        DEEP_CONCATENATION,
        "BG101@12:31" if _ast_takes(DEEP_CONCATENATION) else "skipped:too deeply nested",
    ),
    (
        # `'x' + 'x' + ...` nests one level a term: `ast.parse` takes it, the index must too
        "long-concatenation-beside-the-site",
        SIGNUP.encode() + b"LONG = " + b"'x' + " * 900 + b"'x'\n",
        "BG101@12:31",
    ),
    *(
        (
            # nodes without a handler of their own are walked with a stack, attributes in a
            # loop: a chain `ast.parse` takes cannot exhaust the index's recursion
            f"600-deep-{name}-beside-the-site",
            SIGNUP.encode() + b"DEEP = " + chain + b"\n",
            "BG101@12:31" if _ast_takes(SIGNUP.encode() + b"DEEP = " + chain) else "skipped:",
        )
        for name, chain in [
            ("subscripts", b"y" + b"[0]" * 600),
            ("attributes", b"y" + b".a" * 600),
            ("ternaries", b"y if c else " * 600 + b"y"),
            ("negations", b"-" * 600 + b"y"),
            ("powers", b"y ** " * 600 + b"y"),
        ]
    ),
    (
        # `y.strip().strip()...` nests two levels a link: the index walks the chain in a loop
        "long-method-chain-beside-the-site",
        SIGNUP.encode() + b"CHAIN = y" + b".strip()" * 600 + b"\n",
        "BG101@12:31",
    ),
    (
        # each `elif` is an `If` in the one before: the index walks the chain in a loop
        "long-elif-chain-beside-the-site",
        (
            SIGNUP
            + "\n\ndef dispatch(x):\n    if x == 0:\n        return 0\n"
            + "".join(f"    elif x == {i}:\n        return {i}\n" for i in range(1, 700))
        ).encode(),
        "BG101@12:31",
    ),
    (
        "very-long-line-in-the-function",
        SIGNUP.replace("    return {", "    text = '" + "y" * 100_000 + "'\n    return {").encode(),
        "BG101@12:31",
    ),
    (
        "unicode-identifiers",
        SIGNUP.replace("send_welcome", "envoyer_bienvenue_é").replace("email", "courriel").encode(),
        "BG101@12:31",
    ),
    (
        "wide-characters-before-the-site",
        SIGNUP.replace("    background_tasks.add", "    ü = '日本'; background_tasks.add").encode(),
        "BG101@12:41",
    ),
    (
        "deeply-nested-blocks",  # the site 60 blocks deep: Python allows 100 indentation levels
        SIGNUP.replace(
            "    background_tasks.add_task(send_welcome(email))\n",
            "".join("    " * level + "if email:\n" for level in range(1, 61))
            + "    " * 61
            + "background_tasks.add_task(send_welcome(email))\n",
        ).encode(),
        "BG101@72:271",
    ),
    (
        "invalid-utf-8-on-line-1",  # Python reads the first two lines for a cookie first
        b"x = '\xe9'\n" + SIGNUP.encode(),
        "BG000:not valid UTF-8 text: byte 0xe9 at offset 5",
    ),
    (
        "bom-and-latin-1-cookie",  # Python: "encoding problem: iso-8859-1 with BOM"
        codecs.BOM_UTF8 + b"# coding: latin-1\n" + SIGNUP.encode(),
        "BG000:starts with a UTF-8 BOM but its coding cookie names iso-8859-1",
    ),
    (
        "cp1252-byte-it-does-not-define",
        b"# coding: cp1252\n# \x81\n" + SIGNUP.encode(),
        "BG000:not valid cp1252 text as declared by its coding cookie",
    ),
    (
        "cookie-on-line-2",
        ("#!/usr/bin/env python\n# vim: set fileencoding=latin-1 :\n" + SIGNUP)
        .replace("print(email)", "print('é', email)")
        .encode("latin-1"),
        "BG101@14:31",
    ),
    (
        "shift-jis-cookie",
        ("# coding: shift_jis\n" + SIGNUP.replace("print(email)", "print('日本語', email)")).encode(
            "shift_jis"
        ),
        "BG101@13:31",
    ),
    (
        "euc-jp-cookie",
        ("# coding: euc-jp\n" + SIGNUP.replace("print(email)", "print('日本語', email)")).encode(
            "euc-jp"
        ),
        "BG101@13:31",
    ),
    (
        "form-feed-and-line-separators",
        SIGNUP.replace("\n\n\n@app", "\n\x0c\n# a\u2028b\x85c\n@app").encode(),
        "BG101@12:31",  # U+2028, U+0085 and form feed do not end a line for Python
    ),
]


@pytest.mark.parametrize("raw, expected", [c[1:] for c in CONTENTS], ids=[c[0] for c in CONTENTS])
def test_odd_contents_end_in_findings_a_bg000_or_a_skip(raw, expected):
    result = lint(raw)
    assert internal_errors(result) == []
    kind, _, detail = expected.partition(":") if ":" in expected else (expected, "", "")
    if expected == "clean":
        assert (result.diagnostics, result.skipped) == ([], None)
    elif expected.startswith("BG101@"):
        row, column = map(int, expected[len("BG101@") :].split(":"))
        found = [(d.code, d.start.row, d.start.column) for d in result.diagnostics]
        assert found == [("BG101", row, column)]
    elif kind == "BG000":
        assert [d.code for d in result.diagnostics] == ["BG000"]
        assert detail in result.diagnostics[0].message
    else:
        assert result.diagnostics == []
        assert detail in result.skipped


def test_a_function_too_deep_for_the_walks_costs_that_function_only():
    # `ast.parse` and the index take 1,500 terms; LibCST's tree of the function is walked
    # recursively, so that function gets a BG000 and the rest of the file is still analysed
    deep = "    y = " + "'x' + " * 1500 + "'x'\n"
    other = (
        "\n\ndef other(background_tasks: BackgroundTasks):\n    background_tasks.add_task(print)\n"
    )
    result = lint((SIGNUP + other + deep + other.replace("other", "third")).encode())
    found = [(d.code, d.start.row) for d in result.diagnostics]
    assert found == [("BG101", SITE[0]), ("BG000", SIGNUP.count("\n") + 3)]
    assert "`other` nests too deeply to analyse" in result.diagnostics[1].message
    assert internal_errors(result) == []


@pytest.mark.parametrize(
    "raw",
    [c[1] for c in CONTENTS if c[2].startswith("BG101@")],
    ids=[c[0] for c in CONTENTS if c[2].startswith("BG101@")],
)
def test_a_fix_changes_only_the_site_and_keeps_every_other_byte(raw):
    result = lint(raw, FixMode.SAFE)
    data = fixer.fixed_bytes(result)
    assert data == re.sub(rb"add_task\(([^()]+)\(([^()]+)\)\)", rb"add_task(\1, \2)", raw)
    assert data.startswith(codecs.BOM_UTF8) == raw.startswith(codecs.BOM_UTF8)
    again = lint(data, FixMode.SAFE)
    assert fixer.fixed_bytes(again) is None  # idempotent


# Every kind of error Python's parser reports, each after a file with a site. Which are errors
# depends on the Python version (`type X = int` parses from 3.12), so Python's own parser is
# the oracle: where `ast.parse` fails, bglint reports one BG000 on the same row; where it
# succeeds, the file is analysed as usual.
PARSER_ERRORS = {
    "unterminated-triple-quoted-string": "x = '''add_task\n",
    "f-string-empty-expression": "x = f'{}'\n",
    "f-string-unclosed-brace": "x = f'{add_task'\n",
    "f-string-backslash-before-3-12": "x = f'{\"\\n\".join([])}'\n",
    "unicode-escape": "x = '\\N{NO SUCH NAME}'\n",
    "bytes-with-non-ascii": "x = b'é'\n",
    "invalid-character": "x = 1 € 2\n",
    "invalid-non-printable-character": "x = 1\u200b\n",
    "invalid-decimal-literal": "x = 1_000_\n",
    "leading-zeros": "x = 012\n",
    "assignment-to-keyword": "None = 1\n",
    "assignment-to-call": "send_welcome() = 1\n",
    "walrus-on-attribute": "(app.state := 1)\n",
    "unmatched-bracket": "x = 1)\n",
    "never-closed-bracket": "x = (1,\n",
    "after-line-continuation": "x = 1 \\ 2\n",
    "too-many-indentation-levels": "".join("    " * i + "if x:\n" for i in range(101))
    + "    " * 101
    + "pass\n",
    "bare-except-star": "try:\n    pass\nexcept*:\n    pass\n",
    "bad-match-pattern": "match x:\n    case 1 + :\n        pass\n",
    "type-alias-before-3-12": "type Emails = list[str]\n",
    "generic-function-before-3-12": "def first[T](items: list[T]) -> T:\n    return items[0]\n",
    "python-2-backticks": "x = `1`\n",
    "python-2-ur-prefix": "x = ur'abc'\n",
    "python-2-exec": "exec 'x'\n",
    "python-2-long-suffix": "x = 10L\n",
    "python-2-diamond": "x = 1 <> 2\n",
}
# Errors Python raises only when compiling, after parsing: the tree is whole, so bglint analyses
# the file (as `ast`-based tools do) and reports its sites; importing the file would fail.
COMPILER_ERRORS = {
    "return-outside-function": "return 1\n",
    "await-outside-function": "await send_welcome('a')\n",
    "break-outside-loop": "break\n",
    "yield-outside-function": "yield 1\n",
    "duplicate-argument": "def send(a, a):\n    pass\n",
    "nonlocal-at-module-level": "nonlocal x\n",
    "global-after-assignment": "def send():\n    x = 1\n    global x\n",
    "starred-expression-alone": "*a\n",
    "too-many-nested-blocks": "".join("    " * i + "for x in y:\n" for i in range(25))
    + "    " * 25
    + "pass\n",
}


def _parser_error_row(raw: bytes):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ast.parse(raw)
    except SyntaxError as err:
        return err.lineno
    return None


@pytest.mark.parametrize("tail", PARSER_ERRORS.values(), ids=PARSER_ERRORS.keys())
def test_each_parser_error_is_one_bg000_on_pythons_row(tail):
    raw = (SIGNUP + tail).encode()
    row = _parser_error_row(raw)
    result = lint(raw)
    assert internal_errors(result) == []
    found = [(d.code, d.start.row) for d in result.diagnostics]
    if row is None:  # newer syntax this Python reads
        assert found == [("BG101", SITE[0])]
    else:
        assert found == [("BG000", row)]
        assert result.diagnostics[0].message.startswith("SyntaxError: ")
    assert lint(raw, FixMode.SAFE).fixed_source is None or row is None


@pytest.mark.parametrize("tail", COMPILER_ERRORS.values(), ids=COMPILER_ERRORS.keys())
def test_errors_python_finds_only_when_compiling_do_not_stop_the_analysis(tail):
    raw = (SIGNUP + tail).encode()
    assert _parser_error_row(raw) is None
    with pytest.raises(SyntaxError):
        compile(raw, "app.py", "exec", dont_inherit=True)
    result = lint(raw)
    assert [(d.code, d.start.row, d.start.column) for d in result.diagnostics] == [("BG101", *SITE)]
    fixed = fixer.fixed_bytes(lint(raw, FixMode.SAFE))
    assert fixed == raw.replace(b"add_task(send_welcome(email))", b"add_task(send_welcome, email)")


@pytest.mark.parametrize(
    "site",
    [
        "background_tasks.add_task(send_welcome(" + "[" * 150 + "email" + "]" * 150 + "))",
        "background_tasks.add_task(send_welcome(email" + ".strip()" * 300 + "))",
        "background_tasks.add_task(send_welcome(email))\n    text = " + " + ".join(["'x'"] * 500),
    ],
    ids=["150-nested-brackets", "300-chained-calls", "500-term-concatenation"],
)
def test_nesting_deeper_than_the_analysis_recurses_is_skipped_or_analysed(site):
    """Python parses these; LibCST and bglint's walkers recurse once or more per level and may
    run out of stack (how deep depends on the Python version): the file is then skipped with a
    warning, or, past the index, the function gets a BG000. Either way no crash, no internal
    error, no fix of code not analysed."""
    raw = SIGNUP.replace("background_tasks.add_task(send_welcome(email))", site).encode()
    assert _parser_error_row(raw) is None
    for mode in (FixMode.NONE, FixMode.SAFE):
        result = lint(raw, mode)
        assert internal_errors(result) == []
        codes = [d.code for d in result.diagnostics]
        if result.skipped is not None:
            assert result.skipped.startswith("too deeply nested to analyse")
            assert (result.diagnostics, result.fixed_source) == ([], None)
        elif codes == ["BG000"]:
            assert "`signup` nests too deeply to analyse" in result.diagnostics[0].message
            assert result.fixed_source is None
        elif mode is FixMode.NONE:
            assert codes == ["BG101"]


def test_a_file_over_the_size_limit_is_one_bg000_read_no_further(tmp_path):
    big = SIGNUP.encode() + b"#" * MAX_FILE_BYTES + b"\n"
    [diagnostic] = lint(big).diagnostics
    assert diagnostic.code == "BG000"
    assert "over the 16 MiB limit for Python source" in diagnostic.message
    (tmp_path / "generated.py").write_bytes(big)
    result = Engine(Settings()).check_file(str(tmp_path / "generated.py"))
    assert [d.message for d in result.diagnostics] == [diagnostic.message]


def test_positions_count_lines_as_python_does():
    text = "a = 1\r\nb = 2\rc = '\u2028\x0c'\nd = 4\n"
    assert [line[:1] for line in split_lines(text)] == ["a", "b", "c", "d"]


# --- bglint's own failures and the time bound -------------------------------------------------


def test_an_exception_in_a_rule_becomes_a_bg000_on_that_file_only(tmp_path, monkeypatch):
    (tmp_path / "a_boom.py").write_text(SIGNUP)
    (tmp_path / "b_fine.py").write_text(SIGNUP)
    original = Engine._check_holder

    def explode(self, path, *args):
        if path.endswith("a_boom.py"):
            raise KeyError("no such view")
        return original(self, path, *args)

    monkeypatch.setattr(Engine, "_check_holder", explode)
    monkeypatch.chdir(tmp_path)
    result = bglint("--output-format", "json", ".")
    assert result.exit_code == 1  # a finding, not a failure of the run
    found = {(Path(d["filename"]).name, d["code"]): d["message"] for d in json.loads(result.stdout)}
    assert found[("a_boom.py", "BG000")].startswith("internal error (KeyError: 'no such view');")
    assert runner.REPORT_URL in found[("a_boom.py", "BG000")]
    assert ("b_fine.py", "BG101") in found


def test_an_exception_while_fixing_writes_nothing(tmp_path, monkeypatch):
    (tmp_path / "app.py").write_text(SIGNUP)

    def explode(text, fixes):
        raise RuntimeError("splice failed")

    monkeypatch.setattr(runner, "apply_fixes", explode)
    monkeypatch.chdir(tmp_path)
    result = bglint("--fix", "--output-format", "concise", ".")
    assert result.exit_code == 1
    assert "app.py:1:1: BG000 internal error (RuntimeError: splice failed)" in result.stdout
    assert (tmp_path / "app.py").read_text() == SIGNUP


# enough passing source for worker processes (workers.MIN_PARALLEL_BYTES over 8 files)
PADDING = "".join(f"SETTING_{number} = {number}\n" for number in range(2000))


@pytest.mark.parametrize("jobs", ["1", "2"], ids=["in-process", "in-workers"])
def test_an_exception_in_a_rules_check_becomes_a_bg000_on_that_file_only(
    tmp_path, monkeypatch, jobs
):
    from bglint import workers
    from bglint.rules.bg101_call_in_add_task import CallInAddTask

    if jobs != "1" and workers._context().get_start_method() != "fork":
        pytest.skip("the patched rule reaches worker processes only when they are forked")
    for name in ("a_boom.py", *(f"b_fine_{n}.py" for n in range(7))):
        (tmp_path / name).write_text(SIGNUP + PADDING)
    original = CallInAddTask.check

    def explode(self, view, index):
        if view.path.endswith("a_boom.py"):
            raise AttributeError("'NoneType' object has no attribute 'func'")
        return original(self, view, index)

    pools = []
    real_context = workers._context
    monkeypatch.setattr(workers, "_context", lambda: pools.append(1) or real_context())
    monkeypatch.setattr(CallInAddTask, "check", explode)
    monkeypatch.chdir(tmp_path)
    result = bglint("--output-format", "concise", "--no-cache", "--jobs", jobs, ".")
    assert bool(pools) == (jobs != "1")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0] == (
        "a_boom.py:1:1: BG000 internal error (AttributeError: 'NoneType' object has no attribute "
        f"'func'); this file was not analysed. A bglint bug: report it with this file at "
        f"{runner.REPORT_URL}"
    )
    assert [line.split(" [*] ")[0] for line in lines[1:8]] == [
        f"b_fine_{n}.py:{SITE[0]}:{SITE[1]}: BG101" for n in range(7)
    ]


def test_an_exception_while_indexing_becomes_a_bg000_and_fix_skips_the_file(tmp_path, monkeypatch):
    from bglint.index import Index

    (tmp_path / "a_boom.py").write_text(SIGNUP)
    (tmp_path / "b_fine.py").write_text(SIGNUP)
    original = Index.add

    def explode(self, path, text, tree=None):
        if path.endswith("a_boom.py"):
            raise IndexError("list index out of range")
        return original(self, path, text, tree)

    monkeypatch.setattr(Index, "add", explode)
    monkeypatch.chdir(tmp_path)
    result = bglint("--fix", "--output-format", "concise", ".")
    assert result.exit_code == 1
    assert result.stdout.startswith("a_boom.py:1:1: BG000 internal error (IndexError: list index")
    assert (tmp_path / "a_boom.py").read_text() == SIGNUP
    assert (tmp_path / "b_fine.py").read_text() == FIXED


def test_a_file_over_the_time_limit_becomes_a_bg000_and_the_run_goes_on(tmp_path):
    (tmp_path / "slow.py").write_text(SIGNUP)
    (tmp_path / "plain.py").write_text("print('no background work here')\n")
    engine = Engine(Settings(), time_limit=-1.0)  # every deadline has passed: no clock involved
    results = {Path(r.path).name: r for r in map(engine.check_file, discover([str(tmp_path)]))}
    [diagnostic] = results["slow.py"].diagnostics
    assert diagnostic.code == "BG000"
    assert "bglint's per-file time limit" in diagnostic.message
    assert results["plain.py"].diagnostics == []
    assert Engine(Settings(), time_limit=None).check_file(str(tmp_path / "slow.py")).diagnostics


def test_a_function_over_the_view_size_limit_is_reported_not_parsed(monkeypatch):
    monkeypatch.setattr(runner, "MAX_VIEW_CHARS", 100)
    [diagnostic] = lint(SIGNUP.encode()).diagnostics
    assert (diagnostic.code, diagnostic.start.row) == ("BG000", 10)
    assert diagnostic.message.startswith("`signup` is 0 KiB of source, over the 0 KiB")
    silenced = SIGNUP.replace('@app.post("/signup")', '@app.post("/signup")  # noqa: BG000')
    assert lint(silenced.encode()).diagnostics == []


# --- text that is not what the disk holds (stdin, an editor's buffer, the second --fix pass) ----

FIXTURES = Path(__file__).resolve().parent / "fixtures"
FIXTURE_FILES = sorted(
    p for p in FIXTURES.rglob("*.py") if not p.name.endswith(("fixed.py", "conftest.py"))
)
# Engine bugs this test found (see the issue 7 report); strict, so a fix shows up as XPASS
DISK_BUGS: dict = {}  # (fixture, disk state) -> reason, for a known engine defect


def _disk_cases():
    for path in FIXTURE_FILES:
        name = path.relative_to(FIXTURES).as_posix()
        for disk in ("absent", "stale"):
            bug = DISK_BUGS.get((name, disk))
            marks = [pytest.mark.xfail(strict=True, reason=bug)] if bug else []
            yield pytest.param(path, disk, id=f"{name}-{disk}", marks=marks)


@pytest.mark.parametrize("fixture, disk", list(_disk_cases()))
def test_findings_depend_on_the_text_checked_not_on_what_the_disk_holds(tmp_path, fixture, disk):
    """`check_source` analyses the text it is given: the same findings whether the file is
    saved, not saved yet (stdin, a new buffer) or saved with other lines (an editor's unsaved
    changes; during `--fix`, the disk holds the text before the previous pass)."""
    raw = fixture.read_bytes()
    target = tmp_path / fixture.name
    target.write_bytes(raw)
    saved = [(d.code, d.start.row, d.start.column) for d in lint(raw, path=str(target)).diagnostics]
    if disk == "absent":
        target.unlink()
    else:
        target.write_bytes(raw.replace(b"\n\n\n", b"\n\n", 1))  # one line fewer above
    found = [(d.code, d.start.row, d.start.column) for d in lint(raw, path=str(target)).diagnostics]
    assert found == saved


# --- odd trees and files that vanish --------------------------------------------------------------


def test_symlink_loops_dangling_links_and_a_folder_named_py(tmp_path, monkeypatch):
    (tmp_path / "app.py").write_text(SIGNUP)
    (tmp_path / "loop_a.py").symlink_to(tmp_path / "loop_b.py")
    (tmp_path / "loop_b.py").symlink_to(tmp_path / "loop_a.py")
    (tmp_path / "dangling.py").symlink_to(tmp_path / "nowhere.py")
    (tmp_path / "pkg.py").mkdir()
    (tmp_path / "pkg.py" / "inner.py").write_text(SIGNUP)
    (tmp_path / "cycle").mkdir()
    (tmp_path / "cycle" / "up").symlink_to(tmp_path, target_is_directory=True)
    monkeypatch.chdir(tmp_path)
    result = bglint("--output-format", "concise", ".")
    assert result.exit_code == 1
    assert result.stdout.splitlines()[:2] == [
        f"app.py:{SITE[0]}:{SITE[1]}: BG101 [*] " + result.stdout.splitlines()[0].split("[*] ")[1],
        os.path.join("pkg.py", "inner.py")
        + ":12:31: BG101 [*] "
        + result.stdout.splitlines()[1].split("[*] ")[1],
    ]
    # named explicitly, the broken links are skipped with a warning, not an error
    named = bglint("loop_a.py", "dangling.py", "app.py")
    assert named.exit_code == 1
    assert "loop_a.py: cannot read: " in named.stderr
    assert "dangling.py: cannot read: No such file or directory" in named.stderr


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are POSIX")
def test_a_fifo_named_py_is_skipped_without_blocking(tmp_path, monkeypatch):
    os.mkfifo(tmp_path / "pipe.py")  # nobody ever writes: a blocking read would hang the run
    (tmp_path / "app.py").write_text(SIGNUP)
    monkeypatch.chdir(tmp_path)
    assert discover(["."]) == ["app.py"]  # the walk passes it by
    result = bglint("pipe.py", "app.py")  # named explicitly it is opened, without blocking
    assert result.exit_code == 1
    assert "pipe.py: not a regular file (a FIFO, socket or device); skipped" in result.stderr


def test_a_device_named_explicitly_is_skipped():
    result = Engine(Settings()).check_file(os.devnull)
    assert result.skipped == "not a regular file (a FIFO, socket or device); skipped"


def test_a_file_deleted_between_discovery_and_reading(tmp_path):
    (tmp_path / "gone.py").write_text(SIGNUP)
    (tmp_path / "kept.py").write_text(SIGNUP)
    files = discover([str(tmp_path)])
    os.unlink(tmp_path / "gone.py")
    results = {Path(r.path).name: r for r in map(Engine(Settings()).check_file, files)}
    assert results["gone.py"].skipped == "cannot read: No such file or directory"
    assert [d.code for d in results["kept.py"].diagnostics] == ["BG101"]


def test_a_file_deleted_between_discovery_and_reading_through_the_cli(tmp_path, monkeypatch):
    (tmp_path / "gone.py").write_text(SIGNUP)
    (tmp_path / "kept.py").write_text(SIGNUP)
    real_check_files = runner.check_files

    def delete_then_check(files, *args, **kwargs):
        assert "gone.py" in files  # discovered
        os.unlink(tmp_path / "gone.py")
        return real_check_files(files, *args, **kwargs)

    monkeypatch.setattr(runner, "check_files", delete_then_check)
    monkeypatch.chdir(tmp_path)
    for options in ([], ["--no-cache"], ["--fix"]):  # the cache's stat path, the plain read
        (tmp_path / "gone.py").write_text(SIGNUP)
        (tmp_path / "kept.py").write_text(SIGNUP)
        result = bglint("--output-format", "concise", *options, ".")
        assert result.exit_code == (0 if options == ["--fix"] else 1)
        assert "bglint: warning: gone.py: cannot read: No such file or directory" in result.stderr


def test_an_unreadable_file_is_skipped_with_a_warning(tmp_path, monkeypatch):
    """Root reads any file, so the refusal is made by `os.open` itself (what the kernel says
    to a normal user on a 0o000 file); the chmod version of this test runs as a normal user."""
    (tmp_path / "secret.py").write_text(SIGNUP)
    (tmp_path / "app.py").write_text(SIGNUP)
    real_open = os.open

    def refuse(path, *args, **kwargs):
        if str(path).endswith("secret.py"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(runner.os, "open", refuse)
    monkeypatch.chdir(tmp_path)
    result = bglint(".")
    assert result.exit_code == 1
    assert "bglint: warning: secret.py: cannot read: Permission denied" in result.stderr


@pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root reads files whatever their mode"
)
def test_a_file_without_read_permission_is_skipped(tmp_path, monkeypatch):
    (tmp_path / "secret.py").write_text(SIGNUP)
    os.chmod(tmp_path / "secret.py", 0)
    monkeypatch.chdir(tmp_path)
    result = bglint(".")
    assert result.exit_code == 0
    assert "secret.py: cannot read: Permission denied" in result.stderr


def test_paths_with_spaces_and_unicode_are_checked_and_fixed(tmp_path, monkeypatch):
    folder = tmp_path / "my project" / "épreuves 日本"
    folder.mkdir(parents=True)
    (folder / "sign up é.py").write_text(SIGNUP, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    shown = bglint("--output-format", "json", "my project")
    [item] = json.loads(shown.stdout)
    assert item["filename"].endswith(os.path.join("épreuves 日本", "sign up é.py"))
    assert bglint("--fix", "my project").exit_code == 0
    assert (folder / "sign up é.py").read_text(encoding="utf-8") == FIXED


def test_an_invalid_gitignore_line_does_not_stop_the_run(tmp_path, monkeypatch):
    (tmp_path / ".gitignore").write_text("!\n\\\nignored.py\n")
    (tmp_path / "ignored.py").write_text(SIGNUP)
    (tmp_path / "app.py").write_text(SIGNUP)
    monkeypatch.chdir(tmp_path)
    assert discover(["."]) == ["app.py"]


def test_the_run_fails_with_exit_2_only_for_usage_and_run_failures(tmp_path, monkeypatch):
    (tmp_path / "app.py").write_text(SIGNUP)
    monkeypatch.chdir(tmp_path)
    assert bglint("nowhere.py").exit_code == 2
    assert bglint("--select", "BG9X").exit_code == 2
    monkeypatch.setattr(Engine, "check_bytes", lambda self, raw, path: 1 / 0)
    assert bglint(".").exit_code == 2  # the engine's own guard broke: the run itself failed


# --- fix safety on disk (tests/test_cli.py has mode, read-only, symlinks, encodings) --------------


def test_fix_does_not_touch_a_file_it_cannot_change(tmp_path, monkeypatch):
    unfixable = SIGNUP.replace("add_task(send_welcome(email))", "add_task(*send_welcome(email))")
    (tmp_path / "app.py").write_text(unfixable)
    before = os.stat(tmp_path / "app.py")
    monkeypatch.chdir(tmp_path)
    bglint("--fix", ".")
    after = os.stat(tmp_path / "app.py")
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


def test_fix_skips_a_file_that_changed_while_bglint_worked(tmp_path, monkeypatch):
    path = tmp_path / "app.py"
    path.write_text(SIGNUP)
    real_write_results = fixer.write_results

    def edit_then_write(results, roots):
        with open(path, "a", encoding="utf-8") as handle:  # an editor saves meanwhile
            handle.write("# saved by the editor\n")
        return real_write_results(results, roots)

    monkeypatch.setattr(fixer, "write_results", edit_then_write)
    monkeypatch.chdir(tmp_path)
    result = bglint("--fix", ".")
    assert "app.py: changed on disk since bglint read it; not fixed (run again)" in result.stderr
    assert path.read_text() == SIGNUP + "# saved by the editor\n"


def test_fix_keeps_a_crlf_file_with_a_bom_and_a_latin_1_neighbour_byte_for_byte(tmp_path):
    crlf_bom = codecs.BOM_UTF8 + SIGNUP.replace("\n", "\r\n").encode()
    (tmp_path / "a.py").write_bytes(crlf_bom)
    os.chmod(tmp_path / "a.py", 0o640)
    results = check_paths([str(tmp_path)], Settings(fix_mode=FixMode.SAFE))
    written, refused = fixer.write_results(results.files, [str(tmp_path)])
    assert (len(written), refused) == (1, [])
    assert (tmp_path / "a.py").read_bytes() == crlf_bom.replace(
        b"add_task(send_welcome(email))", b"add_task(send_welcome, email)"
    )
    assert stat.S_IMODE(os.stat(tmp_path / "a.py").st_mode) == 0o640


def test_fix_replaces_the_file_atomically_and_leaves_no_temporary_file(tmp_path, monkeypatch):
    path = tmp_path / "app.py"
    path.write_text(SIGNUP)
    before = os.stat(path)
    with open(path, encoding="utf-8") as reader:  # a reader mid-way sees the old file whole
        monkeypatch.chdir(tmp_path)
        assert bglint("--fix", ".").exit_code == 0
        assert reader.read() == SIGNUP
    assert os.stat(path).st_ino != before.st_ino  # a new file renamed over it, not rewritten
    assert path.read_text() == FIXED
    assert os.listdir(tmp_path) == ["app.py"]


@pytest.mark.parametrize(
    "failing, error, reason",
    [
        (
            "replace",
            OSError(18, "Invalid cross-device link"),
            "cannot write: Invalid cross-device link",
        ),
        ("fsync", OSError(28, "No space left on device"), "cannot write: No space left on device"),
        (
            "mkstemp",
            OSError(30, "Read-only file system"),
            "cannot create a temporary file beside it: Read-only file system",
        ),
    ],
)
def test_a_write_that_fails_midway_keeps_the_old_file_and_says_why(
    tmp_path, monkeypatch, failing, error, reason
):
    path = tmp_path / "app.py"
    path.write_text(SIGNUP)

    def fail(*args, **kwargs):
        raise error

    owner = fixer.tempfile if failing == "mkstemp" else fixer.os
    monkeypatch.setattr(owner, failing, fail)
    monkeypatch.chdir(tmp_path)
    result = bglint("--fix", "--output-format", "concise", ".")
    assert result.exit_code == 1  # the finding stays: the file was not fixed
    assert f"bglint: error: app.py: {reason}; not fixed" in result.stderr
    assert f"app.py:{SITE[0]}:{SITE[1]}: BG101" in result.stdout
    assert path.read_text() == SIGNUP
    assert os.listdir(tmp_path) == ["app.py"]


def test_fix_refuses_a_file_deleted_after_it_was_read(tmp_path, monkeypatch):
    path = tmp_path / "app.py"
    path.write_text(SIGNUP)
    real_write_results = fixer.write_results

    def delete_then_write(results, roots):
        os.unlink(path)
        return real_write_results(results, roots)

    monkeypatch.setattr(fixer, "write_results", delete_then_write)
    monkeypatch.chdir(tmp_path)
    result = bglint("--fix", ".")
    assert (
        "app.py: cannot read it again before writing: No such file or directory; not fixed"
        in result.stderr
    )
    assert not path.exists()


def test_fix_refuses_a_file_replaced_by_a_symlink_out_of_the_tree_after_reading(
    tmp_path, monkeypatch
):
    tree, outside = tmp_path / "tree", tmp_path / "outside.py"
    tree.mkdir()
    outside.write_text(SIGNUP)  # the same bytes: only the link gives it away
    path = tree / "app.py"
    path.write_text(SIGNUP)
    real_write_results = fixer.write_results

    def swap_then_write(results, roots):
        os.unlink(path)
        path.symlink_to(outside)
        return real_write_results(results, roots)

    monkeypatch.setattr(fixer, "write_results", swap_then_write)
    monkeypatch.chdir(tree)
    result = bglint("--fix", ".")
    assert f"app.py: symlink to {outside}, outside the linted tree; not fixed" in result.stderr
    assert outside.read_text() == SIGNUP


def test_fix_refuses_an_encoding_that_does_not_write_back_the_same_bytes(tmp_path, monkeypatch):
    """UTF-7 spells `é'` as `+AOk-'` or `+AOk'`: Python writes the second, so decoding then
    encoding changes bytes the fix never touched; the file is left alone, the finding stays."""
    raw = b"# coding: utf-7\n" + SIGNUP.replace("print(email)", "print('+AOk-', email)").encode()
    source = lint(raw).source
    assert source is not None and source.encode(source.text) != raw
    (tmp_path / "app.py").write_bytes(raw)
    monkeypatch.chdir(tmp_path)
    result = bglint("--fix", "--output-format", "concise", ".")
    assert result.exit_code == 1
    assert "app.py: utf-7 does not write back the bytes read; not fixed" in result.stderr
    assert (tmp_path / "app.py").read_bytes() == raw
    assert f"app.py:{SITE[0] + 1}:{SITE[1]}: BG101" in result.stdout


def test_bytes_not_valid_in_a_comment_are_analysed_as_python_reads_them_but_not_fixed(
    tmp_path, monkeypatch
):
    """CPython never decodes a comment (every version imports this file), so neither is it a
    BG000 here; the text has U+FFFD there, which a write would put on disk, so no write."""
    raw = b"# Author: Jos\xe9 (latin-1, no cookie)\n" + SIGNUP.encode()
    compile(raw, "app.py", "exec", dont_inherit=True)
    result = lint(raw)
    assert [(d.code, d.start.row, d.start.column) for d in result.diagnostics] == [
        ("BG101", SITE[0] + 1, SITE[1])
    ]
    (tmp_path / "app.py").write_bytes(raw)
    monkeypatch.chdir(tmp_path)
    fixed = bglint("--fix", "--output-format", "concise", ".")
    assert fixed.exit_code == 1
    assert (
        "app.py: its comments hold bytes that are not valid utf-8, which a write would replace; "
        "not fixed (re-save the file as utf-8)" in fixed.stderr
    )
    assert (tmp_path / "app.py").read_bytes() == raw
    piped = bglint("--fix", "--stdin-filename", "app.py", "-", input=raw)
    assert piped.stdout_bytes == raw  # the file passes through: it cannot be written back
    assert piped.exit_code == 1  # and its finding stays, reported with why it was not fixed
    assert "app.py: its comments hold bytes that are not valid utf-8" in piped.stderr
    assert "BG101" in piped.stderr
    assert bglint("--diff", ".").stdout == ""


def test_a_cookie_on_line_2_after_a_line_that_is_not_utf_8_is_read_as_python_reads_it():
    raw = "# café\n# coding: latin-1\n".encode("latin-1") + SIGNUP.encode()
    compile(raw, "app.py", "exec", dont_inherit=True)
    assert [d.code for d in lint(raw).diagnostics] == ["BG101"]
    assert lint(raw).source.encoding == "iso8859-1"
    unknown = b"# caf\xe9\n# coding: klingon\n" + SIGNUP.encode()
    assert [d.message for d in lint(unknown).diagnostics] == ["unknown encoding: klingon"]
