"""The real-world smoke run (bench/smoke.py) on every CI run: pinned FastAPI projects from PyPI.

It needs the wheels: from /tmp/bgbench/.wheels, the cache ($BGLINT_SMOKE_CACHE, default
~/.cache/bglint-smoke) or PyPI; when none of those has them, the test skips and says why.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import pytest

SMOKE = Path(__file__).resolve().parent.parent / "bench" / "smoke.py"


def _load_smoke():
    spec = importlib.util.spec_from_file_location("bglint_bench_smoke", SMOKE)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it loads
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_released_fastapi_projects_give_no_internal_error_and_no_broken_fix(capsys):
    smoke = _load_smoke()
    cache = Path(os.environ.get("BGLINT_SMOKE_CACHE", smoke.DEFAULT_CACHE))
    with capsys.disabled():
        print(f"\nsmoke run over {len(smoke.PINS)} pinned packages (cache: {cache})")
        try:
            reports = smoke.run(smoke.PINS, cache, show_findings=True)
        except smoke.Unreachable as err:
            pytest.skip(f"smoke run skipped, PyPI unreachable and no cached wheel: {err}")
    assert sum(r.files for r in reports) > 1000  # the wheels were unpacked, not empty
    problems = [line for r in reports for line in r.internal_errors + r.bad_fixes]
    assert problems == []


def test_an_unreachable_package_index_skips_the_run_and_says_why(tmp_path, monkeypatch, capsys):
    """What CI shows offline: no cached wheel, an index that refuses connections."""
    smoke = _load_smoke()
    monkeypatch.setattr(smoke, "SHARED_WHEELS", tmp_path / "no-shared-wheels")
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)  # no index from a pip.conf
    monkeypatch.setenv("PIP_INDEX_URL", "http://127.0.0.1:9/simple")  # the discard port
    status = smoke.main(["--cache", str(tmp_path / "cache"), "--pins", "fastapi==0.163.2"])
    assert status == smoke.EXIT_UNREACHABLE
    assert capsys.readouterr().err.startswith(
        "smoke run skipped: cannot download fastapi==0.163.2 from PyPI: "
    )
    assert not (tmp_path / "cache" / "src").exists()
