"""`[tool.bglint]` / `bglint.toml`: finding, checking, and what each key does in a run."""

from __future__ import annotations

import itertools
import os
import warnings
from pathlib import Path

import pytest
from harness import cli_runner
from integration import APP, PYPROJECT, REMAINING, make_project

from bglint import config
from bglint.cli import main
from bglint.discovery import DEFAULT_EXCLUDES, Patterns, compile_patterns, discover
from bglint.settings import FixMode

SITE = """\
from fastapi import BackgroundTasks


def send_welcome(email: str) -> None:
    print(email)


def signup(email: str, background_tasks: BackgroundTasks):
    background_tasks.add_task(send_welcome(email))
"""


def bglint(*args: str, cwd: Path):
    old = os.getcwd()
    os.chdir(cwd)
    try:
        return cli_runner().invoke(main, list(args), catch_exceptions=False)
    finally:
        os.chdir(old)


def rows(result) -> list:
    """(path, row, column, code) of each `concise` line."""
    found = []
    for line in result.stdout.splitlines():
        parts = line.split(":", 3)
        if len(parts) == 4 and parts[1].isdigit():
            found.append(
                (parts[0].replace(os.sep, "/"), int(parts[1]), int(parts[2]), parts[3].split()[0])
            )
    return found


# --- finding the file -------------------------------------------------------------------------


def test_nearest_configuration_walking_up(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[tool.bglint]\nignore = ['BG104']\n")
    sub = tmp_path / "pkg" / "inner"
    sub.mkdir(parents=True)
    (tmp_path / "pkg" / "pyproject.toml").write_text("[project]\nname = 'x'\n")  # no table
    found = config.config_for(str(sub / "app.py"))
    assert found.path == str(tmp_path / "pyproject.toml")
    assert found.ignore == ("BG104",)
    assert found.root == str(tmp_path)


def test_bglint_toml_wins_over_pyproject_in_the_same_folder(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[tool.bglint]\nignore = ['BG104']\n")
    (tmp_path / "bglint.toml").write_text("ignore = ['BG101']\n")
    assert config.config_for(str(tmp_path)).ignore == ("BG101",)


def test_every_key_reaches_the_settings(tmp_path):
    (tmp_path / "bglint.toml").write_text(
        "select = ['BG1', 'BG10']\n"
        "ignore = ['BG104']\n"
        "extend-select = ['BG105']\n"
        "exclude = ['build']\n"
        "extend-exclude = ['generated']\n"
        "respect-gitignore = false\n"
        "fastapi-version = '>=0.100,<0.120'\n"
        "durable-calls = ['billing.charge']\n"
        "blocking-calls = ['legacy.db.query']\n"
        "[per-file-ignores]\n"
        "'tests/*' = ['BG1']\n"
    )
    loaded = config.config_for(str(tmp_path))
    assert loaded.respect_gitignore is False
    assert loaded.exclude == ("build",) and loaded.extend_exclude == ("generated",)
    settings = config.to_settings(loaded, config.Overrides(fix_mode=FixMode.SAFE))
    assert settings.select == ("BG1", "BG10")
    assert settings.ignore == ("BG104",)
    assert settings.extend_select == ("BG105",)
    assert settings.fastapi_version == ">=0.100,<0.120"
    assert settings.durable_calls == ("billing.charge",)
    assert settings.blocking_calls == ("legacy.db.query",)
    assert settings.per_file_ignores == (("tests/*", ("BG1",)),)
    assert settings.config_root == str(tmp_path)
    assert settings.fix_mode is FixMode.SAFE


def test_command_line_select_replaces_config_select_and_ignore(tmp_path):
    (tmp_path / "bglint.toml").write_text("select = ['BG10']\nignore = ['BG101']\n")
    loaded = config.config_for(str(tmp_path))
    given = config.to_settings(loaded, config.Overrides(select=("BG101",)))
    assert (given.select, given.ignore) == (("BG101",), ())
    added = config.to_settings(loaded, config.Overrides(ignore=("BG104",)))
    assert (added.select, added.ignore) == (("BG10",), ("BG101", "BG104"))


# --- errors: exit 2, naming the file, the key and the nearest valid spelling ------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        (
            "[tool.bglint]\nextend-selct = ['BG1']\n",
            "unknown key `tool.bglint.extend-selct`; did you mean `extend-select`?",
        ),
        ("[tool.bglint]\nper_file_ignores = {}\n", "did you mean `per-file-ignores`?"),
        (
            "[tool.bglint]\nignore = ['BG110']\n",
            "`tool.bglint.ignore`: unknown rule code `BG110`; did you mean `BG101`?",
        ),
        ("[tool.bglint]\nselect = ['call-in-add-task']\n", "did you mean `BG101`?"),
        ("[tool.bglint.per-file-ignores]\n'tests/*' = ['BG99x']\n", "unknown rule code `BG99x`"),
        (
            "[tool.bglint]\nrespect-gitignore = 'yes'\n",
            "`tool.bglint.respect-gitignore` must be `true` or `false`",
        ),
        (
            "[tool.bglint]\nfastapi-version = '>=0.1oo'\n",
            "is not a version (`0.110.0`) or a PEP 440 specifier",
        ),
        (
            "[tool.bglint]\nselect = 'BG1'\nignore = 101\n",
            "`tool.bglint.ignore` must be a list of rule codes, not `101`",
        ),
        (
            '[tool.bglint]\nextend-exclude = ["build\\\\"]\n',
            "`tool.bglint.extend-exclude`: `build\\` is not a valid gitignore pattern",
        ),
        (
            "[tool.bglint.per-file-ignores]\n'!' = ['BG1']\n'tests\\' = ['BG1']\n",
            "`tool.bglint.per-file-ignores`: `tests\\` is not a valid gitignore pattern",
        ),
        (
            "[tool.bglint]\ndurable-calls = ['send email']\n",
            "`send email` is not a fully qualified name",
        ),
    ],
)
def test_bad_configuration_exits_2_naming_the_key(tmp_path, text, expected):
    (tmp_path / "pyproject.toml").write_text(text)
    (tmp_path / "app.py").write_text(SITE)
    result = bglint(".", cwd=tmp_path)
    assert result.exit_code == 2
    assert expected in result.stderr
    assert "pyproject.toml" in result.stderr


def test_toml_syntax_error_names_file_line_and_column(tmp_path):
    (tmp_path / "bglint.toml").write_text("select = ['BG1']\nignore = [BG101]\n")
    (tmp_path / "app.py").write_text(SITE)
    result = bglint(".", cwd=tmp_path)
    assert result.exit_code == 2
    assert f"{tmp_path / 'bglint.toml'}:2:11: invalid TOML: Invalid value" in result.stderr


def test_toml_error_at_end_of_document_has_a_position(tmp_path):
    (tmp_path / "bglint.toml").write_text("select = ['BG1'\n")
    with pytest.raises(config.ConfigError, match=r"bglint\.toml:2:1: invalid TOML"):
        config.load_config(str(tmp_path / "bglint.toml"))


def test_missing_config_path_exits_2(tmp_path):
    (tmp_path / "app.py").write_text(SITE)
    result = bglint("--config", "nowhere.toml", ".", cwd=tmp_path)
    assert result.exit_code == 2
    assert "configuration file not found: nowhere.toml" in result.stderr


# --- the keys in a run ------------------------------------------------------------------------


def test_pyproject_ignore_and_noqa_leave_the_remaining_findings(tmp_path):
    make_project(tmp_path)
    result = bglint("--output-format", "concise", ".", cwd=tmp_path)
    assert result.exit_code == 1
    assert rows(result) == [("app.py", r, c, code) for r, c, code in REMAINING]


def test_isolated_ignores_the_configuration(tmp_path):
    make_project(tmp_path)
    result = bglint("--isolated", "--output-format", "concise", ".", cwd=tmp_path)
    assert [code for *_, code in rows(result)] == ["BG101", "BG104", "BG102"]


def test_config_option_names_the_file(tmp_path):
    make_project(tmp_path, pyproject="[project]\nname = 'shop'\n")
    (tmp_path / "ci").mkdir()
    (tmp_path / "ci" / "strict.toml").write_text("select = ['BG104']\n")
    result = bglint("--config", "ci/strict.toml", "--output-format", "concise", ".", cwd=tmp_path)
    assert [code for *_, code in rows(result)] == ["BG104"]


def test_per_file_ignores_apply_in_the_engine(tmp_path):
    (tmp_path / "bglint.toml").write_text(
        "[per-file-ignores]\n'tests/*' = ['BG1']\n'!api/*' = ['BG104']\n"
    )
    for folder in ("tests", "api", "other"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "app.py").write_text(APP)
    result = bglint("--output-format", "concise", ".", cwd=tmp_path)
    found = {(path, code) for path, _, _, code in rows(result)}
    assert found == {
        ("api/app.py", "BG101"),
        ("api/app.py", "BG104"),
        ("api/app.py", "BG102"),
        ("other/app.py", "BG101"),
        ("other/app.py", "BG102"),
    }


def test_per_file_ignores_bare_name_matches_at_any_depth(tmp_path):
    (tmp_path / "bglint.toml").write_text("[per-file-ignores]\n'legacy.py' = ['BG']\n")
    (tmp_path / "deep" / "er").mkdir(parents=True)
    (tmp_path / "deep" / "er" / "legacy.py").write_text(SITE)
    assert bglint(".", cwd=tmp_path).exit_code == 0


def test_per_file_ignores_do_not_let_fix_touch_the_file(tmp_path):
    (tmp_path / "bglint.toml").write_text("[per-file-ignores]\n'app.py' = ['BG101']\n")
    (tmp_path / "app.py").write_text(SITE)
    assert bglint("--fix", ".", cwd=tmp_path).exit_code == 0
    assert (tmp_path / "app.py").read_text() == SITE


def test_exclude_and_extend_exclude(tmp_path):
    (tmp_path / "bglint.toml").write_text("extend-exclude = ['generated', 'api/old_*.py']\n")
    for name in ("generated/app.py", "api/old_app.py", "api/app.py", "venv/app.py"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(SITE)
    result = bglint("--output-format", "concise", ".", cwd=tmp_path)
    assert {path for path, *_ in rows(result)} == {"api/app.py"}  # venv: ruff's default list


def test_exclude_replaces_the_default_list(tmp_path):
    (tmp_path / "bglint.toml").write_text("exclude = ['api']\n")
    for name in ("api/app.py", "venv/app.py"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(SITE)
    result = bglint("--output-format", "concise", ".", cwd=tmp_path)
    assert {path for path, *_ in rows(result)} == {"venv/app.py"}


def test_a_named_file_is_checked_unless_force_exclude(tmp_path):
    (tmp_path / "bglint.toml").write_text("extend-exclude = ['generated']\n")
    (tmp_path / "generated").mkdir()
    (tmp_path / "generated" / "app.py").write_text(SITE)
    assert bglint("generated/app.py", cwd=tmp_path).exit_code == 1
    assert bglint("--force-exclude", "generated/app.py", cwd=tmp_path).exit_code == 0


def test_force_exclude_with_stdin_filename(tmp_path):
    (tmp_path / "bglint.toml").write_text("extend-exclude = ['generated']\n")
    old = os.getcwd()
    os.chdir(tmp_path)
    try:
        runner = cli_runner()
        args = ["--force-exclude", "--stdin-filename", "generated/app.py", "-"]
        assert runner.invoke(main, args, input=SITE).exit_code == 0
        assert runner.invoke(main, args[1:], input=SITE).exit_code == 1
    finally:
        os.chdir(old)


def test_respect_gitignore_false_checks_ignored_files(tmp_path):
    (tmp_path / ".gitignore").write_text("scratch/\n")
    (tmp_path / "scratch").mkdir()
    (tmp_path / "scratch" / "app.py").write_text(SITE)
    assert bglint(".", cwd=tmp_path).exit_code == 0
    (tmp_path / "bglint.toml").write_text("respect-gitignore = false\n")
    assert bglint(".", cwd=tmp_path).exit_code == 1


def test_nested_project_uses_its_own_configuration(tmp_path):
    make_project(tmp_path)  # ignores BG102
    (tmp_path / "service").mkdir()
    (tmp_path / "service" / "bglint.toml").write_text("ignore = ['BG104']\n")
    (tmp_path / "service" / "app.py").write_text(APP)
    result = bglint("--output-format", "concise", ".", cwd=tmp_path)
    found = {(path, code) for path, _, _, code in rows(result)}
    assert found == {
        ("app.py", "BG101"),
        ("app.py", "BG104"),
        ("service/app.py", "BG101"),
        ("service/app.py", "BG102"),
    }


def test_configuration_is_reread_when_it_changes(tmp_path):
    path = tmp_path / "bglint.toml"
    path.write_text("ignore = ['BG101']\n")
    assert config.load_config(str(path)).ignore == ("BG101",)
    path.write_text("ignore = ['BG104', 'BG105']\n")
    assert config.load_config(str(path)).ignore == ("BG104", "BG105")


def test_project_shared_by_the_tests_is_valid():
    assert "[tool.bglint]" in PYPROJECT


# --- .gitignore and exclude patterns ----------------------------------------------------------


def test_gitignore_follows_git_where_its_docs_differ(tmp_path, monkeypatch):
    # `x.py` names the file and `!dir/` only re-includes its folder: `git check-ignore` says
    # dir/x.py is ignored (pathspec's plain PathSpec lets the later negation win)
    (tmp_path / ".gitignore").write_text("x.py\n!dir/\n")
    (tmp_path / "dir").mkdir()
    for name in ("x.py", "dir/x.py", "dir/y.py"):
        (tmp_path / name).write_text(SITE)
    monkeypatch.chdir(tmp_path)
    assert discover(["."]) == [os.path.join("dir", "y.py")]


def test_patterns_compile_without_deprecation_warnings(tmp_path, monkeypatch):
    # pathspec 1.0 deprecates the `gitwildmatch` pattern name; each pattern here is new to
    # this process, so the lru caches cannot hide a warning raised when it is compiled
    (tmp_path / ".gitignore").write_text("warn_build/\n*.warn.py\n!keep.warn.py\n")
    (tmp_path / "bglint.toml").write_text(
        "extend-exclude = ['warn_api/old_*.py']\n[per-file-ignores]\n'warn_tests/*' = ['BG1']\n"
    )
    for name in ("warn_build/a.py", "a.warn.py", "keep.warn.py", "warn_api/old_a.py", "b.py"):
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text(SITE)
    monkeypatch.chdir(tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        plan = config.plan_run(["."], config.Overrides())
        assert plan.files == ["b.py", "keep.warn.py"]
        ignored = config.per_file_ignored("warn_tests/t.py", plan.settings_of["b.py"])
    assert ignored == ("BG1",)


# Patterns answers bare names (ruff's default list) with sets and everything else with pathspec;
# both together must match exactly as pathspec alone would
PATTERN_SETS = [
    sorted(DEFAULT_EXCLUDES),
    ["build/", "venv", "*.gen.py", "api/old_*.py"],
    ["/anchored", "deep/**/z.py", "x/", "generated"],
    ["*.py", "!main.py", "venv", "build/"],  # a negation: order decides, pathspec does it all
    ["[ab]c.py", "a b", "\\!bang.py", "# comment", "", ".", "..", "venv ", "dist//"],
]
PARTS = ["venv", "build", "x", "main.py", "ac.py", "z.py", "anchored", "deep", "a b", "!bang.py"]


@pytest.mark.parametrize("patterns", PATTERN_SETS, ids=lambda p: " ".join(p)[:30])
def test_patterns_match_as_pathspec_does(patterns):
    spec = compile_patterns(patterns)
    compiled = Patterns(patterns)
    paths = [
        "/".join(parts) for size in (1, 2, 3) for parts in itertools.product(PARTS, repeat=size)
    ]
    for path in paths:
        for is_dir in (False, True):
            expected = bool(spec.match_file(path + "/" if is_dir else path))
            assert compiled.matches(path, is_dir) == expected, (path, is_dir)


def test_exclusion_agrees_with_matching_each_path_in_full(tmp_path, monkeypatch):
    root = tmp_path / "project"
    (root / "src" / "venv").mkdir(parents=True)
    (root / "bglint.toml").write_text("extend-exclude = ['src/old_*.py', 'project']\n")
    monkeypatch.chdir(root / "src")
    loaded = config.config_for(".")
    exclusion = config.Exclusion(loaded)
    paths = ["app.py", "old_a.py", "venv", "venv/a.py", ".", "..", "../project", "../../x.py",
             str(root), str(root / "src" / "old_b.py"), str(tmp_path / "venv" / "a.py"), str(tmp_path / "venv"),
             "../src/./old_c.py", "venv/", str(tmp_path / "project.py")]  # fmt: skip
    for path in paths:
        for is_dir in (False, True):
            expected = config._matches(config._exclusion_patterns(loaded), str(root), path, is_dir)
            assert exclusion(path, is_dir) == expected, (path, is_dir)
            assert loaded.is_excluded(path, is_dir) == expected, (path, is_dir)
