"""Benchmark bglint side by side with ruff and flake8 on real code, in one run.

    python bench/run.py [--corpus DIR] [--repeat N] [--sizes medium,large]

Builds the corpus with ../shared/bench/make_corpus.sh (pinned wheels from PyPI, .py files
only) unless it is there, then times each command alternately, N times, and prints medians with
min-max, ratios to ruff, and peak memory (max RSS of the process). Also prints, from an
in-process run, how many files the prefilter passed, how many `ast` parsed and how many
functions LibCST parsed, and their size. Nothing here is run by the tests.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

HERE = Path(__file__).resolve().parent
MAKE_CORPUS = HERE.parent.parent / "shared" / "bench" / "make_corpus.sh"
ONE_FILE_WITH_SITES = """
from fastapi import BackgroundTasks, FastAPI

app = FastAPI()


def send_welcome(email: str) -> None:
    print(email)

"""


def run_once(command: Sequence[str], cwd: str) -> Tuple[float, int]:
    """Wall time (s) and max RSS (KiB) of one process, measured by GNU time: the fork's own
    rusage would count the benchmark's Python before `exec`."""
    timed = ["/usr/bin/time", "-f", "%M", *command] if os.path.exists("/usr/bin/time") else command
    start = time.perf_counter()
    done = subprocess.run(timed, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - start
    last = done.stderr.decode(errors="replace").strip().splitlines()[-1:] or ["0"]
    return elapsed, int(last[0]) if last[0].isdigit() else 0


# flake8 with every installed plugin but bglint's: the plugin's added cost is the difference.
FLAKE8_WITHOUT_BGLINT = (
    "import sys\n"
    "from flake8.plugins import finder\n"
    "found = finder.find_plugins\n"
    "finder.find_plugins = lambda *a, **k: [p for p in found(*a, **k) if p.package != 'bglint']\n"
    "from flake8.main.cli import main\n"
    "sys.exit(main())\n"
)


def measure(commands: Dict[str, List[str]], cwd: str, repeat: int) -> Dict[str, list]:
    """Run the commands alternately (one round = each once) to spread machine noise."""
    results: Dict[str, list] = {name: [] for name in commands}
    for command in commands.values():  # warm the file cache and .pyc files
        run_once(command, cwd)
    for _ in range(repeat):
        for name, command in commands.items():
            results[name].append(run_once(command, cwd))
    return results


def summarise(results: Dict[str, list], baseline: str) -> None:
    base = statistics.median(t for t, _ in results[baseline]) if baseline in results else None
    print(f"  {'command':<34} {'median':>8} {'min-max':>15} {'x ' + baseline:>12} {'peak RSS':>10}")
    for name, runs in results.items():
        times = [t for t, _ in runs]
        median = statistics.median(times)
        ratio = f"{median / base:.2f}" if base else "-"
        peak = max(rss for _, rss in runs) / 1024
        print(
            f"  {name:<34} {median:>7.3f}s {min(times):>6.3f}-{max(times):<7.3f} "
            f"{ratio:>12} {peak:>8.0f}MB"
        )


def engine_counts(path: str) -> str:
    """What the stages did, from an in-process run of the engine."""
    from bglint.discovery import discover
    from bglint.runner import Engine
    from bglint.settings import Settings

    engine = Engine(Settings())
    files = discover([path])
    results = [engine.check_file(f) for f in files]
    findings = sum(len(r.diagnostics) for r in results)
    return (
        f"{len(files)} files, {engine.index.files_parsed} parsed by ast, "
        f"{engine.views_built} functions parsed by LibCST ({engine.view_bytes / 1e6:.2f} MB), "
        f"{findings} findings"
    )


def ensure_corpus(corpus: Path) -> None:
    if (corpus / "large").is_dir() and (corpus / "medium").is_dir():
        return
    if not MAKE_CORPUS.is_file():
        sys.exit(f"no corpus in {corpus} and no {MAKE_CORPUS} to build it")
    subprocess.run(["bash", str(MAKE_CORPUS), str(corpus)], check=True)


def main(argv: Sequence[str] = ()) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default="/tmp/bgbench")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--sizes", default="medium,large")
    args = parser.parse_args(argv or None)
    corpus = Path(args.corpus)
    ensure_corpus(corpus)
    bglint = [sys.executable, "-m", "bglint"]
    flake8 = [sys.executable, "-m", "flake8"]
    for size in args.sizes.split(","):
        target = str(corpus / size)
        print(f"\n{size}: {engine_counts(target)}")
        commands = {
            "ruff --no-cache --select FAST,ASYNC": [
                "ruff", "check", "--no-cache", "--select", "FAST,ASYNC", "-q", target,
            ],
            "ruff (warm cache)": ["ruff", "check", "--select", "FAST,ASYNC", "-q", target],
            "bglint": [*bglint, "-q", target],
        }  # fmt: skip
        if size == "medium":
            without = [sys.executable, "-c", FLAKE8_WITHOUT_BGLINT]
            commands["flake8 (with the BG plugin)"] = [*flake8, target]
            commands["flake8 (without it)"] = [*without, target]
        if shutil.which("ruff") is None:
            commands = {k: v for k, v in commands.items() if not k.startswith("ruff")}
        summarise(measure(commands, target, args.repeat), "ruff --no-cache --select FAST,ASYNC")
    with tempfile.TemporaryDirectory() as folder:
        without = Path(folder, "plain.py")
        with_sites = Path(folder, "tasks.py")
        filler = "".join(f"def helper_{i}(x):\n    return x + {i}\n\n\n" for i in range(120))
        without.write_text("from fastapi import FastAPI\n\napp = FastAPI()\n\n\n" + filler)
        endpoints = "".join(
            f'@app.post("/e{i}")\ndef e{i}(email: str, tasks: BackgroundTasks):\n'
            f"    tasks.add_task(send_welcome, email)\n\n\n"
            for i in range(20)
        )
        with_sites.write_text(ONE_FILE_WITH_SITES + endpoints + filler)
        lines = len(with_sites.read_text().splitlines())
        print(f"\none file (~{lines} lines):")
        summarise(
            measure(
                {
                    "bglint, file without sites": [*bglint, "-q", str(without)],
                    "bglint, file with sites": [*bglint, "-q", str(with_sites)],
                },
                folder,
                args.repeat,
            ),
            "-",
        )


if __name__ == "__main__":
    main(sys.argv[1:])
