"""Rule docs: the committed page is current, every docstring follows style.md §2, and the
examples in the docs are tests (Example raises exactly its code, Use instead is silent)."""

from __future__ import annotations

import re

import pytest
from harness import cli_runner

from bglint import docs
from bglint.cli import main
from bglint.diagnostics import docs_url
from bglint.rules import ALL_RULES, FixAvailability
from bglint.runner import check_source
from bglint.settings import Settings

ORDER = (
    "What it does",
    "Why is this bad?",
    "Example",
    "Use instead",
    "Fix safety",
    "Versions",
    "Options",
    "Known problems",
    "References",
)
REQUIRED = {"What it does", "Why is this bad?", "Example", "Use instead", "Versions", "References"}
RULE_IDS = [rule.code for rule in ALL_RULES]


def sections(rule) -> dict:
    """`## Heading` -> its text, from the rule's docstring."""
    found, current = {}, None
    fenced = False
    for line in docs.rule_body(rule).split("\n"):
        if line.lstrip().startswith("```"):
            fenced = not fenced
        if not fenced and line.startswith("## "):
            current = line[3:].strip()
            found[current] = []
        elif current is not None:
            found[current].append(line)
    return {heading: "\n".join(lines) for heading, lines in found.items()}


def python_block(text: str) -> str:
    match = re.search(r"```python\n(.*?)```", text, re.DOTALL)
    assert match, "no ```python block"
    return match.group(1)


def test_committed_rules_page_is_current():
    with open(docs.RULES_MD, encoding="utf-8", newline="") as handle:
        committed = handle.read()
    assert committed == docs.render_rules_markdown(), (
        "docs/rules.md is stale: run `python -m bglint.docs` and commit the result"
    )


@pytest.mark.parametrize("rule", ALL_RULES, ids=RULE_IDS)
def test_docstring_headings_follow_the_style_guide(rule):
    headings = list(sections(rule))
    assert all(h in ORDER for h in headings), f"unknown heading in {headings}"
    assert headings == sorted(headings, key=ORDER.index), "headings out of order"
    assert set(headings) >= REQUIRED
    fixable = rule.fix_availability is not FixAvailability.NEVER
    assert ("Fix safety" in headings) == fixable
    assert sections(rule)["What it does"].strip().startswith("Checks for")


@pytest.mark.parametrize("rule", ALL_RULES, ids=RULE_IDS)
def test_example_raises_its_code_and_use_instead_is_silent(rule, tmp_path):
    parts = sections(rule)
    path = str(tmp_path / "example.py")
    example = check_source(python_block(parts["Example"]).encode(), path, Settings())
    assert {d.code for d in example.diagnostics} == {rule.code}
    better = check_source(python_block(parts["Use instead"]).encode(), path, Settings())
    assert [d.code for d in better.diagnostics] == []


@pytest.mark.parametrize("rule", ALL_RULES, ids=RULE_IDS)
def test_section_anchor_matches_the_docs_url(rule):
    section = docs.render_rule_section(rule)
    assert section.startswith(f"## {rule.code} {rule.name}\n")
    anchor = docs.anchor(rule.code, rule.name)
    assert docs_url(rule.code, rule.name).endswith("#" + anchor)
    assert f"(#{anchor})" in docs.render_rules_markdown()
    assert "\n### What it does\n" in section


def test_demote_headings_leaves_code_alone():
    text = "## Example\n```python\n# a comment\nx = 1\n```\n## Use instead"
    assert docs.demote_headings(text) == (
        "### Example\n```python\n# a comment\nx = 1\n```\n### Use instead"
    )


def test_rule_command_prints_the_doc():
    result = cli_runner().invoke(main, ["rule", "BG101"], catch_exceptions=False)
    assert result.exit_code == 0
    assert "What it does" in result.stdout
    assert result.stdout.startswith("# BG101 call-in-add-task\n")
