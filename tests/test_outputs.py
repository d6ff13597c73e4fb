"""`sarif` (validated against the official 2.1.0 schema), `github`, `gitlab`, `junit` outputs."""

from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ET
from io import StringIO
from pathlib import Path

import pytest
from click.testing import CliRunner
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
        return CliRunner().invoke(main, ["--output-format", fmt, "."], catch_exceptions=False)
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


def test_sarif_with_no_findings_validates(tmp_path):
    data = json.loads(report("sarif", [], cwd=str(tmp_path)))
    sarif_validator().validate(data)
    assert data["runs"][0]["results"] == []


# --- GitHub -------------------------------------------------------------------------------------


def test_github_annotations_exact_text(tmp_path):
    result = run_cli(tmp_path, "github")
    lines = result.stdout.splitlines()
    assert lines[0].startswith(
        "::error title=bglint (BG101),file=app.py,line=16,col=31,endLine=16,endColumn=50::"
        "app.py:16:31: BG101 `send_welcome(email)` runs during the request"
    )
    assert lines[1].startswith("::error title=bglint (BG104),file=app.py,line=18,col=5,")
    assert len(lines) == 2


def test_github_escapes_properties_and_message(tmp_path):
    text = report("github", [finding(str(tmp_path / "a,b:c.py"))], cwd=str(tmp_path))
    assert text == (
        "::error title=bglint (BG101),file=a%2Cb%3Ac.py,line=3,col=5,endLine=4,endColumn=2::"
        "a,b:c.py:3:5: BG101 `a, b`: 100%25 wrong%0Ahere\n"
    )


# --- GitLab -------------------------------------------------------------------------------------


def test_gitlab_code_quality_report(tmp_path):
    data = json.loads(run_cli(tmp_path, "gitlab").stdout)
    assert [(i["check_name"], i["location"]["lines"]["begin"]) for i in data] == [
        ("BG101", 16),
        ("BG104", 18),
    ]
    for issue in data:
        assert set(issue) == {"description", "check_name", "fingerprint", "severity", "location"}
        assert issue["location"]["path"] == "app.py"
        assert issue["severity"] == "major"
        assert issue["description"].startswith(issue["check_name"] + " ")
        assert len(issue["fingerprint"]) == 64
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
