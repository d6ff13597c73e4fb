"""The command line end to end: exit codes, formats, selection, stdin, --fix / --diff, writing."""

from __future__ import annotations

import codecs
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from harness import SIGNUP, SIGNUP_FIXED, cli_runner

from bglint import fix as fixer
from bglint.cli import main
from bglint.runner import check_source
from bglint.settings import Settings

NOTIFY = """\
from fastapi import BackgroundTasks, FastAPI

app = FastAPI()


async def notify(email: str) -> None:
    print(email)


@app.post("/notify")
async def notify_route(email: str, background_tasks: BackgroundTasks):
    await background_tasks.add_task(notify, email)
    return {"ok": True}
"""
UNRESOLVED = """\
from fastapi import BackgroundTasks, FastAPI
from mailer import deliver

app = FastAPI()


@app.post("/invite")
def invite(email: str, background_tasks: BackgroundTasks):
    background_tasks.add_task(deliver(email))
    return {"ok": True}
"""
CLEAN = SIGNUP_FIXED
# a syntax error in a file the prefilter lets through (it mentions `add_task`)
BROKEN = (
    "from fastapi import BackgroundTasks\ndef f(tasks: BackgroundTasks:\n    tasks.add_task(g)\n"
)


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A folder to lint, made the working directory; `project(name=text)` writes files."""
    monkeypatch.chdir(tmp_path)

    def write(**files: str) -> Path:
        for name, text in files.items():
            path = tmp_path / name.replace("__", "/")
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        return tmp_path

    return write


def bglint(*args: str, input=None):
    return cli_runner().invoke(main, list(args), input=input, catch_exceptions=False)


def message_of(text: str, code: str) -> str:
    found = check_source(text.encode(), "app.py", Settings()).diagnostics
    return next(d.message for d in found if d.code == code)


# --- exit codes and formats -----------------------------------------------------------------


def test_clean_project_exits_0(project):
    project(**{"app.py": CLEAN})
    result = bglint()
    assert result.exit_code == 0
    assert result.stdout == "All checks passed!\n"


def test_findings_exit_1_with_or_without_the_check_word(project):
    project(**{"app.py": SIGNUP})
    first, second, third = bglint("."), bglint("check", "."), bglint()
    assert first.exit_code == second.exit_code == third.exit_code == 1
    assert first.stdout == second.stdout == third.stdout
    assert "app.py:12:31: BG101 [*] " in first.stdout


def test_concise_output_is_exact(project):
    project(**{"app.py": SIGNUP, "notify.py": NOTIFY})
    result = bglint("--output-format", "concise", ".")
    assert result.exit_code == 1
    assert result.stdout == (
        f"app.py:12:31: BG101 [*] {message_of(SIGNUP, 'BG101')}\n"
        f"notify.py:12:5: BG102 [*] {message_of(NOTIFY, 'BG102')}\n"
        "Found 2 errors.\n"
        "[*] 2 fixable with the `--fix` option.\n"
    )


def test_full_output_has_a_frame_and_help(project):
    project(**{"app.py": SIGNUP})
    lines = bglint("--output-format", "full").stdout.splitlines()
    assert lines[0].startswith("app.py:12:31: BG101 [*] `send_welcome(email)`")
    assert lines[2] == "12 |     background_tasks.add_task(send_welcome(email))"
    assert lines[3] == "   |                               ^^^^^^^^^^^^^^^^^^^ BG101"
    assert lines[5].startswith("  = help: ")
    assert "\x1b[" not in "\n".join(lines)  # not a terminal: no colour


def test_json_output_has_ruffs_fields(project):
    root = project(**{"app.py": SIGNUP})
    result = bglint("--output-format", "json")
    assert result.exit_code == 1
    (item,) = json.loads(result.stdout)
    assert sorted(item) == [
        "cell", "code", "end_location", "filename", "fix", "location", "message", "noqa_row", "url",
    ]  # fmt: skip
    assert item["cell"] is None
    assert item["code"] == "BG101"
    assert item["filename"] == str(root / "app.py")
    assert item["location"] == {"column": 31, "row": 12}
    assert item["end_location"] == {"column": 50, "row": 12}
    assert item["noqa_row"] == 12
    assert item["url"].endswith("docs/rules.md#bg101-call-in-add-task")
    assert sorted(item["fix"]) == ["applicability", "edits", "message"]
    assert item["fix"]["applicability"] == "safe"
    (edit,) = item["fix"]["edits"]
    assert sorted(edit) == ["content", "end_location", "location"]


def test_exit_zero_and_quiet(project):
    project(**{"app.py": SIGNUP})
    assert bglint("--exit-zero").exit_code == 0
    quiet = bglint("-q", "--output-format", "concise")
    assert quiet.exit_code == 1
    assert quiet.stdout == f"app.py:12:31: BG101 [*] {message_of(SIGNUP, 'BG101')}\n"


def test_statistics(project):
    project(**{"app.py": SIGNUP, "b.py": SIGNUP, "notify.py": NOTIFY})
    result = bglint("--statistics")
    assert result.exit_code == 1
    assert result.stdout == "2\tBG101\t[*] call-in-add-task\n1\tBG102\t[*] await-add-task\n"


# --- selection --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "options, codes",
    [
        ((), {"BG101", "BG102"}),
        (("--select", "BG102"), {"BG102"}),
        (("--select", "BG1", "--ignore", "BG101"), {"BG102"}),
        (("--ignore", "BG1"), set()),
        (("--select", "BG101,BG102"), {"BG101", "BG102"}),
        (("--select", "BG101", "--extend-select", "BG102"), {"BG101", "BG102"}),
        (("--select", "ALL", "--ignore", "BG102"), {"BG101"}),
    ],
)
def test_select_and_ignore_by_code_and_prefix(project, options, codes):
    project(**{"app.py": SIGNUP, "notify.py": NOTIFY})
    result = bglint("--output-format", "json", *options)
    assert {item["code"] for item in json.loads(result.stdout)} == codes
    assert result.exit_code == (1 if codes else 0)


@pytest.mark.parametrize("option", ["--select", "--ignore", "--extend-select"])
def test_unknown_code_is_a_usage_error_naming_the_closest(project, option):
    project(**{"app.py": SIGNUP})
    result = bglint(option, "BG110")
    assert result.exit_code == 2
    assert "unknown rule selector `BG110`; did you mean `BG101`?" in result.stderr


def test_missing_path_exits_2_naming_it(project):
    project(**{"app.py": SIGNUP})
    result = bglint("app.py", "nowhere.py")
    assert result.exit_code == 2
    assert "nowhere.py" in result.stderr


def test_internal_error_exits_2(project, monkeypatch):
    from bglint import runner

    def explode(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(runner, "check_files", explode)
    project(**{"app.py": SIGNUP})
    result = bglint()
    assert result.exit_code == 2
    assert "internal error: RuntimeError: boom" in result.stderr


# --- stdin ------------------------------------------------------------------------------------


def test_stdin_with_a_filename(project):
    project()
    result = bglint(
        "--output-format",
        "concise",
        "--stdin-filename",
        "api/signup.py",
        "-",
        input=SIGNUP.encode(),
    )
    assert result.exit_code == 1
    assert result.stdout.startswith("api/signup.py:12:31: BG101 [*] ")
    assert bglint("-", input=CLEAN.encode()).exit_code == 0


def test_stdin_fix_writes_the_fixed_source_to_stdout(project):
    project()
    result = bglint("--fix", "--stdin-filename", "app.py", input=SIGNUP.encode())
    assert result.exit_code == 0
    assert result.stdout == SIGNUP_FIXED
    assert "Found 1 error (1 fixed, 0 remaining)." in result.stderr


# --- --fix and --diff -------------------------------------------------------------------------


def test_fix_writes_and_a_second_run_is_clean(project):
    root = project(**{"app.py": SIGNUP, "notify.py": NOTIFY})
    result = bglint("--fix", "--output-format", "concise")
    assert result.exit_code == 0
    assert result.stdout == "Found 2 errors (2 fixed, 0 remaining).\n"
    assert (root / "app.py").read_text() == SIGNUP_FIXED
    assert "await " not in (root / "notify.py").read_text()
    again = bglint()
    assert again.exit_code == 0
    assert again.stdout == "All checks passed!\n"


def test_unsafe_fixes_need_the_option(project):
    root = project(**{"app.py": UNRESOLVED})
    shown = bglint("--output-format", "concise")
    assert "BG101 [*]" not in shown.stdout
    assert (
        "No fixes available (1 hidden fix can be enabled with the `--unsafe-fixes` option)."
        in shown.stdout
    )
    assert "BG101 [*]" in bglint("--output-format", "concise", "--unsafe-fixes").stdout
    assert bglint("--fix").exit_code == 1
    assert (root / "app.py").read_text() == UNRESOLVED
    assert bglint("--fix", "--unsafe-fixes").exit_code == 0
    assert "add_task(deliver, email)" in (root / "app.py").read_text()


def test_diff_prints_and_writes_nothing(project):
    root = project(**{"app.py": SIGNUP})
    result = bglint("--diff")
    assert result.exit_code == 1
    assert (root / "app.py").read_text() == SIGNUP
    assert result.stdout.startswith("--- app.py\n+++ app.py\n@@ ")
    assert "-    background_tasks.add_task(send_welcome(email))\n" in result.stdout
    assert "+    background_tasks.add_task(send_welcome, email)\n" in result.stdout
    assert "Would fix 1 error." in result.stderr
    (root / "app.py").write_text(CLEAN)
    clean = bglint("--diff")
    assert clean.exit_code == 0
    assert clean.stdout == ""


def _expected_bytes(raw: bytes) -> bytes:
    return raw.replace(b"add_task(send_welcome(email))", b"add_task(send_welcome, email)")


@pytest.mark.parametrize(
    "name, raw",
    [
        ("crlf.py", SIGNUP.replace("\n", "\r\n").encode()),
        (
            "bom.py",
            codecs.BOM_UTF8 + SIGNUP.replace("print(email)", "print('héllo', email)").encode(),
        ),
        (
            "latin1.py",
            (
                "# -*- coding: latin-1 -*-\n"
                + SIGNUP.replace("print(email)", "print('café', email)")
            ).encode("latin-1"),
        ),
    ],
)
def test_fix_keeps_encoding_bom_and_line_endings(project, name, raw):
    root = project()
    (root / name).write_bytes(raw)
    assert bglint("--fix", name).exit_code == 0
    assert (root / name).read_bytes() == _expected_bytes(raw)


def test_fix_keeps_the_file_mode(project):
    root = project(**{"app.py": SIGNUP})
    os.chmod(root / "app.py", 0o751)
    assert bglint("--fix").exit_code == 0
    assert stat.S_IMODE(os.stat(root / "app.py").st_mode) == 0o751
    assert (root / "app.py").read_text() == SIGNUP_FIXED
    assert [p.name for p in root.iterdir()] == ["app.py"]  # no temp file left behind


def test_fix_refuses_a_read_only_file_and_keeps_its_findings(project):
    root = project(**{"app.py": SIGNUP})
    os.chmod(root / "app.py", 0o444)
    result = bglint("--fix", "--output-format", "concise")
    assert result.exit_code == 1
    assert "app.py: file is read-only; not fixed" in result.stderr
    assert (root / "app.py").read_text() == SIGNUP
    assert "app.py:12:31: BG101" in result.stdout


def test_fix_refuses_a_symlink_out_of_the_tree(tmp_path, monkeypatch):
    outside = tmp_path / "outside.py"
    outside.write_text(SIGNUP)
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "link.py").symlink_to(outside)
    (tree / "inner.py").write_text(SIGNUP)
    (tree / "inner_link.py").symlink_to(tree / "inner.py")
    monkeypatch.chdir(tree)
    result = bglint("--fix", "--select", "BG101", "link.py")
    assert result.exit_code == 1
    assert "outside the linted tree; not fixed" in result.stderr
    assert outside.read_text() == SIGNUP
    assert bglint("--fix", "inner_link.py").exit_code == 0
    assert (tree / "inner_link.py").is_symlink()
    assert (tree / "inner.py").read_text() == SIGNUP_FIXED


def test_write_fixed_refuses_a_file_changed_on_disk(tmp_path):
    path = tmp_path / "app.py"
    path.write_text(SIGNUP + "# edited\n")
    with pytest.raises(fixer.WriteRefused, match="changed on disk"):
        fixer.write_fixed(str(path), SIGNUP_FIXED.encode(), expected=SIGNUP.encode())
    assert path.read_text() == SIGNUP + "# edited\n"


def test_write_fixed_never_writes_what_does_not_parse_or_did_not_change(tmp_path):
    path = tmp_path / "app.py"
    path.write_text(SIGNUP)
    before = os.stat(path).st_mtime_ns
    assert fixer.write_fixed(str(path), SIGNUP.encode()) is False
    with pytest.raises(fixer.WriteRefused, match="does not parse"):
        fixer.write_fixed(str(path), b"def broken(:\n")
    assert path.read_text() == SIGNUP
    assert os.stat(path).st_mtime_ns == before


def test_unified_diff_marks_a_missing_final_newline():
    diff = fixer.unified_diff("app.py", "a = 1\nb = 2", "a = 1\nb = 3")
    assert diff == (
        "--- app.py\n+++ app.py\n@@ -1,2 +1,2 @@\n a = 1\n"
        "-b = 2\n\\ No newline at end of file\n+b = 3\n\\ No newline at end of file\n"
    )
    assert fixer.unified_diff("app.py", "same\n", "same\n") == ""


# --- files the engine cannot analyse ------------------------------------------------------------


def test_broken_files_do_not_stop_the_run(project):
    root = project(
        **{
            "app.py": SIGNUP,
            "broken.py": BROKEN,
        }
    )
    (root / "latin.py").write_bytes(
        SIGNUP.replace("print(email)", "print('café')").encode("latin-1")
    )
    (root / "binary.py").write_bytes(b"add_task\0\0\0")
    result = bglint("--output-format", "json")
    assert result.exit_code == 1
    found = {(Path(item["filename"]).name, item["code"]) for item in json.loads(result.stdout)}
    assert ("app.py", "BG101") in found
    assert ("broken.py", "BG000") in found
    # not UTF-8: reported as BG000 or skipped with a warning, never silently
    assert ("latin.py", "BG000") in found or "latin.py" in result.stderr
    assert "bglint: warning: binary.py: " in result.stderr
    assert len(result.stderr.strip().splitlines()) <= 2


def test_a_skipped_file_does_not_change_the_exit_code(project):
    root = project(**{"app.py": CLEAN})
    (root / "binary.py").write_bytes(b"add_task\0")
    result = bglint()
    assert result.exit_code == 0
    assert result.stderr.startswith("bglint: warning: binary.py: ")


# --- rule docs --------------------------------------------------------------------------------


def test_rule_and_rules_commands():
    shown = bglint("rule", "BG101")
    assert shown.exit_code == 0
    assert "What it does" in shown.stdout
    assert bglint("rule", "call-in-add-task").stdout == shown.stdout
    unknown = bglint("rule", "BG110")
    assert unknown.exit_code == 2
    assert "did you mean `BG101`?" in unknown.stderr
    table = bglint("rules")
    assert table.exit_code == 0
    assert "BG101  call-in-add-task" in table.stdout


# --- true end to end --------------------------------------------------------------------------


def _run(*args: str, cwd: Path, stdin: bytes = b"") -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "bglint", *args],
        cwd=cwd,
        input=stdin,
        capture_output=True,
        check=False,
    )


def test_subprocess_check_then_fix(project):
    root = project(**{"app.py": SIGNUP, "pkg__notify.py": NOTIFY})
    first = _run("--output-format", "concise", cwd=root)
    assert first.returncode == 1
    assert os.path.join("pkg", "notify.py").encode() + b":12:5: BG102 [*] " in first.stdout
    assert _run("--fix", ".", cwd=root).returncode == 0
    assert _run(cwd=root).stdout == b"All checks passed!\n"


def test_the_command_ends_without_teardown_yet_with_all_its_output_and_status(project):
    # `entry` ends the process with os._exit: buffered output must still all arrive
    many = "".join(
        f"@app.post('/s{i}')\ndef s{i}(tasks: BackgroundTasks):\n    tasks.add_task(send_email())\n"
        for i in range(300)
    )
    header = "from fastapi import BackgroundTasks, FastAPI\napp = FastAPI()\n"
    header += "def send_email():\n    pass\n"
    root = project(**{"app.py": header + many})
    found = _run("--output-format", "json", "--no-cache", "app.py", cwd=root)
    assert found.returncode == 1
    assert [d["code"] for d in json.loads(found.stdout)] == ["BG101"] * 300
    assert _run("--version", cwd=root).returncode == 0
    missing = _run("no_such_file.py", cwd=root)
    assert missing.returncode == 2 and b"no_such_file.py" in missing.stderr


def test_the_command_runs_without_the_cyclic_collector(project):
    # nothing of the short-lived command is left for it to collect; switched on after the
    # analysis, it went through everything the analysis allocated just before the exit
    root = project(**{"app.py": SIGNUP})
    code = (
        "import gc, os, sys\n"
        "real_exit = os._exit\n"
        "def ending(status):\n"
        "    print(gc.isenabled(), status, file=sys.stderr, flush=True)\n"
        "    real_exit(status)\n"
        "os._exit = ending\n"
        "from bglint import cli\n"
        "sys.argv = ['bglint', '--no-cache', '-q', 'app.py']\n"
        "cli.entry()\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True)
    assert done.stderr.split()[-2:] == ["False", "1"]


def test_exit_status_is_what_sys_exit_gives(capsys):
    from bglint.cli import _exit_status

    assert [_exit_status(None), _exit_status(0), _exit_status(2), _exit_status(257)] == [0, 0, 2, 1]
    assert _exit_status("stopped") == 1
    assert capsys.readouterr().err == "stopped\n"


def test_subprocess_help_is_cheap():
    code = (
        "import sys; from bglint.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "heavy = ('libcst', 'rich', 'bglint.rules', 'bglint.runner')\n"
        "print([name for name in heavy if name in sys.modules])"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip().splitlines()[-1] == "[]"
