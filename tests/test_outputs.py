"""`sarif` (validated against the official 2.1.0 schema), `github`, `gitlab`, `junit` outputs."""

from __future__ import annotations

import json
import os
import re
import xml.etree.ElementTree as ET
from io import StringIO
from pathlib import Path

import pytest
from harness import cli_runner
from integration import REMAINING, make_project

from bglint.cli import main
from bglint.diagnostics import Applicability, Diagnostic, Edit, FileResult, Fix, Location
from bglint.reporters import ReportOptions, write_report

DATA = Path(__file__).parent / "data"


def run_cli(tmp_path: Path, fmt: str):
    make_project(tmp_path)
    old = os.getcwd()
    os.chdir(tmp_path)
    try:
        return cli_runner().invoke(main, ["--output-format", fmt, "."], catch_exceptions=False)
    finally:
        os.chdir(old)


def report(fmt: str, diagnostics, cwd: str) -> str:
    out = StringIO()
    write_report(
        fmt,
        [FileResult(diagnostics[0].path, diagnostics)] if diagnostics else [],
        ReportOptions(cwd=cwd),
        out,
    )
    return out.getvalue()


def finding(path: str, message: str = "`a, b`: 100% wrong\nhere", fix: bool = False) -> Diagnostic:
    edit = Edit(Location(3, 5), Location(3, 9), "new")
    return Diagnostic(
        "BG101",
        "call-in-add-task",
        message,
        path,
        Location(3, 5),
        Location(4, 2),
        Fix("Pass `f` and its arguments", Applicability.SAFE, (edit,)) if fix else None,
    )


# --- SARIF --------------------------------------------------------------------------------------


def sarif_validator():
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((DATA / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    return jsonschema.Draft4Validator(schema, format_checker=jsonschema.FormatChecker())


def test_sarif_validates_against_the_official_schema(tmp_path):
    result = run_cli(tmp_path, "sarif")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    sarif_validator().validate(data)
    run = data["runs"][0]
    found = [
        (
            r["locations"][0]["physicalLocation"]["region"]["startLine"],
            r["locations"][0]["physicalLocation"]["region"]["startColumn"],
            r["ruleId"],
        )
        for r in run["results"]
    ]
    assert found == REMAINING
    assert {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"]
    } == {"app.py"}
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == tmp_path.as_uri() + "/"


def test_sarif_rules_carry_docs_and_help_uris(tmp_path):
    data = json.loads(run_cli(tmp_path, "sarif").stdout)
    driver = data["runs"][0]["tool"]["driver"]
    rules = {rule["id"]: rule for rule in driver["rules"]}
    bg101 = rules["BG101"]
    assert bg101["name"] == "call-in-add-task"
    assert bg101["helpUri"].endswith("docs/rules.md#bg101-call-in-add-task")
    assert bg101["fullDescription"]["text"].startswith("Checks for")
    assert "## Why is this bad?" in bg101["help"]["markdown"]
    for result in data["runs"][0]["results"]:
        assert driver["rules"][result["ruleIndex"]]["id"] == result["ruleId"]


def test_sarif_fix_and_outside_path_validate(tmp_path):
    outside = str(tmp_path.parent / "elsewhere dir" / "app.py")
    text = report("sarif", [finding(outside, fix=True)], cwd=str(tmp_path))
    data = json.loads(text)
    sarif_validator().validate(data)
    result = data["runs"][0]["results"][0]
    assert (
        result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        == Path(outside).as_uri()
    )
    replacement = result["fixes"][0]["artifactChanges"][0]["replacements"][0]
    assert replacement == {
        "deletedRegion": {"startLine": 3, "startColumn": 5, "endLine": 3, "endColumn": 9},
        "insertedContent": {"text": "new"},
    }


def test_sarif_validation_is_not_vacuous(tmp_path):
    # the schema's `$ref`s resolve and bite: a region must start at line 1 or later
    data = json.loads(run_cli(tmp_path, "sarif").stdout)
    data["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] = 0
    jsonschema = pytest.importorskip("jsonschema")
    with pytest.raises(jsonschema.ValidationError, match="less than the minimum of 1"):
        sarif_validator().validate(data)


def test_sarif_with_no_findings_validates(tmp_path):
    data = json.loads(report("sarif", [], cwd=str(tmp_path)))
    sarif_validator().validate(data)
    assert data["runs"][0]["results"] == []


# --- GitHub -------------------------------------------------------------------------------------


def test_github_annotations_exact_text(tmp_path):
    found = json.loads(run_cli(tmp_path, "json").stdout)
    expected = ""
    for (row, column, code), item in zip(REMAINING, found):
        end = item["end_location"]
        assert not set(item["message"]) & set("%\r\n")  # nothing to escape in these messages
        expected += (
            f"::error title=bglint ({code}),file=app.py,line={row},col={column},"
            f"endLine={end['row']},endColumn={end['column']}::"
            f"app.py:{row}:{column}: {code} {item['message']}\n"
        )
    assert len(found) == len(REMAINING)
    result = run_cli(tmp_path, "github")
    assert result.stdout == expected
    assert result.stdout.startswith(
        "::error title=bglint (BG101),file=app.py,line=16,col=31,endLine=16,endColumn=50::"
        "app.py:16:31: BG101 `send_welcome(email)` runs during the request"
    )


def test_github_escapes_properties_and_message(tmp_path):
    text = report("github", [finding(str(tmp_path / "a,b:c.py"))], cwd=str(tmp_path))
    assert text == (
        "::error title=bglint (BG101),file=a%2Cb%3Ac.py,line=3,col=5,endLine=4,endColumn=2::"
        "a,b:c.py:3:5: BG101 `a, b`: 100%25 wrong%0Ahere\n"
    )


# --- GitLab -------------------------------------------------------------------------------------


# GitLab's Code Quality report format, as its docs list it
# (https://docs.gitlab.com/ci/testing/code_quality/#code-quality-report-format): a JSON array of
# issues with these fields; `location.lines.begin` or `location.positions.begin.line`
GITLAB_CODE_QUALITY = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["description", "check_name", "fingerprint", "severity", "location"],
        "properties": {
            "description": {"type": "string", "minLength": 1},
            "check_name": {"type": "string", "minLength": 1},
            "fingerprint": {"type": "string", "minLength": 1},
            "severity": {"enum": ["info", "minor", "major", "critical", "blocker"]},
            "location": {
                "type": "object",
                "required": ["path"],
                "properties": {
                    "path": {"type": "string", "minLength": 1},
                    "lines": {
                        "type": "object",
                        "required": ["begin"],
                        "properties": {
                            "begin": {"type": "integer", "minimum": 1},
                            "end": {"type": "integer", "minimum": 1},
                        },
                    },
                },
                "oneOf": [{"required": ["lines"]}, {"required": ["positions"]}],
            },
        },
    },
}


def test_gitlab_code_quality_report(tmp_path, monkeypatch):
    monkeypatch.delenv("CI_PROJECT_DIR", raising=False)
    jsonschema = pytest.importorskip("jsonschema")
    data = json.loads(run_cli(tmp_path, "gitlab").stdout)
    jsonschema.Draft7Validator(GITLAB_CODE_QUALITY).validate(data)
    found = json.loads(run_cli(tmp_path, "json").stdout)
    assert [{k: v for k, v in issue.items() if k != "fingerprint"} for issue in data] == [
        {
            "description": f"{item['code']} {item['message']}",
            "check_name": item["code"],
            "severity": "major",
            "location": {
                "path": "app.py",
                "lines": {"begin": item["location"]["row"], "end": item["end_location"]["row"]},
            },
        }
        for item in found
    ]
    assert [(i["check_name"], i["location"]["lines"]["begin"]) for i in data] == [
        ("BG101", 16),
        ("BG104", 18),
    ]
    assert all(re.fullmatch("[0-9a-f]{64}", issue["fingerprint"]) for issue in data)
    assert len({issue["fingerprint"] for issue in data}) == len(data)


def test_gitlab_fingerprint_survives_moved_lines_and_tells_twins_apart(tmp_path, monkeypatch):
    monkeypatch.delenv("CI_PROJECT_DIR", raising=False)
    path = str(tmp_path / "app.py")
    first = json.loads(report("gitlab", [finding(path)], cwd=str(tmp_path)))
    moved = finding(path)
    moved = Diagnostic(
        moved.code, moved.name, moved.message, path, Location(30, 5), Location(30, 9)
    )
    second = json.loads(report("gitlab", [moved, finding(path)], cwd=str(tmp_path)))
    assert second[0]["fingerprint"] == first[0]["fingerprint"]
    assert second[1]["fingerprint"] != second[0]["fingerprint"]


def test_gitlab_paths_relative_to_ci_project_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("CI_PROJECT_DIR", str(tmp_path))
    data = json.loads(report("gitlab", [finding(str(tmp_path / "api" / "app.py"))], cwd="/"))
    assert data[0]["location"]["path"] == "api/app.py"


# --- JUnit --------------------------------------------------------------------------------------


def test_junit_one_failing_case_per_finding(tmp_path):
    root = ET.fromstring(run_cli(tmp_path, "junit").stdout)
    assert root.tag == "testsuites" and root.get("failures") == "2"
    suite = root.find("testsuite")
    assert suite.get("name") == "app.py"
    cases = suite.findall("testcase")
    assert [(c.get("name"), c.get("line"), c.get("column")) for c in cases] == [
        ("org.bglint.BG101", "16", "31"),
        ("org.bglint.BG104", "18", "5"),
    ]
    assert cases[0].find("failure").text.startswith("line 16, col 31, `send_welcome(email)`")


def test_junit_clean_run_has_one_passing_case(tmp_path):
    root = ET.fromstring(report("junit", [], cwd=str(tmp_path)).split("\n", 1)[1])
    assert [c.get("name") for c in root.iter("testcase")] == ["No errors found"]
    assert root.find("testsuite/testcase/failure") is None
