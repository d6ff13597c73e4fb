"""`--output-format sarif`: SARIF 2.1.0 for GitHub code scanning and other SARIF readers.

One run; the driver lists every rule with its docs (`help` is the rule's documentation in
Markdown, `helpUri` its section of docs/rules.md), so code scanning shows each rule's page.
Results point at files relative to the working directory (`%SRCROOT%`), columns count code
points (`columnKind`), and a fix becomes a SARIF `fix` with its replacements. Rule metadata
comes from the rule classes (this imports LibCST, as `bglint rule` does).
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Dict, List, Sequence, TextIO
from urllib.parse import quote

from bglint import __version__
from bglint.diagnostics import Diagnostic, Fix, Location, docs_url
from bglint.reporters import ReportOptions

SCHEMA = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
INFORMATION_URI = "https://github.com/bglint/bglint"
SRCROOT = "%SRCROOT%"
_SECTION = re.compile(r"^## What it does\s*\n(?P<body>.*?)(?=^## |\Z)", re.MULTILINE | re.DOTALL)


def _first_sentence(text: str) -> str:
    flat = " ".join(text.split())
    end = flat.find(". ")
    return flat if end < 0 else flat[: end + 1]


def rule_descriptors() -> List[dict]:
    from bglint import docs

    descriptors = []
    for rule in docs.all_rules():
        body = docs.rule_body(rule)
        found = _SECTION.search(body)
        what = " ".join(found.group("body").split()) if found else rule.name
        descriptors.append(
            {
                "id": rule.code,
                "name": rule.name,
                "shortDescription": {"text": _first_sentence(what)},
                "fullDescription": {"text": what},
                "help": {"text": body, "markdown": body},
                "helpUri": docs_url(rule.code, rule.name),
                "defaultConfiguration": {"level": "error"},
                "properties": {"tags": [rule.code[:3] + "xx"]},
            }
        )
    return descriptors


def _artifact(path: str, cwd: str) -> dict:
    if path == "-":
        return {"uri": "stdin"}
    absolute = os.path.abspath(path)
    base = os.path.join(os.path.abspath(cwd), "")
    if absolute.startswith(base):
        relative = os.path.relpath(absolute, cwd).replace(os.sep, "/")
        return {"uri": quote(relative), "uriBaseId": SRCROOT}
    return {"uri": Path(absolute).as_uri()}


def _region(start: Location, end: Location) -> dict:
    return {
        "startLine": start.row,
        "startColumn": start.column,
        "endLine": end.row,
        "endColumn": end.column,
    }


def _fix(fix: Fix, artifact: dict) -> dict:
    return {
        "description": {"text": fix.title},
        "artifactChanges": [
            {
                "artifactLocation": artifact,
                "replacements": [
                    {
                        "deletedRegion": _region(edit.start, edit.end),
                        "insertedContent": {"text": edit.content},
                    }
                    for edit in fix.edits
                ],
            }
        ],
    }


def _result(diagnostic: Diagnostic, index: Dict[str, int], cwd: str) -> dict:
    artifact = _artifact(diagnostic.path, cwd)
    result = {
        "ruleId": diagnostic.code,
        "level": "error",
        "message": {"text": diagnostic.message},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": artifact,
                    "region": _region(diagnostic.start, diagnostic.end),
                }
            }
        ],
    }
    if diagnostic.code in index:
        result["ruleIndex"] = index[diagnostic.code]
    if diagnostic.fix is not None:
        result["fixes"] = [_fix(diagnostic.fix, artifact)]
    return result


def to_sarif(diagnostics: Sequence[Diagnostic], cwd: str) -> dict:
    rules = rule_descriptors()
    index = {rule["id"]: position for position, rule in enumerate(rules)}
    root = Path(os.path.abspath(cwd)).as_uri().rstrip("/") + "/"
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "bglint",
                        "version": __version__,
                        "informationUri": INFORMATION_URI,
                        "rules": rules,
                    }
                },
                "originalUriBaseIds": {SRCROOT: {"uri": root}},
                "columnKind": "unicodeCodePoints",
                "results": [_result(d, index, cwd) for d in diagnostics],
            }
        ],
    }


def write(diagnostics: Sequence[Diagnostic], options: ReportOptions, out: TextIO) -> None:
    out.write(json.dumps(to_sarif(diagnostics, options.cwd), indent=2, ensure_ascii=False))
    out.write("\n")
