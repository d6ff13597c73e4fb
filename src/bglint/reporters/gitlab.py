"""`--output-format gitlab`: a GitLab Code Quality report (the JSON list the `codequality`
artifact holds): `description`, `check_name`, `fingerprint`, `severity`, `location.path`,
`location.lines.begin`/`end`.

Paths are relative to `$CI_PROJECT_DIR` when GitLab sets it, else to the working directory.
The fingerprint hashes the code, path, message and the finding's rank among identical ones
in the file, not the line, so a finding keeps its identity when code above it moves (GitLab
compares fingerprints between the branch and its target to show new and fixed findings).
"""

from __future__ import annotations

import hashlib
import json
import os
from typing import Dict, Sequence, TextIO, Tuple

from bglint.diagnostics import Diagnostic
from bglint.reporters import ReportOptions, display_path

SEVERITY = "major"  # GitLab's scale: info, minor, major, critical, blocker


def to_code_quality(diagnostics: Sequence[Diagnostic], cwd: str) -> list:
    base = os.environ.get("CI_PROJECT_DIR") or cwd
    seen: Dict[Tuple[str, str, str], int] = {}
    issues = []
    for diagnostic in diagnostics:
        path = display_path(diagnostic.path, base).replace(os.sep, "/")
        key = (diagnostic.code, path, diagnostic.message)
        rank = seen.get(key, 0)
        seen[key] = rank + 1
        digest = hashlib.sha256("\0".join([*key, str(rank)]).encode("utf-8")).hexdigest()
        issues.append(
            {
                "description": f"{diagnostic.code} {diagnostic.message}",
                "check_name": diagnostic.code,
                "fingerprint": digest,
                "severity": SEVERITY,
                "location": {
                    "path": path,
                    "lines": {"begin": diagnostic.start.row, "end": diagnostic.end.row},
                },
            }
        )
    return issues


def write(diagnostics: Sequence[Diagnostic], options: ReportOptions, out: TextIO) -> None:
    data = to_code_quality(diagnostics, options.cwd)
    out.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
