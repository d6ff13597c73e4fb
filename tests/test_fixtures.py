"""Every fixture under tests/fixtures/, checked the ways style.md §5 lists.

Test ids are fixture paths: `test_findings_match_markers[BG101/basic.py]`. How fixtures, markers
and goldens work is described in `harness.py`; `pytest --update-fixtures` rewrites goldens.
"""

from __future__ import annotations

import ast
from collections import Counter

import pytest
from harness import (
    GOLDEN_SUFFIXES,
    compare_findings,
    copy_fixture,
    count_near_misses,
    describe,
    diagnostics_of,
    find_fixtures,
    fixture_folders,
    fixture_markers,
    golden_path,
    output_text,
    read,
    rewrite_imports_to_stub,
    rewrite_markers_to_noqa,
    run,
    run_fixture,
    unified_diff,
    write,
)

FIXTURES = find_fixtures()
RULE_FOLDERS = [folder.name for folder in fixture_folders() if folder.name != "BG000"]
# BG000 is the parser's finding: a file that does not parse has no imports to stub, and, as in
# ruff, a syntax error cannot be silenced by a noqa comment.
FIXTURES_OF_RULES = [f for f in FIXTURES if f.code != "BG000"]


def params(fixtures):
    """One pytest param per fixture, skipped where its `requires-python` rules this Python out."""
    return [
        pytest.param(
            f,
            id=f.id,
            marks=pytest.mark.skipif(
                not f.runs_here(), reason=f"the fixture requires Python {f.requires_python}"
            ),
        )
        for f in fixtures
    ]


each_fixture = pytest.mark.parametrize("fixture", params(FIXTURES))
each_rule_fixture = pytest.mark.parametrize("fixture", params(FIXTURES_OF_RULES))
each_mode = pytest.mark.parametrize("mode", list(GOLDEN_SUFFIXES))
# the checks that only mean something for some fixtures run on those alone, not as skips
each_marked_fixture = pytest.mark.parametrize(
    "fixture", params([f for f in FIXTURES_OF_RULES if fixture_markers(f)])
)
each_multi_file_fixture = pytest.mark.parametrize(
    "fixture", params([f for f in FIXTURES if len(f.files) > 1])
)
each_golden = pytest.mark.parametrize(
    "fixture, mode",
    [
        pytest.param(*p.values, mode, id=f"{mode}-{p.id}", marks=p.marks)
        for mode in GOLDEN_SUFFIXES
        for p in params(FIXTURES)
        if any(golden_path(p.values[0].path(f), mode).exists() for f in p.values[0].files)
    ],
)


def fail(fixture, headline, problems):
    pytest.fail(
        "\n".join([f"{fixture.id}: {headline}", *("  " + p for p in problems)]), pytrace=False
    )


# --- per fixture --------------------------------------------------------------------------------


@each_fixture
def test_findings_match_markers(fixture):
    results = run_fixture(fixture)
    skipped = [f"{file}: skipped: {r.skipped}" for file, r in results.items() if r.skipped]
    problems = skipped + compare_findings(fixture_markers(fixture), diagnostics_of(results))
    if problems:
        fail(fixture, "findings differ from the `# error:` markers", problems)


@each_marked_fixture
def test_noqa_silences_every_marker(fixture, tmp_path):
    markers = fixture_markers(fixture)

    def to_noqa(file, text):
        return rewrite_markers_to_noqa(text, [m for m in markers if m.file == file])

    root = copy_fixture(fixture, tmp_path, to_noqa)
    left = diagnostics_of(run(root, fixture.files))
    if left:
        fail(
            fixture,
            "findings remain with every marker turned into `# noqa: CODE`",
            [describe(file, d) for file, d in left],
        )


@each_marked_fixture
def test_stub_imports_are_silent(fixture, tmp_path):
    """Names that only look like FastAPI's (`BackgroundTasks` from an unrelated module) are not."""
    changed = [
        f
        for f in fixture.files
        if rewrite_imports_to_stub(read(fixture.path(f))) != read(fixture.path(f))
    ]
    assert changed, f"{fixture.id}: no `fastapi`/`starlette` import to point at a stub"
    root = copy_fixture(fixture, tmp_path, lambda file, text: rewrite_imports_to_stub(text))
    left = diagnostics_of(run(root, fixture.files))
    if left:
        fail(
            fixture,
            "findings remain after `fastapi`/`starlette` imports point at `*_stub_x`",
            [describe(file, d) for file, d in left],
        )


def golden_problems(fixture, file, mode, update_fixtures) -> list[str]:
    """Compare one file's fix output in `mode` with its golden (or rewrite the golden)."""
    golden = golden_path(fixture.path(file), mode)
    actual = output_text(fixture, file, run_fixture(fixture, mode))
    if mode == "safe":
        baseline, baseline_name = read(fixture.path(file)), "the source"
    else:  # the unsafe golden holds only what the unsafe fixes add to the safe output
        baseline, baseline_name = output_text(fixture, file, run_fixture(fixture, "safe")), "--fix"
    offered = run_fixture(fixture, "none").get(file)
    needed = [
        d
        for d in (offered.diagnostics if offered else [])
        if d.fix is not None and d.fix.applicability.value == mode
    ]
    if actual == baseline:
        problems = [
            f"offers a {mode} fix but the {mode} run changed nothing: {describe(file, d)}"
            for d in needed
        ]
        if golden.exists() and update_fixtures:
            golden.unlink()
        elif golden.exists():
            problems.append(
                f"{golden.name}: stale golden, the {mode} run gives {baseline_name}; delete it"
            )
        return problems
    if update_fixtures and (not golden.exists() or read(golden) != actual):
        write(golden, actual)
        return []
    if not golden.exists():
        return [
            f"{golden.name} is missing; the {mode} run changes {file} (run --update-fixtures):",
            unified_diff(baseline, actual, file, golden.name),
        ]
    if read(golden) != actual:
        return [
            f"{golden.name} differs from the {mode} fix output (- golden, + engine):",
            unified_diff(read(golden), actual, golden.name, "engine output"),
        ]
    return []


@each_fixture
@each_mode
def test_fix_output_matches_golden(fixture, mode, update_fixtures):
    """`basic.fixed.py` is the `--fix` output; `basic.unsafe-fixed.py` the `--unsafe-fixes` output,
    kept only when it differs from the `--fix` one. No golden when the mode changes nothing."""
    problems = [
        p for file in fixture.files for p in golden_problems(fixture, file, mode, update_fixtures)
    ]
    if problems:
        fail(fixture, f"{mode} fix output", problems)


@each_golden
def test_golden_parses_and_is_stable(fixture, mode, tmp_path):
    """A golden re-parses, and fixing it again in the same mode changes nothing."""

    def fixed_text(file, text):
        for candidate in [mode] if mode == "safe" else ["unsafe", "safe"]:
            golden = golden_path(fixture.path(file), candidate)
            if golden.exists():
                return read(golden)
        return text

    goldens = [golden_path(fixture.path(f), mode) for f in fixture.files]
    for golden in goldens:
        if golden.exists():
            ast.parse(read(golden), filename=str(golden))
    root = copy_fixture(fixture, tmp_path, fixed_text)
    results = run(root, fixture.files, mode)
    changed = [
        file
        for file, r in results.items()
        if r.fixed_source is not None and r.fixed_source != read(root / file)
    ]
    if changed:
        fail(
            fixture,
            f"a second {mode} fix run changes the golden",
            [
                unified_diff(
                    read(root / file), results[file].fixed_source, f"{file} (golden)", "second run"
                )
                for file in changed
            ],
        )


# --- per rule and project-wide ------------------------------------------------------------------


def all_findings(code):
    return [
        (fixture.id, file, d)
        for fixture in FIXTURES
        if fixture.runs_here()
        for file, d in diagnostics_of(run_fixture(fixture))
        if d.code == code
    ]


@pytest.mark.parametrize("code", RULE_FOLDERS)
def test_fix_availability_matches_fixtures(code):
    from bglint.rules import ALL_RULES

    rule = {r.code: r for r in ALL_RULES}.get(code)
    assert rule is not None, f"fixture folder {code} has no rule in ALL_RULES"
    findings = all_findings(code)
    assert findings, f"{code}: no fixture raises it"
    with_fix = [(fid, d) for fid, _, d in findings if d.fix is not None]
    without_fix = [(fid, d) for fid, _, d in findings if d.fix is None]
    availability = rule.fix_availability.value
    expected = {"never": (False, True), "always": (True, False), "sometimes": (True, True)}[
        availability
    ]
    seen = (bool(with_fix), bool(without_fix))
    assert seen == expected, (
        f"{code} declares fix_availability={availability}, but the fixtures show "
        f"{len(with_fix)} findings with a fix and {len(without_fix)} without"
    )
    untitled = [
        f"{fid}: {d.start.row}:{d.start.column}" for fid, d in with_fix if not d.fix.title.strip()
    ]
    assert not untitled, f"{code}: fixes without a title at {untitled}"


def test_rule_codes_match_fixture_folders():
    from bglint.rules import ALL_RULES

    codes = {rule.code for rule in ALL_RULES}
    folders = {folder.name for folder in fixture_folders()}
    assert codes == folders, (
        f"rules without fixtures: {sorted(codes - folders)}; "
        f"fixture folders without a rule: {sorted(folders - codes)}"
    )


@pytest.mark.parametrize("folder", [f.name for f in fixture_folders()])
def test_folder_has_as_many_near_misses_as_positives(folder):
    fixtures = [f for f in FIXTURES if f.code == folder]
    positives = sum(len(fixture_markers(f)) for f in fixtures)
    near_misses = Counter()
    for fixture in fixtures:
        for file in fixture.files:
            near_misses[fixture.id] += count_near_misses(read(fixture.path(file)))
    total = sum(near_misses.values())
    assert total >= positives, (
        f"{folder}: {positives} markers but only {total} `# near miss:` comments ({dict(near_misses)}); "
        "add the silent look-alike beside each positive"
    )


# --- the harness itself ---------------------------------------------------------------------------


def test_marker_grammar():
    from harness import parse_markers

    text = (
        'jobs.add_task(send_welcome(email))  # error: 19 BG101 "send_welcome"\n'
        "# error: BG103\n"
        "\n"
        "jobs.add_task(lambda: notify(user))  # error: BG103  # error: 15 BG105\n"
        "jobs.add_task(send_welcome, email)  # near miss: not a marker\n"
        "label = '# error: BG101'\n"
    )
    found = [(m.row, m.code, m.column, m.fragment) for m in parse_markers(text, "case.py")]
    assert found == [
        (1, "BG101", 19, "send_welcome"),
        (4, "BG103", None, None),  # a line holding only a marker: the next code line
        (4, "BG103", None, None),
        (4, "BG105", 15, None),
    ]


def test_noqa_and_stub_rewrites():
    from harness import parse_markers

    text = "import fastapi\nfrom starlette.background import BackgroundTasks\n# error: BG102\nawait tasks.add_task(audit)\n"
    assert rewrite_markers_to_noqa(text, parse_markers(text, "case.py")).splitlines()[2:] == [
        "",
        "await tasks.add_task(audit)  # noqa: BG102",
    ]
    assert rewrite_imports_to_stub(text).splitlines()[:2] == [
        "import fastapi_stub_x as fastapi",
        "from starlette_stub_x.background import BackgroundTasks",
    ]


@each_multi_file_fixture
def test_findings_do_not_depend_on_file_order(fixture):
    """Rules may look across modules; what they say must not depend on which file came first."""

    def findings(files):
        results = run(fixture.root, files)
        return sorted(
            (file, d.code, d.start.row, d.start.column, d.message, d.fix is not None)
            for file, d in diagnostics_of(results)
        )

    assert findings(fixture.files) == findings(tuple(reversed(fixture.files)))
