"""The flake8 face: same codes, messages, lines and columns as `bglint check`, the project's
configuration honoured, flake8's own selection and `# noqa` on top, cross-module resolution,
and no LibCST for files the prefilter rejects."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from integration import APP, REMAINING, make_project

from bglint import config
from bglint.flake8_plugin import BglintChecker
from bglint.runner import check_source

pytest.importorskip("flake8")


def flake8(cwd: Path, *args: str) -> list:
    """(path, row, column (1-based), code, message) of each BG finding flake8 prints."""
    command = [
        sys.executable,
        "-m",
        "flake8",
        "--select",
        "BG",
        "--format",
        "%(path)s\t%(row)d\t%(col)d\t%(code)s\t%(text)s",
        *args,
    ]
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
    assert done.returncode in (0, 1), done.stderr
    found = []
    for line in done.stdout.splitlines():
        path, row, col, code, text = line.split("\t")
        found.append((os.path.normpath(path), int(row), int(col), code, text))
    return found


def bglint_json(cwd: Path, *args: str) -> list:
    command = [sys.executable, "-m", "bglint", "--output-format", "json", *args]
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
    return [
        (
            os.path.relpath(d["filename"], cwd),
            d["location"]["row"],
            d["location"]["column"],
            d["code"],
            d["message"],
        )
        for d in json.loads(done.stdout)
    ]


def test_flake8_and_bglint_agree_with_config_and_noqa(tmp_path):
    make_project(tmp_path)
    via_flake8 = flake8(tmp_path, "app.py")
    assert [(row, col, code) for _, row, col, code, _ in via_flake8] == REMAINING
    assert via_flake8 == bglint_json(tmp_path, "app.py")


def test_flake8_selection_and_per_file_ignores_apply_to_bg_codes(tmp_path):
    make_project(tmp_path)
    assert [f[3] for f in flake8(tmp_path, "--extend-ignore", "BG104", "app.py")] == ["BG101"]
    assert [f[3] for f in flake8(tmp_path, "--per-file-ignores", "app.py:BG1", "app.py")] == []


def test_bglint_per_file_ignores_hold_in_flake8(tmp_path):
    make_project(tmp_path, pyproject="[tool.bglint.per-file-ignores]\n'api/*' = ['BG104']\n")
    (tmp_path / "api").mkdir()
    (tmp_path / "api" / "app.py").write_text(APP)
    found = flake8(tmp_path, "api/app.py")
    assert [f[3] for f in found] == ["BG101", "BG102"]
    assert found == bglint_json(tmp_path, "api/app.py")


def test_bglint_exclude_holds_in_flake8(tmp_path):
    make_project(tmp_path, pyproject="[tool.bglint]\nextend-exclude = ['app.py']\n")
    assert flake8(tmp_path, "app.py") == []


def test_cross_module_task_is_resolved_from_the_file_path(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'shop'\n")
    (tmp_path / "shop").mkdir()
    (tmp_path / "shop" / "__init__.py").write_text("")
    (tmp_path / "shop" / "tasks.py").write_text(
        "def send_welcome(email: str) -> None:\n    print(email)\n"
    )
    (tmp_path / "shop" / "api.py").write_text(
        "from fastapi import BackgroundTasks, FastAPI\n\n"
        "from shop.tasks import send_welcome\n\n"
        "app = FastAPI()\n\n\n"
        "@app.post('/signup')\n"
        "def signup(email: str, background_tasks: BackgroundTasks):\n"
        "    background_tasks.add_task(send_welcome, email, 'extra')\n"
    )
    found = flake8(tmp_path, "shop/api.py")
    assert [(f[1], f[3]) for f in found] == [(10, "BG104")]
    assert "send_welcome" in found[0][4]
    assert found == bglint_json(tmp_path, "shop/api.py")


def test_checker_in_process_matches_the_engine(tmp_path):
    make_project(tmp_path)
    path = str(tmp_path / "app.py")
    lines = APP.splitlines(keepends=True)
    got = [(row, col + 1, text) for row, col, text, _ in BglintChecker(None, path, lines).run()]
    settings, excluded = config.settings_for_file(path)
    assert not excluded
    want = [
        (d.start.row, d.start.column, f"{d.code} {d.message}")
        for d in check_source(APP.encode(), path, settings).diagnostics
    ]
    assert got == want and len(got) == 2


def test_checker_keeps_a_latin1_file_s_columns(tmp_path):
    call = "    name = 'é'; background_tasks.add_task(send_welcome(name))\n"
    body = APP.replace("    background_tasks.add_task(send_welcome(email))\n", call, 1)
    source = "# -*- coding: latin-1 -*-\n" + body
    path = tmp_path / "app.py"
    path.write_bytes(source.encode("latin-1"))
    lines = source.splitlines(keepends=True)
    found = [
        (row, col, text.split()[0])
        for row, col, text, _ in BglintChecker(None, str(path), lines).run()
    ]
    assert (17, call.index("send_welcome(name)"), "BG101") in found


def test_files_without_sites_never_import_libcst(tmp_path):
    (tmp_path / "plain.py").write_text("import os\n\nprint(os.getcwd())\n")
    code = (
        "import sys\n"
        "from bglint.flake8_plugin import BglintChecker\n"
        f"lines = open({str(tmp_path / 'plain.py')!r}).readlines()\n"
        f"assert list(BglintChecker(None, {str(tmp_path / 'plain.py')!r}, lines).run()) == []\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('libcst', 'bglint')))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = "['bglint', 'bglint.catalogue', 'bglint.flake8_plugin', 'bglint.prefilter']"
    assert done.stdout.strip() == loaded


def test_plugin_is_registered_with_flake8():
    done = subprocess.run(
        [sys.executable, "-m", "flake8", "--version"], capture_output=True, text=True, check=True
    )
    assert "bglint" in done.stdout


def test_the_plugin_prefilters_for_what_a_run_of_every_rule_reads():
    # a kind no rule reads (`background=` in a call) passes no file to the adapter
    from bglint import flake8_plugin
    from bglint.catalogue import READ_KINDS
    from bglint.prefilter import ALL_KINDS, may_hold_site
    from bglint.runner import Engine
    from bglint.settings import Settings

    assert Engine(Settings()).kinds == READ_KINDS
    assert "background_kw" not in READ_KINDS
    source = b"def f():\n    return make(background=None)\n"
    assert may_hold_site(source, ALL_KINDS)
    assert not may_hold_site(source, READ_KINDS, flake8_plugin._WORDS)
