"""`# noqa` in the CLI as in flake8, `--statistics`, and `--report-unused-noqa`."""

from __future__ import annotations

import os
from pathlib import Path

from harness import SIGNUP, cli_runner
from integration import APP, make_project

from bglint.cli import main

CALL = "background_tasks.add_task(send_welcome(email))"


def signup(comment: str) -> str:
    """harness.SIGNUP with `comment` ending its (BG101) task line."""
    assert CALL in SIGNUP
    return SIGNUP.replace(CALL, CALL + comment)


def bglint(tmp_path: Path, *args: str):
    old = os.getcwd()
    os.chdir(tmp_path)
    try:
        return cli_runner().invoke(main, list(args), catch_exceptions=False)
    finally:
        os.chdir(old)


def test_noqa_forms_as_in_flake8(tmp_path):
    for comment, silenced in [
        ("", False),
        ("  # noqa", True),
        ("  # noqa: BG101", True),
        ("  # NOQA:BG1", True),
        ("  # noqa: E501, BG10", True),
        ("  # noqa: BG104", False),
        ("  # noqa: E501", False),
    ]:
        (tmp_path / "app.py").write_text(signup(comment))
        result = bglint(tmp_path, "--isolated", ".")
        assert result.exit_code == (0 if silenced else 1), comment


def test_statistics_counts_what_remains(tmp_path):
    make_project(tmp_path)
    result = bglint(tmp_path, "--statistics", ".")
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "1\tBG101\t[*] call-in-add-task",
        "1\tBG104\t[ ] task-signature-mismatch",
    ]
    isolated = bglint(tmp_path, "--statistics", "--isolated", ".")
    assert "1\tBG102\t[*] await-add-task" in isolated.stdout.splitlines()


def test_unused_noqa_codes_are_reported(tmp_path):
    source = APP.replace(
        '    return {"ok": True}\n\n\n@app.post("/notify")',
        '    print(email)  # noqa: BG104, E501, BG999\n    return {"ok": True}  # noqa\n\n\n'
        '@app.post("/notify")',
    )
    make_project(tmp_path, app=source)
    result = bglint(tmp_path, "--report-unused-noqa", "--output-format", "concise", ".")
    assert result.exit_code == 1
    assert result.stdout.splitlines()[4:] == [
        "app.py:19:19: unused `# noqa` code `BG104`: no `BG104` finding on this line; remove it "
        "so that a later finding here is not hidden",
        "app.py:19:19: `# noqa` names `BG999`, which is no bglint code; it silences nothing "
        "(`bglint rules` lists the codes)",
        "Found 2 unused `# noqa` codes.",
    ]


def test_used_and_not_enabled_noqa_codes_are_not_reported(tmp_path):
    make_project(tmp_path, app=APP.replace("(notify, email)", "(notify, email)  # noqa: BG102"))
    # BG101's directive silenced a finding; BG102 is ignored by the project, so not judged
    result = bglint(tmp_path, "--report-unused-noqa", "--output-format", "concise", ".")
    assert "noqa" not in result.stdout
    assert bglint(tmp_path, "--report-unused-noqa", "--select", "BG104", ".").exit_code == 1


def test_unused_noqa_in_a_file_without_sites(tmp_path):
    (tmp_path / "util.py").write_text("import os  # noqa: BG101\n")
    assert bglint(tmp_path, "--isolated", ".").exit_code == 0
    result = bglint(tmp_path, "--isolated", "--report-unused-noqa", "--output-format", "json", ".")
    assert result.exit_code == 1
    assert result.stdout.strip() == "[]"  # machine output stays parseable: the list is on stderr
    assert "util.py:1:12: unused `# noqa` code `BG101`" in result.stderr


def test_unused_noqa_after_fix_refers_to_the_fixed_text(tmp_path):
    (tmp_path / "app.py").write_text(signup("  # noqa: BG102"))
    result = bglint(tmp_path, "--isolated", "--fix", "--report-unused-noqa", ".")
    assert "app.py:12:53: unused `# noqa` code `BG102`" in result.stdout
