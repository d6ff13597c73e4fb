"""Worker processes for the files that need analysis (issue 10, design.md §1 "Runner").

The main process discovers files, answers cached ones and runs the byte prefilter; only files
that may hold a site are sent here, with their bytes, so a worker never reads the tree. Each
worker keeps one engine (and so one index) per settings for the whole run, like the main
process does. Results come back with the project modules each file's analysis looked up (the
cache keys a file by them) and are put back in the order of the files, so the output is the
same as a single-process run.

Workers pay for themselves only when there is enough to analyse: a fork and `import libcst` in
each cost about 0.3 s when the thresholds were set (0.15 s since bglint/libcst_load.py's
changes), while one process analyses about 1 MB of passing files per second. So
workers start only past `MIN_PARALLEL_BYTES` of passing source and at least two files, or
early, for many files (see `Workers`).
"""

from __future__ import annotations

import gc
import os
import sys
from contextlib import contextmanager
from typing import Dict, Iterator, List, Sequence, Set, Tuple

from bglint.diagnostics import FileResult
from bglint.settings import Settings

MIN_PARALLEL_BYTES = 256 * 1024  # of files the prefilter passed
EARLY_START_BYTES = 4 * 1024 * 1024  # of files left to check after the cache
SEND_NOW_BYTES = 32 * 1024  # a passing file this large goes to running workers when found

# (position in the run, path, settings, the file's bytes)
Job = Tuple[int, str, Settings, bytes]
# (position, result, project modules the analysis looked up)
Outcome = Tuple[int, FileResult, Set[str]]

_engines: Dict[Settings, object] = {}


def default_jobs() -> int:
    """The CPUs this process may run on (a container's or `taskset`'s limit, not the host's)."""
    try:
        return max(len(os.sched_getaffinity(0)), 1)
    except (AttributeError, OSError):
        return max(os.cpu_count() or 1, 1)


def worth_parallel(jobs: int, pending: Sequence[Job]) -> bool:
    return (
        jobs > 1 and len(pending) > 1 and sum(len(job[3]) for job in pending) >= MIN_PARALLEL_BYTES
    )


@contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic garbage collection while analysing. The trees `ast` and LibCST build are
    acyclic and short-lived, but their allocations keep triggering full collections over
    everything alive: measured on the medium corpus, `ast.parse` of the passing files took
    0.94 s with the collector on and 0.39 s with it off, and the whole run 3.5 s against 2.5 s.
    It is switched back on (and collects what a run left) when the analysis ends."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _context():
    """fork where the platform has it (children inherit bglint's imports: no start-up
    import cost); spawn elsewhere (macOS and Windows, where fork is unsafe or missing)."""
    import multiprocessing  # 0.05 s: only for a run that starts workers

    if sys.platform != "darwin" and "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


def _init_worker() -> None:
    gc.disable()  # a worker lives for one run's analysis only
    try:  # warm up while the main process still reads and filters files
        import bglint.model  # noqa: F401
        import bglint.rules  # noqa: F401
    except Exception:  # noqa: BLE001 - the first file that needs them reports the failure
        pass


def _analyse(job: Job) -> Outcome:
    from bglint.runner import Engine

    position, path, settings, raw = job
    engine = _engines.get(settings)
    if engine is None:
        engine = _engines[settings] = Engine(settings)
    engine.index.touched = set()
    result = engine.check_bytes(raw, path)
    return position, result, set(engine.index.touched)


def _total_size(paths: Sequence[str]) -> int:
    total = 0
    for path in paths:
        try:
            total += os.stat(path).st_size
        except OSError:
            pass
    return total


def _ready() -> None:
    """A no-op job: submitting one per worker starts them all (with their warm-up) at once."""


class WorkerDied(RuntimeError):
    """The worker process analysing a file ended without an answer (killed, crashed)."""


class Workers:
    """The run's worker processes, if it has any. They start early, before the prefilter has
    read a file, when the files left to check are many (`EARLY_START_BYTES`): each worker then
    imports LibCST and the rules (0.1-0.15 s) while the main process reads and filters, and each
    file the prefilter passes is sent as soon as it is found (`add`), so the workers analyse
    while the main process is still reading (on the large corpus the read pass is a second).
    Otherwise they start only when the files the prefilter passed pay for them
    (`worth_parallel`). A worker that dies costs the files it had not answered a BG000 each,
    never the run."""

    def __init__(self, jobs: int, paths: Sequence[str]) -> None:
        self.jobs = jobs
        self._pool = None
        self._held: List[Job] = []  # small files, sent last, largest first
        self._sent: List[Tuple[Job, object]] = []  # (job, future)
        if jobs > 1 and _total_size(paths) >= EARLY_START_BYTES:
            self._start(jobs)

    def _start(self, processes: int) -> None:
        from concurrent.futures import ProcessPoolExecutor

        self._pool = ProcessPoolExecutor(processes, _context(), initializer=_init_worker)
        for _ in range(processes):
            self._pool.submit(_ready)

    def __enter__(self) -> "Workers":
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._pool is not None:  # every result is in: nothing is lost by stopping them
            self._pool.shutdown(wait=True, cancel_futures=True)

    def add(self, job: Job) -> None:
        """A file to analyse. With the workers running, a large one goes now; small ones wait
        for the end, to be sent largest first, so that the last file to finish is small."""
        if self._pool is not None and len(job[3]) >= SEND_NOW_BYTES:
            self._send(job)
        else:
            self._held.append(job)

    def _send(self, job: Job) -> None:
        try:
            self._sent.append((job, self._pool.submit(_analyse, job)))
        except Exception:  # noqa: BLE001 - a worker already died: the job is lost, as below
            self._sent.append((job, None))

    def analyse(self, engine_of) -> List[Outcome]:
        """The outcomes of every job added, in the order of their positions: from the workers,
        or from this process when there are no workers and too little to pay for them."""
        held, self._held = sorted(self._held, key=lambda job: len(job[3]), reverse=True), []
        if self._pool is None and not self._sent:
            if not worth_parallel(self.jobs, held):
                return analyse_here(engine_of, held)
            self._start(min(self.jobs, len(held)))
        for job in held:
            self._send(job)
        outcomes: List[Outcome] = []
        while self._sent:
            answered, lost = self._collect()
            outcomes += answered
            if lost and not answered:
                # no answer at all: the jobs sent first (running when it broke) hold the
                # culprit; each runs alone (the pool is down: no fork beside a live thread)
                suspects, lost = lost[: self.jobs], lost[self.jobs :]
                outcomes += [self._alone(job) for job in suspects]
            if lost:
                self._start(min(self.jobs, len(lost)))
                for job in lost:
                    self._send(job)
        return sorted(outcomes, key=lambda outcome: outcome[0])

    def _collect(self) -> Tuple[List[Outcome], List[Job]]:
        """The answers to the jobs sent; a worker that dies breaks the pool and every unanswered
        job with it: those come back, the pool shut down, to be sent again to fresh workers."""
        sent, self._sent = self._sent, []
        answered, lost = [], []
        for job, future in sent:
            try:
                if future is None:
                    raise WorkerDied("the pool was broken when the job was sent")
                answered.append(future.result())
            except Exception:  # noqa: BLE001 - BrokenProcessPool, an answer that cannot be sent
                lost.append(job)
        if lost:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
        return answered, lost

    def _alone(self, job: Job) -> Outcome:
        """One job in a worker of its own: a file that kills its worker gets a BG000."""
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(1, _context(), initializer=_init_worker) as pool:
            try:
                return pool.submit(_analyse, job).result()
            except Exception as err:  # noqa: BLE001 - the process died
                from bglint.findings import internal_error

                died = WorkerDied(f"the worker process analysing it stopped ({type(err).__name__})")
                return job[0], FileResult(job[1], diagnostics=[internal_error(job[1], died)]), set()


def analyse_here(engine_of, pending: List[Job]) -> List[Outcome]:
    """The same work in this process (too little to pay for workers, or `--jobs 1`)."""
    outcomes = []
    for position, path, settings, raw in pending:
        engine = engine_of(settings)
        engine.index.touched = set()
        result = engine.check_bytes(raw, path)
        outcomes.append((position, result, set(engine.index.touched)))
    return outcomes


__all__ = [
    "EARLY_START_BYTES",
    "MIN_PARALLEL_BYTES",
    "WorkerDied",
    "Workers",
    "default_jobs",
    "gc_paused",
]
