"""`--output-format json`: a list of objects with ruff's field names, so tools that read ruff's
JSON read ours. Keys are sorted as ruff sorts them; `filename` is absolute; `cell` is always
null (no notebooks)."""

from __future__ import annotations

import json
import os
from typing import Optional, Sequence, TextIO

from bglint.diagnostics import Diagnostic, Fix, Location, docs_url


def _location(location: Location) -> dict:
    return {"column": location.column, "row": location.row}


def _fix(fix: Optional[Fix]) -> Optional[dict]:
    if fix is None:
        return None
    return {
        "applicability": fix.applicability.value,
        "edits": [
            {
                "content": edit.content,
                "end_location": _location(edit.end),
                "location": _location(edit.start),
            }
            for edit in fix.edits
        ],
        "message": fix.title,
    }


def to_json_object(diagnostic: Diagnostic) -> dict:
    return {
        "cell": None,
        "code": diagnostic.code,
        "end_location": _location(diagnostic.end),
        "filename": diagnostic.path if diagnostic.path == "-" else os.path.abspath(diagnostic.path),
        "fix": _fix(diagnostic.fix),
        "location": _location(diagnostic.start),
        "message": diagnostic.message,
        "noqa_row": diagnostic.start.row,
        "url": diagnostic.url or docs_url(diagnostic.code, diagnostic.name),
    }


def write(diagnostics: Sequence[Diagnostic], out: TextIO) -> None:
    out.write(json.dumps([to_json_object(d) for d in diagnostics], indent=2, ensure_ascii=False))
    out.write("\n")
