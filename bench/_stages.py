"""What each stage of the engine did on a tree, from an in-process run; for bench/run.py.

    python bench/_stages.py TARGET     prints the figures as JSON

Run in a fresh interpreter by bench/run.py so that `import libcst` is paid once per tree, as in
a real run. The engine runs without cache, in one process, with the collector paused as the
real run does (`bglint.workers.gc_paused`); discovery and the read + prefilter pass over every
file are timed here, the other stages by the engine's own counters.
"""

from __future__ import annotations

import json
import sys
import time
from typing import Dict, List


def collect(target: str) -> Dict[str, object]:
    from bglint.discovery import discover
    from bglint.prefilter import may_hold_site, words_for
    from bglint.runner import Engine
    from bglint.settings import Settings
    from bglint.source import is_binary
    from bglint.workers import gc_paused

    engine = Engine(Settings())
    words = words_for(engine.kinds)
    started = time.perf_counter()
    files = discover([target])
    discovered = time.perf_counter()
    read = size = passed = 0
    for path in files:
        before = time.perf_counter()
        with open(path, "rb") as handle:
            raw = handle.read()
        read += time.perf_counter() - before
        size += len(raw)
        passed += not is_binary(raw) and may_hold_site(raw, engine.kinds, words)
    prefiltered = time.perf_counter()
    with gc_paused():
        results = [engine.check_file(path) for path in files]
    finished = time.perf_counter()
    return {
        "files": len(files),
        "discovery": discovered - started,
        "read": read,
        "bytes": size,
        "prefilter": prefiltered - discovered - read,
        "passed": passed,
        "files_passed": engine.files_passed,
        "engine": finished - prefiltered,
        "ast_files": engine.index.files_parsed,
        "ast_bytes": engine.index.bytes_parsed,
        "index_seconds": dict(engine.index.seconds),
        "views": engine.views_built,
        "view_bytes": engine.view_bytes,
        "seconds": dict(engine.seconds),
        "findings": sum(len(result.diagnostics) for result in results),
    }


def render(figures: Dict[str, object]) -> List[str]:
    """A small table: stage, what it handled, megabytes, seconds."""
    parse = figures["index_seconds"]
    stage = figures["seconds"]
    mb = 1e6
    rows = [
        ("discovery", f"{figures['files']} files", None, figures["discovery"]),
        ("read every file", f"{figures['files']} files", figures["bytes"] / mb, figures["read"]),
        ("prefilter (substrings)", f"{figures['passed']} passed", None, figures["prefilter"]),
        ("ast.parse", f"{figures['ast_files']} files", figures["ast_bytes"] / mb, "ast.parse"),
        ("summaries (one traversal)", "", None, "summaries"),
        ("import libcst and rules", "", None, "import libcst and rules"),
        ("views (LibCST)", f"{figures['views']} functions", figures["view_bytes"] / mb, "views"),
        ("rules", "", None, "rules"),
        ("positions and fixes", "", None, "positions and fixes"),
        ("engine, all (1 process)", f"{figures['findings']} findings", None, figures["engine"]),
    ]
    lines = [f"    {'stage':<27} {'handled':>15} {'MB':>7} {'seconds':>8}"]
    for name, handled, megabytes, spent in rows:
        if isinstance(spent, str):  # a stage the engine timed
            spent = parse.get(spent, stage.get(spent, 0.0))
        size = "" if megabytes is None else f"{megabytes:.2f}"
        lines.append(f"    {name:<27} {handled:>15} {size:>7} {spent:>8.3f}")
    if figures["passed"] != figures["files_passed"]:
        lines.append(
            f"    note: the engine's prefilter passed {figures['files_passed']} files, "
            f"this pass {figures['passed']}"
        )
    return lines


if __name__ == "__main__":
    print(json.dumps(collect(sys.argv[1])))
