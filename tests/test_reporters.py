"""Reporters on hand-made diagnostics: exact text, ruff's JSON fields, statistics, summaries."""

from __future__ import annotations

import io
import json
import os

import pytest

from bglint.diagnostics import Applicability, Diagnostic, Edit, FileResult, Fix, Location, docs_url
from bglint.reporters import ReportOptions, display_path, write_report, write_statistics
from bglint.reporters import text as text_reporter
from bglint.source import decode_source

SOURCE = (
    "from fastapi import BackgroundTasks, FastAPI\n"
    "app = FastAPI()\n"
    "@app.post('/signup')\n"
    "def signup(email: str, background_tasks: BackgroundTasks):\n"
    "    background_tasks.add_task(send_welcome(email))\n"
    "\tawait background_tasks.add_task(send_welcome, email)\n"
)
MESSAGE = "`send_welcome(email)` runs during the request; pass `send_welcome` and its arguments"
SAFE_FIX = Fix(
    "Pass `send_welcome` and its arguments to `add_task`",
    Applicability.SAFE,
    (Edit(Location(5, 31), Location(5, 50), "send_welcome, email"),),
)
UNSAFE_FIX = Fix(
    "Remove `await`", Applicability.UNSAFE, (Edit(Location(6, 2), Location(6, 8), ""),)
)


def diagnostic(
    path="app.py",
    row=5,
    col=31,
    end_row=5,
    end_col=50,
    code="BG101",
    fix=SAFE_FIX,
    message=MESSAGE,
    name="call-in-add-task",
) -> Diagnostic:
    return Diagnostic(
        code,
        name,
        message,
        path,
        Location(row, col),
        Location(end_row, end_col),
        fix,
        docs_url(code, name),
    )


def result(*diagnostics, path="app.py", text=SOURCE) -> FileResult:
    source = decode_source(text.encode(), path)
    return FileResult(path, diagnostics=list(diagnostics), source=source)


def render(fmt, files, **options) -> str:
    out = io.StringIO()
    write_report(fmt, files, ReportOptions(cwd=os.getcwd(), **options), out)
    return out.getvalue()


def test_concise_is_one_line_each_then_the_summary():
    unsafe = diagnostic(
        row=6,
        col=2,
        end_col=52,
        code="BG102",
        name="await-add-task",
        fix=UNSAFE_FIX,
        message="`add_task` returns `None`",
    )
    assert render("concise", [result(diagnostic(), unsafe)]) == (
        f"app.py:5:31: BG101 [*] {MESSAGE}\n"
        "app.py:6:2: BG102 `add_task` returns `None`\n"
        "Found 2 errors.\n"
        "[*] 1 fixable with the `--fix` option "
        "(1 hidden fix can be enabled with the `--unsafe-fixes` option).\n"
    )


def test_unsafe_fixes_count_as_fixable_with_the_option():
    unsafe = diagnostic(fix=UNSAFE_FIX)
    assert render("concise", [result(unsafe)], unsafe_fixes=True) == (
        f"app.py:5:31: BG101 [*] {MESSAGE}\n"
        "Found 1 error.\n"
        "[*] 1 fixable with the `--fix` option.\n"
    )
    assert render("concise", [result(unsafe, unsafe)]).endswith(
        "No fixes available (2 hidden fixes can be enabled with the `--unsafe-fixes` option).\n"
    )


def test_no_fix_means_no_marker_and_no_hint():
    assert render("concise", [result(diagnostic(fix=None))]) == (
        f"app.py:5:31: BG101 {MESSAGE}\nFound 1 error.\n"
    )


def test_clean_run_and_quiet():
    assert render("concise", [result()]) == "All checks passed!\n"
    assert render("full", [result()]) == "All checks passed!\n"
    assert (
        render("concise", [result(diagnostic())], quiet=True)
        == f"app.py:5:31: BG101 [*] {MESSAGE}\n"
    )


@pytest.mark.parametrize(
    "fixed, remaining, expected",
    [
        (2, 0, "Found 2 errors (2 fixed, 0 remaining).\n"),
        (1, 1, "Found 2 errors (1 fixed, 1 remaining).\n"),
        (0, 1, "Found 1 error.\n"),
        (0, 0, "All checks passed!\n"),
    ],
)
def test_summary_after_fixing(fixed, remaining, expected):
    diagnostics = [diagnostic(fix=None)] * remaining
    output = render("concise", [result(*diagnostics)], fixing=True, fixed=fixed)
    assert output.endswith(expected)


def test_full_shows_a_code_frame_with_carets_and_the_fix_title():
    assert render("full", [result(diagnostic())]) == (
        f"app.py:5:31: BG101 [*] {MESSAGE}\n"
        "  |\n"
        "5 |     background_tasks.add_task(send_welcome(email))\n"
        "  |                               ^^^^^^^^^^^^^^^^^^^ BG101\n"
        "  |\n"
        "  = help: Pass `send_welcome` and its arguments to `add_task`\n"
        "\n"
        "Found 1 error.\n"
        "[*] 1 fixable with the `--fix` option.\n"
    )


def test_full_expands_tabs_and_keeps_carets_aligned():
    found = diagnostic(row=6, col=2, end_row=6, end_col=52, code="BG102", fix=None)
    lines = render("full", [result(found)], quiet=True).splitlines()
    assert lines[2] == "6 |     await background_tasks.add_task(send_welcome, email)"
    assert lines[3] == "  |     " + "^" * 50 + " BG102"


def test_full_multi_line_span_underlines_each_line():
    text = "x = call(\n    first,\n    second,\n    third,\n)\n"
    found = diagnostic(row=1, col=5, end_row=5, end_col=2, fix=None)
    lines = render("full", [result(found, text=text)], quiet=True).splitlines()
    assert lines[1:9] == [
        "  |",
        "1 | x = call(",
        "  |     ^^^^^",
        "2 |     first,",
        "  |     ^^^^^^",
        "3 |     second,",
        "  |     ^^^^^^^ BG101",
        "  | ...",
    ]


def test_full_without_source_text_prints_the_header_only():
    bare = FileResult("gone.py", diagnostics=[diagnostic(path="gone.py", fix=None)])
    assert render("full", [bare], quiet=True) == f"gone.py:5:31: BG101 {MESSAGE}\n\n"


def test_full_frames_the_fixed_text_after_fixing():
    fixed_text = SOURCE.replace("send_welcome(email)", "send_welcome, email")
    found = result(diagnostic(fix=None))
    found.fixed_source = fixed_text
    assert "5 |     background_tasks.add_task(send_welcome, email)" in render("full", [found])


def test_json_has_ruffs_fields_exactly():
    data = json.loads(render("json", [result(diagnostic())]))
    assert data == [
        {
            "cell": None,
            "code": "BG101",
            "end_location": {"column": 50, "row": 5},
            "filename": os.path.abspath("app.py"),
            "fix": {
                "applicability": "safe",
                "edits": [
                    {
                        "content": "send_welcome, email",
                        "end_location": {"column": 50, "row": 5},
                        "location": {"column": 31, "row": 5},
                    }
                ],
                "message": "Pass `send_welcome` and its arguments to `add_task`",
            },
            "location": {"column": 31, "row": 5},
            "message": MESSAGE,
            "noqa_row": 5,
            "url": "https://github.com/bglint/bglint/blob/main/docs/rules.md#bg101-call-in-add-task",
        }
    ]


def test_json_without_findings_is_an_empty_list_and_no_summary():
    assert render("json", [result()]) == "[]\n"
    assert json.loads(render("json", [result(diagnostic(fix=None))]))[0]["fix"] is None


def test_statistics_text_and_json():
    second = diagnostic(
        row=6, col=2, end_col=52, code="BG104", fix=None, name="task-signature-mismatch"
    )
    files = [result(diagnostic(), diagnostic(row=6), second)]
    out = io.StringIO()
    write_statistics("concise", files, ReportOptions(), out)
    assert (
        out.getvalue() == "2\tBG101\t[*] call-in-add-task\n1\tBG104\t[ ] task-signature-mismatch\n"
    )
    out = io.StringIO()
    write_statistics("json", files, ReportOptions(), out)
    assert json.loads(out.getvalue()) == [
        {"code": "BG101", "name": "call-in-add-task", "count": 2, "fixable": True},
        {"code": "BG104", "name": "task-signature-mismatch", "count": 1, "fixable": False},
    ]
    out = io.StringIO()
    write_statistics("full", [result(second)], ReportOptions(), out)
    assert out.getvalue() == "1\tBG104\ttask-signature-mismatch\n"


def test_display_path_is_relative_under_the_working_directory(tmp_path):
    inside = tmp_path / "pkg" / "app.py"
    assert display_path(str(inside), str(tmp_path)) == os.path.join("pkg", "app.py")
    assert display_path("/elsewhere/app.py", str(tmp_path)) == "/elsewhere/app.py"
    assert display_path("-", str(tmp_path)) == "-"


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_colour_only_on_a_terminal(monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")
    plain = io.StringIO()
    text_reporter.write_concise([diagnostic()], ReportOptions(), plain)
    assert "\x1b[" not in plain.getvalue()
    terminal = _Terminal()
    text_reporter.write_concise([diagnostic()], ReportOptions(), terminal)
    assert "\x1b[" in terminal.getvalue()
    assert "BG101" in terminal.getvalue()
