"""The bundled example app: every planted `# error:` case is found, the twins stay silent,
and `--fix` on a copy repairs the safe ones so that no fixable finding remains."""

from __future__ import annotations

import shutil
from pathlib import Path

from harness import compare_findings, diagnostics_of, parse_markers, run

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def example_files(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*.py"))


def test_examples_findings_match_their_markers() -> None:
    files = example_files(EXAMPLES)
    markers = [m for f in files for m in parse_markers((EXAMPLES / f).read_text(), f)]
    assert markers, "examples/ should plant at least one marked mistake"
    problems = compare_findings(markers, diagnostics_of(run(EXAMPLES, files)))
    assert not problems, "\n".join(problems)


def test_fix_on_a_copy_leaves_no_fixable_finding(tmp_path: Path) -> None:
    copy = tmp_path / "examples"
    shutil.copytree(EXAMPLES, copy)
    files = example_files(copy)
    fixed = run(copy, files, "safe")
    assert any(r.fixed_source for r in fixed.values()), "some example has a safe fix"
    for relative, result in fixed.items():
        if result.fixed_source is not None:
            (copy / relative).write_text(result.fixed_source)
    again = run(copy, files)
    fixable = [
        (f, d.code, d.start.row)
        for f, d in diagnostics_of(again)
        if d.fix is not None and d.fix.applicability.value == "safe"
    ]
    assert fixable == []
