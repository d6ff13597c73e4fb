"""When background work runs, against the lifetimes of request-scoped objects (semantics.md,
"Lifetimes"), for the BG2xx rules: which sites start work that runs after the request, and the
FastAPI versions where an object is already gone by then.

Probed (experiments/exp01, exp10, outlive_probe.py): `BackgroundTasks` tasks find uploads
closed and yield-dependencies cleaned up on FastAPI 0.106–0.117 only; spawned work
(`create_task`, threads, executors) finds uploads closed from 0.86 on and yield-dependencies
cleaned up in every version probed (0.84 on).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterator, Tuple, Union

from bglint.model.provenance import allowed_versions

if TYPE_CHECKING:  # pragma: no cover
    from bglint.model.spawn import SpawnSite
    from bglint.model.view import TaskSite, View
    from bglint.versions import VersionRange

# FastAPI releases where a `BackgroundTasks` task runs after uploads are closed and after
# yield-dependencies are cleaned up (fastapi 0.106.0 moved the exit stack; 0.118.0 moved it back).
TASK_WINDOW = ("0.106", "0.118")
TASK_WINDOW_TEXT = "0.106–0.117"
# Spawned work outlives the request: uploads are closed after the response from 0.86 on.
SPAWN_UPLOAD_FROM = "0.86"
# `Depends(..., scope="function")` cleans up before the tasks run; it exists from 0.121 on.
FUNCTION_SCOPE_FROM = "0.121"


def background_work(view: "View") -> Iterator[Tuple[Union["TaskSite", "SpawnSite"], bool]]:
    """Every site of the view whose work runs after the request, and whether it is spawned."""
    for site in view.task_sites:
        if site.func is not None:
            yield site, False
    for spawn in view.spawn_sites:
        if spawn.func is not None:
            yield spawn, True


def work_name(site, spawned: bool) -> str:
    return f"this `{site.label}` work" if spawned else "this task"


def allowed_phrase(allowed: VersionRange) -> str:
    """How a message says where the version range came from."""
    if allowed.is_known:
        return f"which {allowed.describe()} allows"
    return "and no FastAPI version pin rules them out"


def versions(view: "View") -> VersionRange:
    return allowed_versions(view)
