"""The pre-commit hooks: `.pre-commit-hooks.yaml` run the way pre-commit runs it.

The first tests run each hook's `entry` with pre-commit's file selection (`types: [python]`,
filenames appended) in a temporary git repository, using this environment's bglint. The
`slow` test runs `pre-commit try-repo` itself against a copy of this checkout: pre-commit
builds the hook's virtualenv with pip, so it needs the package index.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from integration import APP, REMAINING, make_project

yaml = pytest.importorskip("yaml")

ROOT = Path(__file__).resolve().parent.parent
HOOKS = {hook["id"]: hook for hook in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}


def git(cwd: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.email=t@example.com", "-c", "user.name=t", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
    )


def repository(tmp_path: Path) -> Path:
    make_project(tmp_path)
    (tmp_path / "README.md").write_text("not python\n")
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-qm", "init")
    return tmp_path


def run_hook(hook_id: str, cwd: Path) -> subprocess.CompletedProcess:
    """pre-commit's way: `entry` + `args` + the staged files the hook's `types` select."""
    hook = HOOKS[hook_id]
    entry = shlex.split(hook["entry"])
    assert entry[0] == "bglint"
    files = subprocess.run(["git", "ls-files"], cwd=cwd, capture_output=True, text=True, check=True)
    selected = [f for f in files.stdout.split() if f.endswith(".py")]  # types: [python]
    command = [sys.executable, "-m", "bglint", *entry[1:], *hook.get("args", []), *selected]
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)


# `path:row:col: CODE message`: bglint's concise and full output (`[*]` marks a fix) and
# flake8's default format print each finding so
FINDING = re.compile(r"^(?P<path>[^\s:][^:]*):(\d+):(\d+): (BG\d{3}) (?:\[\*\] )?(.+)$", re.M)


def findings(output: str) -> list:
    """(path, row, column, code, message) of each finding line in `output`."""
    return [
        (os.path.normpath(path), int(row), int(column), code, message)
        for path, row, column, code, message in FINDING.findall(output)
    ]


def test_bglint_flake8_and_the_hook_agree(tmp_path):
    """Issue 5's "Done when": the project's pyproject.toml ignores BG102 and app.py silences a
    BG101 with `# noqa: BG101`; bglint, flake8 and the hook report the same remaining findings,
    messages included."""
    repo = repository(tmp_path)
    hook = run_hook("bglint", repo)
    cli = subprocess.run(
        [sys.executable, "-m", "bglint", "--output-format", "concise", "."],
        cwd=repo,
        capture_output=True,
        text=True,
    )
    flake8 = subprocess.run(
        [sys.executable, "-m", "flake8", "--select", "BG", "."],
        cwd=repo,
        capture_output=True,
        text=True,
    )
    assert (cli.returncode, flake8.returncode, hook.returncode) == (1, 1, 1), flake8.stderr
    found = findings(cli.stdout)
    assert [finding[:4] for finding in found] == [("app.py", *where) for where in REMAINING]
    assert findings(flake8.stdout) == found
    assert findings(hook.stdout) == found


def test_hooks_are_declared_as_pre_commit_expects():
    assert set(HOOKS) == {"bglint", "bglint-fix"}
    for hook in HOOKS.values():
        assert hook["language"] == "python"
        assert hook["types"] == ["python"]
        assert hook["require_serial"] is True
        assert "--force-exclude" in hook["entry"]
    assert "--fix" in HOOKS["bglint-fix"]["entry"]


def test_check_hook_fails_on_the_remaining_findings(tmp_path):
    repo = repository(tmp_path)
    done = run_hook("bglint", repo)
    assert done.returncode == 1
    for row, column, code in REMAINING:
        assert f"app.py:{row}:{column}: {code}" in done.stdout
    assert "BG102" not in done.stdout  # the project's pyproject.toml ignores it
    assert (repo / "app.py").read_text() == APP


def test_fix_hook_rewrites_the_file(tmp_path):
    repo = repository(tmp_path)
    done = run_hook("bglint-fix", repo)
    assert done.returncode == 1  # BG104 has no fix and remains
    fixed = (repo / "app.py").read_text()
    assert "background_tasks.add_task(send_welcome, email)\n" in fixed
    assert "add_task(send_welcome(email))  # noqa: BG101" in fixed  # silenced: left alone
    assert "await background_tasks.add_task" in fixed  # ignored by the project: left alone


def test_fix_hook_changes_files_when_everything_is_fixable(tmp_path):
    repo = repository(tmp_path)
    (repo / "app.py").write_text(
        APP.replace('    background_tasks.add_task(send_welcome, email, "extra")\n', "")
    )
    git(repo, "commit", "-qam", "only fixable")
    done = run_hook("bglint-fix", repo)
    # exit 0, but the file changed: pre-commit fails a hook that modifies files
    assert done.returncode == 0, done.stdout
    status = subprocess.run(
        ["git", "status", "--porcelain"], cwd=repo, capture_output=True, text=True
    )
    assert status.stdout.strip() == "M app.py"


def test_excluded_file_named_by_pre_commit_is_skipped(tmp_path):
    repo = repository(tmp_path)
    (repo / "pyproject.toml").write_text("[tool.bglint]\nextend-exclude = ['app.py']\n")
    assert run_hook("bglint", repo).returncode == 0


@pytest.mark.slow
def test_pre_commit_try_repo(tmp_path):
    if shutil.which("pre-commit") is None:
        pytest.skip("pre-commit is not installed (it is in the `dev` extra)")
    source = tmp_path / "bglint-src"
    source.mkdir()
    for name in ("pyproject.toml", "README.md", ".pre-commit-hooks.yaml"):
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(
        ROOT / "src", source / "src", ignore=shutil.ignore_patterns("*.egg-info", "__pycache__")
    )
    git(source, "init", "-q")
    git(source, "add", ".")
    git(source, "commit", "-qm", "hooks")
    (tmp_path / "project").mkdir()
    repo = repository(tmp_path / "project")
    env_home = {"PRE_COMMIT_HOME": str(tmp_path / "cache")}

    def try_repo(hook_id: str) -> subprocess.CompletedProcess:
        command = ["pre-commit", "try-repo", str(source), hook_id, "--all-files"]
        return subprocess.run(
            command, cwd=repo, capture_output=True, text=True, env={**os.environ, **env_home}
        )

    checked = try_repo("bglint")
    assert checked.returncode == 1, checked.stdout + checked.stderr
    assert [f[:4] for f in findings(checked.stdout)] == [("app.py", *at) for at in REMAINING]
    fixed = try_repo("bglint-fix")
    assert fixed.returncode == 1
    assert "files were modified by this hook" in fixed.stdout
    assert "background_tasks.add_task(send_welcome, email)\n" in (repo / "app.py").read_text()
