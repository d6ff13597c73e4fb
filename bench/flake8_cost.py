"""What bglint's flake8 plugin adds to a flake8 run, and how much of that is the adapter.

    python bench/flake8_cost.py [--corpus DIR] [--repeat N] [--jobs auto,1]

1. `flake8 --select BG` over the corpus in three variants, run alternately N times each:
   without the plugin (flake8's own plugin finder, bglint filtered out), with the plugin and
   its engine replaced by a stub that finds nothing, and with the real plugin. The stub
   variant minus the plugin-less one is what the adapter costs (reading the lines, the
   prefilter, the configuration of files that pass it); the real variant adds the engine.
   Each variant is timed for every `--jobs` value (flake8 runs `auto` jobs by default), as
   wall time and as CPU time (user + system of flake8 and its worker processes).
2. In one process, the adapter alone on every file of the corpus (as flake8 hands it over: the
   file's lines), engine stubbed: microseconds per file for files the prefilter rejects and
   for files it passes, next to flake8's own per-file time from step 1.

flake8's result does not depend on `--select` for the work it does: pycodestyle and pyflakes
run on every file either way, and `--select BG` only filters what is printed. Nothing here
is run by the tests; the machine should be otherwise idle (the load average is printed).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
import tokenize
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

DEFAULT_CORPUS = Path("/tmp/bgbench/medium")

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import FLAKE8_WITHOUT_BGLINT as WITHOUT  # noqa: E402 - flake8 with every plugin but ours

# flake8 with the plugin, its engine a stub: `bglint.runner` is the module the adapter imports
# the engine from, replaced before flake8 loads the plugin (workers fork with it in place)
STUB_ENGINE = (
    "import sys, types\n"
    "class Engine:\n"
    "    def __init__(self, settings):\n"
    "        pass\n"
    "    def check_bytes(self, raw, path):\n"
    "        return types.SimpleNamespace(diagnostics=())\n"
    "stub = types.ModuleType('bglint.runner')\n"
    "stub.Engine = Engine\n"
    "sys.modules['bglint.runner'] = stub\n"
)
WITH_STUB = STUB_ENGINE + "from flake8.main.cli import main\nsys.exit(main())\n"
WITH = "import sys\nfrom flake8.main.cli import main\nsys.exit(main())\n"


def run_once(code: str, args: Sequence[str], cwd: Path) -> Tuple[float, float]:
    """Wall and CPU seconds of one flake8 process, its reaped workers included (wait4)."""
    start = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-c", code, *args],
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode not in (0, 1):
        raise SystemExit(f"flake8 failed ({process.returncode}): python -c ... {' '.join(args)}")
    return wall, usage.ru_utime + usage.ru_stime


def time_flake8(corpus: Path, jobs: Sequence[str], repeat: int) -> Dict[str, float]:
    """Median wall and CPU seconds per variant and jobs value; returns flake8's own CPU per file."""
    variants = {"without the plugin": WITHOUT, "plugin, engine stubbed": WITH_STUB, "plugin": WITH}
    per_file: Dict[str, float] = {}
    for job in jobs:
        args = ["--select", "BG", f"--jobs={job}", "."]
        times: Dict[str, List[Tuple[float, float]]] = {name: [] for name in variants}
        for code in variants.values():  # warm the page cache and the .pyc files
            run_once(code, args, corpus)
        for _ in range(repeat):
            for name, code in variants.items():
                times[name].append(run_once(code, args, corpus))
        print(f"\nflake8 --select BG --jobs={job} (median of {repeat}; wall / CPU):")
        base_wall = statistics.median(w for w, _ in times["without the plugin"])
        base_cpu = statistics.median(c for _, c in times["without the plugin"])
        for name, runs in times.items():
            wall = statistics.median(w for w, _ in runs)
            cpu = statistics.median(c for _, c in runs)
            walls = f"{min(w for w, _ in runs):.1f}-{max(w for w, _ in runs):.1f}"
            cpus = f"{min(c for _, c in runs):.1f}-{max(c for _, c in runs):.1f}"
            added = "" if name == "without the plugin" else (
                f"  {100 * (wall / base_wall - 1):+5.1f}% wall {100 * (cpu / base_cpu - 1):+5.1f}% CPU"
            )  # fmt: skip
            print(f"  {name:<24} {wall:6.1f}s ({walls:>11}) / {cpu:6.1f}s ({cpus:>11}){added}")
        per_file[job] = base_cpu
    return per_file


def flake8_lines(path: Path) -> List[str]:
    """The lines flake8 hands a plugin: the file decoded by its coding cookie (latin-1 when
    that fails, as flake8's FileProcessor does)."""
    try:
        with tokenize.open(path) as handle:
            return handle.readlines()
    except (SyntaxError, UnicodeError):
        with open(path, encoding="latin-1") as handle:
            return handle.readlines()


def time_adapter(corpus: Path, repeat: int) -> int:
    """µs per file of `BglintChecker(...).run()` with the engine stubbed, in this process."""
    exec(STUB_ENGINE, {})  # noqa: S102 - the same stub as the flake8 runs
    from bglint.flake8_plugin import BglintChecker
    from bglint.prefilter import may_hold_site

    files = sorted(p for p in corpus.rglob("*.py") if p.is_file())
    inputs = [(str(path), flake8_lines(path)) for path in files]
    passing, rejected = [], []
    for path, lines in inputs:
        may = may_hold_site("".join(lines).encode("utf-8", "surrogatepass"))
        (passing if may else rejected).append((path, lines))

    def run_all(group: Sequence[Tuple[str, List[str]]]) -> float:
        start = time.perf_counter()
        for path, lines in group:
            for _ in BglintChecker(None, path, lines).run():
                pass
        return time.perf_counter() - start

    run_all(inputs)  # imports, configuration files read once
    print(f"\nthe adapter alone, engine stubbed, in one process (median of {repeat}):")
    for name, group in (("rejected by the prefilter", rejected), ("passed", passing)):
        seconds = statistics.median(run_all(group) for _ in range(repeat))
        each = 1e6 * seconds / max(len(group), 1)
        print(f"  {len(group):5} files {name:<26} {each:7.1f} µs per file, {seconds:6.3f}s in all")
    return len(inputs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--jobs", default="auto,1", help="flake8 --jobs values, comma-separated")
    args = parser.parse_args()
    if not args.corpus.is_dir():
        raise SystemExit(f"no corpus at {args.corpus} (bench/run.py builds it)")
    print(f"corpus: {args.corpus}; CPUs: {os.cpu_count()}; load: {os.getloadavg()[0]:.2f}")
    files = time_adapter(args.corpus, args.repeat)
    cpu = time_flake8(args.corpus, args.jobs.split(","), args.repeat)
    for job, seconds in cpu.items():
        print(f"flake8's own CPU per file (--jobs={job}): {1e6 * seconds / files:.0f} µs")
    print(f"load at the end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
