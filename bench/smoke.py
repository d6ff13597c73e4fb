"""Real-world smoke run: bglint over pinned releases of FastAPI applications from PyPI.

    python bench/smoke.py [--cache DIR] [--pins fastapi==0.163.2 ...] [--findings]

Downloads each pinned wheel (`pip download --no-deps --only-binary=:all:`, as
../shared/bench/make_corpus.sh does) into a cache folder, reusing /tmp/bgbench/.wheels when a
wheel is there, unpacks only its `.py` files, runs the engine over each package (and the fix loop
with unsafe fixes, in memory: nothing is written), and prints files and findings per package.
Exits 1 when any file gives an internal error, a fix that does not re-parse or a second fix pass
that changes the text again; 3 when a wheel cannot be fetched (PyPI unreachable). The test
`tests/test_smoke.py` runs it on every CI run.
"""

from __future__ import annotations

import argparse
import ast
import os
import subprocess
import sys
import time
import warnings
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence

# The pins of make_corpus.sh (so its wheels are reused), six FastAPI-heavy projects: the
# framework, its base, and four applications that schedule background work.
PINS = (
    "fastapi==0.163.2",
    "starlette==1.10.0",
    "open-webui==0.12.4",
    "prefect==3.9.1",
    "gradio==6.31.0",
    "litellm==1.109.1",
)
SHARED_WHEELS = Path("/tmp/bgbench/.wheels")
DEFAULT_CACHE = Path(os.environ.get("BGLINT_SMOKE_CACHE", Path.home() / ".cache" / "bglint-smoke"))
EXIT_UNREACHABLE = 3


class Unreachable(Exception):
    """A wheel is neither cached nor downloadable; `str(err)` says which and why."""


@dataclass
class PackageReport:
    pin: str
    files: int = 0
    skipped: int = 0
    views: int = 0  # functions that hold a site, parsed with LibCST: the rules ran there
    findings: List[tuple] = field(default_factory=list)  # (relative path, row, col, code, message)
    internal_errors: List[str] = field(default_factory=list)
    bad_fixes: List[str] = field(default_factory=list)
    seconds: float = 0.0


def _wheel_prefix(pin: str) -> str:
    name, _, version = pin.partition("==")
    return f"{name.replace('-', '_').lower()}-{version}-"


def _find_wheel(folder: Path, pin: str) -> Optional[Path]:
    if not folder.is_dir():
        return None
    prefix = _wheel_prefix(pin)
    found = sorted(p for p in folder.iterdir() if p.name.lower().startswith(prefix))
    return next((p for p in found if p.suffix == ".whl"), None)


def fetch_wheel(pin: str, cache: Path) -> Path:
    """The wheel of `pin` from the shared bench cache, our cache, or PyPI (into our cache)."""
    for folder in (SHARED_WHEELS, cache / "wheels"):
        wheel = _find_wheel(folder, pin)
        if wheel is not None:
            return wheel
    target = cache / "wheels"
    target.mkdir(parents=True, exist_ok=True)
    command = [
        sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--only-binary=:all:",
        "--python-version", "3.11", "--implementation", "cp",
        "--platform", "manylinux_2_28_x86_64", "--platform", "manylinux2014_x86_64",
        "--platform", "any", "--timeout", "30", "--retries", "1", "-d", str(target), pin,
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    wheel = _find_wheel(target, pin)
    if done.returncode != 0 or wheel is None:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise Unreachable(f"cannot download {pin} from PyPI: {last}")
    return wheel


def unpack(wheel: Path, pin: str, cache: Path) -> Path:
    """The wheel's `.py` files under cache/src/<pin>/ (unpacked once; a marker file says done)."""
    folder = cache / "src" / pin.replace("==", "-")
    marker = folder / ".bglint-smoke-done"
    if marker.exists():
        return folder
    with zipfile.ZipFile(wheel) as archive:
        for member in archive.namelist():
            if member.endswith(".py") and not member.startswith("/") and ".." not in member:
                archive.extract(member, folder)
    marker.write_text(wheel.name)
    return folder


def _parses(text: str) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ast.parse(text)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return False
    return True


def check_package(pin: str, folder: Path) -> PackageReport:
    from bglint.discovery import discover
    from bglint.runner import INTERNAL_ERROR, Engine
    from bglint.settings import FixMode, Settings

    report = PackageReport(pin)
    start = time.perf_counter()
    files = discover([str(folder)])
    report.files = len(files)
    engine = Engine(Settings(fix_mode=FixMode.UNSAFE))
    for path in files:
        result = engine.check_file(path)
        relative = os.path.relpath(path, folder)
        report.skipped += result.skipped is not None
        for d in result.diagnostics:
            if d.code == "BG000" and INTERNAL_ERROR in d.message:
                report.internal_errors.append(f"{relative}: {d.message}")
        if result.fixed_source is not None:
            again = engine.check_bytes(result.source.encode(result.fixed_source), path)
            if not _parses(result.fixed_source):
                report.bad_fixes.append(f"{relative}: the fixed text does not parse")
            elif again.fixed_source not in (None, result.fixed_source):
                report.bad_fixes.append(f"{relative}: a second --fix changes the text again")
        # the findings of the file as it is (the fix loop above reports what remains)
    plain = Engine(Settings())
    for path in files:
        relative = os.path.relpath(path, folder)
        for d in plain.check_file(path).diagnostics:
            report.findings.append((relative, d.start.row, d.start.column, d.code, d.message))
    report.views = plain.views_built
    report.seconds = time.perf_counter() - start
    return report


def run(pins: Sequence[str], cache: Path, show_findings: bool, out=None) -> List[PackageReport]:
    out = out or sys.stdout
    reports = []
    for pin in pins:
        folder = unpack(fetch_wheel(pin, cache), pin, cache)
        reports.append(check_package(pin, folder))
    print(
        f"{'package':<26} {'files':>6} {'skipped':>7} {'views':>6} {'findings':>8} {'internal':>8} {'s':>6}",
        file=out,
    )
    for r in reports:
        print(
            f"{r.pin:<26} {r.files:>6} {r.skipped:>7} {r.views:>6} {len(r.findings):>8} "
            f"{len(r.internal_errors):>8} {r.seconds:>6.1f}",
            file=out,
        )
    codes: Dict[str, int] = Counter(f[3] for r in reports for f in r.findings)
    print(
        "findings by code: " + (", ".join(f"{c} {n}" for c, n in sorted(codes.items())) or "none"),
        file=out,
    )
    for r in reports:
        for line in r.internal_errors + r.bad_fixes:
            print(f"PROBLEM {r.pin}: {line}", file=out)
        if show_findings:
            for path, row, col, code, message in r.findings:
                print(f"{r.pin}/{path}:{row}:{col}: {code} {message}", file=out)
    return reports


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--cache", type=Path, default=DEFAULT_CACHE, help=f"default {DEFAULT_CACHE}"
    )
    parser.add_argument("--pins", nargs="+", default=list(PINS), metavar="NAME==VERSION")
    parser.add_argument("--findings", action="store_true", help="print every finding")
    args = parser.parse_args(argv)
    try:
        reports = run(args.pins, args.cache, args.findings)
    except Unreachable as err:
        print(f"smoke run skipped: {err}", file=sys.stderr)
        return EXIT_UNREACHABLE
    return 1 if any(r.internal_errors or r.bad_fixes for r in reports) else 0


if __name__ == "__main__":
    sys.exit(main())
