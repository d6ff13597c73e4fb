"""Applying fixes: overlaps, a fix whose result does not parse, and how often the file is parsed.

A fix's re-parse check parses the whole file. On a 4 MB module that is seconds, so the fixes are
tried all together first (one parse), and the tree of the result is the one the re-analysis
summarises (no second parse of the same text).
"""

from __future__ import annotations

import ast

from harness import SIGNUP, SIGNUP_FIXED

from bglint import edits, index
from bglint.diagnostics import Applicability, Edit, Fix, Location
from bglint.edits import apply_fixes
from bglint.runner import check_source
from bglint.settings import FixMode, Settings

TEXT = "a = f(1)\nb = g(2)\nc = h(3)\n"


def replace(row: int, start: int, end: int, content: str) -> Fix:
    edit = Edit(Location(row, start), Location(row, end), content)
    return Fix("replace", Applicability.SAFE, (edit,))


def count_parses(monkeypatch, module, name: str) -> list:
    calls = []
    real = getattr(module, name)

    def counting(*args, **kwargs):
        calls.append(args[0])
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, counting)
    return calls


def test_fixes_that_parse_together_cost_one_parse_and_give_its_tree(monkeypatch):
    parses = count_parses(monkeypatch, edits, "parse")
    fixes = [replace(3, 5, 9, "h, 3"), replace(1, 5, 9, "f, 1"), replace(2, 5, 9, "g, 2")]
    text, count, tree = apply_fixes(TEXT, fixes)
    assert (text, count) == ("a = f, 1\nb = g, 2\nc = h, 3\n", 3)
    assert len(parses) == 1
    assert ast.dump(tree) == ast.dump(ast.parse(text))


def test_a_fix_whose_result_does_not_parse_is_dropped_alone():
    fixes = [replace(1, 5, 9, "f, 1"), replace(2, 5, 9, "g(2"), replace(3, 5, 9, "h, 3")]
    text, count, tree = apply_fixes(TEXT, fixes)
    assert (text, count) == ("a = f, 1\nb = g(2)\nc = h, 3\n", 2)
    assert ast.dump(tree) == ast.dump(ast.parse(text))


def test_of_overlapping_fixes_the_first_in_the_file_wins():
    fixes = [replace(1, 7, 8, "9"), replace(1, 5, 9, "f, 1")]
    assert apply_fixes(TEXT, fixes)[:2] == ("a = f, 1\nb = g(2)\nc = h(3)\n", 1)


def test_no_fix_applied_gives_no_tree():
    assert apply_fixes(TEXT, [replace(1, 5, 9, "f(")]) == (TEXT, 0, None)
    assert apply_fixes(TEXT, []) == (TEXT, 0, None)


def test_the_fixed_text_is_not_parsed_again_to_re_analyse_it(monkeypatch):
    parsed = count_parses(monkeypatch, index, "parse_module")
    result = check_source(SIGNUP.encode(), "app.py", Settings(fix_mode=FixMode.SAFE))
    assert result.fixed_source == SIGNUP_FIXED
    assert result.diagnostics == []  # the re-analysis ran, on the fixed text
    assert parsed == [SIGNUP]  # only the original text: the fixed one came with its tree
