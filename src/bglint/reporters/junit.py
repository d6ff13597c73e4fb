"""`--output-format junit`: JUnit XML for CI systems that show test reports (ruff's layout):
one `testsuite` per file, one failing `testcase` per finding, named `org.bglint.<CODE>`.
A clean run is one passing test case, so the report is never empty."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from itertools import groupby
from typing import Sequence, TextIO

from bglint.diagnostics import Diagnostic
from bglint.reporters import ReportOptions, display_path


def to_junit(diagnostics: Sequence[Diagnostic], cwd: str) -> ET.Element:
    total = str(len(diagnostics))
    suites = ET.Element("testsuites", name="bglint", tests=total, failures=total, errors="0")
    if not diagnostics:
        suite = ET.SubElement(suites, "testsuite", name="bglint", tests="1", failures="0")
        suite.set("errors", "0")
        ET.SubElement(suite, "testcase", name="No errors found", classname="bglint")
        suites.set("tests", "1")
        return suites
    for path, group in groupby(diagnostics, key=lambda d: d.path):
        found = list(group)
        shown = display_path(path, cwd)
        count = str(len(found))
        suite = ET.SubElement(
            suites, "testsuite", name=shown, tests=count, failures=count, errors="0"
        )
        for diagnostic in found:
            start = diagnostic.start
            case = ET.SubElement(
                suite,
                "testcase",
                name=f"org.bglint.{diagnostic.code}",
                classname=shown,
                line=str(start.row),
                column=str(start.column),
            )
            failure = ET.SubElement(case, "failure", message=diagnostic.message)
            failure.text = f"line {start.row}, col {start.column}, {diagnostic.message}"
    return suites


def write(diagnostics: Sequence[Diagnostic], options: ReportOptions, out: TextIO) -> None:
    tree = to_junit(diagnostics, options.cwd)
    ET.indent(tree)
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    out.write(ET.tostring(tree, encoding="unicode"))
    out.write("\n")
