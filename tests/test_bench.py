"""bench/run.py's arguments and inputs; nothing here runs the benchmark or times anything."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bglint.prefilter import may_hold_site

BENCH = Path(__file__).resolve().parent.parent / "bench"


@pytest.fixture
def run(monkeypatch):
    monkeypatch.syspath_prepend(str(BENCH))  # run.py imports its helpers as top-level modules
    import run as module

    yield module
    for name in ("run", "_measure", "_onefile", "_stages"):
        sys.modules.pop(name, None)


def test_help_lists_every_option():
    done = subprocess.run(
        [sys.executable, str(BENCH / "run.py"), "--help"], capture_output=True, text=True
    )
    assert done.returncode == 0
    for option in ("--corpus", "--repeat", "--sizes", "--quick"):
        assert option in done.stdout


def test_quick_is_one_round_on_medium(run):
    args = run.parse_args(["--quick", "--repeat", "7"])
    assert (args.repeat, args.sizes) == (1, ["medium"])
    assert run.parse_args([]).sizes == ["medium", "large"]
    with pytest.raises(SystemExit):
        run.parse_args(["--sizes", "huge"])


def test_targets_not_measured_are_none(run):
    assert [value for _, value, _, _ in run.gather_targets({})] == [None] * 9


def test_round_ratios_pair_the_runs_of_one_round(run):
    from _measure import Run

    def series(*seconds):
        return run.Series(None, [Run(s, 0, 0, "", 0) for s in seconds])

    # the medians pair runs of different rounds (1.5 s with 0.5 s); a round pairs its own two
    medium = {run.BG_COLD: series(1.0, 4.0, 1.5), run.RUFF_COLD: series(0.5, 2.0, 0.5)}
    assert run.round_ratios(medium, run.BG_COLD, run.RUFF_COLD) == [2.0, 2.0, 3.0]
    assert run.median_ratio({"medium": medium}, "medium", run.BG_COLD, run.RUFF_COLD) == 1.5 / 0.5
    spreads = run.ratio_spreads({"medium": medium})
    assert spreads == {"cold bglint / ruff cold, medium": (2.0, 3.0)}
    assert run.round_ratios(medium, run.BG_WARM, run.RUFF_COLD) == []


def test_one_file_holds_sites_only_in_the_variant_with_sites(run):
    with_sites, without = (run.make_source(True), run.make_source(False))
    for source in (with_sites, without):
        ast.parse(source)
        assert source.count("\n") >= 500
    assert may_hold_site(with_sites.encode())
    assert not may_hold_site(without.encode())


def test_the_memory_sampler_outlives_a_process_that_exits_while_it_reads(run, monkeypatch):
    import _measure

    def vanished(self, pattern):
        raise FileNotFoundError(2, "No such file or directory", str(self))

    monkeypatch.setattr(_measure.Path, "glob", vanished)
    assert _measure._children(1) == []
    monkeypatch.setattr(_measure, "HAS_CHILDREN_FILES", True)
    assert _measure.process_tree(1) == [1]


def test_the_interpreter_floor_is_the_python_bglint_runs_on(run, tmp_path):
    shell = shutil.which("sh")  # any executable stands for a Python here
    script = tmp_path / "bglint"
    script.write_text(f"#!{shell} -E\nimport sys\n")
    assert run.interpreter([str(script)]) == shell
    script.write_text("#!/usr/bin/env sh\n")
    assert run.interpreter([str(script)]) == shell
    script.write_text("#!/usr/bin/env no-such-python-here\n")
    assert run.interpreter([str(script)]) == sys.executable
    assert run.interpreter([sys.executable, "-m", "bglint"]) == sys.executable


def test_the_plugins_own_time_is_summed_per_flake8_run(run, tmp_path):
    for name, seconds in (("100-100", "0.5"), ("100-101", "  1.25"), ("200-200", "0.25")):
        (tmp_path / name).write_text(seconds)
    (tmp_path / "300-300").write_text("not a number")
    assert run.plugin_seconds(tmp_path) == [0.25, 1.75]


def test_flake8_with_the_plugin_writes_the_time_spent_in_its_checks(run, tmp_path):
    # the patched checker is the one flake8 loads from the entry point, in every process
    project = tmp_path / "project"
    project.mkdir()
    body = "from fastapi import BackgroundTasks\n\ndef f(tasks: BackgroundTasks):\n"
    for i in range(3):
        (project / f"m{i}.py").write_text(body + f"    tasks.add_task(g{i}())\n")
    times = tmp_path / "times"
    times.mkdir()
    env = {**run.os.environ, run.PLUGIN_TIMES: str(times)}
    done = subprocess.run(
        [sys.executable, "-c", run.FLAKE8_WITH_BGLINT, "--select", "BG", "."],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.stdout.count(": BG101 ") == 3, done.stderr
    spent = run.plugin_seconds(times)
    assert len(spent) == 1 and spent[0] > 0
