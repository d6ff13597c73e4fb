"""Benchmark bglint side by side with ruff and flake8 on real code, in one run (issue 10).

    pip install -e '.[bench]'        # ruff and flake8, the tools it compares with
    python bench/run.py [--corpus DIR] [--repeat N] [--sizes medium,large] [--quick]

Builds the corpus with ../shared/bench/make_corpus.sh DIR (pinned wheels from PyPI, .py files
only; DIR defaults to /tmp/bgbench) unless DIR/medium and DIR/large are there. Then, for each
size, it times `bglint --no-cache -q` (cold), `bglint -q` (warm: nothing changed since the
warm-up run), `ruff check --no-cache --select FAST,ASYNC -q` and the same without `--no-cache`;
on medium, `flake8 --select BG` with bglint's plugin and without it; and bglint on one ~500-line
FastAPI file with sites and one without (whole process, `--no-cache`, in a temporary folder).
The plugin's cost is read on the CPU time of flake8's processes (wall time is printed too),
and directly as the CPU time spent in the plugin's checks, summed over flake8's processes:
flake8's own rounds vary by more than the plugin adds.
Each command but flake8 runs once to warm up, then N rounds of each once, the order rotating
(flake8's pair apart from the rest, as it takes minutes); it prints
medians with min-max, ratios to ruff cold (of the medians, and each round's range: a round
runs both commands seconds apart), the peak memory of all processes together, each
stage's figures from an in-process run (bench/_stages.py), and each target of issue 10 with its
measured value and PASS or MISS. `--quick` is one round on medium only. Child processes get
their bytecode cached in DIR/.pycache (as an installed package has it); no file in the
repository is written. Machine load makes the figures unreliable: it is printed and warned of.
Helpers: bench/_measure.py (timing, memory of the process tree), bench/_onefile.py (the
500-line file), bench/_stages.py. tests/test_bench.py checks arguments and inputs, never times.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

from _measure import HAS_PROC, Command, Series, measure, memory_method, tool
from _onefile import make_source
from _stages import render

HERE = Path(__file__).resolve().parent
MAKE_CORPUS = HERE.parent.parent / "shared" / "bench" / "make_corpus.sh"
MIB = 1024 * 1024
LOAD_WARNING = 0.5
BG_COLD, BG_WARM = "bglint --no-cache -q", "bglint -q (warm cache)"
RUFF_COLD = "ruff check --no-cache --select FAST,ASYNC -q"
RUFF_WARM = "ruff check --select FAST,ASYNC -q (warm cache)"
FLAKE8_WITH = "flake8 --select BG (with bglint's plugin)"
FLAKE8_WITHOUT = "flake8 --select BG (without it)"
ONE_WITHOUT, ONE_WITH = "bglint, file without sites", "bglint, file with sites"
PYTHON_ALONE = "python -c pass (the interpreter alone)"

# flake8 started the same way with and without bglint's plugin: the plugin's added cost is the
# difference. The second filters bglint out of flake8's plugin finder (flake8 >= 5). The first
# also adds up, in each of flake8's processes, the CPU time spent in the plugin's checks (the
# LibCST import and the analysis happen there) and keeps the sum in a file named after the run's
# main process and its own, rewritten in place after each file (a few microseconds; flake8's
# worker processes end without running `atexit`), when PLUGIN_TIMES names a folder.
PLUGIN_TIMES = "BGBENCH_PLUGIN_TIMES"
FLAKE8_WITH_BGLINT = f"""import os, sys, time
folder = os.environ.get({PLUGIN_TIMES!r})
if folder:
    from bglint.flake8_plugin import BglintChecker
    checks, main_pid, spent, out = BglintChecker.run, os.getpid(), [0.0], {{}}
    def run(self):
        started = time.process_time()
        try:
            yield from checks(self)
        finally:
            spent[0] += time.process_time() - started
            if os.getpid() not in out:
                name = os.path.join(folder, f"{{main_pid}}-{{os.getpid()}}")
                out[os.getpid()] = os.open(name, os.O_WRONLY | os.O_CREAT, 0o644)
            os.lseek(out[os.getpid()], 0, os.SEEK_SET)  # os.pwrite is not on Windows
            os.write(out[os.getpid()], b"%20.6f" % spent[0])
    BglintChecker.run = run
from flake8.main.cli import main
sys.exit(main())
"""
FLAKE8_WITHOUT_BGLINT = (
    "import sys\n"
    "from flake8.plugins import finder\n"
    "found = finder.find_plugins\n"
    "finder.find_plugins = lambda *a, **k: [p for p in found(*a, **k) if p.package != 'bglint']\n"
    "from flake8.main.cli import main\n"
    "sys.exit(main())\n"
)
Measured = Dict[str, Dict[str, Series]]  # section (medium, large, flake8, one file) -> series


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default="/tmp/bgbench", help="corpus folder (built if missing)")
    parser.add_argument("--repeat", type=int, default=5, help="measured rounds (default 5)")
    parser.add_argument("--sizes", default="medium,large", help="corpus sizes to time")
    parser.add_argument("--quick", action="store_true", help="one round, medium only")
    args = parser.parse_args(argv)
    if args.quick:
        args.repeat, args.sizes = 1, "medium"
    args.sizes = [size for size in args.sizes.split(",") if size]
    unknown = set(args.sizes) - {"medium", "large"}
    if unknown or args.repeat < 1:
        parser.error(f"--sizes takes medium and large, --repeat 1 or more (got {args.sizes})")
    return args


def ensure_corpus(corpus: Path) -> None:
    if (corpus / "large").is_dir() and (corpus / "medium").is_dir():
        return
    if not MAKE_CORPUS.is_file():
        sys.exit(f"no corpus in {corpus} and no {MAKE_CORPUS} to build it")
    subprocess.run(["bash", str(MAKE_CORPUS), str(corpus)], check=True)


def child_env(corpus: Path) -> Dict[str, str]:
    """Bytecode written and read as in a normal install, but outside the repository."""
    env = dict(os.environ, PYTHONPYCACHEPREFIX=str(corpus / ".pycache"))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def find_tools() -> Tuple[List[str], Optional[str]]:
    scripts = sysconfig.get_path("scripts")
    bglint = tool("bglint", scripts)
    return ([bglint] if bglint else [sys.executable, "-m", "bglint"]), tool("ruff", scripts)


def version_of(argv: Sequence[str], env: Dict[str, str]) -> str:
    """What `argv` prints, on one line (argparse wraps flake8's to the terminal's width)."""
    try:
        done = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=60)
    except (OSError, subprocess.SubprocessError) as err:
        return f"unavailable ({err})"
    return " ".join((done.stdout or done.stderr).split()) if done.returncode == 0 else "?"


def print_machine(bglint: List[str], ruff: Optional[str], env: Dict[str, str]) -> None:
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cpus = os.cpu_count() or 1
    model = ""
    if os.path.isfile("/proc/cpuinfo"):
        names = [ln for ln in Path("/proc/cpuinfo").read_text().splitlines() if "model name" in ln]
        model = f", {names[0].split(':', 1)[1].strip()}" if names else ""
    print(
        f"machine: {cpus} CPUs usable of {os.cpu_count()}{model}; Python {sys.version.split()[0]}"
    )
    print(f"  bglint: {version_of([*bglint, '--version'], env)} ({bglint[0]})")
    missing = "not installed: no ratios (pip install -e '.[bench]' installs it)"
    print(f"  ruff:   {version_of([ruff, '--version'], env) if ruff else missing}")
    flake8 = [sys.executable, "-c", FLAKE8_WITH_BGLINT, "--version"]
    print(f"  flake8: {version_of(flake8, env)}")
    print(f"  peak memory: {memory_method()}")


def load_average() -> float:
    """The 1-minute load average (0 where the platform has none)."""
    return os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0


def check_load(when: str) -> float:
    load = load_average()
    print(f"load average at {when}: {load:.2f}")
    if load > LOAD_WARNING:
        print(f"  WARNING: load above {LOAD_WARNING}: other work competes; figures are unreliable")
    return load


def print_table(series: Dict[str, Series], baseline: Optional[str]) -> None:
    base = series[baseline].median if baseline in series else None
    ratio_label, rounds_label = ("x ruff cold", "rounds") if base else ("", "")
    print(
        f"  {'command':<46} {'median':>8} {'min-max':>13} {ratio_label:>11} {rounds_label:>11}"
        f" {'peak MiB':>8}"
    )
    for name, one in series.items():
        ratio = f"{one.median / base:.2f}" if base else ""
        paired = round_ratios(series, name, baseline) if base and name != baseline else []
        rounds = f"{min(paired):.2f}-{max(paired):.2f}" if paired else ""
        span = f"{min(one.times):.3f}-{max(one.times):.3f}"
        print(
            f"  {name:<46} {one.median:>7.3f}s {span:>13} {ratio:>11} {rounds:>11}"
            f" {one.peak / MIB:>8.0f}"
        )
        for problem in one.problems():
            print(f"    WARNING: {problem}")


def time_size(target: Path, bglint: List[str], ruff: Optional[str], env, repeat: int):
    cwd = str(target)
    commands = [
        Command(BG_COLD, [*bglint, "--no-cache", "-q", "."], cwd, env),
        Command(BG_WARM, [*bglint, "-q", "."], cwd, env, watch=target / ".bglint_cache"),
    ]
    if ruff:
        select = ["--select", "FAST,ASYNC", "-q", "."]
        commands.append(Command(RUFF_COLD, [ruff, "check", "--no-cache", *select], cwd, env))
        commands.append(Command(RUFF_WARM, [ruff, "check", *select], cwd, env))
    series = measure(commands, repeat)
    print_table(series, RUFF_COLD)
    if series[BG_COLD].warmup.output != series[BG_WARM].warmup.output:
        print("    WARNING: bglint printed different findings with and without the cache")
    return series


def print_stages(target: Path, env: Dict[str, str]) -> None:
    argv = [sys.executable, str(HERE / "_stages.py"), str(target)]
    done = subprocess.run(argv, capture_output=True, text=True, env=env, cwd=str(target))
    if done.returncode != 0:
        print(f"  stages: failed: {done.stderr.strip()[-400:]}")
        return
    print("  stages, in-process run (1 process, no cache, gc paused):")
    print("\n".join(render(json.loads(done.stdout))))


def flake8_filter_problem(env: Dict[str, str]) -> Optional[str]:
    """Whether the two flake8 runs differ by bglint's plugin, and only by it."""
    with_it = version_of([sys.executable, "-c", FLAKE8_WITH_BGLINT, "--version"], env)
    without = version_of([sys.executable, "-c", FLAKE8_WITHOUT_BGLINT, "--version"], env)
    plugin = re.search(r"bglint: [^,)]*(, )?", with_it)
    if plugin is None:
        return f"bglint's plugin is not registered with flake8 ({with_it})"
    if with_it.replace(plugin.group(0), "") != without:
        return f"the filter does not remove just bglint's plugin ({without})"
    return None


def time_flake8(target: Path, env: Dict[str, str], repeat: int) -> Dict[str, Series]:
    """No warm-up run (a flake8 run on medium takes minutes on a loaded machine): flake8 has no
    cache, the `--version` checks have imported every plugin (bytecode written), and the runs
    just before read the same files."""
    problem = flake8_filter_problem(env)
    if problem:
        print(f"  flake8: not timed: {problem}")
        return {}
    select = ["--select", "BG", "."]
    cwd = str(target)
    with tempfile.TemporaryDirectory(prefix="bgbench-plugin-") as folder:
        timed = dict(env, **{PLUGIN_TIMES: folder})
        with_it = [sys.executable, "-c", FLAKE8_WITH_BGLINT, *select]
        without = [sys.executable, "-c", FLAKE8_WITHOUT_BGLINT, *select]
        series = measure(
            [Command(FLAKE8_WITH, with_it, cwd, timed), Command(FLAKE8_WITHOUT, without, cwd, env)],
            repeat,
            warm_up=False,
        )
        in_plugin = plugin_seconds(Path(folder))
    print_table(series, None)
    for cpu in (True, False):
        cost, low, high = plugin_cost(series, cpu)
        what = "CPU time of all its processes" if cpu else "wall time"
        if cpu and not all(series[FLAKE8_WITH].cpu_times):
            continue  # not measured here (no `resource` module)
        print(f"  the plugin adds {cost:+.1f} % {what} (per round {low:+.1f} to {high:+.1f} %)")
    share = plugin_share(in_plugin, series)
    if share is not None:
        print(
            f"  CPU time in the plugin's checks: {statistics.median(in_plugin):.2f} s a run "
            f"({min(in_plugin):.2f}-{max(in_plugin):.2f}), {share:.1f} % of flake8's CPU time "
            "without it"
        )
        PLUGIN_SHARES.append(share)
    return series


PLUGIN_SHARES: List[float] = []  # of this benchmark run, for its targets


def plugin_seconds(folder: Path) -> List[float]:
    """The CPU seconds spent in the plugin's checks in each flake8 run: the sums its processes
    wrote (files `<run's main pid>-<pid>`), added up per run."""
    runs: Dict[str, float] = {}
    for path in folder.iterdir():
        run_id = path.name.partition("-")[0]
        try:
            runs[run_id] = runs.get(run_id, 0.0) + float(path.read_text().strip() or 0)
        except (OSError, ValueError):
            continue
    return sorted(runs.values())


def plugin_share(in_plugin: List[float], series: Dict[str, Series]) -> Optional[float]:
    """The plugin's own CPU time as a percentage of flake8's CPU time without it (medians)."""
    without = series.get(FLAKE8_WITHOUT)
    if not in_plugin or without is None or not all(without.cpu_times):
        return None
    return 100 * statistics.median(in_plugin) / statistics.median(without.cpu_times)


def plugin_cost(series: Dict[str, Series], cpu: bool = True) -> Tuple[float, float, float]:
    """Percent added by the plugin: from the medians, and the range of the rounds' pairs. On CPU
    time when it was measured (a loaded machine moves flake8's wall time by +-10 % a round),
    else on wall time."""
    with_it, without = series[FLAKE8_WITH], series[FLAKE8_WITHOUT]
    first, second = with_it.times, without.times
    if cpu and all(with_it.cpu_times) and all(without.cpu_times):
        first, second = with_it.cpu_times, without.cpu_times
    pairs = [100 * (a / b - 1) for a, b in zip(first, second)]
    return 100 * (statistics.median(first) / statistics.median(second) - 1), min(pairs), max(pairs)


def interpreter(bglint: List[str]) -> str:
    """The Python that runs `bglint`: its script's `#!` line, else this one."""
    if bglint[0] == sys.executable:
        return sys.executable
    try:
        with open(bglint[0], "rb") as handle:
            first = handle.readline()
    except OSError:
        return sys.executable
    command = first[2:].decode(errors="replace").split() if first.startswith(b"#!") else []
    if command and os.path.basename(command[0]) == "env":  # `#!/usr/bin/env python3`
        command = [shutil.which(command[1]) or ""] if len(command) > 1 else []
    if command and os.path.isfile(command[0]):
        return command[0]
    return sys.executable


def time_one_file(bglint: List[str], ruff: Optional[str], env, repeat: int):
    with tempfile.TemporaryDirectory(prefix="bgbench-one-") as folder:
        paths = {}
        for name, with_sites in ((ONE_WITHOUT, False), (ONE_WITH, True)):
            source = make_source(with_sites)
            paths[name] = Path(folder, "orders.py" if with_sites else "catalogue.py")
            paths[name].write_text(source)
        lines = paths[ONE_WITH].read_text().count("\n")
        print(f"\none file ({lines} lines; whole process, --no-cache, in {folder}):")
        commands = [
            Command(n, [*bglint, "--no-cache", "-q", str(p)], folder, env) for n, p in paths.items()
        ]
        if ruff:
            ruff_argv = [ruff, "check", "--no-cache", "--select", "FAST,ASYNC", "-q"]
            commands.append(
                Command("ruff, file with sites", [*ruff_argv, str(paths[ONE_WITH])], folder, env)
            )
        # the floor under both bglint rows: this interpreter starting and stopping, with its
        # site-packages' .pth files (one that imports certifi costs 40 ms on a sandbox here)
        commands.append(Command(PYTHON_ALONE, [interpreter(bglint), "-c", "pass"], folder, env))
        series = measure(commands, repeat)
    print_table(series, None)
    if series[ONE_WITH].warmup.output_bytes == 0:
        print("    WARNING: no finding in the file with sites: the rules did not report")
    return series


def median_ratio(measured: Measured, section: str, name: str, base: str) -> Optional[float]:
    series = measured.get(section, {})
    if name not in series or base not in series:
        return None
    return series[name].median / series[base].median


def round_ratios(series: Dict[str, Series], name: str, base: Optional[str]) -> List[float]:
    """`name` over `base` in each round: the two ran in the same round, seconds apart (the
    order rotates), so a round's ratio shows how far machine noise moves the median's."""
    if name not in series or base not in series:
        return []
    return [a / b for a, b in zip(series[name].times, series[base].times) if b > 0]


def gather_targets(measured: Measured) -> List[Tuple[str, Optional[float], float, str]]:
    """(target, measured value or None when not measured in this run, limit, unit)."""
    rows = []
    for size, limit in (("large", 1.5), ("medium", 3.0)):
        cold = median_ratio(measured, size, BG_COLD, RUFF_COLD)
        rows.append((f"cold bglint / ruff cold, {size}", cold, limit, "x"))
    for size in ("large", "medium"):
        warm = median_ratio(measured, size, BG_WARM, RUFF_COLD)
        rows.append((f"warm bglint / ruff cold, {size}", warm, 0.5, "x"))
    flake8 = measured.get("flake8", {})
    cost = plugin_cost(flake8)[0] if flake8 else None
    rows.append(("flake8 plugin's added CPU time, medium", cost, 10.0, "%"))
    share = statistics.median(PLUGIN_SHARES) if PLUGIN_SHARES and flake8 else None
    rows.append(("  the same, as CPU time in its checks", share, 10.0, "%"))
    one = measured.get("one file", {})
    for name, label, limit in ((ONE_WITHOUT, "without", 120.0), (ONE_WITH, "with", 350.0)):
        median = one[name].median * 1000 if name in one else None
        rows.append((f"one file {label} sites, whole process", median, limit, "ms"))
    large = measured.get("large", {})
    peak = max((large[n].peak for n in (BG_COLD, BG_WARM) if n in large), default=0)
    scope = "all processes" if HAS_PROC else "main process only"
    rows.append((f"peak memory on large, {scope}", peak / MIB if peak else None, 300.0, "MiB"))
    return rows


def ratio_spreads(measured: Measured) -> Dict[str, Tuple[float, float]]:
    """The lowest and highest round of each ratio target (`round_ratios`), by target name."""
    spreads = {}
    for size in ("large", "medium"):
        for name, label in ((BG_COLD, "cold"), (BG_WARM, "warm")):
            paired = round_ratios(measured.get(size, {}), name, RUFF_COLD)
            if paired:
                spreads[f"{label} bglint / ruff cold, {size}"] = (min(paired), max(paired))
    return spreads


def print_targets(measured: Measured) -> None:
    print("\ntargets (issue 10), from the medians:")
    spreads = ratio_spreads(measured)
    for name, value, limit, unit in gather_targets(measured):
        limit_text = f"<= {limit:g} {unit}"
        if value is None:
            print(f"  {name:<40} {limit_text:>12} {'-':>12}  not measured in this run")
            continue
        figure = f"{value:>8.2f} {unit:<3}"
        spread = (
            f" (rounds {spreads[name][0]:.2f}-{spreads[name][1]:.2f})" if name in spreads else ""
        )
        print(f"  {name:<40} {limit_text:>12} {figure}  {verdict(value, limit, unit)}{spread}")


def verdict(value: float, limit: float, unit: str) -> str:
    if value <= limit:
        return "PASS"
    if unit == "%":
        return f"MISS, over by {value - limit:.1f} points"
    return f"MISS, over by {value - limit:.2f} {unit} (+{100 * (value / limit - 1):.0f} %)"


def main(argv: Sequence[str] = ()) -> None:
    args = parse_args(argv)
    corpus = Path(args.corpus)
    ensure_corpus(corpus)
    env = child_env(corpus)
    bglint, ruff = find_tools()
    print_machine(bglint, ruff, env)
    rounds = f"{args.repeat} round{'s' if args.repeat > 1 else ''}"
    print(f"corpus: {corpus}; {rounds} after one warm-up run of each command but flake8")
    started = time.monotonic()
    check_load("start")
    measured: Measured = {}
    for size in args.sizes:
        target = corpus / size
        print(f"\n{size} ({target}; load average {load_average():.2f}):")
        measured[size] = time_size(target, bglint, ruff, env, args.repeat)
        if size == "medium":
            measured["flake8"] = time_flake8(target, env, args.repeat)
        print_stages(target, env)
    measured["one file"] = time_one_file(bglint, ruff, env, args.repeat)
    print_targets(measured)
    minutes, seconds = divmod(round(time.monotonic() - started), 60)
    print(f"\nthe benchmark took {minutes} min {seconds} s")
    check_load("end")


if __name__ == "__main__":
    main(sys.argv[1:])
