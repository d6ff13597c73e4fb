"""Timing and memory of whole processes, for bench/run.py.

`run_once` times one command from `Popen` to `wait` and, on Linux, samples the resident memory
of the process and all its descendants (bglint's `--jobs` workers, flake8's) every 10 ms: the
peak is the largest sum seen, or the largest single process's own high-water mark (VmHWM) when
that is larger (a sample can fall between two allocations). Summed RSS counts pages that forked
workers share with their parent once per process, so it is an upper bound. Elsewhere it falls
back to GNU time's %M, the max RSS of the main process only, and says so. It also records the
CPU time (user + system) of the process tree: the command and every descendant it waited for,
which a loaded machine disturbs much less than wall time (for the flake8 plugin's cost).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import statistics
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

try:
    import resource
except ImportError:  # Windows: no CPU times of children
    resource = None

INTERVAL = 0.01  # seconds between memory samples
HAS_PROC = os.path.isfile("/proc/self/status")
# /proc/<pid>/task/<tid>/children needs CONFIG_PROC_CHILDREN; without it, /proc/*/stat is scanned
HAS_CHILDREN_FILES = HAS_PROC and any(Path("/proc/self/task").glob("*/children"))
GNU_TIME = "/usr/bin/time" if os.path.exists("/usr/bin/time") else None


def memory_method() -> str:
    if HAS_PROC:
        how = "task/*/children" if HAS_CHILDREN_FILES else "/proc/*/stat ppid scan"
        return f"summed RSS of the process tree, sampled every {INTERVAL * 1000:.0f} ms ({how})"
    if GNU_TIME:
        return "GNU time %M: max RSS of the main process only (no /proc: workers not counted)"
    return "not measured (no /proc and no GNU time)"


@dataclass
class Command:
    name: str
    argv: List[str]
    cwd: str
    env: Optional[Dict[str, str]] = None
    watch: Optional[Path] = None  # a cache folder a warm run must leave unchanged


@dataclass
class Run:
    seconds: float
    peak: int  # bytes; 0 when not measured
    returncode: int
    output: str  # hash of stdout, to compare runs
    output_bytes: int
    error: str = ""  # stderr's tail when the command failed
    rewrote_cache: bool = False
    cpu: float = 0.0  # user + system seconds of the process tree; 0 when not measured


def _children_cpu() -> float:
    """CPU seconds of this process's reaped descendants so far (their own reaped ones too)."""
    if resource is None:
        return 0.0
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _children(pid: int) -> List[int]:
    """The children of `pid`; none once it has exited (its /proc folder goes while it is read:
    a sampler thread that let that through stopped and under-read the peak of that run)."""
    found: List[int] = []
    try:
        for path in Path(f"/proc/{pid}/task").glob("*/children"):
            try:
                found += [int(child) for child in path.read_text().split()]
            except (OSError, ValueError):
                pass
    except OSError:
        pass
    return found


def _children_by_scan(root: int) -> Dict[int, List[int]]:
    """Parent -> children, from /proc/*/stat. Only pids above the root's are read: pids are
    handed out in increasing order up to pid_max (4 M on 64-bit Linux) before they wrap, so a
    descendant has a greater pid unless the counter wrapped during the run."""
    tree: Dict[int, List[int]] = {}
    for name in os.listdir("/proc"):
        if not name.isdigit() or int(name) <= root:
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as handle:
                stat = handle.read()
        except OSError:
            continue
        ppid = int(stat[stat.rindex(b")") + 2 :].split()[1])  # the name may hold spaces
        tree.setdefault(ppid, []).append(int(name))
    return tree


def process_tree(root: int) -> List[int]:
    """The root and all its descendants."""
    scanned = None if HAS_CHILDREN_FILES else _children_by_scan(root)
    found, pending = [], [root]
    while pending:
        pid = pending.pop()
        found.append(pid)
        pending += _children(pid) if scanned is None else scanned.get(pid, [])
    return found


def _rss_and_hwm(pid: int) -> Tuple[int, int]:
    """Current and peak resident memory of one process, in bytes (0, 0 once it has exited)."""
    rss = hwm = 0
    try:
        with open(f"/proc/{pid}/status", "rb") as handle:
            for line in handle:
                if line.startswith(b"VmRSS:"):
                    rss = int(line.split()[1]) * 1024
                elif line.startswith(b"VmHWM:"):
                    hwm = int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return rss, hwm


class TreeSampler(threading.Thread):
    """Samples a process tree's memory until `stop`; `peak` is in bytes."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peak = 0
        self._stop_event = threading.Event()

    def run(self) -> None:
        while True:
            figures = [_rss_and_hwm(pid) for pid in process_tree(self.pid)]
            together = sum(rss for rss, _ in figures)
            self.peak = max(self.peak, together, *(hwm for _, hwm in figures))
            if self._stop_event.wait(INTERVAL):
                return

    def stop(self) -> int:
        self._stop_event.set()
        self.join()
        return self.peak


def _snapshot(folder: Optional[Path]) -> Dict[str, int]:
    if folder is None or not folder.is_dir():
        return {}
    return {str(p): p.stat().st_mtime_ns for p in folder.rglob("*") if p.is_file()}


def run_once(command: Command) -> Run:
    """Wall time from `Popen` to `wait`, with the peak memory of the whole process tree."""
    before = _snapshot(command.watch)
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        with tempfile.NamedTemporaryFile(prefix="bgbench-time-") as gnu:
            argv = command.argv
            if not HAS_PROC and GNU_TIME:
                argv = [GNU_TIME, "-f", "%M", "-o", gnu.name, *argv]
            cpu_before = _children_cpu()
            start = time.perf_counter()
            process = subprocess.Popen(
                argv, cwd=command.cwd, env=command.env, stdout=out, stderr=err
            )
            sampler = TreeSampler(process.pid) if HAS_PROC else None
            if sampler is not None:
                sampler.start()
            returncode = process.wait()
            seconds = time.perf_counter() - start
            cpu = _children_cpu() - cpu_before
            peak = sampler.stop() if sampler is not None else _gnu_time_peak(gnu.name)
        out.seek(0)
        err.seek(0)
        printed = out.read()
        output = hashlib.blake2b(printed, digest_size=8).hexdigest()
        error = "" if returncode in (0, 1) else err.read().decode(errors="replace")[-400:]
    rewrote = command.watch is not None and _snapshot(command.watch) != before
    return Run(seconds, peak, returncode, output, len(printed), error, rewrote, cpu)


def _gnu_time_peak(path: str) -> int:
    try:
        lines = Path(path).read_text().split()
        return int(lines[-1]) * 1024 if lines and lines[-1].isdigit() else 0
    except OSError:
        return 0


@dataclass
class Series:
    """The measured runs of one command, with its warm-up run if it had one."""

    warmup: Optional[Run]
    runs: List[Run] = field(default_factory=list)

    @property
    def times(self) -> List[float]:
        return [run.seconds for run in self.runs]

    @property
    def median(self) -> float:
        return statistics.median(self.times)

    @property
    def cpu_times(self) -> List[float]:
        return [run.cpu for run in self.runs]

    @property
    def peak(self) -> int:
        return max(run.peak for run in self.runs)

    def problems(self) -> List[str]:
        """What makes these figures doubtful: failed runs, changing output, a cache rewritten."""
        found = [f"exit {r.returncode}: {r.error.strip()}" for r in self._all() if r.error]
        if len({run.output for run in self._all()}) > 1:
            found.append("the output differed between runs")
        rewrites = sum(run.rewrote_cache for run in self.runs)
        if rewrites:
            found.append(f"the cache was rewritten in {rewrites} measured runs (not warm)")
        return found[:3]

    def _all(self) -> List[Run]:
        return [self.warmup, *self.runs] if self.warmup else self.runs


def measure(commands: Sequence[Command], repeat: int, warm_up: bool = True) -> Dict[str, Series]:
    """Each command once to warm up (file cache, bytecode, the linters' caches) unless told
    not to, then `repeat` rounds of each command once, the order rotating each round to spread
    machine noise."""
    series = {c.name: Series(run_once(c) if warm_up else None) for c in commands}
    order = list(commands)
    for round_number in range(repeat):
        shift = round_number % len(order)
        for command in order[shift:] + order[:shift]:
            series[command.name].runs.append(run_once(command))
    return series


def tool(name: str, scripts: str) -> Optional[str]:
    """The tool installed beside this Python, not a shim on PATH (pyenv's costs ~50 ms)."""
    return shutil.which(name, path=scripts) or shutil.which(name)
